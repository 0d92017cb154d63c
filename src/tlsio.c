/* TLS client over memory BIOs (OpenSSL 3.0). The engine moves ciphertext
 * between the socket and this layer; we never see a socket. Verification
 * runs to the end of the chain and records every problem (expired, name,
 * untrusted) instead of stopping at the first, because the interception
 * rules need all of them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "veriport/text.h"
#include "veriport/tlsio.h"
#include "veriport/xalloc.h"

struct tlsio_ctx {
	SSL_CTX *ssl_ctx;
	/* The system store is parsed at the first session, not before: its
	 * ~140 roots cost 55 ms of CPU, which a sweep without TLS never
	 * needs (a 5,000-port TCP sweep takes 0.4 s in all). */
	bool system_pending;
};

struct tlsio {
	SSL *ssl;
	BIO *rbio, *wbio;
	enum tlsio_failure failure;
	char error[160];
	bool expired, hostname_mismatch, untrusted;
	long first_error;
};

static int tlsio_ex_index = -1;

/* Record every verification problem and go on: the handshake completes
 * so the chain can be reported, and the verdict decides what it means. */
static int tlsio_on_verify(int ok, X509_STORE_CTX *store)
{
	if (ok)
		return 1;
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tlsio *t = SSL_get_ex_data(ssl, tlsio_ex_index);
	int err = X509_STORE_CTX_get_error(store);
	if (t->first_error == X509_V_OK)
		t->first_error = err;
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		t->expired = true;
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		t->hostname_mismatch = true;
		break;
	default:
		t->untrusted = true;
		break;
	}
	return 1;
}

int tlsio_ctx_new(struct tlsio_ctx **out, const char *ca_file, bool system,
		  char *err, size_t errlen)
{
	*out = NULL;
	/* OpenSSL's own words for a missing file are "system lib". */
	if (ca_file != NULL && access(ca_file, R_OK) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", ca_file, strerror(e));
		return -e;
	}
	if (tlsio_ex_index < 0)
		tlsio_ex_index =
		    SSL_get_ex_new_index(0, "veriport tlsio", NULL, NULL, NULL);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return -ENOMEM;
	}
	if (ca_file != NULL &&
	    !SSL_CTX_load_verify_locations(ctx, ca_file, NULL)) {
		snprintf(err, errlen, "%s: cannot load CA certificates (%s)",
			 ca_file,
			 ERR_reason_error_string(ERR_peek_last_error())
			     ? ERR_reason_error_string(ERR_peek_last_error())
			     : "unknown error");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tlsio_on_verify);
	*out = xcalloc(1, sizeof **out);
	(*out)->ssl_ctx = ctx;
	(*out)->system_pending = system || ca_file == NULL;
	return 0;
}

void tlsio_ctx_free(struct tlsio_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* The server side (veriport respond) ----------------------------------- */

/* How long a generated certificate is valid: the responder runs for
 * minutes, but a checker with a skewed clock must not call it expired. */
#define TLSIO_SERVER_CERT_DAYS 365
#define TLSIO_SERVER_CERT_BACKDATE (60 * 60)

static int server_fail(SSL_CTX *ctx, EVP_PKEY *key, X509 *cert, char *err,
		       size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	snprintf(err, errlen, "%s (%s)", what,
		 e && ERR_reason_error_string(e) ? ERR_reason_error_string(e)
						 : "unknown error");
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	SSL_CTX_free(ctx);
	return -EINVAL;
}

/* A self-signed certificate for KEY with the subject CN=CN. */
static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *cert = X509_new();
	if (cert == NULL)
		return NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	X509_NAME *name = X509_get_subject_name(cert);
	bool ok = RAND_bytes(serial, sizeof serial) == 1;
	serial[0] &= 0x7f; /* RFC 5280 §4.1.2.2: positive */
	ok = ok && (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL &&
	     (sn = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	     X509_set_version(cert, 2) == 1 &&
	     X509_set_serialNumber(cert, sn) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(cert),
			     -TLSIO_SERVER_CERT_BACKDATE) != NULL &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), TLSIO_SERVER_CERT_DAYS,
			      0, NULL) != NULL &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1,
					0) == 1 &&
	     X509_set_issuer_name(cert, name) == 1 &&
	     X509_set_pubkey(cert, key) == 1 &&
	     X509_sign(cert, key, EVP_sha256()) > 0;
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* N bytes as lowercase hex into OUT (2N + 1 bytes), without a printf
 * call per byte: a certificate's facts take three digests. */
static void hex(const unsigned char *md, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* The pin: the SHA-256 of the whole SubjectPublicKeyInfo (RFC 7469
 * §2.4), not just the key bits. */
static void spki_hex(X509 *cert, char spki[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned n = 0;
	spki[0] = '\0';
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0 &&
	    EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL) == 1)
		hex(md, n < 32 ? n : 32, spki);
	OPENSSL_free(der);
}

