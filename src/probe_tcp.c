/* Stream probes: a TCP connect, then the check's dialogue, with TLS under
 * it from the first byte (implicit TLS) or after its STARTTLS step. Bytes
 * move between the socket, tlsio and the dialogue here; neither of those
 * sees a socket. */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe_impl.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

/* A stalled TLS handshake is tried once more with segments every path
 * carries: RFC 791's 576-byte datagrams for IPv4, RFC 8200's 1280-byte
 * minimum MTU for IPv6, less their IP and TCP headers. */
#define PROBE_MSS_IPV4 536
#define PROBE_MSS_IPV6 1220

/* The flow: what we sent last, and whether anything came back after it. */
static void probe_sent(struct probe_state *s, size_t n, const char *what)
{
	struct evidence *ev = &s->job->ev;
	ev->sent_bytes += n;
	ev->received_after_send = 0;
	ev->last_sent_ms = probe_latency_ms(s);
	text_copy(ev->last_sent, sizeof ev->last_sent, what, strlen(what));
}

/* What a dialogue's request is called in the evidence: its first line
 * when it is text, its size otherwise. */
static void request_name(const uint8_t *out, size_t n, char *name, size_t len)
{
	size_t line = 0;
	while (line < n && line < 32 && out[line] >= 0x20 && out[line] < 0x7f)
		line++;
	if (line > 0 && (line == n || out[line] == '\r' || out[line] == '\n'))
		text_copy(name, len, out, line);
	else
		snprintf(name, len, "a %zu-byte request", n);
}

static void probe_on_write(uv_write_t *req, int status)
{
	struct probe_state *s = req->data;
	free(req);
	if (status == UV_ECONNRESET || status == UV_EPIPE)
		s->job->ev.reset = true;
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

/* Send the ciphertext the TLS layer has ready; WHAT names it. */
static void probe_flush_tls(struct probe_state *s, const char *what)
{
	uint8_t buf[4096];
	size_t n;
	while (!s->finished &&
	       (n = tlsio_output(s->tls, buf, sizeof buf)) > 0) {
		probe_sent(s, n, what);
		probe_write(s, buf, n);
	}
}

static void probe_send_output(struct probe_state *s)
{
	const uint8_t *out;
	size_t n = dlg_output(s->dlg, &out);
	if (n == 0)
		return;
	char what[48];
	request_name(out, n, what, sizeof what);
	if (s->tls == NULL) {
		probe_sent(s, n, what);
		probe_write(s, out, n);
	} else if (tlsio_write(s->tls, out, n) < 0) {
		evidence_add(&s->job->ev, "TLS write failed: %s",
			     tlsio_error(s->tls));
		s->job->ev.dlg_step = DLG_FAIL;
		s->job->ev.dlg_failure = DLG_FAIL_CLOSED_EARLY;
		probe_finish(s);
		return;
	} else {
		probe_flush_tls(s, what);
	}
	dlg_sent(s->dlg);
}

/* The dialogue ended: keep what it learnt. */
static void probe_dialogue_end(struct probe_state *s, enum dlg_step step)
{
	evidence_dialogue(&s->job->ev, step, s->dlg);
	probe_finish(s);
}

static void probe_tls_begin(struct probe_state *s);
static void probe_on_read(uv_stream_t *stream, ssize_t nread,
			  const uv_buf_t *buf);

static void probe_dialogue_step(struct probe_state *s, enum dlg_step step)
{
	switch (step) {
	case DLG_MORE:
		probe_send_output(s);
		return;
	case DLG_STARTTLS:
		if (s->tls != NULL) {
			/* a second upgrade inside TLS is not the protocol */
			s->dlg->failure = DLG_FAIL_UNEXPECTED;
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
			s->job->ev.closed = true;
			probe_dialogue_step(s, dlg_eof(s->dlg));
			return;
		}
		probe_token_scan(s, buf, (size_t)n);
		probe_dialogue_step(s, dlg_feed(s->dlg, buf, (size_t)n));
	}
}

/* Drive the handshake one step; on success hand the stream to the
 * dialogue (STARTTLS), start it (implicit TLS), or end (check "tls"). */
static void probe_tls_handshake(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct evidence *ev = &job->ev;
	enum tlsio_step step = tlsio_handshake(s->tls);
	probe_flush_tls(s, job->ev.sent_bytes == s->sent_before_tls
			       ? "TLS ClientHello"
			       : "TLS handshake");
	if (s->finished || step == TLSIO_WANT_IO)
		return;
	s->tls_handshaking = false;
	probe_tls_slot_release(s);
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
		probe_dialogue_step(s, dlg_tls_started(s->dlg));
	} else if (dlg_has_stream(job->channel->check)) {
		struct dlg_params params = {
		    .id = probe_random_id(job),
		    .host = job->host,
		    .port = job->port,
		    .helo = s->engine->helo,
		    .implicit_tls = true,
		};
		s->dlg = xcalloc(1, sizeof *s->dlg);
		dlg_start(s->dlg, job->channel->check, &params);
		ev->dialogue = true;
		probe_send_output(s);
	} else {
		probe_finish(s);
		return;
	}
	probe_tls_read(s);
}

