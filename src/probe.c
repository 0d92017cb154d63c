/* The probe engine: the queue and the in-flight limit, the TLS slots, each
 * probe's clock and timer, the ICMP error queue. One TCP connect (then its
 * dialogue) or one UDP request per job (probe_tcp.c, probe_udp.c); what
 * happened goes into the job's evidence; the verdict is verdict.c's. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_impl.h"
#include "veriport/xalloc.h"

/* Entries read from an error queue per probe: one ICMP message explains a
 * failure; a few more cover retransmissions. */
#define ERRQUEUE_READS_MAX 8
/* A job that finds no free descriptor while no other probe runs (so none
 * will free one) tries again after this long, this many times, before it
 * is skipped: the shortage is the process's, not the network's. */
#define SHORTAGE_RETRY_MS 100
#define SHORTAGE_RETRIES_MAX 50
/* The engine's tick bounds every poll of the loop to LOOP_TICK_MS; a poll
 * that returns LOOP_STALL_MS later than that was not listening all along:
 * the process was stopped (SIGSTOP, a suspended VM) or not scheduled.
 * Scheduling on a loaded host is late by milliseconds. */
#define LOOP_TICK_MS 100
#define LOOP_STALL_MS 100
/* A probe's timer is never set closer than this, and a probe this close
 * to its timeout has had it: with thousands of probes re-arming timers of
 * a millisecond, every poll of the loop would return at once, the loop
 * would never be idle, and their clocks (which count its idle time) would
 * stop just short of the timeout until the sweep's deadline (seen with
 * 5,000 dropped ports: all skipped at 9 s instead of filtered at 3 s). */
#define CLOCK_SLACK_MS 5
/* Probes started in one turn of the loop at most: the connects of the
 * turn before are answered and closed before more begin, so a 5,000-port
 * sweep keeps a few hundred sockets open at a time rather than 5,000
 * (each one more in the kernel's tables and caches: a 5,000-port
 * loopback sweep took 343 ms of CPU with all started at once, 278 ms 64
 * a turn). While probes wait to start the loop does not sleep, so
 * dropped ports still all start within a fraction of a second. */
#define START_PER_TURN 64
/* TLS probes connected but not yet in a handshake, per handshake slot, at
 * most: beyond that no TLS job starts (the others do). Started all at
 * once, 20,000 TLS probes sat connected and idle for up to 20 s waiting
 * for one of 32 slots, and a server that reaps idle connections under
 * pressure closed some of them (nginx: "worker_connections are not
 * enough, reusing connections"), which read as tls-error. Probes still
 * connecting are not counted, so dropped TLS ports do not hold the rest. */
#define TLS_CONNECTED_PER_SLOT 8
/* ... and no more than the slots work off in this time, at the pace they
 * have been given back (as many as the slots until one was), but never
 * fewer than the slots, so a host too slow for the budget still keeps
 * every slot busy. Under callgrind (some 40 ms of CPU a handshake) 256
 * connected probes waited up to 9 s, and `veriport respond`, which ends
 * a session after 10 s, ended 84 of 500 SMTP probes: rejected and
 * tls-error on a healthy far end. On loopback at full speed a slot turns
 * over in some 20 ms (32 handshakes share the CPU), and the bound stays
 * 8 per slot. */
#define TLS_HOLD_BUDGET_MS 250

static void probe_start_next(struct probe_engine *e);

unsigned probe_parallel_default(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024 - PROBE_FD_RESERVE;
	rlim_t n = rl.rlim_cur > 2 * PROBE_FD_RESERVE
		       ? rl.rlim_cur - PROBE_FD_RESERVE
		       : rl.rlim_cur / 2;
	return n > PROBE_PARALLEL_MAX ? PROBE_PARALLEL_MAX
				      : (unsigned)(n > 0 ? n : 1);
}

static unsigned tls_parallel_default(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return (unsigned)(cpus > 0 ? cpus : 1) * PROBE_TLS_PER_CPU;
}

