/* The probe engine: sockets, timers and the ICMP error queue. Each job is
 * one TCP connect (then its dialogue) or one UDP request (retransmitted a
 * bounded number of times) under one timer. What happened goes into the
 * job's evidence; the verdict is verdict.c's. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veriport/dlg.h"
#include "veriport/probe.h"
#include "veriport/tlsio.h"
#include "veriport/xalloc.h"

/* Entries read from an error queue per probe: one ICMP message explains a
 * failure; a few more cover retransmissions. */
#define ERRQUEUE_READS_MAX 8

struct probe_state {
	struct probe_engine *engine;
	struct probe_job *job;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_udp_t udp;
	} sock;
	bool sock_open;
	uv_timer_t timer;
	uv_connect_t connect_req;
	unsigned open_handles;
	bool finished;
	uint64_t started_ns;
	unsigned sends;
	struct tlsio *tls; /* once TLS started on the stream */
	bool tls_handshaking;
	struct dlg dlg;
	struct dlg_udp udp_dlg;
	uint8_t readbuf[DLG_IN_MAX];
};

struct probe_engine {
	uv_loop_t *loop;
	struct probe_options opt;
	probe_done_cb done;
	void *arg;
	struct probe_job *queue_head, *queue_tail;
	unsigned inflight;
	struct probe_state **active;
	size_t nactive, active_cap;
	char helo[256]; /* this host's name, for EHLO */
};

static void probe_start_next(struct probe_engine *e);

static uint16_t random_id(struct probe_job *job)
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

static double elapsed_ms(const struct probe_state *s)
{
	return (double)(uv_hrtime() - s->started_ns) / 1e6;
}

static void active_remove(struct probe_engine *e, struct probe_state *s)
{
	for (size_t i = 0; i < e->nactive; i++)
		if (e->active[i] == s) {
			e->active[i] = e->active[--e->nactive];
			return;
		}
}

static void probe_on_closed(uv_handle_t *h)
{
	struct probe_state *s = h->data;
	if (--s->open_handles > 0)
		return;
	struct probe_engine *e = s->engine;
	struct probe_job *job = s->job;
	job->state = NULL;
	tlsio_free(s->tls);
	free(s);
	e->inflight--;
	e->done(job, e->arg);
	probe_start_next(e);
}

/* The job is over: stop its I/O and close its handles; DONE runs when
 * they have closed (the libuv rule: never free a handle before its close
 * callback ran). */
static void probe_finish(struct probe_state *s)
{
	if (s->finished)
		return;
	s->finished = true;
	active_remove(s->engine, s);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, probe_on_closed);
	if (s->sock_open)
		uv_close(&s->sock.handle, probe_on_closed);
}

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
static void probe_read_errqueue(struct probe_state *s)
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

/* A socket handle exists: it is closed with the probe, and ICMP errors
 * for it are queued where probe_read_errqueue() finds them. */
static void probe_socket_opened(struct probe_state *s)
{
	s->sock_open = true;
	s->open_handles++;
	s->sock.handle.data = s;
	probe_enable_recverr(s);
}

/* A failed connect, send or receive: the ICMP message behind it, when
 * there is one, says more than the errno it became. */
static void probe_transport_error(struct probe_state *s, int uverr,
				  const char *what)
{
	struct evidence *ev = &s->job->ev;
	ev->error = -uverr;
	probe_read_errqueue(s);
	if (!ev->icmp)
		evidence_add(ev, "%s: %s", what, uv_strerror(uverr));
	probe_finish(s);
}

/* Streams: dialogues, and TLS under them ---------------------------------- */

static void probe_on_write(uv_write_t *req, int status)
{
	struct probe_state *s = req->data;
	free(req);
	if (status < 0 && status != UV_ECANCELED && !s->finished)
		probe_transport_error(s, status, "send");
}

/* Queue N bytes on the socket. The request owns a copy: the dialogue or
 * the TLS layer may produce more before this write completes. */
