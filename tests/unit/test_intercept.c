/* Interception: the interceptors list (parsing, refusals with the line,
 * matching) and the combination of a sweep's evidence into verdicts —
 * split views, STARTTLS on other paths, the canary, proxy headers — from
 * evidence alone. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/xalloc.h"
#include "veriport/results.h"

#include "check_run.h"

static struct intercept_list *parse_ok(const char *text)
{
	struct intercept_list *l;
	char err[256];
	ck_assert_msg(intercept_parse("t.list", text, strlen(text), &l, err,
				      sizeof err) == 0,
		      "%s", err);
	return l;
}

START_TEST(intercept_list_matches_chain_and_greeting)
{
	struct intercept_list *l =
	    parse_ok("# comment\n\nissuer  mitmproxy -- mitmproxy\n"
		     "issuer Zscaler Root CA -- Zscaler\r\n"
		     "greeting ***** -- Cisco ASA\n");
	struct tlsio_facts f = {0};
	strcpy(f.issuer, "CN=Example Issuing CA");
	ck_assert_ptr_null(intercept_match_chain(l, &f));
	f.nchain = 2;
	strcpy(f.chain[1].issuer, "CN=zscaler root ca, O=Zscaler Inc.");
	ck_assert_str_eq(intercept_match_chain(l, &f), "Zscaler");
	memset(&f, 0, sizeof f);
	strcpy(f.issuer, "CN=MITMPROXY, O=mitmproxy");
	ck_assert_str_eq(intercept_match_chain(l, &f), "mitmproxy");
	ck_assert_str_eq(intercept_match_greeting(l, "220 *******************"),
			 "Cisco ASA");
	ck_assert_ptr_null(intercept_match_greeting(l, "220 mx ESMTP Postfix"));
	ck_assert_ptr_null(intercept_match_greeting(NULL, "220 ****"));
	intercept_free(l);
}
END_TEST

START_TEST(intercept_list_refusals_name_the_line)
{
	static const struct {
		const char *text;
		const char *expect;
	} bad[] = {
	    {"issuer x -- y\nsubject z -- w\n",
	     "t.list:2: expected 'issuer' or 'greeting'"},
	    {"issuer no separator\n",
	     "t.list:1: expected 'KIND PATTERN -- PRODUCT'"},
	    {"\n\ngreeting  --  product\n",
	     "t.list:3: expected a pattern and a product"},
	    {"issuer a -- \n", "t.list:1: expected 'KIND PATTERN -- PRODUCT'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct intercept_list *l = (struct intercept_list *)1;
		char err[256];
		ck_assert_int_lt(intercept_parse("t.list", bad[i].text,
						 strlen(bad[i].text), &l, err,
						 sizeof err),
				 0);
		ck_assert_ptr_null(l);
		ck_assert_msg(strstr(err, bad[i].expect) != NULL,
			      "'%s' lacks '%s'", err, bad[i].expect);
	}
}
END_TEST

START_TEST(intercept_shipped_list_loads)
{
	const char *top = getenv("top_srcdir");
	char path[4096], err[256];
	snprintf(path, sizeof path, "%s/catalogs/interceptors.list",
		 top ? top : ".");
	struct intercept_list *l;
	ck_assert_msg(intercept_load(path, &l, err, sizeof err) == 0, "%s",
		      err);
	struct tlsio_facts f = {0};
	strcpy(f.issuer, "CN=Kaspersky Anti-Virus Personal Root Certificate");
	ck_assert_str_eq(intercept_match_chain(l, &f), "Kaspersky Anti-Virus");
	intercept_free(l);
}
END_TEST

/* A sweep's results built from evidence alone. */
static const char text[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole lan L\n"
    "role internet I\n    public\n"
    "row smtp\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n    purpose p\n"
    "row submission\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/587 smtp-starttls\n    starttls required\n    purpose p\n"
    "row web\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/443 https\n    purpose p\n"
    "row web-alt\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/8443 https\n    purpose p\n"
    "row plain-web\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/80 http\n    purpose p\n"
    "row update\n    vendor v\n    from here\n    to internet\n"
    "    port tcp/443 https\n    purpose p\n";

static struct catalog *cat;
static struct result items[8];
static struct results res;

static struct result *add(size_t i, const char *channel, const char *host,
			  const char *address)
{
	struct result *r = &items[i];
	memset(r, 0, sizeof *r);
	r->channel = catalog_channel_find(cat, channel);
	r->host = host;
	snprintf(r->address, sizeof r->address, "%s", address);
	evidence_init(&r->ev, r->channel->transport, r->channel->check);
	r->ev.connected = true;
	return r;
}

static void tls(struct result *r, bool verified)
{
	r->ev.tls_attempted = r->ev.tls_done = true;
	if (r->ev.tls == NULL)
		r->ev.tls = xcalloc(1, sizeof *r->ev.tls);
	r->ev.tls->verified = verified;
	r->ev.tls->untrusted = !verified;
	if (r->ev.dialogue || catalog_check_is_starttls(r->channel->check)) {
		r->ev.dialogue = true;
		r->ev.dlg_step = DLG_DONE;
		r->ev.starttls_checked = r->ev.dlg.starttls_offered = true;
	}
}

static void setup(void)
{
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &err),
			 0);
	res = (struct results){.catalog = cat, .role = "here", .items = items};
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		evidence_free(&items[i].ev);
	catalog_free(cat);
}