uint16_t probe_random_id(const struct probe_job *job)
{
	/* Transaction ids only need to differ between concurrent probes and
	 * from stale datagrams; the address of the job and the clock do. */
	uintptr_t p = (uintptr_t)job;
	return (uint16_t)((p >> 4) ^ (p >> 20) ^ (uv_hrtime() & 0xffff));
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* The clock -------------------------------------------------------------- */

/* A probe's timeout is about the network: time the loop spent busy (on
 * other probes' handshakes, or answering the status socket) is time the
 * network could not be heard, so only the loop's idle time counts — and
 * not the time the probe waited for a TLS slot, nor a poll that overslept
 * (probe_on_check). The engine keeps its own sum of the polls' idle time:
 * libuv 1.44's uv_metrics_idle_time() is not monotonic around a poll that
 * a stop signal interrupts (EINTR), so a reading is taken only as far as
 * this poll's own wall time allows, and the sum moves only forwards. */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

uint64_t probe_listened_ns(const struct probe_engine *e)
{
	uint64_t idle = since(uv_metrics_idle_time(e->loop), e->idle_seen_ns);
	uint64_t wall = since(uv_hrtime(), e->poll_began_ns);
	return e->listened_ns + (idle < wall ? idle : wall);
}

/* Around each poll, which the tick keeps under LOOP_TICK_MS: one that
 * slept far longer is not counted at all, since when the stall began
 * within it is unknown; what arrived meanwhile is read before any probe's
 * timer can end it (the timers fire before the next poll, see their clock
 * not yet run out, and wait on). */
static void probe_on_tick(uv_timer_t *t)
{
	(void)t;
}

static void poll_begins(struct probe_engine *e)
{
	e->poll_began_ns = uv_hrtime();
	e->idle_seen_ns = uv_metrics_idle_time(e->loop);
}

static void probe_on_prepare(uv_prepare_t *h)
{
	struct probe_engine *e = h->data;
	e->turn_starts = 0;
	poll_begins(e);
}

static void probe_on_check(uv_check_t *h)
{
	struct probe_engine *e = h->data;
	uint64_t slept_ms = since(uv_hrtime(), e->poll_began_ns) / 1000000;
	if (slept_ms <= LOOP_TICK_MS + LOOP_STALL_MS)
		e->listened_ns = probe_listened_ns(e);
	poll_begins(e);
}

double probe_clock_ms(const struct probe_state *s)
{
	uint64_t now = probe_listened_ns(s->engine);
	uint64_t paused = s->paused_ns;
	if (s->tls_waiting)
		paused += since(now, s->pause_began_ns);
	uint64_t waited = since(now, s->idle_at_start_ns);
	return waited > paused ? (double)(waited - paused) / 1e6 : 0;
}

double probe_latency_ms(const struct probe_state *s)
{
	return (double)(uv_hrtime() - s->started_ns) / 1e6;
}

static void probe_on_timer(uv_timer_t *t);

void probe_timer_at(struct probe_state *s, double at_ms)
{
	double left = at_ms - probe_clock_ms(s);
	uv_timer_start(
	    &s->timer, probe_on_timer,
	    left > CLOCK_SLACK_MS ? (uint64_t)(left + 0.5) : CLOCK_SLACK_MS, 0);
}

/* A TCP connect is the kernel's to answer, busy loop or not: once the
 * wall clock has had the timeout and the socket is still connecting, no
 * SYN-ACK, reset or ICMP error came (one that did is waiting to be read:
 * the socket polls writable or in error, and the loop reads it next). So
 * a connect needs no share of the loop's idle time, and a sweep whose
 * loop is busy starting 5,000 others ends at the timeout, not after. */
static bool connect_timed_out(struct probe_state *s)
{
	uv_os_fd_t fd;
	if (s->job->ev.connected || s->proxy_dlg != NULL || !s->sock_open ||
	    probe_latency_ms(s) + CLOCK_SLACK_MS < s->engine->opt.timeout_ms ||
	    uv_fileno(&s->sock.handle, &fd) != 0)
		return false;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	return poll(&p, 1, 0) == 0;
}

static void probe_on_timer(uv_timer_t *t)
{
	struct probe_state *s = t->data;
	if (s->finished || s->tls_waiting)
		return;
	if (s->job->channel->transport == CATALOG_UDP) {
		probe_udp_tick(s);
		return;
	}
	/* The loop was busy part of the time: the network has had less
	 * than the timeout so far. */
	if (!connect_timed_out(s) &&
	    probe_clock_ms(s) + CLOCK_SLACK_MS < s->engine->opt.timeout_ms) {
		probe_timer_at(s, s->engine->opt.timeout_ms);
		return;
	}
	s->job->ev.timed_out = true;
	probe_tcp_timeout(s);
}

/* Ending a probe ---------------------------------------------------------- */

static void active_remove(struct probe_engine *e, struct probe_state *s)
{
	struct probe_state *last = e->active[--e->nactive];
	e->active[s->active_at] = last;
	last->active_at = s->active_at;
}

static void engine_close_now(struct probe_engine *e);

static void probe_on_retry(uv_timer_t *t)
{
	struct probe_engine *e = t->data;
	e->retry_armed = false;
	probe_start_next(e);
}

static void arm_retry(struct probe_engine *e)
{
	if (e->retry_armed)
		return;
	e->retry_armed = true;
	uv_timer_start(&e->retry, probe_on_retry, SHORTAGE_RETRY_MS, 0);
}

void probe_handle_closed(uv_handle_t *h)
{
	struct probe_state *s = h->data;
	if (--s->open_handles > 0)
		return;
	struct probe_engine *e = s->engine;
	struct probe_job *job = s->job;
	tlsio_free(s->tls);
	free(s->dlg);
	free(s->proxy_dlg);
	free(s->early);
	free(s->udp_dlg);
	free(s->first);
	free(s->control);
	free(s);
	e->inflight--;
	if (job != NULL) {
		job->state = NULL;
		e->done(job, e->arg);
	}
	if (e->closing) {
		if (e->inflight == 0)
			engine_close_now(e);
		return;
	}
	/* A job requeued for want of a descriptor, with nothing else
	 * running that could free one, waits before it tries again. */
	if (job == NULL && e->inflight == 0)
		arm_retry(e);
	else
		probe_start_next(e);
}

static void tls_wait_remove(struct probe_engine *e, struct probe_state *s)
{
	if (s->tls_prev != NULL)
		s->tls_prev->tls_next = s->tls_next;
	else
		e->tls_wait_head = s->tls_next;
	if (s->tls_next != NULL)
		s->tls_next->tls_prev = s->tls_prev;
	else
		e->tls_wait_tail = s->tls_prev;
	s->tls_next = s->tls_prev = NULL;
	s->tls_waiting = false;
}

static void probe_on_batch(uv_idle_t *h);

/* S no longer waits connected for a slot: it has one, or it is over. */
static void tls_uncount(struct probe_state *s)
{
	struct probe_engine *e = s->engine;
	if (!s->tls_connected)
		return;
	s->tls_connected = false;
	e->tls_connected--;
	if (e->tls_queue.head != NULL && !e->closing)
		uv_idle_start(&e->batch, probe_on_batch);
}

void probe_tls_connected(struct probe_state *s)
{
	if (s->tls_connected || !catalog_check_has_tls(s->job->channel->check))
		return;
	s->tls_connected = true;
	s->engine->tls_connected++;
}

/* The job is over: stop its I/O and close its handles; DONE runs when
 * they have closed (the libuv rule: never free a handle before its close
 * callback ran). */
void probe_finish(struct probe_state *s)
{
	if (s->finished)
		return;
	if (s->first != NULL)
		probe_tcp_retry_end(s);
	s->finished = true;
	struct probe_engine *e = s->engine;
	probe_control_summary(s);
	if (s->tls_waiting)
		tls_wait_remove(e, s);
	tls_uncount(s);
	probe_tls_slot_release(s);
	active_remove(e, s);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, probe_handle_closed);
	if (s->sock_open)
		uv_close(&s->sock.handle, probe_handle_closed);
	probe_control_close(s);
}

