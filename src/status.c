/* The status socket: on a Unix stream socket, and on an optional TCP
 * listener that also takes an HTTP request, each connection gets one
 * answer to one command and is closed. Answers are rendered by report_*.c
 * from the daemon's results: this module never probes, never decides and
 * never formats a result itself. */
#include "config.h"

#include <errno.h>
#include <http_parser.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/xalloc.h"

/* Bytes taken per read: a command line or a request head arrives in a few
 * of these, and 64 clients cost 64 of them. */
#define STATUS_READ_CHUNK 1024
/* Connections the kernel queues before we accept them. */
#define STATUS_BACKLOG 128

/* The server --------------------------------------------------------------- */

enum client_mode {
	CLIENT_UNDECIDED, /* TCP: a command line or an HTTP request? */
	CLIENT_LINE,
	CLIENT_HTTP,
	CLIENT_ANSWERING, /* input is over; the answer is being written */
};

struct status_client {
	struct status_server *server;
	struct status_client *next, **prevp;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} sock;
	uv_timer_t timer;
	bool has_timer;
	unsigned open_handles;
	bool closing;
	bool counted; /* holds one of the STATUS_CLIENTS_MAX places */
	bool tcp;
	enum client_mode mode;
	uv_write_t write_req;
	uv_shutdown_t shutdown_req;
	bool written, peer_done; /* TCP: the lingering close */
	char *answer;
	/* A command line: STATUS_COMMAND_MAX bytes and its "\r". */
	char line[STATUS_COMMAND_MAX + 2];
	size_t linelen;
	/* TCP: what came before we knew whether it is HTTP. An HTTP method
	 * is a dozen bytes; a longer prefix is no request we serve. */
	char pending[STATUS_COMMAND_MAX + 2];
	size_t npending;
	/* HTTP: the request head goes through http_parser; we keep only the
	 * request target, as long as a command. */
	http_parser parser;
	size_t head_bytes;
	bool head_done;
	char url[STATUS_COMMAND_MAX + 1];
	size_t urllen;
	bool url_too_long;
	char readbuf[STATUS_READ_CHUNK];
};

struct status_server {
	uv_loop_t *loop;
	struct status_source src;
	char *socket_path;
	uv_pipe_t pipe;
	uv_tcp_t tcp;
	bool has_tcp;
	int tcp_port;
	struct status_client *clients;
	unsigned nclients; /* clients holding a place */
	unsigned open;     /* listeners and clients not yet closed */
	bool stopping;
	void (*closed)(void *arg);
	void *closed_arg;
};

static void server_release(struct status_server *s)
{
	if (--s->open > 0 || !s->stopping)
		return;
	void (*closed)(void *) = s->closed;
	void *arg = s->closed_arg;
	free(s->socket_path);
	free(s);
	if (closed != NULL)
		closed(arg);
}

static void server_on_closed(uv_handle_t *h)
{
	server_release(h->data);
}

static void client_on_closed(uv_handle_t *h)
{
	struct status_client *c = h->data;
	if (--c->open_handles > 0)
		return;
	struct status_server *s = c->server;
	*c->prevp = c->next;
	if (c->next != NULL)
		c->next->prevp = c->prevp;
	if (c->counted)
		s->nclients--;
	free(c->answer);
	free(c);
	server_release(s);
}

/* Stop the client's I/O and close its handles; it is freed when they have
 * closed (the libuv rule). A write in flight ends with UV_ECANCELED. */
static void client_close(struct status_client *c)
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
	client_close(t->data);
}

static void client_on_shutdown(uv_shutdown_t *req, int status)
{
	if (status < 0)
		client_close(req->data);
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
		client_close(c);
		return;
	}
	c->written = true;
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, &c->sock.stream,
			client_on_shutdown) != 0)
		client_close(c);
}

/* Send ANSWER (malloc'd, now the client's) and close once it is written.
 * The answer gets a deadline of its own: a client that does not read it
 * would otherwise hold its place for ever. */
