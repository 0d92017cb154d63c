/* The responder's TCP connections: one responder dialogue each, TLS from
 * the first byte or after its STARTTLS step, within bounds on clients
 * (at the bound the oldest connection is closed, so a flood of idle
 * clients cannot lock out a real probe), bytes and time; and the control
 * port's line clients. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond_impl.h"
#include "veriport/xalloc.h"

/* Ciphertext a TLS client may send: the plaintext bound and the
 * handshake and record overhead on top. */
#define CONN_WIRE_MAX (2 * RSP_RECEIVED_MAX + 16 * 1024)
/* A read: a TLS record at most. */
#define CONN_READ_MAX (16 * 1024 + 512)
/* Lines one control client may ask. */
#define CONTROL_LINES_MAX 64

struct respond_conn {
	union {
		uv_tcp_t tcp;
		uv_stream_t stream;
		uv_handle_t handle;
	} sock;
	uv_timer_t timer;
	uv_shutdown_t shutdown;
	struct respond_port *p;
	struct respond_conn *prev, *next;
	struct rsp *r; /* NULL on the control port */
	struct tlsio *tls;
	bool handshaking;
	bool ending; /* shutting down after the last answer */
	bool closed;
	int handles;
	size_t wire_in;
	struct sockaddr_storage peer;
	char note[96];
	char line[RESPOND_CONTROL_LINE_MAX + 1];
	size_t linelen;
	unsigned lines;
};

static void conn_on_closed(uv_handle_t *h)
{
	struct respond_conn *c = h->data;
	if (--c->handles > 0)
		return;
	tlsio_free(c->tls);
	free(c->r);
	free(c);
}

static void unlink_conn(struct respond_conn *c)
{
	struct respond_port *p = c->p;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		p->last = c->prev;
	p->nconns--;
}

/* Close now, recording the probe with WHY (or NULL) after what was
 * asked. */
static void conn_close(struct respond_conn *c, const char *why)
{
	if (c->closed)
		return;
	c->closed = true;
	if (why != NULL && c->note[0] == '\0')
		snprintf(c->note, sizeof c->note, "%s", why);
	if (c->r != NULL) {
		char asked[RSP_ASKED_MAX + 100];
		snprintf(asked, sizeof asked, "%s%s%s", c->r->asked,
			 c->r->asked[0] && c->note[0] ? ", " : "", c->note);
		if (asked[0] == '\0')
			snprintf(asked, sizeof asked,
				 "(connected, nothing sent)");
		respond_record(c->p->rs, (struct sockaddr *)&c->peer, c->p,
			       asked);
	}
	unlink_conn(c);
	uv_timer_stop(&c->timer);
	uv_close(&c->sock.handle, conn_on_closed);
	uv_close((uv_handle_t *)&c->timer, conn_on_closed);
}

static void conn_on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	conn_close(req->data, NULL);
}

/* The last answer is queued: let it go out, then close. */
static void conn_end(struct respond_conn *c)
{
	if (c->ending || c->closed)
		return;
	c->ending = true;
	uv_read_stop(&c->sock.stream);
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, &c->sock.stream, conn_on_shutdown) < 0)
		conn_close(c, NULL);
}

static void conn_on_write(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void conn_write(struct respond_conn *c, const uint8_t *p, size_t n)
{
	if (n == 0 || c->closed)
		return;
	struct write_req {
		uv_write_t req;
		uint8_t bytes[];
	} *w = xmalloc(sizeof *w + n);
	memcpy(w->bytes, p, n);
	uv_buf_t buf = uv_buf_init((char *)w->bytes, (unsigned)n);
	if (uv_write(&w->req, &c->sock.stream, &buf, 1, conn_on_write) < 0) {
		free(w);
		conn_close(c, "(write failed)");
	}
}

static void conn_flush_tls(struct respond_conn *c)
{
	uint8_t buf[4096];
	size_t n;
	while ((n = tlsio_output(c->tls, buf, sizeof buf)) > 0)
		conn_write(c, buf, n);
}

static void conn_send(struct respond_conn *c)
{
	const uint8_t *out;
	size_t n = rsp_output(c->r, &out);
	if (n > 0 && c->tls != NULL && !c->handshaking) {
		if (tlsio_write(c->tls, out, n) < 0)
			snprintf(c->note, sizeof c->note, "(TLS write failed)");
		conn_flush_tls(c);
	} else if (n > 0) {
		conn_write(c, out, n);
	}
	rsp_sent(c->r);
}

static void conn_step(struct respond_conn *c, enum rsp_step step)
{
	conn_send(c);
	if (step == RSP_STARTTLS) {
		c->tls = tlsio_server_new(c->p->rs->tls);
		c->handshaking = true;
	} else if (step == RSP_CLOSE) {
		conn_end(c);
	}
}

static void conn_tls_input(struct respond_conn *c, const uint8_t *in, size_t n)
{
	tlsio_feed(c->tls, in, n);
	if (c->handshaking) {
		enum tlsio_step st = tlsio_handshake(c->tls);
		conn_flush_tls(c);
		if (st == TLSIO_WANT_IO)
			return;
		if (st == TLSIO_FAIL) {
			char why[96];
			snprintf(why, sizeof why, "TLS handshake failed: %s",
				 tlsio_error(c->tls));
			conn_close(c, why);
			return;
		}
		c->handshaking = false;
		if (c->r->tls)
			conn_send(c); /* implicit TLS: the greeting now */
		else
			conn_step(c, rsp_tls_started(c->r));
	}
	uint8_t buf[CONN_READ_MAX];
	ssize_t got;
	while (!c->ending && !c->closed && c->tls != NULL && !c->handshaking &&
	       (got = tlsio_read(c->tls, buf, sizeof buf)) != 0) {
		if (got < 0) {
			conn_end(c);
			return;
		}
		conn_step(c, rsp_feed(c->r, buf, (size_t)got));
	}
}

static void control_input(struct respond_conn *c, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n && !c->ending; i++) {
		if (in[i] != '\n') {
			if (c->linelen == RESPOND_CONTROL_LINE_MAX) {
				static const char e[] =
				    "error: line too long\n";
				conn_write(c, (const uint8_t *)e, sizeof e - 1);
				conn_end(c);
				return;
			}
			c->line[c->linelen++] = (char)in[i];
			continue;
		}
		size_t len = c->linelen;
		if (len > 0 && c->line[len - 1] == '\r')
			len--;
		c->line[len] = '\0';
		c->linelen = 0;
		char answer[160];
		respond_control_answer(c->p->rs, c->line, len, answer,
				       sizeof answer);
		conn_write(c, (const uint8_t *)answer, strlen(answer));
		if (++c->lines == CONTROL_LINES_MAX)
			conn_end(c);
	}
}