void probe_token_scan(struct probe_state *s, const uint8_t *p, size_t n)
{
	const char *token = s->engine->opt.responder_token;
	struct evidence *ev = &s->job->ev;
	if (!ev->responder || ev->token_seen || token == NULL || n == 0)
		return;
	size_t tl = strlen(token);
	if (tl == 0 || tl > PROBE_TOKEN_MAX)
		return;
	/* Where the last read's tail meets this one's head, then within. */
	uint8_t seam[2 * PROBE_TOKEN_MAX];
	size_t head = n < tl - 1 ? n : tl - 1;
	memcpy(seam, s->token_tail, s->token_taillen);
	memcpy(seam + s->token_taillen, p, head);
	if (memmem(seam, s->token_taillen + head, token, tl) != NULL ||
	    memmem(p, n, token, tl) != NULL) {
		ev->token_seen = true;
		evidence_add(ev, "the responder's token %s came back", token);
		return;
	}
	size_t keep = tl - 1;
	if (n >= keep) {
		memcpy(s->token_tail, p + n - keep, keep);
	} else {
		size_t old =
		    s->token_taillen + n > keep ? keep - n : s->token_taillen;
		memmove(s->token_tail, s->token_tail + s->token_taillen - old,
			old);
		memcpy(s->token_tail + old, p, n);
		keep = old + n;
	}
	s->token_taillen = keep;
}

