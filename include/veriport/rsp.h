/* Responder dialogues, sans-I/O: the far end of a channel for `veriport
 * respond`. Each speaks just enough of a check kind for veriport's own
 * client dialogue (dlg.h) to complete, and puts this run's token where the
 * protocol carries text. No socket, no event loop, no OpenSSL in any of
 * them; src/respond.c does all I/O and TLS. */
#ifndef VERIPORT_RSP_H
#define VERIPORT_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/catalog_check.h"

/* Client bytes a responder keeps at once: one command line, one request
 * head, one LDAP message. More without a complete one is a hostile or
 * wrong client. */
#define RSP_IN_MAX 4096
/* Answers queued at once: a few replies of a client that sends several
 * commands in one segment; one reply is under RSP_REPLY_MAX. */
#define RSP_OUT_MAX 8192
#define RSP_REPLY_MAX 1024
/* Bytes a client may send in one connection before it is cut off. */
#define RSP_RECEIVED_MAX (16 * 1024)
/* What the client asked, for the end table ("EHLO, STARTTLS, TLS, ..."). */
#define RSP_ASKED_MAX 160
/* A token with its NUL (RESPOND_TOKEN_MAX + 1). */
#define RSP_TOKEN_MAX 64
/* The largest datagram answer: within one IPv6 minimum MTU's payload. */
#define RSP_DGRAM_MAX 1200

struct rsp_params {
	const char *token; /* put in greetings and banners */
	/* A certificate is loaded: STARTTLS and the like are offered. */
	bool tls_available;
	/* The engine ran TLS first (smtps, imaps, https, ...): the
	 * dialogue starts on the decrypted stream. */
	bool implicit_tls;
	/* The time, for protocols that carry it (NTP): milliseconds since
	 * 1970, from the engine's clock. */
	uint64_t now_ms;
};

enum rsp_step {
	RSP_MORE,     /* send rsp_output(), then feed what the client sends */
	RSP_STARTTLS, /* send rsp_output() in the clear, then run the TLS
			 server handshake and call rsp_tls_started() */
	RSP_CLOSE,    /* send rsp_output(), then close */
};

struct rsp {
	enum catalog_check check;
	char token[RSP_TOKEN_MAX];
	bool tls_available;
	bool tls; /* the stream is TLS now */
	int state;
	uint8_t in[RSP_IN_MAX];
	size_t inlen;
	uint8_t out[RSP_OUT_MAX];
	size_t outlen;
	size_t received;
	unsigned errors; /* commands refused so far */
	bool closing;    /* RSP_CLOSE was said: nothing more is taken */
	char asked[RSP_ASKED_MAX];
};

/* True when CHECK has a responder over TCP. */
bool rsp_has_stream(enum catalog_check check);
/* Start: the greeting (for a server-speaks-first protocol) is in
 * rsp_output(). Returns 0, or -ENOTSUP when CHECK has none. */
int rsp_start(struct rsp *r, enum catalog_check check,
	      const struct rsp_params *p);
/* Feed LEN bytes the client sent. */
enum rsp_step rsp_feed(struct rsp *r, const uint8_t *in, size_t len);
/* TLS is up after RSP_STARTTLS. */
enum rsp_step rsp_tls_started(struct rsp *r);
size_t rsp_output(const struct rsp *r, const uint8_t **out);
void rsp_sent(struct rsp *r);

/* True when CHECK has a responder over UDP (syslog: it records only). */
bool rsp_udp_supported(enum catalog_check check);
/* Answer the LEN-byte datagram IN: the reply goes to OUT (up to CAP
 * bytes) and its length is returned, 0 for none (syslog, garbage). ASKED
 * gets what the datagram asked ("DNS SOA? .", "NTP client", ...). */
size_t rsp_udp_answer(enum catalog_check check, const struct rsp_params *p,
		      const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		      char *asked, size_t asklen);

#endif
