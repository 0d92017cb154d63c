/* The TCP listener's HTTP front end: http_parser tells a command line
 * from an HTTP request, and GET /metrics (Prometheus) and GET /status (the
 * JSON) get the answers of the commands of the same name, with status
 * codes for what a request did wrong. */
#include "config.h"

#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_impl.h"
#include "veriport/xalloc.h"

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
	case 429:
		return "Too Many Requests";
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
 * HEAD requests get the head alone. */
static void client_send_http(struct status_client *c, int code,
			     const char *type, struct status_blob *body)
{
	bool head_only = c->head_done && c->parser.method == HTTP_HEAD;
	size_t headlen;
	char *head = status_text(&headlen,
				 "HTTP/1.1 %d %s\r\n"
				 "Content-Type: %s\r\n"
				 "Content-Length: %zu\r\n"
				 "%s%s"
				 "Connection: close\r\n\r\n",
				 code, http_reason(code), type, body->len,
				 code == 405 ? "Allow: GET, HEAD\r\n" : "",
				 code == 429 ? "Retry-After: 1\r\n" : "");
	if (head_only) {
		status_blob_drop(body);
		body = NULL;
	}
	status_client_send(c, head, body);
}

static void client_http_error(struct status_client *c, int code,
			      const char *why)
{
	size_t len;
	char *body = status_text(&len, "%s\n", why);
	client_send_http(c, code, "text/plain; charset=utf-8",
			 status_blob_text(body, len));
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
		if (!status_rate_take(c->server, c)) {
			client_http_error(c, 429, "too many requests");
			return;
		}
		struct status_blob *a =
		    status_blob_for(c->server, routes[i].command);
		if (a->len >= 7 && memcmp(a->data, "error: ", 7) == 0)
			client_send_http(c, 503, "text/plain; charset=utf-8",
					 a);
		else
			client_send_http(c, 200, routes[i].type, a);
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
void status_http_feed(struct status_client *c, const char *p, size_t n)
{
	bool undecided = c->mode == CLIENT_UNDECIDED;
	size_t room = STATUS_HTTP_HEAD_MAX - c->head_bytes;
	c->head_bytes += http_parser_execute(&c->parser, &http_settings, p,
					     n < room ? n : room);
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
	if (undecided && c->mode == CLIENT_UNDECIDED) {
		if (e == HPE_INVALID_METHOD) {
			c->mode = CLIENT_LINE;
			status_line_feed(c, c->pending, c->npending);
			if (c->mode == CLIENT_LINE)
				status_line_feed(c, p, n);
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

void status_http_eof(struct status_client *c)
{
	switch (c->mode) {
	case CLIENT_UNDECIDED:
		/* A method's first letters (or blank lines) and no more:
		 * call it a command line, read by the line's own bounds. */
		c->mode = CLIENT_LINE;
		status_line_feed(c, c->pending, c->npending);
		if (c->mode != CLIENT_LINE)
			return;
		if (c->linelen > 0)
			status_line_feed(c, "\n", 1);
		else
			status_client_close(c);
		return;
	case CLIENT_HTTP:
		client_http_error(c, 400, "request head cut short");
		return;
	case CLIENT_LINE:
	case CLIENT_ANSWERING:
		break;
	}
}