/* TLS slots -------------------------------------------------------------- */

void probe_tls_slot(struct probe_state *s, void (*start)(struct probe_state *))
{
	struct probe_engine *e = s->engine;
	if (e->tls_active < e->opt.tls_parallel) {
		e->tls_active++;
		s->tls_slot = true;
		s->slot_began_ns = uv_hrtime();
		tls_uncount(s);
		start(s);
		return;
	}
	s->tls_start = start;
	s->tls_waiting = true;
	s->pause_began_ns = probe_listened_ns(e);
	s->held_began_ns = uv_hrtime();
	uv_timer_stop(&s->timer);
	s->tls_prev = e->tls_wait_tail;
	if (e->tls_wait_tail != NULL)
		e->tls_wait_tail->tls_next = s;
	else
		e->tls_wait_head = s;
	e->tls_wait_tail = s;
}

void probe_tls_slot_release(struct probe_state *s)
{
	struct probe_engine *e = s->engine;
	if (!s->tls_slot)
		return;
	s->tls_slot = false;
	e->tls_active--;
	uint64_t now = uv_hrtime(), turn = since(now, s->slot_began_ns);
	e->tls_turn_ns =
	    e->tls_turn_ns == 0 ? turn : (7 * e->tls_turn_ns + turn) / 8;
	struct probe_state *w = e->tls_wait_head;
	if (w == NULL)
		return;
	tls_wait_remove(e, w);
	tls_uncount(w);
	w->paused_ns += since(probe_listened_ns(e), w->pause_began_ns);
	struct evidence *ev = &w->job->ev;
	ev->held_ms += (double)since(now, w->held_began_ns) / 1e6;
	if (ev->held_ms >= EVIDENCE_HELD_MS)
		evidence_add(ev,
			     "waited %.0f ms connected for a TLS slot: this "
			     "host's slots were all busy with other handshakes",
			     ev->held_ms);
	w->tls_slot = true;
	w->slot_began_ns = now;
	e->tls_active++;
	probe_timer_at(w, e->opt.timeout_ms);
	w->tls_start(w);
}

/* The ICMP error queue ---------------------------------------------------- */

static bool same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

/* An ICMP error our own stack made up (a neighbour that never answered
 * ARP/NDP) names our source address; one from the destination itself
 * (port unreachable on this very host) names the destination. */
static bool generated_here(int fd, const struct sockaddr *offender,
			   const struct sockaddr_storage *dest)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
		return false;
	return same_address((struct sockaddr *)&local, offender) &&
	       !same_address((const struct sockaddr *)dest, offender);
}

/* Read the ICMP error (if any) the kernel queued for this socket: type,
 * code and the address of the router or firewall that sent it. */
