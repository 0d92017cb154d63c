/* The verdict: pure functions from evidence to the verdict and reason
 * words of DESIGN.md. No I/O, no clock, no global state. */
#ifndef VERIPORT_VERDICT_H
#define VERIPORT_VERDICT_H

#include "veriport/evidence.h"

struct verdict_result {
	enum verdict verdict;
	enum reason reason;
};

/* What the rest of the sweep and the user's declarations say about one
 * result: the facts that turn an odd certificate or a missing STARTTLS
 * into proof of interception (veriport(1), INTERCEPTION). */
struct verdict_context {
	/* The user said what the target chains to (--ca-file). */
	bool declared_trust;
	/* The target role serves the public: its chain must verify against
	 * the system store. */
	bool public_target;
	enum catalog_starttls starttls; /* the channel's catalog policy */
	/* A known interception product in the chain or the greeting. */
	const char *chain_product;
	const char *greeting_product;
	/* Another port or address of the same host name presented a chain
	 * that verifies. */
	bool verified_elsewhere;
	/* Another path to the same host and check offered STARTTLS. */
	bool starttls_offered_elsewhere;
	/* Proxy headers (Via, X-Cache) here, and an answer from the same
	 * host without them on another channel. */
	bool proxy_headers_only_here;
	/* The canary address answered on this channel's port. */
	bool canary_answered;
	/* The target presents another certificate, STARTTLS answer or
	 * greeting than the one remembered (trust on first use). */
	bool remembered_changed;
};

/* CTX may be NULL: no interception knowledge at all. */
struct verdict_result verdict_decide(const struct evidence *ev,
				     const struct verdict_context *ctx);

#endif