static void probe_write(struct probe_state *s, const uint8_t *bytes, size_t n)
{
	struct write_req {
		uv_write_t req;
		uint8_t bytes[];
	} *w = xmalloc(sizeof *w + n);
	memcpy(w->bytes, bytes, n);
	w->req.data = s;
	uv_buf_t buf = uv_buf_init((char *)w->bytes, (unsigned)n);
	int rc = uv_write(&w->req, &s->sock.stream, &buf, 1, probe_on_write);
	if (rc < 0) {
		free(w);
		probe_transport_error(s, rc, "send");
	}
}

/* Send the ciphertext the TLS layer has ready. */
static void probe_flush_tls(struct probe_state *s)
{
	uint8_t buf[4096];
	size_t n;
	while (!s->finished && (n = tlsio_output(s->tls, buf, sizeof buf)) > 0)
		probe_write(s, buf, n);
}

static void probe_send_output(struct probe_state *s)
{
	const uint8_t *out;
	size_t n = dlg_output(&s->dlg, &out);
	if (n == 0)
		return;
	if (s->tls == NULL) {
		probe_write(s, out, n);
	} else if (tlsio_write(s->tls, out, n) < 0) {
		evidence_add(&s->job->ev, "TLS write failed: %s",
			     tlsio_error(s->tls));
		s->job->ev.dlg_step = DLG_FAIL;
		s->job->ev.dlg_failure = DLG_FAIL_CLOSED_EARLY;
		probe_finish(s);
		return;
	} else {
		probe_flush_tls(s);
	}
	dlg_sent(&s->dlg);
}

/* The dialogue ended: keep what it learnt. */
static void probe_dialogue_end(struct probe_state *s, enum dlg_step step)
{
	evidence_dialogue(&s->job->ev, step, &s->dlg);
	probe_finish(s);
}

static void probe_tls_begin(struct probe_state *s);

static void probe_dialogue_step(struct probe_state *s, enum dlg_step step)
{
	switch (step) {
	case DLG_MORE:
		probe_send_output(s);
		return;
	case DLG_STARTTLS:
		if (s->tls != NULL) {
			/* a second upgrade inside TLS is not the protocol */
			s->dlg.failure = DLG_FAIL_UNEXPECTED;
			probe_dialogue_end(s, DLG_FAIL);
			return;
		}
		s->job->ev.dlg.starttls_offered = true;
		probe_tls_begin(s);
		return;
	case DLG_DONE:
	case DLG_FAIL:
		probe_dialogue_end(s, step);
		return;
	}
}

/* Decrypted bytes go to the dialogue until it ends or none are left. */
static void probe_tls_read(struct probe_state *s)
{
	uint8_t buf[DLG_IN_MAX];
	while (!s->finished) {
		ssize_t n = tlsio_read(s->tls, buf, sizeof buf);
		if (n == 0)
			return;
		if (n < 0) {
			probe_dialogue_step(s, dlg_eof(&s->dlg));
			return;
		}
		probe_dialogue_step(s, dlg_feed(&s->dlg, buf, (size_t)n));
	}
}

/* Drive the handshake one step; on success hand the stream to the
 * dialogue (STARTTLS), start it (implicit TLS), or end (check "tls"). */
static void probe_tls_handshake(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct evidence *ev = &job->ev;
	enum tlsio_step step = tlsio_handshake(s->tls);
	probe_flush_tls(s);
	if (s->finished || step == TLSIO_WANT_IO)
		return;
	s->tls_handshaking = false;
	if (step == TLSIO_FAIL) {
		ev->tls_failure = tlsio_failure(s->tls);
		evidence_add(ev, "TLS handshake failed: %s",
			     tlsio_error(s->tls));
		probe_finish(s);
		return;
	}
	struct tlsio_facts facts;
	tlsio_facts(s->tls, &facts);
	evidence_tls(ev, &facts);
	if (ev->dialogue) {
		probe_dialogue_step(s, dlg_tls_started(&s->dlg));
	} else if (dlg_has_stream(job->channel->check)) {
		struct dlg_params params = {
		    .id = random_id(job),
		    .host = job->host,
		    .port = job->channel->port,
		    .helo = s->engine->helo,
		    .implicit_tls = true,
		};
		dlg_start(&s->dlg, job->channel->check, &params);
		ev->dialogue = true;
		probe_send_output(s);
	} else {
		probe_finish(s);
		return;
	}
	probe_tls_read(s);
}

