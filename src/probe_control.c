/* The responder's control port: a datagram probe to a `veriport respond`
 * asks it, over TCP, whether the datagram arrived ("seen TOKEN DIGEST",
 * answered "yes ADDR PORT" or "no"). That turns one-way channels (syslog,
 * SNMP traps) from unverified into proven, and tells a reply the
 * responder never caused from its own. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_impl.h"
#include "veriport/respond_file.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

/* The longest answer read: "yes " and an address and a port. */
#define CONTROL_ANSWER_MAX 160

struct probe_control {
	struct probe_state *s;
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_write_t write_req;
	char line[2 * PROBE_TOKEN_MAX + 48];
	char in[CONTROL_ANSWER_MAX];
	size_t inlen;
	bool open;    /* the handle exists (until its close callback) */
	bool closing; /* uv_close() was called */
	unsigned asks;
	char failure[96]; /* why the port did not answer */
};

static void control_on_closed(uv_handle_t *h)
{
	struct probe_state *s = h->data;
	s->control->open = false;
	s->control->closing = false;
	probe_handle_closed(h);
}

static void control_close(struct probe_control *c)
{
	if (c->open && !c->closing) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, control_on_closed);
	}
}

void probe_control_close(struct probe_state *s)
{
	if (s->control != NULL)
		control_close(s->control);
}

/* The answer is in: note it, and end the probe if that was all it was
 * waiting for. */
static void control_answered(struct probe_control *c)
{
	struct probe_state *s = c->s;
	struct evidence *ev = &s->job->ev;
	char *nl = memchr(c->in, '\n', c->inlen);
	size_t n = nl ? (size_t)(nl - c->in) : c->inlen;
	control_close(c);
	if (n >= 4 && memcmp(c->in, "yes ", 4) == 0) {
		char from[CONTROL_ANSWER_MAX];
		text_copy(from, sizeof from, c->in + 4, n - 4);
		ev->control = EVIDENCE_CONTROL_RECEIVED;
		evidence_add(ev,
			     "the responder's control port: our datagram "
			     "arrived (from %s)",
			     from);
	} else if (n == 2 && memcmp(c->in, "no", 2) == 0) {
		ev->control = EVIDENCE_CONTROL_NOT_RECEIVED;
	} else {
		char said[CONTROL_ANSWER_MAX];
		text_copy(said, sizeof said, c->in, n);
		snprintf(c->failure, sizeof c->failure, "it answered \"%.60s\"",
			 said);
		ev->control = EVIDENCE_CONTROL_FAILED;
	}
	bool one_way_done =
	    ev->control == EVIDENCE_CONTROL_RECEIVED && !ev->reply_expected;
	if (one_way_done || s->finish_on_control)
		probe_finish(s);
}

static void control_failed(struct probe_control *c, const char *what, int err)
{
	snprintf(c->failure, sizeof c->failure, "%s: %s", what,
		 uv_strerror(err));
	c->s->job->ev.control = EVIDENCE_CONTROL_FAILED;
	control_close(c);
	if (c->s->finish_on_control)
		probe_finish(c->s);
}

static void control_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct probe_control *c = ((struct probe_state *)h->data)->control;
	*buf =
	    uv_buf_init(c->in + c->inlen, (unsigned)(sizeof c->in - c->inlen));
}

static void control_on_read(uv_stream_t *stream, ssize_t nread,
			    const uv_buf_t *buf)
{
	(void)buf;
	struct probe_control *c = ((struct probe_state *)stream->data)->control;
	if (c->s->finished || c->closing || nread == 0)
		return;
	if (nread > 0)
		c->inlen += (size_t)nread;
	if (nread == UV_EOF || memchr(c->in, '\n', c->inlen) != NULL ||
	    c->inlen == sizeof c->in) {
		control_answered(c);
		return;
	}
	if (nread < 0)
		control_failed(c, "receive", (int)nread);
}

static void control_on_write(uv_write_t *req, int status)
{
	struct probe_control *c = req->data;
	if (status < 0 && !c->closing && !c->s->finished)
		control_failed(c, "send", status);
}

static void control_on_connect(uv_connect_t *req, int status)
{
	struct probe_control *c = req->data;
	if (c->closing || c->s->finished)
		return;
	if (status < 0) {
		control_failed(c, "connect", status);
		return;
	}
	uv_buf_t buf = uv_buf_init(c->line, (unsigned)strlen(c->line));
	c->write_req.data = c;
	int rc = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &buf, 1,
			  control_on_write);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&c->tcp, control_on_alloc,
				   control_on_read);
	if (rc < 0)
		control_failed(c, "send", rc);
}

void probe_control_ask(struct probe_state *s)
{
	struct probe_engine *e = s->engine;
	struct evidence *ev = &s->job->ev;
	if (!ev->responder || e->opt.responder_control_port == 0 ||
	    e->opt.responder_token == NULL || s->finished ||
	    ev->control == EVIDENCE_CONTROL_RECEIVED ||
	    ev->control == EVIDENCE_CONTROL_FAILED)
		return;
	if (s->control == NULL) {
		s->control = xcalloc(1, sizeof *s->control);
		s->control->s = s;
	}
	struct probe_control *c = s->control;
	if (c->open)
		return;
	char digest[RESPOND_DIGEST_HEX + 1];
	respond_control_digest(s->udp_dlg->req, s->udp_dlg->reqlen, digest);
	snprintf(c->line, sizeof c->line, "seen %s %s\n",
		 e->opt.responder_token, digest);
	c->inlen = 0;
	struct sockaddr_storage to = s->job->addr;
	uint16_t port = (uint16_t)e->opt.responder_control_port;
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
	int rc = uv_tcp_init(e->loop, &c->tcp);
	if (rc < 0) {
		control_failed(c, "socket", rc);
		return;
	}
	c->open = true;
	c->asks++;
	s->open_handles++;
	c->tcp.data = s;
	c->connect_req.data = c;
	rc = uv_tcp_connect(&c->connect_req, &c->tcp,
			    (const struct sockaddr *)&to, control_on_connect);
	if (rc < 0)
		control_failed(c, "connect", rc);
}

void probe_control_summary(struct probe_state *s)
{
	struct probe_control *c = s->control;
	struct evidence *ev = &s->job->ev;
	unsigned port = s->engine->opt.responder_control_port;
	if (c == NULL)
		return;
	if (ev->control == EVIDENCE_CONTROL_NOT_RECEIVED)
		evidence_add(ev,
			     "the responder's control port tcp/%u: our "
			     "datagram never arrived (asked %u time%s)",
			     port, c->asks, c->asks == 1 ? "" : "s");
	else if (ev->control == EVIDENCE_CONTROL_FAILED)
		evidence_add(ev,
			     "the responder's control port tcp/%u did not "
			     "answer (%s): whether our datagram arrived is "
			     "not known",
			     port, c->failure);
	else if (ev->control == EVIDENCE_CONTROL_NOT_ASKED && c->open)
		evidence_add(ev,
			     "the responder's control port tcp/%u: no answer "
			     "within the probe's time",
			     port);
}