int tlsio_server_ctx_new(struct tlsio_ctx **out, const char *cert_file,
			 const char *key_file, const char *cn, char spki[65],
			 char *err, size_t errlen)
{
	*out = NULL;
	spki[0] = '\0';
	if (tlsio_ex_index < 0)
		tlsio_ex_index =
		    SSL_get_ex_new_index(0, "veriport tlsio", NULL, NULL, NULL);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	if (ctx == NULL)
		return server_fail(ctx, key, cert, err, errlen,
				   "TLS: cannot create a server context");
	if (cert_file != NULL || key_file != NULL) {
		const char *files[2] = {cert_file, key_file};
		for (int i = 0; i < 2; i++)
			if (files[i] == NULL || access(files[i], R_OK) != 0) {
				int e = files[i] ? errno : EINVAL;
				snprintf(
				    err, errlen, "%s: %s",
				    files[i] ? files[i] : "--cert and --key",
				    files[i] ? strerror(e) : "go together");
				SSL_CTX_free(ctx);
				return -e;
			}
		if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
			return server_fail(ctx, key, cert, err, errlen,
					   cert_file);
		if (SSL_CTX_use_PrivateKey_file(ctx, key_file,
						SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			return server_fail(ctx, key, cert, err, errlen,
					   key_file);
		spki_hex(SSL_CTX_get0_certificate(ctx), spki);
	} else {
		key = EVP_EC_gen("P-256");
		if (key == NULL)
			return server_fail(ctx, key, cert, err, errlen,
					   "TLS: cannot make an EC P-256 key");
		cert = self_signed(key, cn ? cn : "veriport-respond");
		if (cert == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1)
			return server_fail(ctx, key, cert, err, errlen,
					   "TLS: cannot make a certificate");
		spki_hex(cert, spki);
		X509_free(cert);
		EVP_PKEY_free(key);
	}
	/* The responder stands in for a product: any client veriport is
	 * (TLS 1.2 or 1.3) must complete, nothing older is offered. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	*out = xcalloc(1, sizeof **out);
	(*out)->ssl_ctx = ctx;
	return 0;
}

void tlsio_ctx_prepare(struct tlsio_ctx *ctx)
{
	/* OpenSSL skips a missing default file or folder: this fails only
	 * when it cannot allocate. */
	if (ctx->system_pending &&
	    !SSL_CTX_set_default_verify_paths(ctx->ssl_ctx))
		fatalx("TLS: cannot load the system trust store");
	ctx->system_pending = false;
}

static struct tlsio *session_new(struct tlsio_ctx *ctx)
{
	tlsio_ctx_prepare(ctx);
	struct tlsio *t = xcalloc(1, sizeof *t);
	t->ssl = SSL_new(ctx->ssl_ctx);
	if (t->ssl == NULL)
		fatalx("SSL_new failed");
	SSL_set_ex_data(t->ssl, tlsio_ex_index, t);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->rbio == NULL || t->wbio == NULL)
		fatalx("BIO_new failed");
	/* An empty read BIO means "no data yet", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	return t;
}

struct tlsio *tlsio_server_new(struct tlsio_ctx *ctx)
{
	struct tlsio *t = session_new(ctx);
	SSL_set_accept_state(t->ssl);
	return t;
}

static bool is_address(const char *name)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

struct tlsio *tlsio_new(struct tlsio_ctx *ctx, const char *server_name)
{
	struct tlsio *t = session_new(ctx);
	SSL_set_connect_state(t->ssl);
	if (server_name != NULL && *server_name != '\0') {
		if (is_address(server_name)) {
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
						      server_name);
		} else {
			/* RFC 6066 §3: SNI carries host names only. */
			SSL_set_tlsext_host_name(t->ssl, server_name);
			SSL_set1_host(t->ssl, server_name);
		}
	}
	return t;
}

void tlsio_free(struct tlsio *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl); /* frees both BIOs */
	free(t);
}

static void tlsio_fail(struct tlsio *t)
{
	unsigned long e = ERR_peek_last_error();
	int reason = ERR_GET_REASON(e);
	switch (reason) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_VERSION_TOO_HIGH:
		t->failure = TLSIO_FAIL_PROTOCOL_VERSION;
		break;
	default:
		t->failure = TLSIO_FAIL_HANDSHAKE;
		break;
	}
	const char *why = e ? ERR_reason_error_string(e) : NULL;
	snprintf(t->error, sizeof t->error, "%s",
		 why ? why : "the peer closed or sent no TLS");
	ERR_clear_error();
}