static void client_send(struct status_client *c, char *answer, size_t len)
{
	if (c->closing || c->mode == CLIENT_ANSWERING) {
		free(answer);
		return;
	}
	if (len > UINT_MAX)
		fatalx("answer of %zu bytes", len);
	c->mode = CLIENT_ANSWERING;
	c->answer = answer;
	if (!c->tcp)
		uv_read_stop(&c->sock.stream);
	uv_timer_start(&c->timer, client_on_deadline, STATUS_READ_TIMEOUT_MS,
		       0);
	uv_buf_t buf = uv_buf_init(answer, (unsigned)len);
	c->write_req.data = c;
	if (uv_write(&c->write_req, &c->sock.stream, &buf, 1,
		     client_on_write) != 0)
		client_close(c);
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
	size_t len;
	char *a;
	c->line[c->linelen] = '\0';
	if (memchr(c->line, '\0', c->linelen) != NULL)
		a = status_text(&len, "error: a NUL byte in the command\n");
	else if (c->tcp && unix_only(c->line))
		a = status_text(&len,
				"error: '%.*s' is taken on the Unix "
				"socket only\n",
				(int)strcspn(c->line, " \r"), c->line);
	else
		a = status_answer(&c->server->src, c->line, &len);
	client_send(c, a, len);
}

/* Collect bytes up to the end of the line; a line longer than a command
 * gets its error line at once rather than at the newline. */
static void client_feed_line(struct status_client *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			client_answer_line(c);
			return;
		}
		if (c->linelen == sizeof c->line - 1) {
			size_t len;
			char *a = status_text(&len,
					      "error: command longer than "
					      "%d bytes\n",
					      STATUS_COMMAND_MAX);
			client_send(c, a, len);
			return;
		}
		c->line[c->linelen++] = p[i];
	}
}

/* HTTP on the TCP listener ------------------------------------------------- */

static const char *http_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		fatalx("HTTP status %d", code);
	}
}

/* One response and close (RFC 9112 §9.6: "Connection: close" says so).
 * BODY is the caller's; HEAD requests get the head alone. */
static void client_send_http(struct status_client *c, int code,
			     const char *type, const char *body, size_t bodylen)
{
	bool head_only = c->head_done && c->parser.method == HTTP_HEAD;
	size_t headlen;
	char *head = status_text(&headlen,
				 "HTTP/1.1 %d %s\r\n"
				 "Content-Type: %s\r\n"
				 "Content-Length: %zu\r\n"
				 "%s"
				 "Connection: close\r\n\r\n",
				 code, http_reason(code), type, bodylen,
				 code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (head_only || bodylen == 0) {
		client_send(c, head, headlen);
		return;
	}
	char *all = xmalloc(headlen + bodylen);
	memcpy(all, head, headlen);
	memcpy(all + headlen, body, bodylen);
	free(head);
	client_send(c, all, headlen + bodylen);
}

static void client_http_error(struct status_client *c, int code,
			      const char *why)
{
	size_t len;
	char *body = status_text(&len, "%s\n", why);
	client_send_http(c, code, "text/plain; charset=utf-8", body, len);
	free(body);
}

/* GET /metrics for Prometheus, GET /status for the JSON: the same answers
 * as the commands of the same name. */
static void client_answer_http(struct status_client *c)
{
	static const struct {
		const char *path, *command, *type;
	} routes[] = {
	    /* Prometheus text exposition format 0.0.4 */
	    {"/metrics", "metrics", "text/plain; version=0.0.4; charset=utf-8"},
	    {"/status", "status", "application/json"},
	};
	if (c->parser.http_major != 1) {
		client_http_error(c, 505, "HTTP/1.x only");
		return;
	}
	struct http_parser_url u;
	http_parser_url_init(&u);
	if (http_parser_parse_url(c->url, c->urllen,
				  c->parser.method == HTTP_CONNECT, &u) != 0 ||
	    !(u.field_set & (1u << UF_PATH))) {
		client_http_error(c, 400, "bad request target");
		return;
	}
	const char *path = c->url + u.field_data[UF_PATH].off;
	size_t pathlen = u.field_data[UF_PATH].len;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (pathlen != strlen(routes[i].path) ||
		    memcmp(path, routes[i].path, pathlen) != 0)
			continue;
		if (c->parser.method != HTTP_GET &&
		    c->parser.method != HTTP_HEAD) {
			client_http_error(c, 405, "GET or HEAD only");
			return;
		}
		size_t len;
		char *a =
		    status_answer(&c->server->src, routes[i].command, &len);
		if (strncmp(a, "error: ", 7) == 0)
			client_send_http(c, 503, "text/plain; charset=utf-8", a,
					 len);
		else
			client_send_http(c, 200, routes[i].type, a, len);
		free(a);
		return;
	}
	client_http_error(c, 404, "not found: try /metrics or /status");
}

