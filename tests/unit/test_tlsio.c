/* TLS layer: a tlsio client against an in-process OpenSSL server, the two
 * joined by nothing but byte copies (the client never sees a socket).
 * Trusted, wrong name, expired, re-signed by another CA, address literal,
 * and a peer that is not TLS at all. Certificates: tests/unit/tls/. */
#include "config.h"

#include <check.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/text.h"
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
	ck_assert_int_eq(
	    tlsio_ctx_new(&ctx, cert_path(trust), false, err, sizeof err), 0);
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
	/* openssl x509 -outform DER | sha256sum; the same of
	 * openssl pkey -pubin -outform DER; openssl x509 -ext
	 * authorityKeyIdentifier, of tests/unit/tls/server.pem */
	ck_assert_str_eq(f.sha256, "eeffc08cc97ede14ea96e75c8b9b3b0f"
				   "f0d3935e1fe661b156130d46a1051166");
	ck_assert_str_eq(f.spki_sha256, "4f9d45574cb34f7d49fc7063c43deb29"
					"0afb3e7a3842997f4cd7a5417465d39b");
	ck_assert_str_eq(f.issuer_key,
			 "c50507f296fd24ffa0fbc8d64a4407185c55fa4f");
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
	    tlsio_ctx_new(&ctx, cert_path("ca.pem"), false, err, sizeof err),
	    0);
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
	    tlsio_ctx_new(&ctx, "/nonexistent/ca.pem", false, err, sizeof err),
	    0);
	ck_assert_str_eq(err, "/nonexistent/ca.pem: No such file or directory");
}
END_TEST

/* Hostile certificates, made here: a subject CN of raw bytes and SAN
 * entries of any length, self-signed with a fresh P-256 key. */
static GENERAL_NAME *san(int type, const void *bytes, int n)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *v = ASN1_STRING_type_new(
	    type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
	ck_assert(ASN1_STRING_set(v, bytes, n));
	GENERAL_NAME_set0_value(g, type, v);
	return g;
}

static X509 *make_cert(EVP_PKEY **key, const void *cn, int cnlen,
		       GENERAL_NAMES *sans, const char *org)
{
	*key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(*key);
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME *name = X509_get_subject_name(x);
	ck_assert(X509_NAME_add_entry_by_txt(name, "CN", V_ASN1_UTF8STRING, cn,
					     cnlen, -1, 0));
	/* OpenSSL refuses a UTF8String that is not UTF-8, but takes any
	 * bytes as a TeletexString: a peer's bytes all the same. */
	if (org != NULL)
		ck_assert(X509_NAME_add_entry_by_txt(
		    name, "O", V_ASN1_T61STRING, (const unsigned char *)org, -1,
		    -1, 0));
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, *key);
	if (sans != NULL) {
		ck_assert(X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0,
					    X509V3_ADD_DEFAULT));
		GENERAL_NAMES_free(sans);
	}
	ck_assert(X509_sign(x, *key, EVP_sha256()));
	return x;
}

static void facts_of(X509 *x, struct tlsio_facts *f)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tlsio_facts_from_certs(der, (size_t)n, f), 0);
	OPENSSL_free(der);
}

START_TEST(tlsio_san_address_of_odd_length_shows_only_its_bytes)
{
	static const struct {
		int len;
		const char *want;
	} cases[] = {
	    {0, "IP:<0 bytes:>"},
	    {1, "IP:<1 bytes: 0a>"},
	    {2, "IP:<2 bytes: 0a 0b>"},
	    {3, "IP:<3 bytes: 0a 0b 0c>"},
	    {5, "IP:<5 bytes: 0a 0b 0c 0d 0e>"},
	    {17, "IP:<17 bytes: 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 "
		 "19 ...>"},
	    {4, "IP:10.11.12.13"},
	};
	unsigned char bytes[17];
	for (int i = 0; i < 17; i++)
		bytes[i] = (unsigned char)(10 + i);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		GENERAL_NAMES *sans = GENERAL_NAMES_new();
		/* exactly LEN bytes on the heap: ASan sees any read past */
		sk_GENERAL_NAME_push(sans, san(GEN_IPADD, bytes, cases[i].len));
		EVP_PKEY *key;
		X509 *x = make_cert(&key, "odd", 3, sans, NULL);
		struct tlsio_facts f;
		facts_of(x, &f);
		ck_assert_str_eq(f.sans, cases[i].want);
		X509_free(x);
		EVP_PKEY_free(key);
	}
}
END_TEST

