/* The status socket: on a Unix stream socket, and on an optional TCP
 * listener that also takes an HTTP request (status_http.c), each client
 * gets one answer to one command and is closed. Answers are rendered by
 * status_answer() from the daemon's results, the report commands once per
 * sweep and shared: this module never probes, never decides and never
 * formats a result itself.
 *
 * Nobody can starve the local operators: each listener has its own
 * budget of clients, a client must send its whole command quickly, the
 * oldest idle client makes room for a new one, and a TCP source address
 * gets a bounded number of requests per second. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status_impl.h"
#include "veriport/xalloc.h"

/* Cached answers --------------------------------------------------------- */

static const char *const cached_commands[STATUS_CACHED_COUNT] = {
    [STATUS_CACHED_STATUS] = "status",
    [STATUS_CACHED_METRICS] = "metrics",
    [STATUS_CACHED_NAGIOS] = "nagios",
    [STATUS_CACHED_TABLE] = "table",
};

/* The cached answer to LINE, a new reference; NULL when LINE is not a
 * report command. */
static int cached_index(const char *line)
{
	size_t n = strcspn(line, "\r\n");
	for (int i = 0; i < STATUS_CACHED_COUNT; i++)
		if (strlen(cached_commands[i]) == n &&
		    strncmp(line, cached_commands[i], n) == 0)
			return i;
	return -1;
}

struct status_blob *status_blob_for(struct status_server *s, const char *line)
{
	int i = cached_index(line);
	size_t len;
	if (s->th != NULL) {
		/* On the server's thread: the cache is what the daemon
		 * rendered at the end of its last sweep. */
		if (i >= 0 && s->cache[i] != NULL) {
			s->cache[i]->refs++;
			return s->cache[i];
		}
		char *a = status_thread_call(s, line, &len);
		return status_blob_text(a, len);
	}
	bool sweep = s->src.results != NULL && s->src.results(s->src.arg);
	if (i >= 0 && sweep) {
		if (s->cache[i] == NULL) {
			char *a =
			    status_answer(&s->src, cached_commands[i], &len);
			s->cache[i] = status_blob_text(a, len);
		}
		s->cache[i]->refs++;
		return s->cache[i];
	}
	char *a = status_answer(&s->src, line, &len);
	return status_blob_text(a, len);
}

/* The report answers of the current results, or none before the first
 * sweep; into OUT. */
void status_render_cache(const struct status_server *s,
			 struct status_blob *out[STATUS_CACHED_COUNT])
{
	bool sweep = s->src.results != NULL && s->src.results(s->src.arg);
	for (int i = 0; i < STATUS_CACHED_COUNT; i++) {
		out[i] = NULL;
		if (!sweep)
			continue;
		size_t len;
		char *a = status_answer(&s->src, cached_commands[i], &len);
		out[i] = status_blob_text(a, len);
	}
}

void status_cache_drop(struct status_blob *cache[STATUS_CACHED_COUNT])
{
	for (size_t i = 0; i < STATUS_CACHED_COUNT; i++) {
		status_blob_drop(cache[i]);
		cache[i] = NULL;
	}
}

void status_results_changed(struct status_server *s)
{
	if (s->th != NULL)
		status_thread_publish(s);
	else
		status_cache_drop(s->cache);
}

/* Rates ------------------------------------------------------------------ */