static void expect(size_t i, enum verdict v, enum reason r)
{
	ck_assert_msg(items[i].verdict.verdict == v &&
			  items[i].verdict.reason == r,
		      "result %zu (%s %s): %s/%s, expected %s/%s", i,
		      items[i].channel->id, items[i].address,
		      verdict_word(items[i].verdict.verdict),
		      reason_word(items[i].verdict.reason), verdict_word(v),
		      reason_word(r));
}

START_TEST(split_view_flags_the_unverified_path_only)
{
	tls(add(0, "web", "mail.lan", "10.0.0.5"), true);
	tls(add(1, "web-alt", "mail.lan", "10.0.0.5"), false);
	/* another host's odd certificate proves nothing about mail.lan */
	tls(add(2, "web-alt", "other.lan", "10.0.0.6"), false);
	res.nitems = 3;
	struct results_policy p = {0};
	results_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_HANDSHAKE_OK);
	expect(1, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
	expect(2, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER);
}
END_TEST

START_TEST(declared_trust_and_public_roles_decide_untrusted)
{
	tls(add(0, "web", "mail.lan", "10.0.0.5"), false);
	tls(add(1, "update", "update.vendor.example", "192.0.2.7"), false);
	res.nitems = 2;
	struct results_policy p = {0};
	results_decide(&res, &p);
	expect(0, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER);
	expect(1, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
	p.ca_file = "ca.pem";
	results_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
}
END_TEST

START_TEST(starttls_missing_on_one_path_is_stripping)
{
	/* opportunistic channel: offered on the v4 path, not on v6 */
	tls(add(0, "smtp", "mx.lan", "10.0.0.25"), true);
	struct result *r = add(1, "smtp", "mx.lan", "fd00::25");
	r->ev.dialogue = true;
	r->ev.dlg_step = DLG_DONE;
	r->ev.starttls_checked = true;
	/* opportunistic, one path only: fine */
	r = add(2, "smtp", "relay.lan", "10.0.0.26");
	r->ev.dialogue = true;
	r->ev.dlg_step = DLG_DONE;
	r->ev.starttls_checked = true;
	/* required and missing */
	r = add(3, "submission", "relay.lan", "10.0.0.26");
	r->ev.dialogue = true;
	r->ev.dlg_step = DLG_DONE;
	r->ev.starttls_checked = true;
	res.nitems = 4;
	struct results_policy p = {0};
	results_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_HANDSHAKE_OK);
	expect(1, VERDICT_INTERCEPTED, REASON_STARTTLS_STRIPPED);
	expect(2, VERDICT_OK, REASON_ANSWERED);
	expect(3, VERDICT_INTERCEPTED, REASON_STARTTLS_STRIPPED);
}
END_TEST

START_TEST(canary_marks_its_port_only)
{
	add(0, "smtp", "mx.lan", "10.0.0.25");
	items[0].ev.dialogue = true;
	items[0].ev.dlg_step = DLG_DONE;
	tls(add(1, "web", "mail.lan", "10.0.0.5"), true);
	res.nitems = 2;
	struct result canary = {0};
	canary.channel = catalog_channel_find(cat, "smtp");
	evidence_init(&canary.ev, CATALOG_TCP, CATALOG_CHECK_SMTP_STARTTLS);
	canary.ev.connected = true;
	struct results_policy p = {.canaries = &canary, .ncanaries = 1};
	results_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_CANARY_ANSWERED);
	expect(1, VERDICT_OK, REASON_HANDSHAKE_OK);
	canary.ev.connected = false; /* a silent canary accuses nobody */
	results_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_ANSWERED);
}
END_TEST

START_TEST(proxy_headers_count_only_against_a_clean_answer)
{
	struct result *r = add(0, "plain-web", "www.lan", "10.0.0.80");
	r->ev.dialogue = true;
	r->ev.dlg_step = DLG_DONE;
	r->ev.dlg.http.status = 200;
	r->ev.dlg.http.via = true;
	res.nitems = 1;
	struct results_policy p = {0};
	results_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_ANSWERED); /* maybe the server's CDN */
	tls(add(1, "web", "www.lan", "10.0.0.80"), true);
	items[1].ev.dlg.http.status = 200;
	res.nitems = 2;
	results_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_HEADER_INJECTED);
	expect(1, VERDICT_OK, REASON_HANDSHAKE_OK);
}
END_TEST

START_TEST(known_interceptor_even_when_verified)
{
	struct intercept_list *l =
	    parse_ok("issuer Example AV Root -- Example AV\n");
	struct result *r = add(0, "web", "mail.lan", "10.0.0.5");
	tls(r, true);
	strcpy(r->ev.tls->issuer, "CN=Example AV Root");
	res.nitems = 1;
	struct results_policy p = {.interceptors = l};
	results_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_KNOWN_INTERCEPTOR);
	intercept_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("intercept");
	TCase *tc = tcase_create("list");
	tcase_add_test(tc, intercept_list_matches_chain_and_greeting);
	tcase_add_test(tc, intercept_list_refusals_name_the_line);
	tcase_add_test(tc, intercept_shipped_list_loads);
	suite_add_tcase(s, tc);
	tc = tcase_create("combination");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_view_flags_the_unverified_path_only);
	tcase_add_test(tc, declared_trust_and_public_roles_decide_untrusted);
	tcase_add_test(tc, starttls_missing_on_one_path_is_stripping);
	tcase_add_test(tc, canary_marks_its_port_only);
	tcase_add_test(tc, proxy_headers_count_only_against_a_clean_answer);
	tcase_add_test(tc, known_interceptor_even_when_verified);
	suite_add_tcase(s, tc);
	return check_run(s);
}