static void conn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char readbuf[CONN_READ_MAX];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(readbuf, sizeof readbuf);
}

static void conn_on_read(uv_stream_t *stream, ssize_t nread,
			 const uv_buf_t *buf)
{
	struct respond_conn *c = stream->data;
	if (nread == 0 || c->closed || c->ending)
		return;
	if (nread < 0) {
		conn_close(c, nread == UV_EOF || c->r == NULL
				  ? NULL
				  : "(connection reset)");
		return;
	}
	c->wire_in += (size_t)nread;
	if (c->wire_in > CONN_WIRE_MAX) {
		conn_close(c, "(over the byte bound)");
		return;
	}
	const uint8_t *in = (const uint8_t *)buf->base;
	if (c->r == NULL)
		control_input(c, in, (size_t)nread);
	else if (c->tls != NULL)
		conn_tls_input(c, in, (size_t)nread);
	else
		conn_step(c, rsp_feed(c->r, in, (size_t)nread));
}

static void conn_on_timer(uv_timer_t *t)
{
	struct respond_conn *c = t->data;
	conn_close(c, c->r ? "(timed out)" : NULL);
}

static void refused_on_closed(uv_handle_t *h)
{
	free(h);
}

/* A connection that cannot be taken: accepted and closed at once. */
static void refuse(uv_stream_t *server)
{
	uv_tcp_t *tmp = xmalloc(sizeof *tmp);
	uv_tcp_init(server->loop, tmp);
	uv_accept(server, (uv_stream_t *)tmp);
	uv_close((uv_handle_t *)tmp, refused_on_closed);
}

void respond_on_connection(uv_stream_t *server, int status)
{
	struct respond_port *p = server->data;
	struct respond *rs = p->rs;
	if (status < 0)
		return;
	if (rs->stopping) {
		refuse(server);
		return;
	}
	unsigned limit =
	    p->control ? RESPOND_CONTROL_CLIENTS : rs->o->max_clients;
	if (p->nconns >= limit) {
		if (p->control) {
			refuse(server);
			return;
		}
		rs->evicted++;
		conn_close(p->first, "(closed at the client bound)");
	}
	struct respond_conn *c = xcalloc(1, sizeof *c);
	c->p = p;
	uv_tcp_init(rs->loop, &c->sock.tcp);
	uv_timer_init(rs->loop, &c->timer);
	c->sock.handle.data = c;
	c->timer.data = c;
	c->handles = 2;
	c->prev = p->last;
	if (p->last)
		p->last->next = c;
	else
		p->first = c;
	p->last = c;
	p->nconns++;
	if (uv_accept(server, &c->sock.stream) != 0) {
		c->r = NULL;
		conn_close(c, NULL);
		return;
	}
	int sl = sizeof c->peer;
	uv_tcp_getpeername(&c->sock.tcp, (struct sockaddr *)&c->peer, &sl);
	uv_timer_start(&c->timer, conn_on_timer,
		       p->control ? RESPOND_CONTROL_MS : RESPOND_CLIENT_MS, 0);
	if (!p->control) {
		p->reached++;
		c->r = xmalloc(sizeof *c->r);
		struct rsp_params params = {.token = rs->token.token,
					    .tls_available = rs->tls != NULL};
		rsp_start(c->r, p->check, &params);
		if (catalog_check_is_implicit_tls(p->check)) {
			c->tls = tlsio_server_new(rs->tls);
			c->handshaking = true;
		} else {
			conn_send(c);
		}
	}
	uv_read_start(&c->sock.stream, conn_on_alloc, conn_on_read);
}

void respond_conns_close(struct respond_port *p)
{
	while (p->first != NULL)
		conn_close(p->first, "(the responder stopped)");
}
