/* One sweep: a plan's names resolved, every address probed at once (under
 * the in-flight limit), all of it bounded by a deadline, on one libuv
 * loop. Probes start as soon as their name resolves, so a sweep takes
 * about one probe timeout, not the sum of them. */
#ifndef VERIPORT_SWEEP_H
#define VERIPORT_SWEEP_H

#include <uv.h>

#include "veriport/plan.h"
#include "veriport/probe.h"
#include "veriport/results.h"

/* --ca-file ROLE=FILE, [trust] ROLE = FILE. */
struct sweep_role_ca {
	const char *role;
	const char *file;
};

struct sweep_options {
	struct probe_options probe; /* tls_ctx is the sweep's own */
	/* Declared trust (veriport(1), TRUST): CA_FILE is what internal
	 * roles chain to and adds to the system store for public ones; a
	 * role in ROLE_CA chains to its own file only. */
	const char *ca_file;
	const struct sweep_role_ca *role_ca;
	size_t nrole_ca;
	const char *canary; /* an address that hosts no service, or NULL */
	/* --proxy: the channels whose catalog row allows an HTTP proxy go
	 * through this one (its name resolved here, the target's by the
	 * proxy); the others are probed directly. NULL: none. */
	const struct plan_proxy *proxy;
	const struct intercept_list *interceptors; /* may be NULL */
	unsigned deadline_ms;    /* the whole sweep; 0: derived from the work */
	unsigned cert_warn_days; /* see results.h */
	/* A `veriport respond` stands at the targets of RESPONDER_ROLE (NULL:
	 * at every target) when probe.responder_token is set; its
	 * certificate's key (SPKI SHA-256 hex) when known. */
	const char *responder_role;
	const char *responder_spki;
	/* Called as probes end: DONE of TOTAL known so far. May be NULL. */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
	/* Remembered facts (the daemon's state), or NULL: see results.h. */
	bool (*changed)(void *arg, const struct result *r, char *what,
			size_t whatlen);
	void *changed_arg;
};

struct sweep;

/* The sweep is over: R (malloc'd; free with results_free and free) has
 * every result, verdicts decided. Runs on the loop, once. */
typedef void (*sweep_done_cb)(struct results *r, void *arg);

/* Start a sweep on LOOP. CAT, ROLE, PLAN and O's pointed-to data must
 * outlive it (until DONE runs). Returns 0, or a negative errno with ERR
 * filled in (the CA file cannot be read, the resolver cannot start). */
int sweep_start(uv_loop_t *loop, const struct catalog *cat, const char *role,
		const struct plan *plan, const struct sweep_options *o,
		sweep_done_cb done, void *arg, struct sweep **out, char *err,
		size_t errlen);
/* End it now, as if the deadline had passed; DONE still runs. */
void sweep_cancel(struct sweep *s);

/* Run a sweep on a loop of its own until it is over. Fills OUT (results
 * in plan order, each probe's addresses in DNS order). Returns 0 or a
 * negative errno with ERR filled in (the CA file cannot be read, the
 * resolver could not start). */
int sweep_run(const struct catalog *cat, const char *role,
	      const struct plan *plan, const struct sweep_options *o,
	      struct results *out, char *err, size_t errlen);

#endif