void probe_read_errqueue(struct probe_state *s)
{
	struct evidence *ev = &s->job->ev;
	uv_os_fd_t fd;
	if (uv_fileno(&s->sock.handle, &fd) != 0)
		return;
	for (int i = 0; i < ERRQUEUE_READS_MAX; i++) {
		uint8_t data[64];
		union {
			char buf[512];
			struct cmsghdr align;
		} control;
		struct iovec iov = {data, sizeof data};
		struct msghdr msg = {
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = control.buf,
		    .msg_controllen = sizeof control.buf,
		};
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
		     c = CMSG_NXTHDR(&msg, c)) {
			bool v4 = c->cmsg_level == SOL_IP &&
				  c->cmsg_type == IP_RECVERR;
			bool v6 = c->cmsg_level == SOL_IPV6 &&
				  c->cmsg_type == IPV6_RECVERR;
			if (!v4 && !v6)
				continue;
			const struct sock_extended_err *ee =
			    (const struct sock_extended_err *)CMSG_DATA(c);
			if (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
			    ee->ee_origin != SO_EE_ORIGIN_ICMP6) {
				ev->error = (int)ee->ee_errno;
				continue;
			}
			const struct sockaddr *off = SO_EE_OFFENDER(ee);
			ev->icmp = true;
			ev->icmp_v6 = ee->ee_origin == SO_EE_ORIGIN_ICMP6;
			ev->icmp_type = ee->ee_type;
			ev->icmp_code = ee->ee_code;
			ev->error = (int)ee->ee_errno;
			ev->icmp_from[0] = '\0';
			if (off->sa_family == AF_INET)
				inet_ntop(AF_INET,
					  &((const struct sockaddr_in *)off)
					       ->sin_addr,
					  ev->icmp_from, sizeof ev->icmp_from);
			else if (off->sa_family == AF_INET6)
				inet_ntop(AF_INET6,
					  &((const struct sockaddr_in6 *)off)
					       ->sin6_addr,
					  ev->icmp_from, sizeof ev->icmp_from);
			ev->icmp_local = off->sa_family != AF_UNSPEC &&
					 generated_here(fd, off, &s->job->addr);
			evidence_add(ev, "ICMP%s type %u code %u from %s%s",
				     ev->icmp_v6 ? "v6" : "", ee->ee_type,
				     ee->ee_code,
				     ev->icmp_from[0] ? ev->icmp_from : "?",
				     ev->icmp_local ? " (this host)" : "");
		}
	}
}

static void probe_enable_recverr(struct probe_state *s)
{
	uv_os_fd_t fd;
	int on = 1;
	if (uv_fileno(&s->sock.handle, &fd) != 0)
		return;
	if (s->job->addr.ss_family == AF_INET)
		setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	else
		setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
}

void probe_socket_opened(struct probe_state *s)
{
	s->sock_open = true;
	s->open_handles++;
	s->sock.handle.data = s;
	probe_enable_recverr(s);
}

void probe_address_text(const struct sockaddr_storage *ss, char *buf,
			size_t len, unsigned *port)
{
	unsigned p;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)len);
		p = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)len);
		p = ntohs(in6->sin6_port);
	}
	if (port != NULL)
		*port = p;
}

