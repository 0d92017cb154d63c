/* Plan: which channels a role probes, to which names, which it checks as a
 * local listener and which it skips — and --map parsing. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/plan.h"

#include "check_run.h"

static const char text[] =
    "profile demo\ntitle T\nsource S\n"
    "role appliance A\nrole internet I\nrole admin-pc P\n"
    "role portal V\n    default update.example.com support.example.com\n"
    "row smtp-out\n    vendor v\n    from appliance\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n"
    "    purpose p\n"
    "row sms\n    vendor v\n    from appliance\n    to internet\n"
    "    host sms.example.com\n    port tcp/5061 tls\n    purpose p\n"
    "row update\n    vendor v\n    from appliance\n    to portal\n"
    "    port tcp/22 ssh\n    purpose p\n"
    "row ntp\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/123 ntp\n    optional depending on configuration\n"
    "    purpose p\n"
    "row admin\n    vendor v\n    from admin-pc\n    to appliance\n"
    "    port tcp/8443 https\n    purpose p\n"
    "row cluster\n    vendor v\n    from appliance\n    to appliance\n"
    "    port tcp/2222 ssh\n    purpose p\n";

static struct catalog *cat;

static void setup(void)
{
	struct catalog_error err;
	ck_assert_msg(catalog_parse("demo", text, strlen(text), &cat, &err) ==
			  0,
		      "%s", err.msg);
}

static void teardown(void)
{
	catalog_free(cat);
}

/* The plan as "channel:kind:host" words, for whole-plan assertions. */
static char *describe(const struct plan *p)
{
	static char buf[2048];
	buf[0] = '\0';
	for (size_t i = 0; i < p->nitems; i++) {
		const struct plan_item *it = &p->items[i];
		const char *kind = it->kind == PLAN_PROBE ? "probe"
				   : it->kind == PLAN_LISTENER
				       ? "listen"
				       : reason_word(it->skip_reason);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			 "%s%s:%s%s%s", i ? " " : "", it->channel->id, kind,
			 it->host ? ":" : "", it->host ? it->host : "");
	}
	return buf;
}

static struct plan build(const char *role)
{
	char err[256];
	struct plan_options o = {.role = role};
	struct plan p;
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), 0);
	return p;
}

START_TEST(plan_without_map_uses_vendor_hosts_and_skips_the_rest)
{
	struct plan p = build("appliance");
	ck_assert_str_eq(describe(&p),
			 "smtp-out:no-target sms:probe:sms.example.com "
			 "update:probe:update.example.com "
			 "update:probe:support.example.com ntp:optional "
			 "admin:listen cluster:no-target cluster:listen");
	plan_free(&p);
}
END_TEST

START_TEST(plan_map_precedence_channel_then_row_host_then_role)
{
	/* The plan points at the maps' host names: they outlive it. */
	struct plan_map m[3];
	char err[256];
	ck_assert_int_eq(plan_parse_map("internet=mx.example.net,192.0.2.1",
					&m[0], err, sizeof err),
			 0);
	ck_assert_int_eq(
	    plan_parse_map("portal=10.0.0.1", &m[1], err, sizeof err), 0);
	ck_assert_int_eq(
	    plan_parse_map("smtp-out=203.0.113.5", &m[2], err, sizeof err), 0);
	struct plan_options o = {
	    .role = "appliance", .maps = m, .nmaps = 3, .optional = true};
	struct plan p;
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), 0);
	ck_assert_str_eq(describe(&p),
			 "smtp-out:probe:203.0.113.5 sms:probe:sms.example.com "
			 "update:probe:10.0.0.1 ntp:probe:mx.example.net "
			 "ntp:probe:192.0.2.1 admin:listen cluster:no-target "
			 "cluster:listen");
	plan_free(&p);
	for (int i = 0; i < 3; i++)
		plan_map_free(&m[i]);
}
END_TEST

START_TEST(plan_only_names_channels_and_explains_other_roles)
{
	const char *only[] = {"admin", "ntp"};
	struct plan_options o = {.role = "appliance", .only = only, .nonly = 2};
	struct plan p;
	char err[256];
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), 0);
	ck_assert_str_eq(describe(&p), "ntp:no-target admin:listen");
	plan_free(&p);
	o.role = "internet";
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), 0);
	ck_assert_str_eq(describe(&p), "ntp:listen admin:not-this-role");
	plan_free(&p);
}
END_TEST

START_TEST(plan_optional_channels_in_use_are_probed)
{
	const char *in_use[] = {"ntp"};
	struct plan_map m;
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("internet=192.0.2.1", &m, err, sizeof err), 0);
	struct plan_options o = {.role = "appliance",
				 .maps = &m,
				 .nmaps = 1,
				 .optional_in_use = in_use,
				 .noptional_in_use = 1};
	struct plan p;
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(describe(&p), "ntp:probe:192.0.2.1"));
	plan_free(&p);
	plan_map_free(&m);
}
END_TEST

