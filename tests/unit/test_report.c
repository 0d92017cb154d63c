/* Reports of `check`: every format rendered from one fixed set of results
 * and compared with a golden file under tests/unit/golden/ (checked by eye
 * once, reviewed on every change). VERIPORT_UPDATE_GOLDEN=1 rewrites them. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/text.h"

#include "check_run.h"
#include "golden.h"

static const char text[] =
    "profile demo\ntitle Demo\nsource S\n"
    "role appliance A\nrole internet I\nrole admin-pc P\n"
    "row smtp-out\n    vendor v\n    from appliance\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n"
    "    purpose p\n"
    "row dns\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/53 dns\n    purpose p\n"
    "row syslog\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/514 syslog\n    optional if used\n    purpose p\n"
    "row ntp\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/123 ntp\n    optional if used\n    purpose p\n"
    "row admin\n    vendor v\n    from admin-pc\n    to appliance\n"
    "    port tcp/8443 https\n    purpose p\n";

static struct catalog *cat;
static struct results res;
static struct result items[6];

static void add(size_t i, const char *channel, const char *host,
		const char *address, double latency)
{
	struct result *r = &items[i];
	r->channel = catalog_channel_find(cat, channel);
	r->port = r->channel->port;
	r->host = host;
	snprintf(r->address, sizeof r->address, "%s", address);
	evidence_init(&r->ev, r->channel->transport, r->channel->check);
	r->ev.latency_ms = latency;
}

static void setup(void)
{
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &err),
			 0);
	add(0, "smtp-out", "mx.example.net", "192.0.2.10", 41.7);
	items[0].ev.connected = true;
	evidence_add(&items[0].ev, "TCP connected in 41.7 ms");
	add(1, "smtp-out", "mx.example.net", "2001:db8::10", -1);
	items[1].ev.icmp = items[1].ev.icmp_v6 = true;
	items[1].ev.icmp_type = 1;
	items[1].ev.icmp_code = 1;
	strcpy(items[1].ev.icmp_from, "2001:db8::1");
	evidence_add(&items[1].ev, "ICMPv6 type 1 code 1 from 2001:db8::1");
	add(2, "dns", "ns\"1\".example.net", "192.0.2.53", -1);
	items[2].ev.udp_sent = items[2].ev.timed_out = true;
	items[2].ev.reply_expected = true;
	evidence_add(&items[2].ev, "3 requests sent, no reply in 3000 ms");
	add(3, "syslog", "log.example.net", "192.0.2.14", -1);
	items[3].ev.udp_sent = true;
	add(4, "ntp", NULL, "", -1);
	items[4].ev.skipped = true;
	items[4].ev.skip_reason = REASON_OPTIONAL;
	add(5, "admin", NULL, "", -1);
	items[5].ev.listener_check = items[5].ev.listening = true;
	for (size_t i = 0; i < 6; i++)
		items[i].verdict = verdict_decide(&items[i].ev, NULL, NULL, 0);
	res = (struct results){.catalog = cat,
			       .role = "appliance",
			       .started = 1795435200, /* 2026-11-23T12:00:00Z */
			       .duration_ms = 3012.4,
			       .items = items,
			       .nitems = 6};
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		evidence_free(&items[i].ev);
	catalog_free(cat);
}

#define RENDER(name, call)                                                     \
	do {                                                                   \
		char *buf = NULL;                                              \
		size_t len = 0;                                                \
		FILE *out = open_memstream(&buf, &len);                        \
		call;                                                          \
		fclose(out);                                                   \
		golden_compare(name, buf, len);                                \
		free(buf);                                                     \
	} while (0)

START_TEST(report_table_plain)
{
	struct report_style style = {.width = 100};
	RENDER("check.table", report_table(out, &res, &style));
}
END_TEST

START_TEST(report_table_verbose_colour)
{
	struct report_style style = {
	    .width = 100, .verbose = true, .colour = true};
	RENDER("check-verbose.table", report_table(out, &res, &style));
}
END_TEST

START_TEST(report_json_contract)
{
	RENDER("check.json", ck_assert_int_eq(report_json(out, &res), 0));
}
END_TEST

START_TEST(report_nagios_lines)
{
	RENDER("check.nagios", report_nagios(out, &res, NULL));
}
END_TEST

START_TEST(report_prometheus_exposition)
{
	RENDER("check.prom", report_prometheus(out, &res, NULL));
}
END_TEST

