/* HTTP (http on 80/8080, https on 443/8443/...): one HEAD request, and the
 * status line and headers of the answer read with http-parser, keeping the
 * facts a proxy leaves behind (Via, X-Cache, Proxy-*). Any complete answer
 * is an HTTP server answering, a 4xx or 5xx too. No I/O here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* The status line and headers of one answer to HEAD /. Real servers send
 * under 2 KiB; nginx and Apache themselves refuse request headers past
 * 8 KiB a line, so twice that for all is generous. */
#define HTTP_RECEIVED_MAX (16 * 1024)
/* The longest header name we look for, "proxy-authenticate", and then
 * some; longer names are none of ours. */
#define HTTP_FIELD_MAX 24
/* The Server value we keep, raw; dlg_http.server holds it escaped. */
#define HTTP_SERVER_MAX 64

enum http_header {
	HEADER_OTHER,
	HEADER_SERVER,
	HEADER_VIA,
	HEADER_X_CACHE,
	HEADER_PROXY,
};

/* What the parse keeps between feeds, in d->priv. */
struct http_state {
	http_parser parser;
	char field[HTTP_FIELD_MAX]; /* the header name, lower case */
	size_t field_len;
	bool field_cut;
	bool in_value;
	enum http_header header; /* of the value being read */
	char server[HTTP_SERVER_MAX];
	size_t server_len;
	bool complete; /* a final answer's headers are all here */
};

_Static_assert(sizeof(struct http_state) <= DLG_PRIV_MAX,
	       "struct http_state does not fit in dlg.priv");

/* The parser's callbacks see this through parser.data. */
struct http_ctx {
	struct dlg *d;
	struct http_state *st;
};

static struct http_ctx *ctx_of(http_parser *p)
{
	return p->data;
}

static const struct {
	const char *name;
	enum http_header header;
} interesting[] = {
    {"server", HEADER_SERVER},          {"via", HEADER_VIA},
    {"x-cache", HEADER_X_CACHE},        {"x-cache-lookup", HEADER_X_CACHE},
    {"proxy-connection", HEADER_PROXY}, {"proxy-authenticate", HEADER_PROXY},
};

static enum http_header which(const struct http_state *st)
{
	if (st->field_cut)
		return HEADER_OTHER;
	for (size_t i = 0; i < sizeof interesting / sizeof interesting[0]; i++)
		if (dlg_word_is(st->field, st->field_len, interesting[i].name))
			return interesting[i].header;
	return HEADER_OTHER;
}

static void status_prefix(struct dlg *d, const http_parser *p)
{
	if (d->facts.greeting[0] == '\0')
		snprintf(d->facts.greeting, sizeof d->facts.greeting,
			 "HTTP/%u.%u %u", p->http_major, p->http_minor,
			 p->status_code);
}

static int on_status(http_parser *p, const char *at, size_t len)
{
	struct dlg *d = ctx_of(p)->d;
	if (len == 0)
		return 0;
	if (d->facts.greeting[0] == '\0') {
		status_prefix(d, p);
		text_appendf(d->facts.greeting, sizeof d->facts.greeting, " ");
	}
	text_append(d->facts.greeting, sizeof d->facts.greeting, at, len);
	return 0;
}

static void end_value(struct http_ctx *c)
{
	struct http_state *st = c->st;
	if (st->in_value && st->header == HEADER_SERVER) {
		c->d->facts.http.server[0] = '\0';
		text_append(c->d->facts.http.server,
			    sizeof c->d->facts.http.server, st->server,
			    st->server_len);
	}
	st->in_value = false;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_ctx *c = ctx_of(p);
	struct http_state *st = c->st;
	if (st->in_value || (st->field_len == 0 && !st->field_cut)) {
		end_value(c);
		st->field_len = 0;
		st->field_cut = false;
	}
	for (size_t i = 0; i < len; i++) {
		if (st->field_len == sizeof st->field) {
			st->field_cut = true;
			break;
		}
		st->field[st->field_len++] =
		    (char)tolower((unsigned char)at[i]);
	}
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_ctx *c = ctx_of(p);
	struct http_state *st = c->st;
	struct dlg *d = c->d;
	if (!st->in_value) {
		st->in_value = true;
		st->header = which(st);
		st->server_len = 0;
		st->field_len = 0;
		st->field_cut = false;
		if (st->header == HEADER_VIA)
			d->facts.http.via = true;
		else if (st->header == HEADER_X_CACHE)
			d->facts.http.x_cache = true;
		else if (st->header == HEADER_PROXY)
			d->facts.http.proxy_connection = true;
	}
	if (st->header == HEADER_SERVER) {
		size_t room = sizeof st->server - st->server_len;
		size_t n = len < room ? len : room;
		memcpy(st->server + st->server_len, at, n);
		st->server_len += n;
	}
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct http_ctx *c = ctx_of(p);
	end_value(c);
	status_prefix(c->d, p);
	/* RFC 9110 §15.2: an interim 1xx answer comes before the real one
	 * (101 would switch protocols: it is the answer). */
	if (p->status_code / 100 == 1 && p->status_code != 101) {
		c->d->facts.greeting[0] = '\0';
		memset(&c->d->facts.http, 0, sizeof c->d->facts.http);
	} else {
		c->st->complete = true;
		c->d->facts.http.status = p->status_code;
	}
	/* http_parser.h: 1 says there is no body, as for our HEAD
	 * (RFC 9110 §9.3.2), whatever Content-Length says. */
	return 1;
}