static void probe_tls_begin(struct probe_state *s)
{
	struct probe_job *job = s->job;
	job->ev.tls_attempted = true;
	s->tls = tlsio_new(s->engine->opt.tls_ctx, job->host);
	s->tls_handshaking = true;
	probe_tls_handshake(s);
}

static void probe_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct probe_state *s = h->data;
	*buf = uv_buf_init((char *)s->readbuf, sizeof s->readbuf);
}

static void probe_on_read(uv_stream_t *stream, ssize_t nread,
			  const uv_buf_t *buf)
{
	struct probe_state *s = stream->data;
	if (s->finished || nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			evidence_add(&s->job->ev, "receive: %s",
				     uv_strerror((int)nread));
		if (s->tls_handshaking) {
			s->job->ev.tls_failure = TLSIO_FAIL_HANDSHAKE;
			evidence_add(&s->job->ev,
				     "TLS handshake failed: the peer closed");
			probe_finish(s);
		} else {
			probe_dialogue_step(s, dlg_eof(&s->dlg));
		}
		return;
	}
	if (s->tls == NULL) {
		probe_dialogue_step(s, dlg_feed(&s->dlg,
						(const uint8_t *)buf->base,
						(size_t)nread));
		return;
	}
	tlsio_feed(s->tls, (const uint8_t *)buf->base, (size_t)nread);
	if (s->tls_handshaking)
		probe_tls_handshake(s);
	else
		probe_tls_read(s);
}

/* TCP ------------------------------------------------------------------- */

static void probe_on_connect(uv_connect_t *req, int status)
{
	struct probe_state *s = req->data;
	struct evidence *ev = &s->job->ev;
	if (s->finished)
		return;
	if (status < 0) {
		probe_transport_error(s, status, "connect");
		return;
	}
	ev->connected = true;
	ev->latency_ms = elapsed_ms(s);
	evidence_add(ev, "TCP connected in %.1f ms", ev->latency_ms);
	bool implicit_tls =
	    catalog_check_is_implicit_tls(s->job->channel->check);
	if (!ev->dialogue && !implicit_tls) {
		probe_finish(s);
		return;
	}
	int rc = uv_read_start(&s->sock.stream, probe_on_alloc, probe_on_read);
	if (rc < 0) {
		probe_transport_error(s, rc, "receive");
		return;
	}
	if (implicit_tls)
		probe_tls_begin(s);
	else
		probe_send_output(s);
}

static int probe_start_tcp(struct probe_state *s)
{
	struct probe_job *job = s->job;
	int rc =
	    uv_tcp_init_ex(s->engine->loop, &s->sock.tcp, job->addr.ss_family);
	if (rc < 0)
		return rc;
	probe_socket_opened(s);
	/* Implicit-TLS kinds start their dialogue once TLS is up. */
	if (dlg_has_stream(job->channel->check) &&
	    !catalog_check_is_implicit_tls(job->channel->check)) {
		struct dlg_params params = {.id = random_id(job),
					    .host = job->host,
					    .port = job->channel->port,
					    .helo = s->engine->helo};
		if (dlg_start(&s->dlg, job->channel->check, &params) == 0)
			job->ev.dialogue = true;
	}
	s->connect_req.data = s;
	rc = uv_tcp_connect(&s->connect_req, &s->sock.tcp,
			    (const struct sockaddr *)&job->addr,
			    probe_on_connect);
	/* libuv reports most connect() failures (no route, ...) at once
	 * rather than through the callback. */
	if (rc < 0)
		probe_transport_error(s, rc, "connect");
	return 0;
}

/* UDP ------------------------------------------------------------------- */

static void probe_on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	probe_on_alloc(h, suggested, buf);
}