/* A member of a catalog group carries the group's id on every series of
 * its own; a channel in no group has no group label. */
START_TEST(report_prometheus_group_label)
{
	static const char grouped[] =
	    "profile g\ntitle G\nsource S\nrole a A\nrole b B\n"
	    "group dns Name resolution\n"
	    "row dns-internal\n    vendor v\n    from a\n    to b\n"
	    "    port udp/53 dns\n    group dns\n    purpose p\n"
	    "row dns-external\n    vendor v\n    from a\n    to b\n"
	    "    port tcp/53 dns\n    group dns\n    purpose p\n"
	    "row ntp\n    vendor v\n    from a\n    to b\n"
	    "    port udp/123 ntp\n    purpose p\n";
	struct catalog *g;
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("g", grouped, strlen(grouped), &g, &err),
			 0);
	struct result two[2] = {0};
	const char *ids[2] = {"dns-internal", "ntp"};
	for (size_t i = 0; i < 2; i++) {
		two[i].channel = catalog_channel_find(g, ids[i]);
		two[i].port = two[i].channel->port;
		two[i].host = "192.0.2.53";
		strcpy(two[i].address, "192.0.2.53");
		evidence_init(&two[i].ev, two[i].channel->transport,
			      two[i].channel->check);
		two[i].ev.udp_sent = two[i].ev.timed_out = true;
		two[i].ev.reply_expected = true;
		two[i].verdict = verdict_decide(&two[i].ev, NULL, NULL, 0);
	}
	struct results r = {
	    .catalog = g, .role = "a", .items = two, .nitems = 2};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	report_prometheus(out, &r, NULL);
	fclose(out);
	ck_assert_ptr_nonnull(
	    strstr(buf, "veriport_channel_up{profile=\"g\",role=\"a\","
			"channel=\"dns-internal\",from=\"a\",to=\"b\","
			"transport=\"udp\",port=\"53\",target=\"192.0.2.53\","
			"address=\"192.0.2.53\",optional=\"false\","
			"group=\"dns\"} 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(buf, "channel=\"dns-internal\",from=\"a\",to=\"b\","
			"transport=\"udp\",port=\"53\",target=\"192.0.2.53\","
			"address=\"192.0.2.53\",optional=\"false\","
			"group=\"dns\",reason=\"no-response\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(buf, "port=\"123\",target=\"192.0.2.53\","
			"address=\"192.0.2.53\",optional=\"false\"} 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(buf, "veriport_group_up{profile=\"g\",role=\"a\","
			"group=\"dns\"} 0\n"));
	free(buf);
	for (size_t i = 0; i < 2; i++)
		evidence_free(&two[i].ev);
	catalog_free(g);
}
END_TEST

START_TEST(report_status_follows_required_channels)
{
	ck_assert_int_eq(results_status(&res), RESULTS_CRITICAL);
	/* the failing results moved to an optional channel */
	items[1].channel = catalog_channel_find(cat, "ntp");
	items[2].channel = catalog_channel_find(cat, "ntp");
	ck_assert_int_eq(results_status(&res), RESULTS_WARNING);
	res.nitems = 1;
	ck_assert_int_eq(results_status(&res), RESULTS_OK);
	ck_assert_int_eq(report_format_from_name("prometheus"),
			 REPORT_PROMETHEUS);
	ck_assert_int_eq(report_format_from_name("xml"), -1);
}
END_TEST

START_TEST(report_table_fits_80_columns)
{
	/* A long name and a long evidence line: two lines per result, the
	 * rest wrapped, nothing past column 80. */
	items[0].host = "a-rather-long-host-name.mx.example.net";
	snprintf(items[1].address, sizeof items[1].address, "%s",
		 "2001:db8:ffff:ffff:ffff:ffff:ffff:10");
	evidence_add(&items[2].ev,
		     "a line of evidence that is longer than eighty columns, "
		     "so it must be wrapped at a space");
	struct report_style style = {.width = 80, .verbose = true};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	report_table(out, &res, &style);
	fclose(out);
	golden_compare("check-80.table", buf, len);
	for (char *l = buf, *nl; (nl = strchr(l, '\n')) != NULL; l = nl + 1)
		ck_assert_msg(nl - l <= 80, "%.*s", (int)(nl - l), l);
	free(buf);
}
END_TEST

/* The table of the results in STYLE, as a string to free. */
static char *table_of(const struct report_style *style)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	report_table(out, &res, style);
	fclose(out);
	return buf;
}

