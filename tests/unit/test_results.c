/* The funnel: history carried from one sweep to the next by (channel,
 * target, address), one change call per change, the exit status, and an
 * on-demand sweep of one channel merged with the rest. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/results.h"
#include "veriport/xalloc.h"

#include "check_run.h"

static const char text[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole lan L\n"
    "row smtp\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n    purpose p\n"
    "row web\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/443 https\n    optional\n    purpose p\n"
    "group admin The admin web, on 8080 and/or 8443\n"
    "row admin\n    vendor v\n    from here\n    to lan\n"
    "    port tcp/8080 http admin-http\n    port tcp/8443 https admin-https\n"
    "    group admin\n    purpose p\n";

static struct catalog *cat;

static void setup(void)
{
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &err),
			 0);
}

static void teardown(void)
{
	catalog_free(cat);
}

/* A sweep of N results: (channel, host, address, verdict, reason). */
struct row {
	const char *channel, *host, *address;
	enum verdict verdict;
	enum reason reason;
};

static struct results *sweep(const struct row *rows, size_t n)
{
	struct results *r = xcalloc(1, sizeof *r);
	r->catalog = cat;
	r->role = "here";
	r->items = xcalloc(n + 1, sizeof *r->items);
	r->nitems = n;
	for (size_t i = 0; i < n; i++) {
		struct result *x = &r->items[i];
		x->channel = catalog_channel_find(cat, rows[i].channel);
		x->host = rows[i].host;
		snprintf(x->address, sizeof x->address, "%s", rows[i].address);
		evidence_init(&x->ev, x->channel->transport, x->channel->check);
		evidence_add(&x->ev, "sweep line %zu", i);
		x->verdict.verdict = rows[i].verdict;
		x->verdict.reason = rows[i].reason;
	}
	return r;
}

static void drop(struct results *r)
{
	results_free(r);
	free(r);
}

struct changes {
	int n;
	char seen[8][96];
};

static void on_change(void *arg, const struct result *now,
		      const struct result *before)
{
	struct changes *c = arg;
	ck_assert_int_lt(c->n, 8);
	snprintf(c->seen[c->n++], sizeof c->seen[0], "%s %s %s->%s",
		 now->channel->id, now->address,
		 before ? verdict_word(before->verdict.verdict) : "-",
		 verdict_word(now->verdict.verdict));
}

#define OK VERDICT_OK, REASON_HANDSHAKE_OK
#define DOWN VERDICT_FILTERED, REASON_NO_RESPONSE
#define REFUSED VERDICT_REFUSED, REASON_TCP_RESET

START_TEST(carry_keeps_history_and_calls_once_per_change)
{
	const struct row first[] = {
	    {"smtp", "mx.lan", "10.0.0.25", OK},
	    {"smtp", "mx.lan", "fd00::25", DOWN},
	    {"web", "www.lan", "10.0.0.80", OK},
	};
	struct results *a = sweep(first, 3);
	struct changes c = {0};
	results_carry(a, NULL, 1000, on_change, &c);
	/* a healthy first sight is no news; a failing one is */
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.seen[0], "smtp fd00::25 -->filtered");
	ck_assert_int_eq(a->items[1].failures, 1);
	ck_assert_int_eq(a->items[0].last_ok, 1000);

	/* the next sweep, in another order: matched by key, not place */
	const struct row second[] = {
	    {"web", "www.lan", "10.0.0.80", REFUSED},
	    {"smtp", "mx.lan", "fd00::25", DOWN},
	    {"smtp", "mx.lan", "10.0.0.25", OK},
	};
	struct results *b = sweep(second, 3);
	c.n = 0;
	results_carry(b, a, 2000, on_change, &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.seen[0], "web 10.0.0.80 ok->refused");
	ck_assert_int_eq(b->items[0].since, 2000);
	ck_assert_int_eq(b->items[0].last_ok, 1000);
	ck_assert_int_eq(b->items[1].since, 1000);
	ck_assert_int_eq(b->items[1].failures, 2);
	ck_assert_int_eq(b->items[2].since, 1000);
	ck_assert_int_eq(b->items[2].last_ok, 2000);
	drop(a);
	drop(b);
}
END_TEST

START_TEST(carry_tells_targets_and_reasons_apart)
{
	const struct row first[] = {{"smtp", "mx1.lan", "10.0.0.25", DOWN}};
	const struct row second[] = {
	    {"smtp", "mx2.lan", "10.0.0.25", DOWN},
	    {"smtp", "mx1.lan", "10.0.0.25", VERDICT_FILTERED,
	     REASON_DROPPED_AFTER_CONNECT},
	};
	struct results *a = sweep(first, 1);
	results_carry(a, NULL, 1000, NULL, NULL);
	struct results *b = sweep(second, 2);
	struct changes c = {0};
	results_carry(b, a, 2000, on_change, &c);
	/* another host at the same address is a first sight; another
	 * reason is a change */
	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(b->items[0].failures, 1);
	ck_assert_int_eq(b->items[1].failures, 2);
	ck_assert_int_eq(b->items[1].since, 2000);
	drop(a);
	drop(b);
}
END_TEST