/* TLS starts once a slot is free: the wait is the engine's, not the
 * network's, so reading stops (what the peer sends waits in the kernel)
 * and the probe's clock with it. */
static void probe_tls_now(struct probe_state *s)
{
	struct probe_job *job = s->job;
	s->tls = tlsio_new(job->tls_ctx ? job->tls_ctx : s->engine->opt.tls_ctx,
			   job->host);
	s->tls_handshaking = true;
	s->sent_before_tls = job->ev.sent_bytes;
	if (uv_read_start(&s->sock.stream, probe_on_alloc, probe_on_read) < 0) {
		probe_transport_error(s, UV_EIO, "receive");
		return;
	}
	if (s->early != NULL) {
		tlsio_feed(s->tls, s->early, s->earlylen);
		free(s->early);
		s->early = NULL;
	}
	probe_tls_handshake(s);
}

static void probe_tls_begin(struct probe_state *s)
{
	s->job->ev.tls_attempted = true;
	uv_read_stop(&s->sock.stream);
	probe_tls_slot(s, probe_tls_now);
}

/* Bytes the target sent, straight or through the proxy's tunnel. */
static void probe_on_bytes(struct probe_state *s, const uint8_t *p, size_t n)
{
	s->job->ev.received_bytes += n;
	s->job->ev.received_after_send += n;
	if (s->tls == NULL) {
		probe_token_scan(s, p, n);
		probe_dialogue_step(s, dlg_feed(s->dlg, p, n));
		return;
	}
	tlsio_feed(s->tls, p, n);
	if (s->tls_handshaking)
		probe_tls_handshake(s);
	else
		probe_tls_read(s);
}

/* The stream to the target is up (TCP connected, or the proxy's tunnel
 * open): the check's own part begins. */
static void probe_stream_up(struct probe_state *s)
{
	struct evidence *ev = &s->job->ev;
	bool implicit_tls =
	    catalog_check_is_implicit_tls(s->job->channel->check);
	if (!ev->dialogue && !implicit_tls) {
		probe_finish(s);
		return;
	}
	if (implicit_tls)
		probe_tls_begin(s);
	else
		probe_send_output(s);
}

/* The proxy's reply to CONNECT (RFC 9110 §9.3.6), while the tunnel is
 * not open yet. */
static void probe_proxy_step(struct probe_state *s, enum dlg_proxy_step step,
			     const uint8_t *rest, size_t restlen)
{
	struct probe_job *job = s->job;
	struct evidence *ev = &job->ev;
	struct evidence_proxy *px = &ev->proxy;
	struct dlg_proxy *d = s->proxy_dlg;
	switch (step) {
	case DLG_PROXY_MORE:
		return;
	case DLG_PROXY_DENIED:
		px->step = EVIDENCE_PROXY_DENIED;
		px->status = d->status;
		evidence_add(ev, "the proxy answered CONNECT %s port %u: %s",
			     job->host, job->port, d->status_line);
		probe_finish(s);
		return;
	case DLG_PROXY_FAIL:
		px->step = EVIDENCE_PROXY_BAD;
		evidence_add(ev, "the proxy's answer to CONNECT: %s",
			     d->detail);
		probe_finish(s);
		return;
	case DLG_PROXY_OPEN:
		break;
	}
	px->step = EVIDENCE_PROXY_OPEN;
	px->status = d->status;
	evidence_add(ev,
		     "via proxy %s:%u: %s; the tunnel to %s port %u is "
		     "open",
		     px->host, px->port, d->status_line, job->host, job->port);
	free(s->proxy_dlg);
	s->proxy_dlg = NULL;
	/* From here the flow is the target's: the proxy's exchange is not
	 * what a drop after connect or a reset after data is about. */
	ev->connected = true;
	probe_tls_connected(s);
	ev->latency_ms = probe_latency_ms(s);
	ev->sent_bytes = ev->received_bytes = ev->received_after_send = 0;
	ev->last_sent[0] = '\0';
	bool implicit_tls = catalog_check_is_implicit_tls(job->channel->check);
	if (restlen > 0 && implicit_tls) {
		s->early = xmalloc(restlen);
		memcpy(s->early, rest, restlen);
		s->earlylen = restlen;
	}
	probe_stream_up(s);
	if (restlen > 0 && !implicit_tls && !s->finished)
		probe_on_bytes(s, rest, restlen);
}