static int client_on_url(http_parser *p, const char *at, size_t n)
{
	struct status_client *c = p->data;
	c->mode = CLIENT_HTTP;
	if (n > sizeof c->url - 1 - c->urllen) {
		c->url_too_long = true;
		return 0;
	}
	memcpy(c->url + c->urllen, at, n);
	c->urllen += n;
	return 0;
}

static int client_on_headers_complete(http_parser *p)
{
	struct status_client *c = p->data;
	c->head_done = true;
	/* A body, or a next request, is not ours to read. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings http_settings = {
    .on_url = client_on_url,
    .on_headers_complete = client_on_headers_complete,
};

/* TCP input: http_parser decides. A line that does not start with an HTTP
 * method (http_parser: HPE_INVALID_METHOD) is a command line; anything
 * after a method is an HTTP request, malformed or not. */
static void client_feed_tcp(struct status_client *c, const char *p, size_t n)
{
	bool undecided = c->mode == CLIENT_UNDECIDED;
	size_t room = STATUS_HTTP_HEAD_MAX - c->head_bytes;
	c->head_bytes += http_parser_execute(&c->parser, &http_settings, p,
					     n < room ? n : room);
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
	if (undecided && c->mode == CLIENT_UNDECIDED) {
		if (e == HPE_INVALID_METHOD) {
			c->mode = CLIENT_LINE;
			client_feed_line(c, c->pending, c->npending);
			if (c->mode == CLIENT_LINE)
				client_feed_line(c, p, n);
			return;
		}
		/* Still inside a method (or blank lines before one). */
		if (e == HPE_OK && n <= sizeof c->pending - c->npending) {
			memcpy(c->pending + c->npending, p, n);
			c->npending += n;
			return;
		}
	}
	if (c->url_too_long)
		client_http_error(c, 414, "request target too long");
	else if (c->head_done)
		client_answer_http(c);
	else if (e != HPE_OK)
		client_http_error(c, 400, http_errno_description(e));
	else if (c->mode == CLIENT_UNDECIDED)
		client_http_error(c, 400, "no request line");
	else if (c->head_bytes == STATUS_HTTP_HEAD_MAX)
		client_http_error(c, 431, "request head too long");
}

static void client_on_eof(struct status_client *c)
{
	switch (c->mode) {
	case CLIENT_UNDECIDED:
		/* A method's first letters (or blank lines) and no more:
		 * call it a command line, read by the line's own bounds. */
		c->mode = CLIENT_LINE;
		client_feed_line(c, c->pending, c->npending);
		if (c->mode != CLIENT_LINE)
			return;
		/* fall through */
	case CLIENT_LINE:
		/* A command without its newline, then shutdown(SHUT_WR):
		 * what `printf status | nc -U` does. */
		if (c->linelen > 0)
			client_answer_line(c);
		else
			client_close(c);
		return;
	case CLIENT_HTTP:
		client_http_error(c, 400, "request head cut short");
		return;
	case CLIENT_ANSWERING:
		break;
	}
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
			client_close(c);
		else if (n < 0)
			c->peer_done = true;
		return;
	}
	if (n == UV_EOF) {
		client_on_eof(c);
		return;
	}
	if (n < 0) {
		client_close(c);
		return;
	}
	if (c->mode == CLIENT_LINE)
		client_feed_line(c, buf->base, (size_t)n);
	else
		client_feed_tcp(c, buf->base, (size_t)n);
}

