/* Name resolution: c-ares on the libuv loop. c-ares tells us which sockets
 * it wants watched (ARES_OPT_SOCK_STATE_CB); one uv_poll per socket calls
 * ares_process_fd(), and one timer re-armed from ares_timeout() drives
 * retries. c-ares 1.18 (Debian 12) has no event-thread API, and we want
 * none: everything stays on the one loop. */
#include "config.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/resolve.h"
#include "veriport/xalloc.h"

struct resolve_poll {
	uv_poll_t handle;
	ares_socket_t fd;
	struct resolve *owner;
	struct resolve_poll *next;
};

struct resolve {
	uv_loop_t *loop;
	ares_channel channel;
	uv_timer_t timer;
	struct resolve_poll *polls;
	unsigned open_handles; /* the timer and the polls not yet closed */
	int closing;
	int family; /* AF_UNSPEC, or the one family asked for and kept */
};

struct lookup {
	struct resolve *r;
	int family;
	resolve_cb cb;
	void *arg;
};

static void resolve_maybe_free(struct resolve *r)
{
	if (r->closing && r->open_handles == 0) {
		ares_destroy(r->channel);
		ares_library_cleanup();
		free(r);
	}
}

static void resolve_on_handle_closed(uv_handle_t *h)
{
	struct resolve *r = h->data;
	if (h->type == UV_POLL)
		free((struct resolve_poll *)h); /* handle is the first member */
	r->open_handles--;
	resolve_maybe_free(r);
}

static void resolve_rearm_timer(struct resolve *r);

static void resolve_on_timer(uv_timer_t *t)
{
	struct resolve *r = t->data;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolve_rearm_timer(r);
}

static void resolve_rearm_timer(struct resolve *r)
{
	if (r->closing)
		return;
	struct timeval tv;
	struct timeval *next = ares_timeout(r->channel, NULL, &tv);
	if (next == NULL) {
		uv_timer_stop(&r->timer);
		return;
	}
	uint64_t ms = (uint64_t)next->tv_sec * 1000 +
		      (uint64_t)(next->tv_usec + 999) / 1000;
	uv_timer_start(&r->timer, resolve_on_timer, ms, 0);
}

static void resolve_on_poll(uv_poll_t *h, int status, int events)
{
	struct resolve_poll *p = h->data;
	struct resolve *r = p->owner;
	/* On a poll error let c-ares read the socket: it sees the error
	 * and fails over to the next server. */
	ares_socket_t rfd =
	    (status < 0 || (events & UV_READABLE)) ? p->fd : ARES_SOCKET_BAD;
	ares_socket_t wfd = (events & UV_WRITABLE) ? p->fd : ARES_SOCKET_BAD;
	ares_process_fd(r->channel, rfd, wfd);
	resolve_rearm_timer(r);
}

static void resolve_on_sock_state(void *data, ares_socket_t fd, int readable,
				  int writable)
{
	struct resolve *r = data;
	struct resolve_poll **pp = &r->polls;
	while (*pp != NULL && (*pp)->fd != fd)
		pp = &(*pp)->next;
	struct resolve_poll *p = *pp;
	if (!readable && !writable) {
		if (p == NULL)
			return;
		*pp = p->next;
		uv_poll_stop(&p->handle);
		p->handle.data = r;
		uv_close((uv_handle_t *)&p->handle, resolve_on_handle_closed);
		return;
	}
	if (p == NULL) {
		p = xcalloc(1, sizeof *p);
		p->fd = fd;
		p->owner = r;
		if (uv_poll_init_socket(r->loop, &p->handle, fd) != 0)
			fatalx("uv_poll_init_socket(%d) failed", (int)fd);
		p->handle.data = p;
		r->open_handles++;
		p->next = r->polls;
		r->polls = p;
	}
	uv_poll_start(&p->handle,
		      (readable ? UV_READABLE : 0) |
			  (writable ? UV_WRITABLE : 0),
		      resolve_on_poll);
}

