/* Correlation: each result read together with the rest of its sweep and
 * the user's declarations — split views, STARTTLS on other paths of the
 * same host, proxy headers against a clean answer, the canary, what the
 * daemon remembered — then judged by verdict_decide(), whose sentence
 * joins the evidence. No I/O. */
#ifndef VERIPORT_CORRELATE_H
#define VERIPORT_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>

#include "veriport/intercept.h"
#include "veriport/results.h"

/* What a sweep knows beyond each result's own evidence. */
struct correlate_policy {
	/* The declared trust of each role (by index into the catalog's
	 * roles), or NULL where nothing is declared. */
	const char *const *declared;
	const struct intercept_list *interceptors;
	/* Probes of the canary address (--canary): their evidence, one per
	 * (transport, port) of the sweep's probes. */
	const struct result *canaries;
	size_t ncanaries;
	/* What was remembered about this result's target differs from what
	 * it presents now (trust on first use); WHAT gets the evidence line.
	 * NULL: nothing is remembered. */
	bool (*changed)(void *arg, const struct result *r, char *what,
			size_t whatlen);
	void *changed_arg;
	/* A `veriport respond` at the targets (see struct verdict_context). */
	const char *responder_token;
	const char *responder_spki;
};

/* Decide every result's verdict, and add the deciding clause's sentence
 * to its evidence. */
void correlate_decide(struct results *r, const struct correlate_policy *p);

#endif