enum tlsio_step tlsio_handshake(struct tlsio *t)
{
	if (t->failure != TLSIO_FAIL_NONE)
		return TLSIO_FAIL;
	ERR_clear_error();
	int rc = SSL_do_handshake(t->ssl);
	if (rc == 1)
		return TLSIO_DONE;
	int e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return TLSIO_WANT_IO;
	tlsio_fail(t);
	return TLSIO_FAIL;
}

void tlsio_feed(struct tlsio *t, const uint8_t *in, size_t len)
{
	if (len > 0 && BIO_write(t->rbio, in, (int)len) != (int)len)
		fatalx("BIO_write of %zu bytes failed", len);
}

size_t tlsio_output(struct tlsio *t, uint8_t *buf, size_t cap)
{
	int n = BIO_read(t->wbio, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

int tlsio_write(struct tlsio *t, const uint8_t *plain, size_t len)
{
	ERR_clear_error();
	int n = SSL_write(t->ssl, plain, (int)len);
	if (n <= 0) {
		tlsio_fail(t);
		return -EIO;
	}
	return 0;
}

ssize_t tlsio_read(struct tlsio *t, uint8_t *buf, size_t cap)
{
	ERR_clear_error();
	int n = SSL_read(t->ssl, buf, (int)cap);
	if (n > 0)
		return n;
	int e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e != SSL_ERROR_ZERO_RETURN)
		tlsio_fail(t);
	return -1;
}

enum tlsio_failure tlsio_failure(const struct tlsio *t)
{
	return t->failure;
}

const char *tlsio_error(const struct tlsio *t)
{
	return t->error;
}

/* An attribute value, with RFC 4514 §2.4's specials escaped so the
 * name's separators stay unambiguous. */
static void value_text(char *buf, size_t len, const unsigned char *v, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (strchr(",+\"<>;", v[i]) == NULL || v[i] == '\0')
			continue;
		text_append(buf, len, v + from, i - from);
		text_appendf(buf, len, "\\%c", v[i]);
		from = i + 1;
	}
	text_append(buf, len, v + from, n - from);
}

/* One name's entries in RFC 2253 order (last first), each value from its
 * own bytes: a certificate's names are the peer's text, so every byte
 * goes through text_append() and nothing is lost or cut silently. BMP and
 * Universal strings are converted to UTF-8 first; a value that cannot be
 * converted is shown as the bytes it has. */
static void name_text(const X509_NAME *name, char *buf, size_t len)
{
	buf[0] = '\0';
	int n = X509_NAME_entry_count(name);
	int set = -1;
	for (int i = n - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
		int nid = OBJ_obj2nid(obj);
		char field[80];
		if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
			snprintf(field, sizeof field, "%s", OBJ_nid2sn(nid));
		else
			OBJ_obj2txt(field, sizeof field, obj, 1);
		if (buf[0] != '\0')
			text_appendf(buf, len, "%s",
				     X509_NAME_ENTRY_set(e) == set ? "+" : ",");
		set = X509_NAME_ENTRY_set(e);
		text_appendf(buf, len, "%s=", field);
		unsigned char *utf8 = NULL;
		int type = ASN1_STRING_type(v);
		int ulen =
		    type == V_ASN1_BMPSTRING || type == V_ASN1_UNIVERSALSTRING
			? ASN1_STRING_to_UTF8(&utf8, v)
			: -1;
		if (ulen >= 0)
			value_text(buf, len, utf8, (size_t)ulen);
		else
			value_text(buf, len, ASN1_STRING_get0_data(v),
				   (size_t)ASN1_STRING_length(v));
		OPENSSL_free(utf8);
	}
}

static void time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An iPAddress holds 4 (IPv4) or 16 (IPv6) bytes (RFC 5280 §4.2.1.6); any
 * other length is a malformed certificate, shown as what it holds. */
static void ip_text(const ASN1_OCTET_STRING *ip, char *buf, size_t len)
{
	int n = ASN1_STRING_length(ip);
	const unsigned char *p = ASN1_STRING_get0_data(ip);
	char text[INET6_ADDRSTRLEN];
	if ((n == 4 || n == 16) &&
	    inet_ntop(n == 4 ? AF_INET : AF_INET6, p, text, sizeof text)) {
		text_appendf(buf, len, "IP:%s", text);
		return;
	}
	text_appendf(buf, len, "IP:<%d bytes:", n);
	for (int i = 0; i < n && i < 16; i++)
		text_appendf(buf, len, " %02x", p[i]);
	text_appendf(buf, len, "%s>", n > 16 ? " ..." : "");
}

/* The subjectAltName entries a verdict or a reader can use: DNS names and
 * addresses (and e-mail addresses and URIs, which a peer may also fill
 * with any bytes). */