int resolve_init(struct resolve **out, uv_loop_t *loop, unsigned timeout_ms,
		 char *err, size_t errlen)
{
	*out = NULL;
	int rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return -EIO;
	}
	struct resolve *r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->family = AF_UNSPEC;
	/* c-ares doubles the per-try timeout on each retry: two tries of a
	 * quarter and a half keep a lookup inside one probe timeout. */
	struct ares_options opts = {
	    .sock_state_cb = resolve_on_sock_state,
	    .sock_state_cb_data = r,
	    .timeout = (int)(timeout_ms / 4 > 100 ? timeout_ms / 4 : 100),
	    .tries = 2,
	};
	rc = ares_init_options(&r->channel, &opts,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
				   ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		ares_library_cleanup();
		return -EIO;
	}
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	r->open_handles = 1;
	*out = r;
	return 0;
}

static enum evidence_dns resolve_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return EVIDENCE_DNS_OK;
	case ARES_ENOTFOUND:
		return EVIDENCE_DNS_NXDOMAIN;
	case ARES_ENODATA:
		return EVIDENCE_DNS_NODATA;
	case ARES_ESERVFAIL:
		return EVIDENCE_DNS_SERVFAIL;
	case ARES_EREFUSED:
		return EVIDENCE_DNS_REFUSED;
	case ARES_ECONNREFUSED:
		return EVIDENCE_DNS_UNREACHABLE;
	case ARES_ETIMEOUT:
		return EVIDENCE_DNS_TIMEOUT;
	case ARES_ECANCELLED: /* only the sweep deadline cancels lookups */
	case ARES_EDESTRUCTION:
		return EVIDENCE_DNS_CANCELLED;
	default:
		return EVIDENCE_DNS_OTHER;
	}
}

static void resolve_on_addrinfo(void *arg, int status, int timeouts,
				struct ares_addrinfo *res)
{
	(void)timeouts;
	struct lookup *l = arg;
	struct resolve_answer a = {.status = resolve_status(status)};
	if (status == ARES_SUCCESS && res != NULL) {
		for (struct ares_addrinfo_node *n = res->nodes; n;
		     n = n->ai_next) {
			if ((n->ai_family != AF_INET &&
			     n->ai_family != AF_INET6) ||
			    (l->family != AF_UNSPEC &&
			     n->ai_family != l->family))
				continue;
			a.addrs = xreallocarray(a.addrs, a.naddrs + 1,
						sizeof *a.addrs);
			memset(&a.addrs[a.naddrs], 0, sizeof *a.addrs);
			memcpy(&a.addrs[a.naddrs++], n->ai_addr,
			       (size_t)n->ai_addrlen);
		}
		if (a.naddrs == 0)
			a.status = EVIDENCE_DNS_NODATA;
	}
	if (status != ARES_SUCCESS)
		snprintf(a.detail, sizeof a.detail, "%s",
			 ares_strerror(status));
	if (res != NULL)
		ares_freeaddrinfo(res);
	l->cb(l->arg, &a);
	free(a.addrs);
	free(l);
}

void resolve_set_family(struct resolve *r, int family)
{
	r->family = family;
}

void resolve_host(struct resolve *r, const char *host, resolve_cb cb, void *arg)
{
	struct lookup *l = xmalloc(sizeof *l);
	*l = (struct lookup){r, r->family, cb, arg};
	struct ares_addrinfo_hints hints = {
	    .ai_family = r->family,
	    /* Keep every address in the order the server gave; we probe
	     * them all, so sorting by reachability would hide nothing. */
	    .ai_flags = ARES_AI_NOSORT,
	};
	ares_getaddrinfo(r->channel, host, NULL, &hints, resolve_on_addrinfo,
			 l);
	resolve_rearm_timer(r);
}

void resolve_close(struct resolve *r)
{
	if (r == NULL || r->closing)
		return;
	/* ares_cancel runs the pending callbacks with ARES_ECANCELLED; a
	 * callback that closes the resolver again must find it closing. */
	r->closing = 1;
	ares_cancel(r->channel);
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, resolve_on_handle_closed);
	for (struct resolve_poll *p = r->polls, *next; p != NULL; p = next) {
		next = p->next;
		uv_poll_stop(&p->handle);
		p->handle.data = r;
		uv_close((uv_handle_t *)&p->handle, resolve_on_handle_closed);
	}
	r->polls = NULL;
}