static bool same_source(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

/* A token bucket per source address: STATUS_RATE_PER_S requests a second,
 * STATUS_RATE_BURST at once. The table keeps the sources seen last. */
bool status_rate_take(struct status_server *s, struct status_client *c)
{
	struct sockaddr_storage peer;
	int len = sizeof peer;
	if (!c->tcp || uv_tcp_getpeername(&c->sock.tcp,
					  (struct sockaddr *)&peer, &len) != 0)
		return true;
	uint64_t now = uv_now(s->loop);
	struct status_rate *r = NULL, *oldest = NULL;
	for (size_t i = 0; i < s->nrates && r == NULL; i++) {
		if (same_source(&s->rates[i].addr, &peer))
			r = &s->rates[i];
		else if (oldest == NULL || s->rates[i].at_ms < oldest->at_ms)
			oldest = &s->rates[i];
	}
	if (r == NULL) {
		r = s->nrates < STATUS_RATE_SOURCES ? &s->rates[s->nrates++]
						    : oldest;
		r->addr = peer;
		r->tokens = STATUS_RATE_BURST;
		r->at_ms = now;
	}
	r->tokens += (double)(now - r->at_ms) * STATUS_RATE_PER_S / 1000.0;
	if (r->tokens > STATUS_RATE_BURST)
		r->tokens = STATUS_RATE_BURST;
	r->at_ms = now;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

/* Clients ---------------------------------------------------------------- */

static void server_release(struct status_server *s)
{
	if (--s->open > 0 || !s->stopping)
		return;
	if (s->th != NULL) {
		status_thread_release(s);
		return;
	}
	void (*closed)(void *) = s->closed;
	void *arg = s->closed_arg;
	status_results_changed(s);
	free(s->socket_path);
	free(s);
	if (closed != NULL)
		closed(arg);
}

static void server_on_closed(uv_handle_t *h)
{
	server_release(h->data);
}

static struct status_list *list_of(struct status_client *c)
{
	return c->tcp ? &c->server->tcp_clients : &c->server->unix_clients;
}

static void client_on_closed(uv_handle_t *h)
{
	struct status_client *c = h->data;
	if (--c->open_handles > 0)
		return;
	struct status_server *s = c->server;
	struct status_list *l = list_of(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->oldest = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->newest = c->prev;
	if (c->counted)
		l->count--;
	free(c->head);
	status_blob_drop(c->answer);
	free(c);
	server_release(s);
}

/* Stop the client's I/O and close its handles; it is freed when they have
 * closed (the libuv rule). A write in flight ends with UV_ECANCELED. */
void status_client_close(struct status_client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->has_timer) {
		uv_timer_stop(&c->timer);
		uv_close((uv_handle_t *)&c->timer, client_on_closed);
	}
	uv_close(&c->sock.handle, client_on_closed);
}

static void client_on_deadline(uv_timer_t *t)
{
	status_client_close(t->data);
}

static void client_on_shutdown(uv_shutdown_t *req, int status)
{
	if (status < 0)
		status_client_close(req->data);
}

/* On TCP, closing a socket with input still unread sends a reset, which
 * can destroy the answer before the peer read it (an error for a request
 * head too long, say). So we send FIN, read and drop whatever comes until
 * the peer closes too, and only then close (a lingering close, bounded by
 * the answer's deadline). A Unix socket keeps what was sent: close now. */
static void client_on_write(uv_write_t *req, int status)
{
	struct status_client *c = req->data;
	if (status < 0 || !c->tcp || c->peer_done) {
		status_client_close(c);
		return;
	}
	c->written = true;
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, &c->sock.stream,
			client_on_shutdown) != 0)
		status_client_close(c);
}

/* Send HEAD and BODY and close once they are written. The answer has a
 * deadline of its own: a client that does not read it would otherwise
 * hold its place for ever. */
void status_client_send(struct status_client *c, char *head,
			struct status_blob *body)
{
	if (c->closing || c->mode == CLIENT_ANSWERING) {
		free(head);
		status_blob_drop(body);
		return;
	}
	c->mode = CLIENT_ANSWERING;
	c->head = head;
	c->answer = body;
	if (!c->tcp)
		uv_read_stop(&c->sock.stream);
	uv_timer_start(&c->timer, client_on_deadline, STATUS_ANSWER_TIMEOUT_MS,
		       0);
	uv_buf_t bufs[2];
	unsigned n = 0;
	if (head != NULL)
		bufs[n++] = uv_buf_init(head, (unsigned)strlen(head));
	if (body != NULL && body->len > 0) {
		if (body->len > UINT_MAX)
			fatalx("answer of %zu bytes", body->len);
		bufs[n++] = uv_buf_init(body->data, (unsigned)body->len);
	}
	c->write_req.data = c;
	if (uv_write(&c->write_req, &c->sock.stream, bufs, n,
		     client_on_write) != 0)
		status_client_close(c);
}

/* One line of our own words, and close. */
__attribute__((format(printf, 2, 3))) static void
client_say(struct status_client *c, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	va_start(ap, fmt);
	char *text = status_vtext(&len, fmt, ap);
	va_end(ap);
	status_client_send(c, NULL, status_blob_text(text, len));
}

/* Commands that change what the daemon does or trusts are taken only on
 * the Unix socket, whose mode says who may use it; the TCP listener has
 * no such guard. */
static bool unix_only(const char *line)
{
	static const char *const words[] = {"probe", "accept"};
	size_t n = strcspn(line, " \r");
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (n == strlen(words[i]) && strncmp(line, words[i], n) == 0)
			return true;
	return false;
}

static void client_answer_line(struct status_client *c)
{
	c->line[c->linelen] = '\0';
	if (memchr(c->line, '\0', c->linelen) != NULL)
		client_say(c, "error: a NUL byte in the command\n");
	else if (c->tcp && unix_only(c->line))
		client_say(c,
			   "error: '%.*s' is taken on the Unix socket only\n",
			   (int)strcspn(c->line, " \r"), c->line);
	else if (!status_rate_take(c->server, c))
		client_say(c, "error: too many requests, slow down\n");
	else
		status_client_send(c, NULL,
				   status_blob_for(c->server, c->line));
}