static void sans_text(X509 *cert, char *buf, size_t len)
{
	buf[0] = '\0';
	GENERAL_NAMES *names =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (names == NULL)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		const ASN1_STRING *text = NULL;
		const char *kind = NULL;
		if (g->type == GEN_DNS) {
			text = g->d.dNSName;
			kind = "DNS";
		} else if (g->type == GEN_EMAIL) {
			text = g->d.rfc822Name;
			kind = "email";
		} else if (g->type == GEN_URI) {
			text = g->d.uniformResourceIdentifier;
			kind = "URI";
		} else if (g->type != GEN_IPADD) {
			continue;
		}
		if (buf[0] != '\0')
			text_appendf(buf, len, ", ");
		if (g->type == GEN_IPADD) {
			ip_text(g->d.iPAddress, buf, len);
			continue;
		}
		text_appendf(buf, len, "%s:", kind);
		text_append(buf, len, ASN1_STRING_get0_data(text),
			    (size_t)ASN1_STRING_length(text));
	}
	GENERAL_NAMES_free(names);
}

/* What the certificates say: the leaf's names, validity and hashes, and
 * the names along the chain as the peer sent it. */
static void cert_facts(X509 *leaf, STACK_OF(X509) * chain,
		       struct tlsio_facts *f)
{
	name_text(X509_get_subject_name(leaf), f->subject, sizeof f->subject);
	name_text(X509_get_issuer_name(leaf), f->issuer, sizeof f->issuer);
	sans_text(leaf, f->sans, sizeof f->sans);
	time_text(X509_get0_notBefore(leaf), f->not_before,
		  sizeof f->not_before);
	time_text(X509_get0_notAfter(leaf), f->not_after, sizeof f->not_after);
	struct tm tm;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1)
		f->not_after_unix = (int64_t)timegm(&tm);
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(leaf);
	if (aki != NULL && ASN1_STRING_length(aki) <= 32)
		hex(ASN1_STRING_get0_data(aki),
		    (unsigned)ASN1_STRING_length(aki), f->issuer_key);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(leaf, EVP_sha256(), md, &n) == 1)
		hex(md, n, f->sha256);
	spki_hex(leaf, f->spki_sha256);
	f->chain_sent = chain ? (size_t)sk_X509_num(chain) : 0;
	for (size_t i = 0; i < f->chain_sent && f->nchain < TLSIO_CHAIN_MAX;
	     i++) {
		X509 *c = sk_X509_value(chain, (int)i);
		name_text(X509_get_subject_name(c), f->chain[f->nchain].subject,
			  TLSIO_NAME_MAX);
		name_text(X509_get_issuer_name(c), f->chain[f->nchain].issuer,
			  TLSIO_NAME_MAX);
		f->nchain++;
	}
}

void tlsio_facts(const struct tlsio *t, struct tlsio_facts *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->version, sizeof f->version, "%s", SSL_get_version(t->ssl));
	const char *cipher = SSL_get_cipher_name(t->ssl);
	snprintf(f->cipher, sizeof f->cipher, "%s", cipher ? cipher : "");
	f->expired = t->expired;
	f->hostname_mismatch = t->hostname_mismatch;
	f->untrusted = t->untrusted;
	f->verify_result = t->first_error;
	f->verified = t->first_error == X509_V_OK;
	X509 *leaf = SSL_get1_peer_certificate(t->ssl);
	if (leaf == NULL) {
		f->verified = false;
		snprintf(f->verify_error, sizeof f->verify_error,
			 "no certificate");
		return;
	}
	if (!f->verified)
		snprintf(f->verify_error, sizeof f->verify_error, "%s",
			 X509_verify_cert_error_string(t->first_error));
	cert_facts(leaf, SSL_get_peer_cert_chain(t->ssl), f);
	X509_free(leaf);
}

int tlsio_facts_from_certs(const uint8_t *buf, size_t len,
			   struct tlsio_facts *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->verify_error, sizeof f->verify_error, "not verified");
	STACK_OF(X509) *chain = sk_X509_new_null();
	if (chain == NULL)
		fatalx("sk_X509_new_null failed");
	if (len > INT_MAX)
		len = INT_MAX;
	if (memmem(buf, len, "-----BEGIN", 10) != NULL) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		if (b == NULL)
			fatalx("BIO_new_mem_buf failed");
		X509 *x;
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
			sk_X509_push(chain, x);
		BIO_free(b);
	} else {
		const unsigned char *p = buf;
		long left = (long)len;
		X509 *x;
		while (left > 0 && (x = d2i_X509(NULL, &p, left)) != NULL) {
			sk_X509_push(chain, x);
			left = (long)len - (long)(p - buf);
		}
	}
	ERR_clear_error();
	int rc = -EINVAL;
	if (sk_X509_num(chain) > 0) {
		cert_facts(sk_X509_value(chain, 0), chain, f);
		rc = 0;
	}
	sk_X509_pop_free(chain, X509_free);
	return rc;
}
