/* Datagram probes: one request, sent again a bounded number of times
 * within the timeout on a connected UDP socket (so the kernel hands us the
 * ICMP errors for this peer and drops datagrams from anyone else), and
 * each reply judged by the check's datagram dialogue. */
#include "config.h"

#include <stdlib.h>

#include "probe_impl.h"
#include "veriport/xalloc.h"

static void probe_on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
			  const struct sockaddr *from, unsigned flags)
{
	struct probe_state *s = udp->data;
	if (s->finished)
		return;
	struct evidence *ev = &s->job->ev;
	if (nread < 0) {
		probe_transport_error(s, (int)nread, "receive");
		return;
	}
	if (nread == 0 && from == NULL)
		return;
	if (flags & UV_UDP_PARTIAL)
		evidence_add(ev, "reply larger than %d bytes, cut there",
			     PROBE_READ_MAX);
	switch (dlg_udp_reply(s->udp_dlg, (const uint8_t *)buf->base,
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
	probe_token_scan(s, (const uint8_t *)buf->base, (size_t)nread);
	ev->latency_ms = probe_latency_ms(s);
	evidence_add(ev, "reply of %zd bytes in %.1f ms", nread,
		     ev->latency_ms);
	if (s->udp_dlg->detail[0] != '\0')
		evidence_add(ev, "%s", s->udp_dlg->detail);
	/* A reply without the responder's token: did the responder get our
	 * request at all? Its control port says, within the next interval. */
	if (ev->responder && !ev->token_seen &&
	    ev->control != EVIDENCE_CONTROL_RECEIVED &&
	    ev->control != EVIDENCE_CONTROL_FAILED &&
	    s->engine->opt.responder_control_port != 0) {
		s->finish_on_control = true;
		probe_control_ask(s);
		if (!s->finished)
			return;
	}
	probe_finish(s);
}

/* The request goes out UDP_TRIES times, evenly spaced on the probe's
 * clock, and the probe ends one interval after the last. */
static double interval_ms(const struct probe_state *s)
{
	return (double)s->engine->opt.timeout_ms / s->engine->opt.udp_tries;
}

static void probe_udp_send(struct probe_state *s)
{
	uv_buf_t buf =
	    uv_buf_init((char *)s->udp_dlg->req, (unsigned)s->udp_dlg->reqlen);
	int rc = uv_udp_try_send(&s->sock.udp, &buf, 1, NULL);
	s->sends++;
	s->job->ev.udp_sent = true;
	/* A send can fail with the error an earlier ICMP message left on
	 * the connected socket: that is the answer. */
	if (rc < 0 && rc != UV_EAGAIN) {
		probe_transport_error(s, rc, "send");
		return;
	}
	probe_timer_at(s, s->sends * interval_ms(s));
	probe_control_ask(s);
}

void probe_udp_tick(struct probe_state *s)
{
	/* A reply came and the control port's answer did not, in time. */
	if (s->finish_on_control) {
		probe_finish(s);
		return;
	}
	if (probe_clock_ms(s) + 0.5 < s->sends * interval_ms(s)) {
		probe_timer_at(s, s->sends * interval_ms(s));
		return;
	}
	if (s->sends < s->engine->opt.udp_tries) {
		probe_udp_send(s);
		return;
	}
	struct evidence *ev = &s->job->ev;
	ev->timed_out = true;
	evidence_add(ev, "%u request%s sent, no reply in %u ms", s->sends,
		     s->sends == 1 ? "" : "s", s->engine->opt.timeout_ms);
	probe_read_errqueue(s);
	probe_finish(s);
}

int probe_udp_start(struct probe_state *s)
{
	struct probe_job *job = s->job;
	struct dlg_params params = {
	    .id = probe_random_id(job),
	    .snmp_community = s->engine->opt.snmp_community,
	};
	s->udp_dlg = xcalloc(1, sizeof *s->udp_dlg);
	int rc = dlg_udp_start(s->udp_dlg, job->channel->check, &params);
	if (rc < 0)
		return rc;
	job->ev.reply_expected = dlg_udp_expects_reply(job->channel->check);
	rc = uv_udp_init_ex(s->engine->loop, &s->sock.udp, job->addr.ss_family);
	if (rc < 0)
		return rc;
	probe_socket_opened(s);
	if (!probe_bind_source(s))
		return 0;
	rc = uv_udp_connect(&s->sock.udp, (const struct sockaddr *)&job->addr);
	if (rc < 0) {
		if (!probe_shortage(s, rc))
			probe_transport_error(s, rc, "connect");
		return 0;
	}
	probe_note_source(s);
	rc = uv_udp_recv_start(&s->sock.udp, probe_on_alloc, probe_on_recv);
	if (rc < 0)
		return rc;
	probe_udp_send(s);
	return 0;
}
