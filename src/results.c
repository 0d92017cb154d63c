/* Results: what a sweep found, and the exit status they add up to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/results.h"

enum results_status results_status(const struct results *r)
{
	enum results_status status = RESULTS_OK;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		enum verdict v = x->verdict.verdict;
		if (verdict_failed(v) && !x->channel->optional)
			return RESULTS_CRITICAL;
		/* A required channel nobody named a host for is not
		 * verified either. */
		if (verdict_failed(v) || v == VERDICT_UNVERIFIED ||
		    (x->verdict.reason == REASON_NO_TARGET &&
		     !x->channel->optional))
			status = RESULTS_WARNING;
	}
	return status;
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