static int on_message_complete(http_parser *p)
{
	if (ctx_of(p)->st->complete)
		http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

static int http_start(struct dlg *d)
{
	const char *host = d->params.host;
	if (!host || host[0] == '\0')
		host = DLG_DEFAULT_HOST;
	const char *open = "", *close = "";
	switch (dlg_host_kind(host)) {
	case DLG_HOST_BAD:
		return -EINVAL;
	case DLG_HOST_IPV6:
		/* RFC 3986 §3.2.2: an IPv6 address in brackets. */
		open = "[";
		close = "]";
		break;
	default:
		break;
	}
	/* RFC 9110 §7.2: the port goes with the host unless it is the
	 * scheme's default. */
	char port[8] = "";
	uint16_t defport = d->params.implicit_tls ? 443 : 80;
	if (d->params.port != 0 && d->params.port != defport)
		snprintf(port, sizeof port, ":%u", d->params.port);
	char req[DLG_OUT_MAX];
	int n = snprintf(req, sizeof req,
			 "HEAD / HTTP/1.1\r\n"
			 "Host: %s%s%s%s\r\n"
			 "User-Agent: veriport/" PACKAGE_VERSION "\r\n"
			 "Accept: */*\r\n"
			 "Connection: close\r\n\r\n",
			 open, host, close, port);
	if (n < 0 || (size_t)n >= sizeof req)
		return -EINVAL;
	dlg_queue(d, req, (size_t)n);
	struct http_state st;
	memset(&st, 0, sizeof st);
	http_parser_init(&st.parser, HTTP_RESPONSE);
	memcpy(d->priv.bytes, &st, sizeof st);
	return 0;
}

static enum dlg_step http_input(struct dlg *d)
{
	/* The state is copied in and out, so d->priv is only ever read and
	 * written as bytes. */
	/* http_parser_execute() takes no bytes as the end of the stream. */
	if (d->inlen == 0)
		return DLG_MORE;
	struct http_state st;
	memcpy(&st, d->priv.bytes, sizeof st);
	struct http_ctx c = {d, &st};
	st.parser.data = &c;
	size_t n = http_parser_execute(&st.parser, &settings,
				       (const char *)d->in, d->inlen);
	enum http_errno err = HTTP_PARSER_ERRNO(&st.parser);
	st.parser.data = NULL;
	memcpy(d->priv.bytes, &st, sizeof st);
	if (st.complete) {
		snprintf(d->detail, sizeof d->detail, "%s", d->facts.greeting);
		if (d->facts.http.server[0] != '\0')
			text_appendf(d->detail, sizeof d->detail,
				     ", Server: %s", d->facts.http.server);
		return DLG_DONE;
	}
	if (err != HPE_OK) {
		char prefix[64];
		snprintf(prefix, sizeof prefix,
			 "not an HTTP answer (%s): ", http_errno_name(err));
		return dlg_fail_text(d, DLG_FAIL_UNEXPECTED, prefix, d->in,
				     d->inlen < DLG_QUOTE_MAX ? d->inlen
							      : DLG_QUOTE_MAX);
	}
	dlg_consume(d, n);
	return DLG_MORE;
}

static enum dlg_step http_eof(struct dlg *d)
{
	if (d->received == 0)
		snprintf(d->detail, sizeof d->detail,
			 "closed without answering");
	else
		snprintf(d->detail, sizeof d->detail,
			 "closed after %zu bytes, before the headers ended",
			 d->received);
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

const struct dlg_stream_ops dlg_http_ops = {
    .start = http_start,
    .input = http_input,
    .eof = http_eof,
    .received_max = HTTP_RECEIVED_MAX,
    .tls_first = true,
};