static void probe_on_read(uv_stream_t *stream, ssize_t nread,
			  const uv_buf_t *buf)
{
	struct probe_state *s = stream->data;
	if (s->finished || nread == 0)
		return;
	if (nread < 0) {
		if (nread == UV_ECONNRESET)
			s->job->ev.reset = true;
		if (nread == UV_EOF && s->proxy_dlg == NULL)
			s->job->ev.closed = true;
		if (nread != UV_EOF)
			evidence_add(&s->job->ev, "receive%s: %s",
				     s->proxy_dlg ? " from the proxy" : "",
				     uv_strerror((int)nread));
		if (s->proxy_dlg != NULL) {
			probe_proxy_step(s, dlg_proxy_eof(s->proxy_dlg), NULL,
					 0);
		} else if (s->tls_handshaking) {
			s->job->ev.tls_failure = TLSIO_FAIL_HANDSHAKE;
			evidence_add(&s->job->ev,
				     "TLS handshake failed: the peer closed");
			probe_finish(s);
		} else {
			probe_dialogue_step(s, dlg_eof(s->dlg));
		}
		return;
	}
	const uint8_t *p = (const uint8_t *)buf->base;
	size_t n = (size_t)nread;
	if (s->proxy_dlg != NULL) {
		size_t used;
		enum dlg_proxy_step step =
		    dlg_proxy_feed(s->proxy_dlg, p, n, &used);
		probe_proxy_step(s, step, p + used,
				 step == DLG_PROXY_OPEN ? n - used : 0);
		return;
	}
	probe_on_bytes(s, p, n);
}

/* Connected to the proxy: ask it for the tunnel. The target's name goes
 * as it is, so the proxy resolves it. */
static void probe_proxy_connect(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct evidence *ev = &job->ev;
	ev->proxy.step = EVIDENCE_PROXY_SILENT;
	evidence_add(ev, "TCP connected to the proxy %s:%u in %.1f ms",
		     ev->proxy.host, ev->proxy.port, probe_latency_ms(s));
	s->proxy_dlg = xcalloc(1, sizeof *s->proxy_dlg);
	if (dlg_proxy_start(s->proxy_dlg, job->host, job->port) < 0)
		fatalx("%s: host '%s' was not checked", __func__, job->host);
	int rc = uv_read_start(&s->sock.stream, probe_on_alloc, probe_on_read);
	if (rc < 0) {
		probe_transport_error(s, rc, "receive from the proxy");
		return;
	}
	char what[48];
	request_name(s->proxy_dlg->out, s->proxy_dlg->outlen, what,
		     sizeof what);
	probe_sent(s, s->proxy_dlg->outlen, what);
	probe_write(s, s->proxy_dlg->out, s->proxy_dlg->outlen);
}

static void probe_on_connect(uv_connect_t *req, int status)
{
	struct probe_state *s = req->data;
	struct evidence *ev = &s->job->ev;
	if (s->finished)
		return;
	if (status < 0) {
		probe_transport_error(s, status,
				      s->job->proxy ? "connect to the proxy"
						    : "connect");
		return;
	}
	if (s->job->proxy != NULL) {
		probe_proxy_connect(s);
		return;
	}
	ev->connected = true;
	probe_tls_connected(s);
	ev->latency_ms = probe_latency_ms(s);
	evidence_add(ev, "TCP connected in %.1f ms", ev->latency_ms);
	bool implicit_tls =
	    catalog_check_is_implicit_tls(s->job->channel->check);
	if (ev->dialogue || implicit_tls) {
		int rc = uv_read_start(&s->sock.stream, probe_on_alloc,
				       probe_on_read);
		if (rc < 0) {
			probe_transport_error(s, rc, "receive");
			return;
		}
	}
	probe_stream_up(s);
}

static void probe_tcp_retry(struct probe_state *s);