START_TEST(tlsio_names_with_controls_nul_and_bad_utf8_are_escaped)
{
	static const char cn[] = "evil\x1b[31m\n\0name M\xc3\xbcller";
	static const char dns[] = "a\x1b.example\0b";
	GENERAL_NAMES *sans = GENERAL_NAMES_new();
	sk_GENERAL_NAME_push(sans, san(GEN_DNS, dns, sizeof dns - 1));
	sk_GENERAL_NAME_push(sans, san(GEN_DNS, "ok,+.example", 12));
	EVP_PKEY *key;
	X509 *x = make_cert(&key, cn, sizeof cn - 1, sans, "Bad\xff\xfe");
	struct tlsio_facts f;
	facts_of(x, &f);
	ck_assert_str_eq(f.subject,
			 "O=Bad\\xff\\xfe,CN=evil\\x1b[31m\\x0a\\x00name "
			 "M\xc3\xbcller");
	ck_assert_str_eq(f.issuer, f.subject);
	ck_assert_str_eq(f.sans, "DNS:a\\x1b.example\\x00b, DNS:ok,+.example");
	ck_assert(text_is_safe(f.subject) && text_is_safe(f.sans));
	X509_free(x);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(tlsio_hostile_certificate_over_a_handshake)
{
	GENERAL_NAMES *sans = GENERAL_NAMES_new();
	sk_GENERAL_NAME_push(sans, san(GEN_IPADD, "\x7f", 1));
	EVP_PKEY *key;
	X509 *x = make_cert(&key, "\x1b]0;pwned\x07", 10, sans, NULL);
	struct server s = {0};
	s.ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_int_eq(SSL_CTX_use_certificate(s.ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(s.ctx, key), 1);
	s.ssl = SSL_new(s.ctx);
	s.in = BIO_new(BIO_s_mem());
	s.out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(s.in, -1);
	SSL_set_bio(s.ssl, s.in, s.out);
	SSL_set_accept_state(s.ssl);
	struct tlsio_ctx *ctx;
	char err[256];
	ck_assert_int_eq(
	    tlsio_ctx_new(&ctx, cert_path("ca.pem"), false, err, sizeof err),
	    0);
	struct tlsio *c = tlsio_new(ctx, "server.test");
	ck_assert_int_eq(handshake(c, &s), TLSIO_DONE);
	struct tlsio_facts f;
	tlsio_facts(c, &f);
	ck_assert(f.untrusted);
	ck_assert_str_eq(f.subject, "CN=\\x1b]0\\;pwned\\x07");
	ck_assert_str_eq(f.sans, "IP:<1 bytes: 7f>");
	tlsio_free(c);
	tlsio_ctx_free(ctx);
	server_stop(&s);
	X509_free(x);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(tlsio_long_chain_says_how_much_was_kept)
{
	BIO *b = BIO_new(BIO_s_mem());
	for (int i = 0; i < 100; i++) {
		EVP_PKEY *key;
		char cn[16];
		snprintf(cn, sizeof cn, "link %d", i);
		X509 *x = make_cert(&key, cn, (int)strlen(cn), NULL, NULL);
		PEM_write_bio_X509(b, x);
		X509_free(x);
		EVP_PKEY_free(key);
	}
	char *pem;
	long n = BIO_get_mem_data(b, &pem);
	struct tlsio_facts f;
	ck_assert_int_eq(tlsio_facts_from_certs((uint8_t *)pem, (size_t)n, &f),
			 0);
	ck_assert_uint_eq(f.chain_sent, 100);
	ck_assert_uint_eq(f.nchain, TLSIO_CHAIN_MAX);
	ck_assert_str_eq(f.subject, "CN=link 0");
	ck_assert_int_lt(tlsio_facts_from_certs((const uint8_t *)"junk", 4, &f),
			 0);
	BIO_free(b);
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
	tcase_add_test(tc,
		       tlsio_san_address_of_odd_length_shows_only_its_bytes);
	tcase_add_test(tc,
		       tlsio_names_with_controls_nul_and_bad_utf8_are_escaped);
	tcase_add_test(tc, tlsio_hostile_certificate_over_a_handshake);
	tcase_add_test(tc, tlsio_long_chain_says_how_much_was_kept);
	suite_add_tcase(s, tc);
	return check_run(s);
}
