/* Results: one per (channel, address) — or per channel when it was skipped
 * or checked as a local listener — with its evidence and verdict, and the
 * exit status they add up to. */
#ifndef VERIPORT_RESULTS_H
#define VERIPORT_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "veriport/catalog.h"
#include "veriport/evidence.h"
#include "veriport/verdict.h"

/* Days before a certificate's end when it is worth a warning: three weeks
 * is longer than any renewal takes, short enough not to nag. */
#define RESULTS_CERT_WARN_DEFAULT 21
#define RESULTS_CERT_WARN_MAX 3650

struct result {
	const struct catalog_channel *channel;
	const char *host; /* target name; NULL when skipped or local */
	uint16_t port;    /* the port probed (the channel's, or the map's) */
	char address[46]; /* "" when no address was probed */
	struct evidence ev;
	struct verdict_result verdict;
	/* History, kept by the daemon across sweeps (0 in one-shot
	 * checks): since when this verdict holds, when it last changed,
	 * failed sweeps in a row, the last time it was ok. */
	time_t since;
	time_t changed;
	unsigned failures;
	time_t last_ok;
};

struct results {
	const struct catalog *catalog;
	const char *role;
	time_t started;
	double duration_ms;
	/* A verified certificate with fewer days left than this makes the
	 * status a warning (--cert-warn; 0: no warning). */
	unsigned cert_warn_days;
	struct result *items;
	size_t nitems;
	/* Probes of the canary address, one per (transport, port). */
	struct result *canaries;
	size_t ncanaries;
};

/* Exit status of DESIGN.md (Nagios plugin convention): 0 every probed
 * required channel is ok; 1 only optional channels failed, or something is
 * unverified (a required channel with no target counts as unverified);
 * 2 a required channel failed. */
enum results_status {
	RESULTS_OK = 0,
	RESULTS_WARNING = 1,
	RESULTS_CRITICAL = 2,
	RESULTS_UNKNOWN = 3,
};

/* A catalog group (at least one member channel must work): */
enum results_group {
	RESULTS_GROUP_OK,       /* a member works */
	RESULTS_GROUP_FAILED,   /* members were probed, none works */
	RESULTS_GROUP_UNPROBED, /* no member was probed */
};

/* How group G (an index into the catalog's groups) fares in R; WHICH
 * (may be NULL) gets the first member channel that works. */
enum results_group results_group(const struct results *r, size_t g,
				 const struct catalog_channel **which);

enum results_status results_status(const struct results *r);
/* Every probe of the sweep ran to its end: none was cut by the deadline
 * or skipped for want of a local resource. */
bool results_complete(const struct results *r);
/* Results skipped with reason WHY. */
size_t results_skipped(const struct results *r, enum reason why);
/* Whole days X's certificate has left at the start of the sweep (negative
 * once expired), or false when X has no certificate with a known end. */
bool results_days_left(const struct results *r, const struct result *x,
		       int64_t *days);
/* X works, but its certificate ends within the warning days. */
bool results_cert_expiring(const struct results *r, const struct result *x);
/* COUNTS[v] = results with verdict v. */
void results_count(const struct results *r, size_t counts[VERDICT_COUNT]);
void results_free(struct results *r);

/* A verdict changed (BEFORE is the last sweep's result for the same
 * channel, target and address), or a first sight that is not healthy
 * (BEFORE NULL): what the daemon logs, once per change. */
typedef void (*results_change_cb)(void *arg, const struct result *now,
				  const struct result *before);

/* The funnel (relayd's hce_notify_done): carry each result's history over
 * from BEFORE (the last sweep, or NULL) — since, changed, failures,
 * last_ok — matching results by (channel, target, address), stamp what
 * changed with NOW, and call ON_CHANGE (may be NULL) for each change. */
void results_carry(struct results *r, const struct results *before, time_t now,
		   results_change_cb on_change, void *arg);
/* R holds a sweep of channel ONLY: the results of every other channel in
 * BEFORE move over to R (BEFORE keeps its own results of ONLY). */
void results_merge_others(struct results *r, struct results *before,
			  const char *only);

#endif