void probe_tcp_timeout(struct probe_state *s)
{
	struct evidence *ev = &s->job->ev;
	unsigned ms = s->engine->opt.timeout_ms;
	if (s->proxy_dlg != NULL)
		evidence_add(ev,
			     "sent CONNECT %s port %u to the proxy, no answer "
			     "within %u ms",
			     s->job->host, s->job->port, ms);
	else if (ev->proxy.used && !ev->connected)
		evidence_add(ev,
			     "no answer to TCP SYN from the proxy within "
			     "%u ms",
			     ms);
	else if (ev->connected && ev->sent_bytes > 0 &&
		 ev->received_after_send == 0)
		evidence_add(ev,
			     "sent %s (%zu bytes) at %.0f ms, nothing came "
			     "back within %u ms; %zu bytes had arrived before",
			     ev->last_sent, ev->sent_bytes, ev->last_sent_ms,
			     ms, ev->received_bytes);
	else if (s->tls_handshaking)
		evidence_add(ev, "no TLS handshake answer within %u ms", ms);
	else if (ev->connected)
		evidence_add(ev, "no complete answer within %u ms", ms);
	else
		evidence_add(ev, "no answer to TCP SYN within %u ms", ms);
	/* The connection and the greeting worked, the handshake's answer
	 * never came: full-size segments may be what the path loses. */
	if (s->tls_handshaking && ev->received_after_send == 0 &&
	    s->first == NULL) {
		probe_tcp_retry(s);
		return;
	}
	probe_finish(s);
}

static void probe_tcp_on_retry_closed(uv_handle_t *h)
{
	struct probe_state *s = h->data;
	s->sock_open = false;
	s->open_handles--;
	if (s->finished)
		return;
	/* The retry gets a whole timeout of its own. */
	s->idle_at_start_ns = probe_listened_ns(s->engine);
	s->paused_ns = 0;
	s->started_ns = uv_hrtime();
	int rc = probe_tcp_start(s);
	if (rc < 0) {
		evidence_add(&s->job->ev, "socket: %s", uv_strerror(rc));
		probe_finish(s);
	}
}

/* Try the handshake once more with a small MSS: the first attempt's
 * evidence waits aside; the second starts afresh on a new socket. */
static void probe_tcp_retry(struct probe_state *s)
{
	struct probe_job *job = s->job;
	s->first = xmalloc(sizeof *s->first);
	*s->first = job->ev;
	evidence_init(&job->ev, job->channel->transport, job->channel->check);
	job->ev.proxy = s->first->proxy;
	job->ev.proxy.step = EVIDENCE_PROXY_UNREACHED;
	s->mss =
	    job->addr.ss_family == AF_INET6 ? PROBE_MSS_IPV6 : PROBE_MSS_IPV4;
	probe_tls_slot_release(s);
	tlsio_free(s->tls);
	s->tls = NULL;
	s->tls_handshaking = false;
	free(s->dlg);
	s->dlg = NULL;
	free(s->early);
	s->early = NULL;
	uv_timer_stop(&s->timer);
	uv_close(&s->sock.handle, probe_tcp_on_retry_closed);
}

void probe_tcp_retry_end(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct evidence second = job->ev;
	job->ev = *s->first;
	free(s->first);
	s->first = NULL;
	struct evidence *ev = &job->ev;
	ev->mss_retry = s->mss;
	ev->mss_retry_worked = second.tls_done;
	if (second.tls_done) {
		evidence_add(ev,
			     "tried again with MSS %u: the TLS handshake "
			     "completed (%zu bytes came back)",
			     s->mss, second.received_bytes);
		evidence_tls(ev, second.tls);
	} else {
		evidence_add(ev, "tried again with MSS %u: it stalled too",
			     s->mss);
	}
	evidence_free(&second);
}

int probe_tcp_start(struct probe_state *s)
{
	struct probe_job *job = s->job;
	int rc =
	    uv_tcp_init_ex(s->engine->loop, &s->sock.tcp, job->addr.ss_family);
	if (rc < 0)
		return rc;
	probe_socket_opened(s);
	if (!probe_bind_source(s))
		return 0;
	if (s->mss != 0) {
		uv_os_fd_t fd;
		int mss = (int)s->mss;
		if (uv_fileno(&s->sock.handle, &fd) == 0)
			setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss,
				   sizeof mss);
	}
	/* Implicit-TLS kinds start their dialogue once TLS is up. */
	if (dlg_has_stream(job->channel->check) &&
	    !catalog_check_is_implicit_tls(job->channel->check)) {
		struct dlg_params params = {.id = probe_random_id(job),
					    .host = job->host,
					    .port = job->port,
					    .helo = s->engine->helo};
		s->dlg = xcalloc(1, sizeof *s->dlg);
		if (dlg_start(s->dlg, job->channel->check, &params) == 0)
			job->ev.dialogue = true;
	}
	probe_timer_at(s, s->engine->opt.timeout_ms);
	s->connect_req.data = s;
	rc = uv_tcp_connect(&s->connect_req, &s->sock.tcp,
			    (const struct sockaddr *)&job->addr,
			    probe_on_connect);
	/* libuv reports most connect() failures (no route, no local port,
	 * ...) at once rather than through the callback. */
	if (rc < 0 && !probe_shortage(s, rc))
		probe_transport_error(s, rc, "connect");
	else if (rc == 0)
		probe_note_source(s); /* connect() chose the local port */
	return 0;
}