static void probe_on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
			  const struct sockaddr *from, unsigned flags)
{
	(void)from;
	struct probe_state *s = udp->data;
	struct evidence *ev = &s->job->ev;
	if (s->finished)
		return;
	if (nread < 0) {
		probe_transport_error(s, (int)nread, "receive");
		return;
	}
	if (nread == 0 && from == NULL)
		return;
	if (flags & UV_UDP_PARTIAL)
		evidence_add(ev, "reply larger than %zu bytes, truncated",
			     sizeof s->readbuf);
	switch (dlg_udp_reply(&s->udp_dlg, (const uint8_t *)buf->base,
			      (size_t)nread)) {
	case DLG_UDP_FOREIGN:
		return;
	case DLG_UDP_BAD:
		ev->udp_reply_bad = true;
		break;
	case DLG_UDP_MATCH:
		break;
	}
	ev->udp_reply = true;
	ev->latency_ms = elapsed_ms(s);
	evidence_add(ev, "reply of %zd bytes in %.1f ms", nread,
		     ev->latency_ms);
	if (s->udp_dlg.detail[0] != '\0')
		evidence_add(ev, "%s", s->udp_dlg.detail);
	probe_finish(s);
}

static void probe_udp_send(struct probe_state *s)
{
	uv_buf_t buf =
	    uv_buf_init((char *)s->udp_dlg.req, (unsigned)s->udp_dlg.reqlen);
	int rc = uv_udp_try_send(&s->sock.udp, &buf, 1, NULL);
	s->sends++;
	s->job->ev.udp_sent = true;
	/* A send can fail with the error an earlier ICMP message left on
	 * the connected socket: that is the answer. */
	if (rc < 0 && rc != UV_EAGAIN)
		probe_transport_error(s, rc, "send");
}

static int probe_start_udp(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct dlg_params params = {
	    .id = random_id(job),
	    .snmp_community = s->engine->opt.snmp_community,
	};
	int rc = dlg_udp_start(&s->udp_dlg, job->channel->check, &params);
	if (rc < 0)
		return rc;
	job->ev.reply_expected = dlg_udp_expects_reply(job->channel->check);
	rc = uv_udp_init_ex(s->engine->loop, &s->sock.udp, job->addr.ss_family);
	if (rc < 0)
		return rc;
	probe_socket_opened(s);
	/* Connected, so the kernel hands us ICMP errors for this peer and
	 * drops datagrams from anyone else. */
	rc = uv_udp_connect(&s->sock.udp, (const struct sockaddr *)&job->addr);
	if (rc < 0) {
		probe_transport_error(s, rc, "connect");
		return 0;
	}
	rc = uv_udp_recv_start(&s->sock.udp, probe_on_udp_alloc, probe_on_recv);
	if (rc < 0)
		return rc;
	probe_udp_send(s);
	return 0;
}

/* Timer: UDP retransmissions, and the end of every probe. */
static void probe_on_timer(uv_timer_t *t)
{
	struct probe_state *s = t->data;
	struct probe_job *job = s->job;
	if (s->finished)
		return;
	if (job->channel->transport == CATALOG_UDP &&
	    s->sends < s->engine->opt.udp_tries) {
		probe_udp_send(s);
		return;
	}
	job->ev.timed_out = true;
	if (job->channel->transport == CATALOG_UDP) {
		evidence_add(&job->ev, "%u request%s sent, no reply in %u ms",
			     s->sends, s->sends == 1 ? "" : "s",
			     s->engine->opt.timeout_ms);
		probe_read_errqueue(s);
	} else if (s->tls_handshaking) {
		evidence_add(&job->ev, "no TLS handshake answer within %u ms",
			     s->engine->opt.timeout_ms);
	} else if (job->ev.connected) {
		evidence_add(&job->ev, "no complete answer within %u ms",
			     s->engine->opt.timeout_ms);
	} else {
		evidence_add(&job->ev, "no answer to TCP SYN within %u ms",
			     s->engine->opt.timeout_ms);
	}
	probe_finish(s);
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
	e->active[e->nactive++] = s;
	const struct catalog_channel *ch = job->channel;
	set_port(&job->addr, ch->port);
	s->started_ns = uv_hrtime();
	uv_timer_init(e->loop, &s->timer);
	s->timer.data = s;
	s->open_handles = 1;
	/* A UDP request goes out udp_tries times, evenly spaced, and the
	 * probe ends one interval after the last. */
	uint64_t interval = e->opt.timeout_ms;
	if (ch->transport == CATALOG_UDP && e->opt.udp_tries > 1)
		interval = e->opt.timeout_ms / e->opt.udp_tries;
	uv_timer_start(&s->timer, probe_on_timer, interval,
		       ch->transport == CATALOG_UDP ? interval : 0);
	int rc = ch->transport == CATALOG_TCP ? probe_start_tcp(s)
					      : probe_start_udp(s);
	if (rc < 0 && !s->finished) {
		job->ev.error = -rc;
		evidence_add(&job->ev, "socket: %s", uv_strerror(rc));
		probe_finish(s);
	}
}