int probe_parse_source(const char *arg, struct sockaddr_storage *out, char *err,
		       size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	socklen_t len;
	if (inet_pton(AF_INET, arg, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		len = sizeof *in;
	} else if (inet_pton(AF_INET6, arg, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		len = sizeof *in6;
	} else {
		snprintf(err, errlen, "expected an IPv4 or IPv6 address");
		return -EINVAL;
	}
	/* Bound once here, so an address this host does not have is a
	 * usage error now, not a local error on every probe. */
	int fd = socket(out->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	int rc = bind(fd, (struct sockaddr *)out, len) == 0 ? 0 : -errno;
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "%s%s", strerror(-rc),
			 rc == -EADDRNOTAVAIL ? " (not an address of this host)"
					      : "");
	return rc;
}

bool probe_bind_source(struct probe_state *s)
{
	const struct sockaddr_storage *src = s->engine->opt.source;
	struct probe_job *job = s->job;
	if (src == NULL)
		return true;
	char text[INET6_ADDRSTRLEN];
	unsigned port;
	probe_address_text(src, text, sizeof text, &port);
	int rc;
	if (src->ss_family != job->addr.ss_family) {
		/* This run's choice, not a fact about the network. */
		evidence_add(&job->ev,
			     "not probed: the source address %s (--source) "
			     "is %s, the target %s",
			     text, src->ss_family == AF_INET ? "IPv4" : "IPv6",
			     job->addr.ss_family == AF_INET ? "IPv4" : "IPv6");
	} else {
		rc = s->sock.handle.type == UV_TCP
			 ? uv_tcp_bind(&s->sock.tcp,
				       (const struct sockaddr *)src, 0)
			 : uv_udp_bind(&s->sock.udp,
				       (const struct sockaddr *)src, 0);
		if (rc == 0)
			return true;
		evidence_add(&job->ev,
			     "not probed: binding to the source address %s "
			     "(--source): %s",
			     text, uv_strerror(rc));
	}
	job->ev.skipped = true;
	job->ev.skip_reason = REASON_LOCAL_ERROR;
	probe_finish(s);
	return false;
}

void probe_note_source(struct probe_state *s)
{
	uv_os_fd_t fd;
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	if (uv_fileno(&s->sock.handle, &fd) != 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &len) != 0)
		return;
	char text[INET6_ADDRSTRLEN];
	unsigned port;
	probe_address_text(&local, text, sizeof text, &port);
	evidence_add(&s->job->ev, "from %s port %u%s", text, port,
		     s->engine->opt.source ? " (--source)" : "");
}

void probe_transport_error(struct probe_state *s, int uverr, const char *what)
{
	struct evidence *ev = &s->job->ev;
	ev->error = -uverr;
	probe_read_errqueue(s);
	if (!ev->icmp)
		evidence_add(ev, "%s: %s", what, uv_strerror(uverr));
	probe_finish(s);
}

void probe_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct probe_state *s = h->data;
	*buf =
	    uv_buf_init((char *)s->engine->readbuf, sizeof s->engine->readbuf);
}

/* Starting probes ---------------------------------------------------------- */

static struct probe_queue *queue_of(struct probe_engine *e,
				    const struct probe_job *job)
{
	return catalog_check_has_tls(job->channel->check) ? &e->tls_queue
							  : &e->queue;
}

static void queue_push_front(struct probe_queue *q, struct probe_job *job)
{
	job->next = q->head;
	q->head = job;
	if (q->tail == NULL)
		q->tail = job;
}

static void queue_push_back(struct probe_queue *q, struct probe_job *job)
{
	job->next = NULL;
	if (q->tail != NULL)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
}

static struct probe_job *queue_pop(struct probe_queue *q)
{
	struct probe_job *job = q->head;
	q->head = job->next;
	if (q->head == NULL)
		q->tail = NULL;
	job->next = NULL;
	return job;
}

/* Descriptors, local ports and socket buffers are the process's and the
 * host's: a job that finds none waits (the limit drops to what could be
 * opened) instead of reporting the shortage as a network verdict. */
bool probe_shortage(struct probe_state *s, int uverr)
{
	if (uverr != UV_EMFILE && uverr != UV_ENFILE &&
	    uverr != UV_EADDRNOTAVAIL && uverr != UV_ENOBUFS &&
	    uverr != UV_ENOMEM)
		return false;
	struct probe_engine *e = s->engine;
	struct probe_job *job = s->job;
	if (e->inflight == 1 && e->shortages >= SHORTAGE_RETRIES_MAX) {
		job->ev.skipped = true;
		job->ev.skip_reason = REASON_LOCAL_ERROR;
		evidence_add(&job->ev,
			     "not probed: this host has no %s to spare "
			     "(%s, %u tries)",
			     uverr == UV_EADDRNOTAVAIL ? "local port"
			     : uverr == UV_ENOBUFS || uverr == UV_ENOMEM
				 ? "socket memory"
				 : "file descriptor",
			     uv_strerror(uverr), e->shortages);
		probe_finish(s);
		return true;
	}
	/* This job gives its slot back: the others still running are what
	 * the process can hold now. */
	e->limit = e->inflight > 1 ? e->inflight - 1 : 1;
	e->shortages++;
	job->state = NULL;
	queue_push_front(queue_of(e, job), job);
	s->job = NULL; /* its close ends the state without a DONE */
	s->finished = true;
	active_remove(e, s);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, probe_handle_closed);
	if (s->sock_open)
		uv_close(&s->sock.handle, probe_handle_closed);
	return true;
}

