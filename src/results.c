/* Results: what a sweep found, and the exit status they add up to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/results.h"
#include "veriport/xalloc.h"

bool results_days_left(const struct results *r, const struct result *x,
		       int64_t *days)
{
	if (!x->ev.tls_done || x->ev.tls->not_after_unix == 0)
		return false;
	int64_t left = x->ev.tls->not_after_unix - (int64_t)r->started;
	/* whole days, rounded down, also below zero */
	*days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
	return true;
}

bool results_cert_expiring(const struct results *r, const struct result *x)
{
	int64_t days;
	return r->cert_warn_days > 0 && x->verdict.verdict == VERDICT_OK &&
	       results_days_left(r, x, &days) &&
	       days < (int64_t)r->cert_warn_days;
}

enum results_group results_group(const struct results *r, size_t g,
				 const struct catalog_channel **which)
{
	enum results_group fares = RESULTS_GROUP_UNPROBED;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->channel->group != g ||
		    x->verdict.verdict == VERDICT_SKIPPED)
			continue;
		if (x->verdict.verdict == VERDICT_OK) {
			if (which != NULL)
				*which = x->channel;
			return RESULTS_GROUP_OK;
		}
		fares = RESULTS_GROUP_FAILED;
	}
	return fares;
}

enum results_status results_status(const struct results *r)
{
	/* A failed member of a group another member satisfies is no
	 * failure: the vendor asks for one of them ("8080 and/or 8443"). */
	size_t ng = r->catalog->ngroups;
	bool *satisfied = xcalloc(ng + 1, sizeof *satisfied);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->channel->group != CATALOG_NO_GROUP &&
		    x->verdict.verdict == VERDICT_OK)
			satisfied[x->channel->group] = true;
	}
	enum results_status status = RESULTS_OK;
	/* Nothing probed is nothing verified: never a plain ok. */
	bool probed = false;
	for (size_t i = 0; i < r->nitems; i++)
		probed |= r->items[i].verdict.verdict != VERDICT_SKIPPED;
	if (!probed)
		status = RESULTS_WARNING;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		enum verdict v = x->verdict.verdict;
		if (v != VERDICT_OK && x->channel->group != CATALOG_NO_GROUP &&
		    satisfied[x->channel->group])
			continue;
		if (verdict_failed(v) && !x->channel->optional) {
			status = RESULTS_CRITICAL;
			break;
		}
		/* A required channel nobody named a host for is not
		 * verified either. */
		if (verdict_failed(v) || v == VERDICT_UNVERIFIED ||
		    results_cert_expiring(r, x) ||
		    (x->verdict.reason == REASON_NO_TARGET &&
		     !x->channel->optional))
			status = RESULTS_WARNING;
	}
	free(satisfied);
	return status;
}

size_t results_skipped(const struct results *r, enum reason why)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nitems; i++)
		n += r->items[i].verdict.verdict == VERDICT_SKIPPED &&
		     r->items[i].verdict.reason == why;
	return n;
}

bool results_complete(const struct results *r)
{
	return results_skipped(r, REASON_DEADLINE) == 0 &&
	       results_skipped(r, REASON_LOCAL_ERROR) == 0;
}

void results_count(const struct results *r, size_t counts[VERDICT_COUNT])
{
	memset(counts, 0, VERDICT_COUNT * sizeof counts[0]);
	for (size_t i = 0; i < r->nitems; i++)
		counts[r->items[i].verdict.verdict]++;
}

void results_free(struct results *r)
{
	for (size_t i = 0; i < r->nitems; i++)
		evidence_free(&r->items[i].ev);
	for (size_t i = 0; i < r->ncanaries; i++)
		evidence_free(&r->canaries[i].ev);
	free(r->items);
	free(r->canaries);
	memset(r, 0, sizeof *r);
}

/* History: results of one sweep and the next are matched by (channel,
 * target, address), through an index of the last sweep sorted once. */
static int key_cmp(const struct result *a, const struct result *b)
{
	int c = strcmp(a->channel->id, b->channel->id);
	if (c == 0)
		c = strcmp(a->host ? a->host : "", b->host ? b->host : "");
	if (c == 0)
		c = strcmp(a->address, b->address);
	return c;
}

static int by_key(const void *a, const void *b)
{
	return key_cmp(*(const struct result *const *)a,
		       *(const struct result *const *)b);
}

static const struct result *find(const struct result *const *index, size_t n,
				 const struct result *x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(x, index[mid]);
		if (c == 0)
			return index[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void results_carry(struct results *r, const struct results *before, time_t now,
		   results_change_cb on_change, void *arg)
{
	size_t n = before != NULL ? before->nitems : 0;
	const struct result **index = xcalloc(n + 1, sizeof *index);
	for (size_t i = 0; i < n; i++)
		index[i] = &before->items[i];
	qsort(index, n, sizeof *index, by_key);
	for (size_t i = 0; i < r->nitems; i++) {
		struct result *x = &r->items[i];
		const struct result *o = find(index, n, x);
		enum verdict v = x->verdict.verdict;
		bool failing = verdict_failed(v);
		x->failures = failing ? (o ? o->failures : 0) + 1 : 0;
		x->last_ok = v == VERDICT_OK ? now : (o ? o->last_ok : 0);
		if (o != NULL && o->verdict.verdict == v &&
		    o->verdict.reason == x->verdict.reason) {
			x->since = o->since;
			x->changed = o->changed;
			continue;
		}
		x->since = x->changed = now;
		/* The first sight of a healthy channel is no news. */
		if (on_change != NULL &&
		    (o != NULL || failing || v == VERDICT_INTERCEPTED))
			on_change(arg, x, o);
	}
	free(index);
}

void results_merge_others(struct results *r, struct results *before,
			  const char *only)
{
	size_t kept = 0, moved = 0;
	for (size_t i = 0; i < before->nitems; i++)
		moved += strcmp(before->items[i].channel->id, only) != 0;
	r->items =
	    xreallocarray(r->items, r->nitems + moved + 1, sizeof *r->items);
	for (size_t i = 0; i < before->nitems; i++) {
		struct result *o = &before->items[i];
		if (strcmp(o->channel->id, only) == 0)
			before->items[kept++] = *o;
		else
			r->items[r->nitems++] = *o;
	}
	before->nitems = kept;
}