/* Past STATUS_CLIENTS_MAX, a connection is accepted, told so in one line
 * (best effort: a new socket's buffer takes it) and closed at once, so a
 * client learns it should retry, and the backlog never stalls. */
static void client_reject(struct status_client *c)
{
	static const char busy[] = "error: too many clients, try again\n";
	uv_buf_t buf = uv_buf_init((char *)busy, sizeof busy - 1);
	uv_try_write(&c->sock.stream, &buf, 1);
	client_close(c);
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
	c->next = s->clients;
	c->prevp = &s->clients;
	if (s->clients != NULL)
		s->clients->prevp = &c->next;
	s->clients = c;
	s->open++;
	if (uv_accept(listener, &c->sock.stream) != 0) {
		client_close(c);
		return;
	}
	if (s->nclients >= STATUS_CLIENTS_MAX) {
		client_reject(c);
		return;
	}
	s->nclients++;
	c->counted = true;
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->has_timer = true;
	c->open_handles++;
	uv_timer_start(&c->timer, client_on_deadline, STATUS_READ_TIMEOUT_MS,
		       0);
	c->mode = c->tcp ? CLIENT_UNDECIDED : CLIENT_LINE;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (uv_read_start(&c->sock.stream, client_on_alloc, client_on_read) !=
	    0)
		client_close(c);
}

/* Listening sockets -------------------------------------------------------- */

/* bind() said the path is taken. A socket nobody answers on was left by a
 * daemon that died: remove it. One a daemon answers on (or whose backlog
 * is full: EAGAIN) is in use; anything but a socket is not ours. */
static int unix_remove_stale(const struct sockaddr_un *sun, char *err,
			     size_t errlen)
{
	const char *path = sun->sun_path;
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: socket: %s", path, strerror(e));
		return -e;
	}
	int rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	int e = rc == 0 ? 0 : errno;
	close(fd);
	if (e == 0 || e == EAGAIN) {
		snprintf(err, errlen,
			 "%s: in use: another veriportd answers on it", path);
		return -EADDRINUSE;
	}
	if (e == ECONNREFUSED) {
		if (unlink(path) != 0 && errno != ENOENT) {
			e = errno;
			snprintf(err, errlen, "%s: removing a stale socket: %s",
				 path, strerror(e));
			return -e;
		}
		return 0;
	}
	if (e == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

/* The socket is bound, given its mode, then listens: no client can
 * connect before the mode is right. MODE 0 leaves what the umask gave. */
static int unix_listen(const char *path, mode_t mode, int *out, char *err,
		       size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen,
			 "%s: longer than the %zu bytes of a "
			 "socket path",
			 path, sizeof sun.sun_path - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: socket: %s", path, strerror(e));
		return -e;
	}
	int rc = 0;
	for (int tries = 0;; tries++) {
		if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		int e = errno;
		if (e != EADDRINUSE || tries > 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			rc = -e;
			goto fail;
		}
		rc = unix_remove_stale(&sun, err, errlen);
		if (rc < 0)
			goto fail;
	}
	if (mode != 0 && chmod(path, mode) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(e));
		rc = -e;
		unlink(path);
		goto fail;
	}
	if (listen(fd, STATUS_BACKLOG) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s: listen: %s", path, strerror(e));
		rc = -e;
		unlink(path);
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

/* "127.0.0.1:9797" or "[::1]:9797": numeric addresses only, since the
 * listener is bound once, at start, before anything resolves names. */
static int tcp_parse(const char *spec, struct sockaddr_storage *ss)
{
	char host[64];
	const char *port;
	bool v6 = spec[0] == '[';
	if (v6) {
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':' ||
		    (size_t)(end - spec - 1) >= sizeof host)
			return -EINVAL;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
			return -EINVAL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof *ss);
	if (v6 ? uv_ip6_addr(host, atoi(port), (struct sockaddr_in6 *)ss)
	       : uv_ip4_addr(host, atoi(port), (struct sockaddr_in *)ss))
		return -EINVAL;
	return 0;
}