/* Collect bytes up to the end of the line; a line longer than a command
 * gets its error line at once rather than at the newline. */
void status_line_feed(struct status_client *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			client_answer_line(c);
			return;
		}
		if (c->linelen == sizeof c->line - 1) {
			client_say(c, "error: command longer than %d bytes\n",
				   STATUS_COMMAND_MAX);
			return;
		}
		c->line[c->linelen++] = p[i];
	}
}

/* The input ended. A command without its newline, then shutdown(SHUT_WR),
 * is what `printf status | nc -U` does. */
static void client_on_eof(struct status_client *c)
{
	if (c->mode != CLIENT_LINE) {
		status_http_eof(c);
		return;
	}
	if (c->linelen > 0)
		client_answer_line(c);
	else
		status_client_close(c);
}

static void client_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct status_client *c = h->data;
	(void)suggested;
	*buf = uv_buf_init(c->readbuf, sizeof c->readbuf);
}

static void client_on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct status_client *c = st->data;
	if (c->closing || n == 0)
		return;
	if (c->mode == CLIENT_ANSWERING) {
		/* Input after the command is dropped; its end, or an
		 * error, ends a lingering close. */
		if (n < 0 && (c->written || n != UV_EOF))
			status_client_close(c);
		else if (n < 0)
			c->peer_done = true;
		return;
	}
	if (n == UV_EOF) {
		client_on_eof(c);
		return;
	}
	if (n < 0) {
		status_client_close(c);
		return;
	}
	if (c->mode == CLIENT_LINE)
		status_line_feed(c, buf->base, (size_t)n);
	else
		status_http_feed(c, buf->base, (size_t)n);
}

/* The listener is full: the oldest client that has not sent its whole
 * command in STATUS_IDLE_EVICT_MS makes room (a slow or idle one, never
 * one being answered). False when there is none. */
static bool make_room(struct status_list *l, uint64_t now)
{
	for (struct status_client *c = l->oldest; c != NULL; c = c->next)
		if (c->counted && !c->closing && c->mode != CLIENT_ANSWERING &&
		    now - c->since_ms >= STATUS_IDLE_EVICT_MS) {
			c->counted = false;
			l->count--;
			status_client_close(c);
			return true;
		}
	return false;
}

/* Places that clients from FROM hold. */
static unsigned source_places(const struct status_list *l,
			      const struct sockaddr_storage *from)
{
	unsigned n = 0;
	for (const struct status_client *c = l->oldest; c != NULL; c = c->next)
		if (c->counted && c->tcp && same_source(&c->peer, from))
			n++;
	return n;
}

/* The listener is full and nobody has been idle long enough to go: a
 * newcomer from an address with few places takes one from an address
 * holding STATUS_TCP_PER_SOURCE_MAX, its oldest client without a whole
 * command. False when there is none. */
static bool take_from_flood(struct status_list *l, struct status_client *nc)
{
	if (!nc->tcp ||
	    source_places(l, &nc->peer) >= STATUS_TCP_PER_SOURCE_MAX)
		return false;
	for (struct status_client *c = l->oldest; c != NULL; c = c->next)
		if (c->counted && !c->closing && c->mode != CLIENT_ANSWERING &&
		    source_places(l, &c->peer) >= STATUS_TCP_PER_SOURCE_MAX) {
			c->counted = false;
			l->count--;
			status_client_close(c);
			return true;
		}
	return false;
}

/* No place can be made: the connection is told so in one line
 * (best effort: a new socket's buffer takes it) and closed at once, so a
 * client learns it should retry, and the backlog never stalls. */
static void client_reject(struct status_client *c)
{
	static const char busy[] = "error: too many clients, try again\n";
	uv_buf_t buf = uv_buf_init((char *)busy, sizeof busy - 1);
	uv_try_write(&c->sock.stream, &buf, 1);
	status_client_close(c);
}

