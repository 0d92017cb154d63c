/* TLS client (and, for `veriport respond`, server) over memory BIOs: the
 * engine hands in the bytes the peer sent and sends what this layer
 * produces. It never touches a socket
 * (no SSL_set_fd) and never decides a verdict: it reports what the
 * handshake and the certificate chain showed. */
#ifndef VERIPORT_TLSIO_H
#define VERIPORT_TLSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Certificates of a chain kept as evidence; real chains have 2-4. */
#define TLSIO_CHAIN_MAX 6
#define TLSIO_NAME_MAX 256

struct tlsio_cert {
	char subject[TLSIO_NAME_MAX];
	char issuer[TLSIO_NAME_MAX];
};

/* What one handshake showed. Everything is text, ready for evidence. */
struct tlsio_facts {
	char version[16]; /* "TLSv1.3" */
	char cipher[64];
	char subject[TLSIO_NAME_MAX];
	char issuer[TLSIO_NAME_MAX];
	char sans[512];      /* "DNS:a.example, IP:192.0.2.1" */
	char not_before[32]; /* "2026-01-01T00:00:00Z" */
	char not_after[32];
	int64_t not_after_unix; /* the same as seconds since 1970; 0: unknown */
	/* The issuer's key: the leaf's authorityKeyIdentifier, or "" when the
	 * leaf has none (RFC 5280 §4.2.1.1). */
	char issuer_key[65];
	char sha256[65];      /* of the leaf certificate (DER) */
	char spki_sha256[65]; /* of the leaf's SubjectPublicKeyInfo */
	struct tlsio_cert chain[TLSIO_CHAIN_MAX];
	size_t nchain;      /* the first TLSIO_CHAIN_MAX of them */
	size_t chain_sent;  /* certificates the peer sent */
	bool verified;      /* chain and name verified against the trust */
	long verify_result; /* X509_V_* */
	char verify_error[128];
	bool expired;
	bool hostname_mismatch;
	bool untrusted; /* no path to a trusted root */
};

enum tlsio_step {
	TLSIO_WANT_IO, /* send tlsio_output(), feed what comes back */
	TLSIO_DONE,    /* handshake complete; facts are ready */
	TLSIO_FAIL,    /* handshake failed: tlsio_error() says why */
};

enum tlsio_failure {
	TLSIO_FAIL_NONE,
	TLSIO_FAIL_HANDSHAKE,        /* alert, bad record, peer not TLS */
	TLSIO_FAIL_PROTOCOL_VERSION, /* no common protocol version */
};

struct tlsio_ctx;
struct tlsio;

/* Trust: CA_FILE when given (the user's declared trust), and the system
 * store when SYSTEM is set or there is no CA_FILE (read at the first
 * session, so a sweep without TLS never parses it). Returns 0 or a negative
 * errno with ERR naming the file and why ("No such file or directory"). */
int tlsio_ctx_new(struct tlsio_ctx **out, const char *ca_file, bool system,
		  char *err, size_t errlen);
void tlsio_ctx_free(struct tlsio_ctx *ctx);
/* Read the system store now if it is still to be read (the first session
 * does it otherwise): before a connection is opened that would wait for
 * it. */
void tlsio_ctx_prepare(struct tlsio_ctx *ctx);

/* A client session for one connection; SERVER_NAME goes into SNI (unless
 * it is an address literal) and into the hostname check. */
struct tlsio *tlsio_new(struct tlsio_ctx *ctx, const char *server_name);
void tlsio_free(struct tlsio *t);

/* A server context for `veriport respond`: the certificate and key in
 * CERT_FILE and KEY_FILE (PEM), or, when both are NULL, a fresh EC P-256
 * key and a self-signed certificate with the subject CN=CN, valid from an
 * hour ago for a year. SPKI gets the lowercase hex SHA-256 of the
 * certificate's SubjectPublicKeyInfo. Returns 0 or a negative errno with
 * ERR naming the file and why. */
int tlsio_server_ctx_new(struct tlsio_ctx **out, const char *cert_file,
			 const char *key_file, const char *cn, char spki[65],
			 char *err, size_t errlen);
/* A server session for one accepted connection of a server context. */
struct tlsio *tlsio_server_new(struct tlsio_ctx *ctx);

/* Start or continue the handshake. */
enum tlsio_step tlsio_handshake(struct tlsio *t);
/* Bytes the peer sent (ciphertext). */
void tlsio_feed(struct tlsio *t, const uint8_t *in, size_t len);
/* Ciphertext to send: up to CAP bytes copied into BUF; 0 when none. */
size_t tlsio_output(struct tlsio *t, uint8_t *buf, size_t cap);
/* Plaintext to send after the handshake (the dialogue's next command). */
int tlsio_write(struct tlsio *t, const uint8_t *plain, size_t len);
/* Plaintext received; 0 when none is ready, -1 when the peer closed. */
ssize_t tlsio_read(struct tlsio *t, uint8_t *buf, size_t cap);

enum tlsio_failure tlsio_failure(const struct tlsio *t);
/* OpenSSL's words for a failure, or "". */
const char *tlsio_error(const struct tlsio *t);
/* Fill FACTS after TLSIO_DONE (or after a failure, as far as it got). */
void tlsio_facts(const struct tlsio *t, struct tlsio_facts *facts);
/* The facts of certificates outside a handshake (a pinned or remembered
 * chain; the fuzz target): LEN bytes of PEM, or of DER certificates one
 * after another; the first is the leaf. Nothing is verified. Returns 0,
 * or -EINVAL when no certificate could be read. */
int tlsio_facts_from_certs(const uint8_t *buf, size_t len,
			   struct tlsio_facts *facts);

#endif