static int tcp_listen(const char *spec, int *out, int *port, char *err,
		      size_t errlen)
{
	struct sockaddr_storage ss;
	if (tcp_parse(spec, &ss) < 0) {
		snprintf(err, errlen,
			 "listen %s: expected ADDRESS:PORT with a numeric "
			 "address (127.0.0.1:9797, [::1]:9797)",
			 spec);
		return -EINVAL;
	}
	int fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "listen %s: socket: %s", spec,
			 strerror(e));
		return -e;
	}
	int on = 1;
	/* A restart must not wait for the last connections' TIME_WAIT;
	 * an IPv6 address means IPv6 only, as written. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	socklen_t len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, STATUS_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		int e = errno;
		snprintf(err, errlen, "listen %s: %s", spec, strerror(e));
		close(fd);
		return -e;
	}
	*port = ntohs(ss.ss_family == AF_INET6
			  ? ((struct sockaddr_in6 *)&ss)->sin6_port
			  : ((struct sockaddr_in *)&ss)->sin_port);
	*out = fd;
	return 0;
}

int status_start(uv_loop_t *loop, const struct status_options *o,
		 const struct status_source *src, struct status_server **out,
		 char *err, size_t errlen)
{
	/* Every step that can fail is done on plain descriptors first, so
	 * a failure leaves no libuv handle behind for the caller's loop. */
	int ufd = -1, tfd = -1, port = -1;
	int rc = unix_listen(o->socket_path, o->socket_mode, &ufd, err, errlen);
	if (rc < 0)
		return rc;
	if (o->listen != NULL) {
		rc = tcp_listen(o->listen, &tfd, &port, err, errlen);
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
	if (uv_pipe_init(loop, &s->pipe, 0) != 0 ||
	    uv_pipe_open(&s->pipe, ufd) != 0)
		fatalx("a listening socket libuv does not take");
	s->pipe.data = s;
	s->open++;
	if (uv_listen((uv_stream_t *)&s->pipe, STATUS_BACKLOG,
		      server_on_connection) != 0)
		fatalx("listen on a listening socket failed");
	if (tfd >= 0) {
		if (uv_tcp_init(loop, &s->tcp) != 0 ||
		    uv_tcp_open(&s->tcp, tfd) != 0)
			fatalx("a listening socket libuv does not take");
		s->tcp.data = s;
		s->has_tcp = true;
		s->open++;
		if (uv_listen((uv_stream_t *)&s->tcp, STATUS_BACKLOG,
			      server_on_connection) != 0)
			fatalx("listen on a listening socket failed");
	}
	*out = s;
	return 0;
}

int status_tcp_port(const struct status_server *s)
{
	return s->has_tcp ? s->tcp_port : -1;
}

void status_stop(struct status_server *s, void (*closed)(void *arg), void *arg)
{
	s->stopping = true;
	s->closed = closed;
	s->closed_arg = arg;
	/* Unlink while we still listen: a daemon starting meanwhile finds
	 * ours live, or none. Closing first, it could take ours for stale,
	 * bind its own, and lose it to our unlink. */
	unlink(s->socket_path);
	for (struct status_client *c = s->clients; c != NULL; c = c->next)
		client_close(c);
	uv_close((uv_handle_t *)&s->pipe, server_on_closed);
	if (s->has_tcp)
		uv_close((uv_handle_t *)&s->tcp, server_on_closed);
}
