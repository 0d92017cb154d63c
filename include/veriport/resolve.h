/* Name resolution with c-ares, driven by the libuv loop (socket state
 * callback + uv_poll, one timer re-armed from ares_timeout()). No threads.
 * Resolves A and AAAA and hands back every address. */
#ifndef VERIPORT_RESOLVE_H
#define VERIPORT_RESOLVE_H

#include <sys/socket.h>
#include <uv.h>

#include "veriport/evidence.h"

/* Every address of the answer: a DNS message bounds how many there are,
 * and every one is probed. */
struct resolve_answer {
	enum evidence_dns status;
	struct sockaddr_storage *addrs; /* the callback's to read, not keep */
	size_t naddrs;
	char detail[160]; /* c-ares' words on failure */
};

typedef void (*resolve_cb)(void *arg, const struct resolve_answer *answer);

struct resolve;

/* TIMEOUT_MS bounds each lookup (all tries). Returns 0 or a negative
 * errno with ERR filled in. */
int resolve_init(struct resolve **out, uv_loop_t *loop, unsigned timeout_ms,
		 char *err, size_t errlen);
/* Ask for, and keep, FAMILY's addresses only (AF_INET or AF_INET6; the
 * default AF_UNSPEC is both). */
void resolve_set_family(struct resolve *r, int family);
/* Look HOST up; CB runs once, on the loop. Literal addresses answer at
 * once (still through the loop) without a query. */
void resolve_host(struct resolve *r, const char *host, resolve_cb cb,
		  void *arg);
/* Cancel pending lookups (their callbacks run, as DNS timeouts) and close
 * every handle; the struct is freed when the last handle has closed. Not
 * from inside a resolve_cb: c-ares is not re-entrant there. */
void resolve_close(struct resolve *r);

#endif