static void server_on_connection(uv_stream_t *listener, int status)
{
	struct status_server *s = listener->data;
	if (status < 0 || s->stopping)
		return;
	struct status_client *c = xcalloc(1, sizeof *c);
	c->server = s;
	c->tcp = listener == (uv_stream_t *)&s->tcp;
	if (c->tcp)
		uv_tcp_init(s->loop, &c->sock.tcp);
	else
		uv_pipe_init(s->loop, &c->sock.pipe, 0);
	c->sock.handle.data = c;
	c->open_handles = 1;
	struct status_list *l = list_of(c);
	c->prev = l->newest;
	if (l->newest != NULL)
		l->newest->next = c;
	else
		l->oldest = c;
	l->newest = c;
	s->open++;
	if (uv_accept(listener, &c->sock.stream) != 0) {
		status_client_close(c);
		return;
	}
	c->since_ms = uv_now(s->loop);
	int len = sizeof c->peer;
	if (c->tcp && uv_tcp_getpeername(
			  &c->sock.tcp, (struct sockaddr *)&c->peer, &len) != 0)
		c->peer.ss_family = AF_UNSPEC;
	if (l->count >= l->max && !make_room(l, c->since_ms) &&
	    !take_from_flood(l, c)) {
		client_reject(c);
		return;
	}
	l->count++;
	c->counted = true;
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->has_timer = true;
	c->open_handles++;
	uv_timer_start(&c->timer, client_on_deadline, STATUS_COMMAND_TIMEOUT_MS,
		       0);
	c->mode = c->tcp ? CLIENT_UNDECIDED : CLIENT_LINE;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (uv_read_start(&c->sock.stream, client_on_alloc, client_on_read) !=
	    0)
		status_client_close(c);
}

/* The server ----------------------------------------------------------------
 */

int status_start(uv_loop_t *loop, const struct status_options *o,
		 const struct status_source *src, struct status_server **out,
		 char *err, size_t errlen)
{
	/* Every step that can fail is done on plain descriptors first, so
	 * a failure leaves no libuv handle behind for the caller's loop. */
	int ufd = -1, tfd = -1, port = -1;
	int rc = status_listen_unix(o->socket_path, o->socket_mode, &ufd, err,
				    errlen);
	if (rc < 0)
		return rc;
	if (o->listen != NULL) {
		rc = status_listen_tcp(o->listen, &tfd, &port, err, errlen);
		if (rc < 0) {
			unlink(o->socket_path);
			close(ufd);
			return rc;
		}
	}
	struct status_server *s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->src = *src;
	s->socket_path = xstrdup(o->socket_path);
	s->tcp_port = port;
	s->has_tcp = tfd >= 0;
	s->unix_clients.max = STATUS_UNIX_CLIENTS_MAX;
	s->tcp_clients.max = STATUS_TCP_CLIENTS_MAX;
	if (o->own_thread) {
		s->th = xcalloc(1, sizeof *s->th);
		s->th->ufd = ufd;
		s->th->tfd = tfd;
		if (uv_mutex_init(&s->th->mu) != 0 ||
		    uv_cond_init(&s->th->answered) != 0)
			fatalx("%s: cannot make a mutex", __func__);
	} else {
		status_serve(s, ufd, tfd);
	}
	*out = s;
	return 0;
}

void status_serve(struct status_server *s, int ufd, int tfd)
{
	if (uv_pipe_init(s->loop, &s->pipe, 0) != 0 ||
	    uv_pipe_open(&s->pipe, ufd) != 0)
		fatalx("a listening socket libuv does not take");
	s->pipe.data = s;
	s->open++;
	if (uv_listen((uv_stream_t *)&s->pipe, STATUS_BACKLOG,
		      server_on_connection) != 0)
		fatalx("listen on a listening socket failed");
	if (tfd >= 0) {
		if (uv_tcp_init(s->loop, &s->tcp) != 0 ||
		    uv_tcp_open(&s->tcp, tfd) != 0)
			fatalx("a listening socket libuv does not take");
		s->tcp.data = s;
		s->open++;
		if (uv_listen((uv_stream_t *)&s->tcp, STATUS_BACKLOG,
			      server_on_connection) != 0)
			fatalx("listen on a listening socket failed");
	}
}

int status_go(struct status_server *s)
{
	return s->th != NULL ? status_thread_go(s) : 0;
}

int status_tcp_port(const struct status_server *s)
{
	return s->has_tcp ? s->tcp_port : -1;
}

void status_stop_now(struct status_server *s)
{
	s->stopping = true;
	/* Unlink while we still listen: a daemon starting meanwhile finds
	 * ours live, or none. Closing first, it could take ours for stale,
	 * bind its own, and lose it to our unlink. */
	unlink(s->socket_path);
	for (struct status_client *c = s->unix_clients.oldest; c; c = c->next)
		status_client_close(c);
	for (struct status_client *c = s->tcp_clients.oldest; c; c = c->next)
		status_client_close(c);
	uv_close((uv_handle_t *)&s->pipe, server_on_closed);
	if (s->has_tcp)
		uv_close((uv_handle_t *)&s->tcp, server_on_closed);
}

void status_stop(struct status_server *s, void (*closed)(void *arg), void *arg)
{
	s->closed = closed;
	s->closed_arg = arg;
	if (s->th != NULL)
		status_thread_stop(s);
	else
		status_stop_now(s);
}