static void probe_start(struct probe_engine *e, struct probe_job *job)
{
	struct probe_state *s = xcalloc(1, sizeof *s);
	s->engine = e;
	s->job = job;
	job->state = s;
	e->inflight++;
	if (e->nactive == e->active_cap) {
		e->active_cap = e->active_cap ? 2 * e->active_cap : 64;
		e->active =
		    xreallocarray(e->active, e->active_cap, sizeof *e->active);
	}
	s->active_at = e->nactive;
	e->active[e->nactive++] = s;
	const struct catalog_channel *ch = job->channel;
	set_port(&job->addr, job->proxy ? job->proxy->port : job->port);
	s->started_ns = uv_hrtime();
	s->idle_at_start_ns = probe_listened_ns(e);
	uv_timer_init(e->loop, &s->timer);
	s->timer.data = s;
	s->open_handles = 1;
	int rc = ch->transport == CATALOG_TCP ? probe_tcp_start(s)
					      : probe_udp_start(s);
	if (rc == 0 && !s->finished)
		e->shortages = 0;
	if (rc < 0 && !s->finished && !probe_shortage(s, rc)) {
		job->ev.error = -rc;
		evidence_add(&job->ev, "socket: %s", uv_strerror(rc));
		probe_finish(s);
	}
}

static void probe_on_batch(uv_idle_t *h)
{
	struct probe_engine *e = h->data;
	uv_idle_stop(h);
	e->turn_starts = 0;
	probe_start_next(e);
}

/* How many TLS probes may wait connected for a slot now. */
static unsigned tls_connected_max(const struct probe_engine *e)
{
	uint64_t slots = e->opt.tls_parallel;
	uint64_t most = TLS_CONNECTED_PER_SLOT * slots;
	if (e->tls_turn_ns == 0) /* the pace is unknown until one turned */
		return (unsigned)slots;
	uint64_t n = TLS_HOLD_BUDGET_MS * 1000000ull * slots / e->tls_turn_ns;
	return (unsigned)(n < slots ? slots : n > most ? most : n);
}

/* The next job to start, in the order submitted, TLS ones only while
 * few TLS probes wait connected for a slot. */
static struct probe_job *next_job(struct probe_engine *e)
{
	struct probe_job *other = e->queue.head, *tls = e->tls_queue.head;
	if (tls != NULL && e->tls_connected >= tls_connected_max(e))
		tls = NULL;
	if (tls != NULL && (other == NULL || tls->seq < other->seq))
		return queue_pop(&e->tls_queue);
	return other != NULL ? queue_pop(&e->queue) : NULL;
}

static void probe_start_next(struct probe_engine *e)
{
	while ((e->queue.head != NULL || e->tls_queue.head != NULL) &&
	       e->inflight < e->limit && !e->retry_armed) {
		if (e->turn_starts >= START_PER_TURN) {
			uv_idle_start(&e->batch, probe_on_batch);
			return;
		}
		struct probe_job *job = next_job(e);
		if (job == NULL)
			return;
		e->turn_starts++;
		probe_start(e, job);
	}
}