START_TEST(plan_refuses_unknown_names)
{
	struct plan p;
	char err[256];
	struct plan_options o = {.role = "mailserver"};
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown role 'mailserver'"));
	ck_assert_ptr_nonnull(strstr(err, "appliance, internet, admin-pc"));

	struct plan_map m;
	ck_assert_int_eq(plan_parse_map("nosuch=h", &m, err, sizeof err), 0);
	o = (struct plan_options){.role = "appliance", .maps = &m, .nmaps = 1};
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), -EINVAL);
	ck_assert_ptr_nonnull(
	    strstr(err, "'nosuch' is neither a role nor a channel"));
	plan_map_free(&m);

	const char *only[] = {"nope"};
	o = (struct plan_options){
	    .role = "appliance", .only = only, .nonly = 1};
	ck_assert_int_eq(plan_build(cat, &o, &p, err, sizeof err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--only nope: no such channel"));
}
END_TEST

START_TEST(plan_parse_map_refuses_malformed)
{
	static const char *bad[] = {
	    "internet", "=host", "internet=", "internet=a,,b", "internet=a,"};
	struct plan_map m;
	char err[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(plan_parse_map(bad[i], &m, err, sizeof err) ==
				  -EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, bad[i]));
	}
	ck_assert_int_eq(plan_parse_map("internet=a,b", &m, err, sizeof err),
			 0);
	ck_assert_str_eq(m.key, "internet");
	ck_assert_uint_eq(m.ntargets, 2);
	ck_assert_str_eq(m.targets[1].host, "b");
	plan_map_free(&m);
}
END_TEST

START_TEST(plan_host_valid_takes_names_and_addresses_only)
{
	static const char *good[] = {
	    "mx.example.net", "mx.example.net.", "a",   "xn--bcher-kva.example",
	    "192.0.2.1",      "2001:db8::1",     "::1", "::ffff:192.0.2.1",
	    "3com.example",
	};
	static const char *bad[] = {
	    "a..b",
	    ".a",
	    "-a.example",
	    "a-.example",
	    "a_b.example",
	    "1.2.3.4.5",
	    "256.1.1.1",
	    "192.0.2",
	    "2001:db8::g",
	    "a|b",
	    "a\nb",
	    "a b",
	    ".",
	    "fe80::1%eth0",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "example",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(plan_host_valid(good[i], strlen(good[i])),
			      "refused '%s'", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!plan_host_valid(bad[i], strlen(bad[i])),
			      "accepted '%s'", bad[i]);
	struct plan_map m;
	char err[512];
	ck_assert_int_eq(
	    plan_parse_map(
		"internet=[2001:db8::1]:2525,192.0.2.1:26,mx.example", &m, err,
		sizeof err),
	    0);
	ck_assert_str_eq(m.targets[0].host, "2001:db8::1");
	ck_assert_uint_eq(m.targets[0].port, 2525);
	ck_assert_uint_eq(m.targets[1].port, 26);
	ck_assert_uint_eq(m.targets[2].port, 0);
	plan_map_free(&m);
	ck_assert_int_eq(
	    plan_parse_map("internet=[192.0.2.1]:25", &m, err, sizeof err),
	    -EINVAL);
}
END_TEST

START_TEST(plan_parse_proxy_takes_http_urls_only)
{
	static const struct {
		const char *url, *host;
		unsigned port;
	} good[] = {
	    {"http://proxy.example.net:3128", "proxy.example.net", 3128},
	    {"HTTP://proxy.example.net:8080/", "proxy.example.net", 8080},
	    {"http://192.0.2.8:3128", "192.0.2.8", 3128},
	    {"http://[2001:db8::8]:3128", "2001:db8::8", 3128},
	};
	static const char *const bad[] = {
	    "proxy.example.net:3128",
	    "https://proxy.example.net:3128",
	    "socks5://proxy.example.net:1080",
	    "http://",
	    "http://proxy.example.net",
	    "http://proxy.example.net:",
	    "http://proxy.example.net:0",
	    "http://proxy.example.net:65536",
	    "http://proxy.example.net:3128/path",
	    "http://user:pw@proxy.example.net:3128",
	    "http://2001:db8::8:3128",
	    "http://[2001:db8::8]",
	    "http://[192.0.2.8]:3128",
	    "http://a|b:3128",
	    "http://-bad-.example:3128",
	    "http://proxy example:3128",
	};
	char err[256];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct plan_proxy px;
		ck_assert_msg(
		    plan_parse_proxy(good[i].url, &px, err, sizeof err) == 0,
		    "%s: %s", good[i].url, err);
		ck_assert_str_eq(px.host, good[i].host);
		ck_assert_uint_eq(px.port, good[i].port);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct plan_proxy px;
		err[0] = '\0';
		ck_assert_msg(plan_parse_proxy(bad[i], &px, err, sizeof err) ==
				  -EINVAL,
			      "%s was taken", bad[i]);
		ck_assert_msg(strstr(err, "http://HOST:PORT") != NULL,
			      "%s: '%s'", bad[i], err);
		ck_assert_str_eq(px.host, "");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
		       plan_without_map_uses_vendor_hosts_and_skips_the_rest);
	tcase_add_test(tc, plan_map_precedence_channel_then_row_host_then_role);
	tcase_add_test(tc, plan_only_names_channels_and_explains_other_roles);
	tcase_add_test(tc, plan_optional_channels_in_use_are_probed);
	tcase_add_test(tc, plan_refuses_unknown_names);
	tcase_add_test(tc, plan_parse_map_refuses_malformed);
	tcase_add_test(tc, plan_host_valid_takes_names_and_addresses_only);
	tcase_add_test(tc, plan_parse_proxy_takes_http_urls_only);
	suite_add_tcase(s, tc);
	return check_run(s);
}
