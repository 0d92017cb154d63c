/* Correlation: verdicts read with the rest of the sweep — split views,
 * declared trust, public roles, STARTTLS on other paths, the canary,
 * proxy headers against a clean answer, known products, what the daemon
 * remembered — and each verdict's sentence in the evidence. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/correlate.h"
#include "veriport/intercept.h"
#include "veriport/xalloc.h"

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
    "row mx\n    vendor v\n    from here\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n    purpose p\n"
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
	r->port = r->channel->port;
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

static bool has_line(const struct result *r, const char *part)
{
	for (const char *l = NULL; (l = evidence_next(&r->ev, l)) != NULL;)
		if (strstr(l, part) != NULL)
			return true;
	return false;
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
	struct correlate_policy p = {0};
	correlate_decide(&res, &p);
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
	struct correlate_policy p = {0};
	correlate_decide(&res, &p);
	expect(0, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER);
	expect(1, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
	/* the declared CA is the internal role's (the public one keeps the
	 * system store) */
	const char *declared[] = {NULL, "ca.pem", NULL};
	p.declared = declared;
	correlate_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
	ck_assert(has_line(&items[0], "expected a chain to the CA of ca.pem"));
	expect(1, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
	ck_assert_int_eq(items[1].verdict.because, VERDICT_BECAUSE_PUBLIC_ROLE);
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
	struct correlate_policy p = {0};
	correlate_decide(&res, &p);
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
	canary.port = canary.channel->port;
	evidence_init(&canary.ev, CATALOG_TCP, CATALOG_CHECK_SMTP_STARTTLS);
	canary.ev.connected = true;
	struct correlate_policy p = {.canaries = &canary, .ncanaries = 1};
	correlate_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_CANARY_ANSWERED);
	expect(1, VERDICT_OK, REASON_HANDSHAKE_OK);
	canary.ev.connected = false; /* a silent canary accuses nobody */
	correlate_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_ANSWERED);
}
END_TEST

/* The canary is probed directly: through --proxy, a channel's path is
 * another one, and the canary says nothing of it. */
START_TEST(canary_says_nothing_of_a_channel_through_a_proxy)
{
	add(0, "smtp", "mx.lan", "");
	items[0].ev.dialogue = true;
	items[0].ev.dlg_step = DLG_DONE;
	items[0].ev.proxy.used = true;
	items[0].ev.proxy.step = EVIDENCE_PROXY_OPEN;
	res.nitems = 1;
	struct result canary = {0};
	canary.channel = catalog_channel_find(cat, "smtp");
	canary.port = canary.channel->port;
	evidence_init(&canary.ev, CATALOG_TCP, CATALOG_CHECK_SMTP_STARTTLS);
	canary.ev.connected = true;
	struct correlate_policy p = {.canaries = &canary, .ncanaries = 1};
	correlate_decide(&res, &p);
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
	struct correlate_policy p = {0};
	correlate_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_ANSWERED); /* maybe the server's CDN */
	tls(add(1, "web", "www.lan", "10.0.0.80"), true);
	items[1].ev.dlg.http.status = 200;
	res.nitems = 2;
	correlate_decide(&res, &p);
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
	struct correlate_policy p = {.interceptors = l};
	correlate_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_KNOWN_INTERCEPTOR);
	intercept_free(l);
}
END_TEST

static bool remembered_other(void *arg, const struct result *r, char *what,
			     size_t whatlen)
{
	(void)arg;
	(void)r;
	snprintf(what, whatlen,
		 "certificate changed since 2026-11-20T10:00:00Z: was SPKI "
		 "3f2a1b2c3d4e... issuer CN=Old CA, now SPKI 91bc4d5e6f70... "
		 "issuer CN=New CA");
	return true;
}

/* An internal server (not a public role, no declared CA) whose untrusted
 * certificate is not the one remembered: the remembered one is what says
 * it is interception, so the verdict and its sentence name the pin. */
START_TEST(remembered_change_on_a_private_server_names_the_pin)
{
	tls(add(0, "web", "mail.lan", "10.0.0.5"), false);
	res.nitems = 1;
	struct correlate_policy p = {.changed = remembered_other};
	correlate_decide(&res, &p);
	expect(0, VERDICT_INTERCEPTED, REASON_PIN_MISMATCH);
	ck_assert(has_line(&items[0], "certificate changed since"));
	ck_assert(!has_line(&items[0], "public service"));
}
END_TEST

/* Self-signed MX hosts are common: alone, opportunistic STARTTLS to one
 * is ok. One untrusted issuer behind several public hosts is not: an
 * interceptor re-signs them all. An internal CA for several internal
 * servers is neither. */
START_TEST(one_issuer_for_several_public_hosts_is_interception)
{
	tls(add(0, "mx", "mx1.example.net", "192.0.2.25"), false);
	res.nitems = 1;
	struct correlate_policy p = {0};
	correlate_decide(&res, &p);
	expect(0, VERDICT_OK, REASON_HANDSHAKE_OK);
	ck_assert(has_line(&items[0], "opportunistic STARTTLS"));
	evidence_free(&items[0].ev);

	tls(add(0, "mx", "mx1.example.net", "192.0.2.25"), false);
	tls(add(1, "mx", "mx2.example.net", "192.0.2.26"), false);
	tls(add(2, "update", "update.example.com", "192.0.2.80"), false);
	/* another issuer: not part of it */
	tls(add(3, "mx", "mx3.example.net", "192.0.2.27"), false);
	strcpy(items[3].ev.tls->issuer, "CN=mx3 self-signed");
	/* two internal servers of one private CA */
	tls(add(4, "web", "a.lan", "10.0.0.1"), false);
	tls(add(5, "web", "b.lan", "10.0.0.2"), false);
	for (size_t i = 0; i < 6; i++)
		if (i != 3)
			strcpy(items[i].ev.tls->issuer, "CN=Corp Inspection");
	res.nitems = 6;
	correlate_decide(&res, &p);
	for (size_t i = 0; i < 3; i++) {
		expect(i, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER);
		ck_assert_int_eq(items[i].verdict.because,
				 VERDICT_BECAUSE_SHARED_ISSUER);
	}
	ck_assert(has_line(&items[0], "also certifies mx2.example.net, "
				      "update.example.com"));
	expect(3, VERDICT_OK, REASON_HANDSHAKE_OK);
	expect(4, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER);
	expect(5, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("correlate");
	TCase *tc = tcase_create("combination");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_view_flags_the_unverified_path_only);
	tcase_add_test(tc, declared_trust_and_public_roles_decide_untrusted);
	tcase_add_test(tc, starttls_missing_on_one_path_is_stripping);
	tcase_add_test(tc, canary_marks_its_port_only);
	tcase_add_test(tc, canary_says_nothing_of_a_channel_through_a_proxy);
	tcase_add_test(tc, proxy_headers_count_only_against_a_clean_answer);
	tcase_add_test(tc, known_interceptor_even_when_verified);
	tcase_add_test(tc, remembered_change_on_a_private_server_names_the_pin);
	tcase_add_test(tc, one_issuer_for_several_public_hosts_is_interception);
	suite_add_tcase(s, tc);
	return check_run(s);
}