struct probe_engine *probe_engine_new(uv_loop_t *loop,
				      const struct probe_options *o,
				      probe_done_cb done, void *arg)
{
	struct probe_engine *e = xcalloc(1, sizeof *e);
	e->loop = loop;
	e->opt = *o;
	if (e->opt.timeout_ms == 0)
		e->opt.timeout_ms = PROBE_TIMEOUT_DEFAULT_MS;
	if (e->opt.parallel == 0)
		e->opt.parallel = probe_parallel_default();
	if (e->opt.tls_parallel == 0)
		e->opt.tls_parallel = tls_parallel_default();
	if (e->opt.udp_tries == 0)
		e->opt.udp_tries = PROBE_UDP_TRIES;
	e->limit = e->opt.parallel;
	e->done = done;
	e->arg = arg;
	/* The probes' clocks run on the loop's idle time. */
	uv_loop_configure(loop, UV_METRICS_IDLE_TIME);
	uv_timer_init(loop, &e->retry);
	e->retry.data = e;
	uv_prepare_init(loop, &e->stall_prepare);
	e->stall_prepare.data = e;
	uv_prepare_start(&e->stall_prepare, probe_on_prepare);
	uv_unref((uv_handle_t *)&e->stall_prepare);
	uv_check_init(loop, &e->stall_check);
	e->stall_check.data = e;
	uv_check_start(&e->stall_check, probe_on_check);
	uv_unref((uv_handle_t *)&e->stall_check);
	uv_idle_init(loop, &e->batch);
	e->batch.data = e;
	uv_timer_init(loop, &e->stall_tick);
	e->stall_tick.data = e;
	uv_timer_start(&e->stall_tick, probe_on_tick, LOOP_TICK_MS,
		       LOOP_TICK_MS);
	uv_unref((uv_handle_t *)&e->stall_tick);
	poll_begins(e);
	e->handles_open = 5;
	/* EHLO names the client (RFC 5321 §4.1.1.1); without a name of our
	 * own the dialogue says veriport.invalid. */
	if (gethostname(e->helo, sizeof e->helo - 1) != 0 ||
	    strchr(e->helo, '.') == NULL)
		e->helo[0] = '\0';
	return e;
}

void probe_submit(struct probe_engine *e, struct probe_job *job)
{
	job->seq = e->seq++;
	queue_push_back(queue_of(e, job), job);
	probe_start_next(e);
}

static void deadline_skip(struct evidence *ev, const char *what)
{
	ev->skipped = true;
	ev->skip_reason = REASON_DEADLINE;
	evidence_add(ev, "%s: the sweep deadline passed", what);
}

static void cancel_queued(struct probe_engine *e, struct probe_queue *q)
{
	while (q->head != NULL) {
		struct probe_job *job = queue_pop(q);
		deadline_skip(&job->ev, "not started");
		e->done(job, e->arg);
	}
}

void probe_cancel_all(struct probe_engine *e)
{
	cancel_queued(e, &e->queue);
	cancel_queued(e, &e->tls_queue);
	while (e->nactive > 0) {
		struct probe_state *s = e->active[e->nactive - 1];
		struct probe_job *job = s->job;
		probe_finish(s);
		deadline_skip(&job->ev, "not finished");
	}
}

static void probe_engine_on_closed(uv_handle_t *h)
{
	struct probe_engine *e = h->data;
	if (--e->handles_open > 0)
		return;
	void (*closed)(void *) = e->closed;
	void *arg = e->closed_arg;
	free(e->active);
	free(e);
	if (closed != NULL)
		closed(arg);
}

static void engine_close_now(struct probe_engine *e)
{
	uv_timer_stop(&e->retry);
	uv_close((uv_handle_t *)&e->retry, probe_engine_on_closed);
	uv_close((uv_handle_t *)&e->batch, probe_engine_on_closed);
	uv_close((uv_handle_t *)&e->stall_prepare, probe_engine_on_closed);
	uv_close((uv_handle_t *)&e->stall_check, probe_engine_on_closed);
	uv_close((uv_handle_t *)&e->stall_tick, probe_engine_on_closed);
}

void probe_engine_close(struct probe_engine *e, void (*closed)(void *arg),
			void *arg)
{
	if (e->queue.head != NULL || e->tls_queue.head != NULL ||
	    e->nactive != 0)
		fatalx("engine closed with %u probes running", e->inflight);
	e->closed = closed;
	e->closed_arg = arg;
	e->closing = true;
	/* A state requeued for want of a descriptor may still be closing. */
	if (e->inflight == 0)
		engine_close_now(e);
}
