/* TLS layer: a tlsio client against an in-process OpenSSL server, the two
 * joined by nothing but byte copies (the client never sees a socket).
 * Trusted, wrong name, expired, re-signed by another CA, address literal,
 * and a peer that is not TLS at all. Certificates: tests/unit/tls/. */
#include "config.h"

#include <check.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/tlsio.h"

#include "check_run.h"

static char *cert_path(const char *name)
{
	static char paths[4][4096];
	static int next;
	const char *top = getenv("top_srcdir");
	char *p = paths[next++ % 4];
	snprintf(p, 4096, "%s/tests/unit/tls/%s", top ? top : ".", name);
	return p;
}

struct server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
};

static void server_start(struct server *s, const char *cert)
{
	char pem[64], key[64];
	snprintf(pem, sizeof pem, "%s.pem", cert);
	snprintf(key, sizeof key, "%s.key", cert);
	s->ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_int_eq(SSL_CTX_use_certificate_file(s->ctx, cert_path(pem),
						      SSL_FILETYPE_PEM),
			 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(s->ctx, cert_path(key),
						     SSL_FILETYPE_PEM),
			 1);
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(s->in, -1);
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
}

static void server_stop(struct server *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
}

/* Shuttle bytes both ways until the client's handshake ends. */
static enum tlsio_step handshake(struct tlsio *c, struct server *s)
{
	uint8_t buf[16384];
	for (int round = 0; round < 20; round++) {
		enum tlsio_step step = tlsio_handshake(c);
		size_t n;
		while ((n = tlsio_output(c, buf, sizeof buf)) > 0)
			BIO_write(s->in, buf, (int)n);
		if (step != TLSIO_WANT_IO)
			return step;
		SSL_do_handshake(s->ssl);
		int m;
		while ((m = BIO_read(s->out, buf, sizeof buf)) > 0)
			tlsio_feed(c, buf, (size_t)m);
	}
	ck_abort_msg("handshake did not finish in 20 rounds");
	return TLSIO_FAIL;
}

static void run(const char *cert, const char *trust, const char *name,
		struct tlsio_facts *f, enum tlsio_step want)
{
	struct tlsio_ctx *ctx;
	char err[256];
	ck_assert_int_eq(tlsio_ctx_new(&ctx, cert_path(trust), err, sizeof err),
			 0);
	struct server s;
	server_start(&s, cert);
	struct tlsio *c = tlsio_new(ctx, name);
	ck_assert_int_eq(handshake(c, &s), want);
	tlsio_facts(c, f);
	tlsio_free(c);
	server_stop(&s);
	tlsio_ctx_free(ctx);
}

START_TEST(tlsio_trusted_chain_verifies_and_reports_facts)
{
	struct tlsio_facts f;
	run("server", "ca.pem", "server.test", &f, TLSIO_DONE);
	ck_assert(f.verified);
	ck_assert(!f.expired && !f.hostname_mismatch && !f.untrusted);
	ck_assert_str_eq(f.version, "TLSv1.3");
	ck_assert_str_eq(f.subject, "CN=server.test");
	ck_assert_str_eq(f.issuer, "CN=veriport test CA");
	ck_assert_str_eq(f.sans, "DNS:server.test, IP:127.0.0.1");
	ck_assert_str_eq(f.not_after, "2126-01-01T00:00:00Z");
	ck_assert_uint_eq(strlen(f.sha256), 64);
	ck_assert_uint_eq(strlen(f.spki_sha256), 64);
	ck_assert_str_ne(f.sha256, f.spki_sha256);
	ck_assert_uint_ge(f.nchain, 1);
	ck_assert_str_eq(f.chain[0].subject, "CN=server.test");
}
END_TEST

START_TEST(tlsio_wrong_name_is_a_hostname_mismatch)
{
	struct tlsio_facts f;
	run("server", "ca.pem", "mail.example.net", &f, TLSIO_DONE);
	ck_assert(!f.verified);
	ck_assert(f.hostname_mismatch);
	ck_assert(!f.untrusted && !f.expired);
}
END_TEST

START_TEST(tlsio_expired_certificate_is_flagged)
{
	struct tlsio_facts f;
	run("expired", "ca.pem", "server.test", &f, TLSIO_DONE);
	ck_assert(!f.verified);
	ck_assert(f.expired);
	ck_assert(!f.untrusted && !f.hostname_mismatch);
	ck_assert_str_eq(f.not_after, "2021-01-01T00:00:00Z");
}
END_TEST

START_TEST(tlsio_other_issuer_is_untrusted)
{
	struct tlsio_facts f;
	run("resigned", "ca.pem", "server.test", &f, TLSIO_DONE);
	ck_assert(!f.verified);
	ck_assert(f.untrusted);
	ck_assert_str_eq(f.issuer, "CN=veriport other CA");
	/* the same certificate verifies for whoever trusts that CA */
	run("resigned", "other-ca.pem", "server.test", &f, TLSIO_DONE);
	ck_assert(f.verified);
}
END_TEST

START_TEST(tlsio_address_literal_checks_ip_san)
{
	struct tlsio_facts f;
	run("server", "ca.pem", "127.0.0.1", &f, TLSIO_DONE);
	ck_assert(f.verified);
	run("server", "ca.pem", "127.0.0.2", &f, TLSIO_DONE);
	ck_assert(f.hostname_mismatch);
}
END_TEST

START_TEST(tlsio_peer_that_is_not_tls_fails_the_handshake)
{
	struct tlsio_ctx *ctx;
	char err[256];
	ck_assert_int_eq(
	    tlsio_ctx_new(&ctx, cert_path("ca.pem"), err, sizeof err), 0);
	struct tlsio *c = tlsio_new(ctx, "server.test");
	uint8_t buf[4096];
	ck_assert_int_eq(tlsio_handshake(c), TLSIO_WANT_IO);
	ck_assert_uint_gt(tlsio_output(c, buf, sizeof buf), 0);
	static const char smtp[] = "220 mail.example.net ESMTP Postfix\r\n";
	tlsio_feed(c, (const uint8_t *)smtp, sizeof smtp - 1);
	ck_assert_int_eq(tlsio_handshake(c), TLSIO_FAIL);
	ck_assert_int_eq(tlsio_failure(c), TLSIO_FAIL_HANDSHAKE);
	ck_assert_str_ne(tlsio_error(c), "");
	tlsio_free(c);
	tlsio_ctx_free(ctx);
}
END_TEST

START_TEST(tlsio_missing_ca_file_names_it)
{
	struct tlsio_ctx *ctx;
	char err[256];
	ck_assert_int_lt(
	    tlsio_ctx_new(&ctx, "/nonexistent/ca.pem", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ca.pem"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tlsio");
	TCase *tc = tcase_create("handshake");
	tcase_add_test(tc, tlsio_trusted_chain_verifies_and_reports_facts);
	tcase_add_test(tc, tlsio_wrong_name_is_a_hostname_mismatch);
	tcase_add_test(tc, tlsio_expired_certificate_is_flagged);
	tcase_add_test(tc, tlsio_other_issuer_is_untrusted);
	tcase_add_test(tc, tlsio_address_literal_checks_ip_san);
	tcase_add_test(tc, tlsio_peer_that_is_not_tls_fails_the_handshake);
	tcase_add_test(tc, tlsio_missing_ca_file_names_it);
	suite_add_tcase(s, tc);
	return check_run(s);
}