START_TEST(merge_keeps_the_other_channels_of_the_last_sweep)
{
	const struct row all[] = {
	    {"smtp", "mx.lan", "10.0.0.25", OK},
	    {"web", "www.lan", "10.0.0.80", OK},
	    {"web", "www.lan", "fd00::80", DOWN},
	};
	struct results *before = sweep(all, 3);
	const struct row one[] = {{"smtp", "mx.lan", "10.0.0.25", DOWN}};
	struct results *now = sweep(one, 1);
	results_merge_others(now, before, "smtp");
	ck_assert_uint_eq(now->nitems, 3);
	ck_assert_uint_eq(before->nitems, 1);
	ck_assert_str_eq(now->items[1].channel->id, "web");
	ck_assert_str_eq(evidence_next(&now->items[2].ev, NULL),
			 "sweep line 2");
	ck_assert_int_eq(results_status(now), RESULTS_CRITICAL);
	drop(before); /* frees its own smtp result only */
	drop(now);
}
END_TEST

START_TEST(status_follows_required_channels)
{
	const struct row optional_down[] = {
	    {"smtp", "mx.lan", "10.0.0.25", OK},
	    {"web", "www.lan", "10.0.0.80", DOWN},
	};
	struct results *r = sweep(optional_down, 2);
	ck_assert_int_eq(results_status(r), RESULTS_WARNING);
	r->items[0].verdict.verdict = VERDICT_SKIPPED;
	r->items[0].verdict.reason = REASON_NO_TARGET;
	ck_assert_int_eq(results_status(r), RESULTS_WARNING);
	r->items[1].verdict = r->items[0].verdict =
	    (struct verdict_result){VERDICT_OK, REASON_HANDSHAKE_OK, 0};
	ck_assert_int_eq(results_status(r), RESULTS_OK);
	drop(r);
}
END_TEST

/* A certificate near its end: the channel works, the status warns. */
START_TEST(status_warns_of_a_certificate_near_its_end)
{
	const struct row one_ok[] = {{"smtp", "mx.lan", "10.0.0.25", OK}};
	struct results *r = sweep(one_ok, 1);
	r->started = 1800000000;
	struct evidence *ev = &r->items[0].ev;
	ev->tls_done = true;
	ev->tls = xcalloc(1, sizeof *ev->tls);
	ev->tls->not_after_unix = r->started + 10 * 86400 + 3600;
	int64_t days;
	ck_assert(results_days_left(r, &r->items[0], &days));
	ck_assert_int_eq(days, 10);
	ck_assert_int_eq(results_status(r), RESULTS_OK);
	r->cert_warn_days = 21;
	ck_assert(results_cert_expiring(r, &r->items[0]));
	ck_assert_int_eq(results_status(r), RESULTS_WARNING);
	r->cert_warn_days = 10;
	ck_assert_int_eq(results_status(r), RESULTS_OK);
	ev->tls->not_after_unix = r->started - 3600;
	ck_assert(results_days_left(r, &r->items[0], &days));
	ck_assert_int_eq(days, -1);
	drop(r);
}
END_TEST

/* "8080 and/or 8443": a group works when one of its channels does. */
START_TEST(status_counts_a_group_once_one_member_works)
{
	const struct row only_8443[] = {
	    {"admin-http", "adm.lan", "10.0.0.8", REFUSED},
	    {"admin-https", "adm.lan", "10.0.0.8", OK},
	};
	struct results *r = sweep(only_8443, 2);
	const struct catalog_channel *which = NULL;
	ck_assert_int_eq(results_group(r, 0, &which), RESULTS_GROUP_OK);
	ck_assert_str_eq(which->id, "admin-https");
	ck_assert_int_eq(results_status(r), RESULTS_OK);
	r->items[1].verdict = r->items[0].verdict;
	ck_assert_int_eq(results_group(r, 0, NULL), RESULTS_GROUP_FAILED);
	ck_assert_int_eq(results_status(r), RESULTS_CRITICAL);
	for (size_t i = 0; i < 2; i++)
		r->items[i].verdict = (struct verdict_result){
		    VERDICT_SKIPPED, REASON_NO_TARGET, 0};
	ck_assert_int_eq(results_group(r, 0, NULL), RESULTS_GROUP_UNPROBED);
	ck_assert_int_eq(results_status(r), RESULTS_WARNING);
	drop(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("results");
	TCase *tc = tcase_create("funnel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, carry_keeps_history_and_calls_once_per_change);
	tcase_add_test(tc, carry_tells_targets_and_reasons_apart);
	tcase_add_test(tc, merge_keeps_the_other_channels_of_the_last_sweep);
	tcase_add_test(tc, status_follows_required_channels);
	tcase_add_test(tc, status_warns_of_a_certificate_near_its_end);
	tcase_add_test(tc, status_counts_a_group_once_one_member_works);
	suite_add_tcase(s, tc);
	return check_run(s);
}