static void probe_start_next(struct probe_engine *e)
{
	while (e->queue_head != NULL && e->inflight < e->opt.max_inflight) {
		struct probe_job *job = e->queue_head;
		e->queue_head = job->next;
		if (e->queue_head == NULL)
			e->queue_tail = NULL;
		job->next = NULL;
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
	if (e->opt.max_inflight == 0)
		e->opt.max_inflight = 1;
	if (e->opt.udp_tries == 0)
		e->opt.udp_tries = 1;
	e->done = done;
	e->arg = arg;
	/* EHLO names the client (RFC 5321 §4.1.1.1); without a name of our
	 * own the dialogue says veriport.invalid. */
	if (gethostname(e->helo, sizeof e->helo - 1) != 0 ||
	    strchr(e->helo, '.') == NULL)
		e->helo[0] = '\0';
	return e;
}

void probe_submit(struct probe_engine *e, struct probe_job *job)
{
	job->next = NULL;
	if (e->queue_tail != NULL)
		e->queue_tail->next = job;
	else
		e->queue_head = job;
	e->queue_tail = job;
	probe_start_next(e);
}

void probe_cancel_all(struct probe_engine *e)
{
	while (e->queue_head != NULL) {
		struct probe_job *job = e->queue_head;
		e->queue_head = job->next;
		job->next = NULL;
		job->ev.timed_out = true;
		evidence_add(&job->ev,
			     "not started: the sweep deadline passed");
		e->done(job, e->arg);
	}
	e->queue_tail = NULL;
	while (e->nactive > 0) {
		struct probe_state *s = e->active[e->nactive - 1];
		s->job->ev.timed_out = true;
		evidence_add(&s->job->ev,
			     "cut short: the sweep deadline passed");
		probe_finish(s);
	}
}

void probe_engine_free(struct probe_engine *e)
{
	if (e == NULL)
		return;
	if (e->inflight != 0 || e->queue_head != NULL)
		fatalx("engine freed with %u probes running", e->inflight);
	free(e->active);
	free(e);
}

/* Listeners ------------------------------------------------------------- */

/* /proc/net/{tcp,udp}[6] states (include/net/tcp_states.h): 0A is
 * TCP_LISTEN; a bound, unconnected UDP socket shows 07 (TCP_CLOSE). */
static bool proc_net_has_port(const char *path, unsigned port,
			      const char *state)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	char line[512];
	bool found = false;
	if (fgets(line, sizeof line, f) == NULL) /* header */
		goto out;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char local[64], st[8];
		unsigned lport;
		if (sscanf(line, "%*d: %63[0-9A-Fa-f]:%x %*s %7s", local,
			   &lport, st) == 3 &&
		    lport == port && strcmp(st, state) == 0)
			found = true;
	}
out:
	fclose(f);
	return found;
}

void probe_listener(const struct catalog_channel *ch, struct evidence *ev)
{
	evidence_init(ev, ch->transport, ch->check);
	ev->listener_check = true;
	bool tcp = ch->transport == CATALOG_TCP;
	const char *state = tcp ? "0A" : "07";
	ev->listening =
	    proc_net_has_port(tcp ? "/proc/net/tcp" : "/proc/net/udp", ch->port,
			      state) ||
	    proc_net_has_port(tcp ? "/proc/net/tcp6" : "/proc/net/udp6",
			      ch->port, state);
	evidence_add(ev, "%s port %u on this host: %s",
		     catalog_transport_name(ch->transport), ch->port,
		     ev->listening ? "a socket is bound"
				   : "nothing is bound (the service is not "
				     "running here)");
}