START_TEST(report_table_failed_only_says_what_it_left_out)
{
	struct report_style style = {.width = 100, .failed_only = true};
	char *buf = table_of(&style);
	ck_assert_ptr_null(strstr(buf, "admin "));
	ck_assert_ptr_nonnull(strstr(buf, "smtp-out  tcp/25"));
	ck_assert_ptr_nonnull(strstr(
	    buf, "--failed-only: 3 results not shown (2 ok, 1 skipped)\n"));
	free(buf);
}
END_TEST

/* Probes this run could not finish are counted under the table, with
 * why, apart from what the network did. */
START_TEST(report_table_says_why_this_host_skipped)
{
	items[2].ev.skipped = items[3].ev.skipped = true;
	items[2].ev.skip_reason = REASON_DEADLINE;
	items[3].ev.skip_reason = REASON_LOCAL_ERROR;
	for (size_t i = 2; i < 4; i++)
		items[i].verdict = verdict_decide(&items[i].ev, NULL, NULL, 0);
	char *buf = table_of(&(struct report_style){.width = 100});
	ck_assert_ptr_nonnull(strstr(buf, "\ndeadline: 1 not finished when "));
	ck_assert_ptr_nonnull(
	    strstr(buf, "\nlocal-error: 1 not probed to the end for want "));
	free(buf);
}
END_TEST

/* A word longer than the line is cut between characters, never inside
 * a UTF-8 sequence (found by fuzz_fleet: a peer's JSON error quoting
 * U+F880 became two lines of invalid text). */
START_TEST(report_wrap_keeps_utf8_whole)
{
	char word[3 * 60 + 1] = "";
	for (int i = 0; i < 60; i++)
		strcat(word, "\xef\xa2\x80"); /* U+F880, 3 bytes */
	for (int at = 0; at < 6; at++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		report_wrap(out, word, at, 4, REPORT_WIDTH_MIN);
		fclose(out);
		ck_assert_uint_gt(len, strlen(word));
		for (char *save, *l = strtok_r(buf, "\n", &save); l != NULL;
		     l = strtok_r(NULL, "\n", &save))
			ck_assert_msg(text_is_safe(l),
				      "at %d: a line cut "
				      "inside a character",
				      at);
		free(buf);
	}
}
END_TEST

START_TEST(report_table_says_one_result)
{
	res.nitems = 1;
	char *buf = table_of(&(struct report_style){.width = 100});
	ck_assert_ptr_nonnull(strstr(buf, "demo as appliance: 1 result\n"));
	free(buf);
}
END_TEST

START_TEST(report_nagios_nothing_probed_is_unknown)
{
	items[0].verdict.verdict = VERDICT_SKIPPED;
	items[0].verdict.reason = REASON_NOT_THIS_ROLE;
	res.nitems = 1;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_int_eq(report_nagios(out, &res, NULL), RESULTS_UNKNOWN);
	fclose(out);
	ck_assert_msg(
	    strncmp(buf,
		    "VERIPORT UNKNOWN - nothing was probed (smtp-out: "
		    "skipped/not-this-role); ",
		    60) == 0,
	    "%s", buf);
	free(buf);
}
END_TEST

START_TEST(report_nagios_unknown_escapes_bar_and_controls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	report_nagios_unknown(out, "a|b\nc\x1b");
	fclose(out);
	ck_assert_str_eq(buf, "VERIPORT UNKNOWN - a\\x7cb\\x0ac\\x1b\n");
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("formats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, report_table_plain);
	tcase_add_test(tc, report_table_verbose_colour);
	tcase_add_test(tc, report_json_contract);
	tcase_add_test(tc, report_nagios_lines);
	tcase_add_test(tc, report_prometheus_exposition);
	tcase_add_test(tc, report_prometheus_group_label);
	tcase_add_test(tc, report_status_follows_required_channels);
	tcase_add_test(tc, report_table_says_one_result);
	tcase_add_test(tc, report_table_says_why_this_host_skipped);
	tcase_add_test(tc, report_wrap_keeps_utf8_whole);
	tcase_add_test(tc, report_table_fits_80_columns);
	tcase_add_test(tc, report_table_failed_only_says_what_it_left_out);
	tcase_add_test(tc, report_nagios_nothing_probed_is_unknown);
	tcase_add_test(tc, report_nagios_unknown_escapes_bar_and_controls);
	suite_add_tcase(s, tc);
	return check_run(s);
}
