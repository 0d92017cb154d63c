/* HTTP CONNECT through a proxy (RFC 9110 §9.3.6): one request, then the
 * proxy's status line and headers, bounded to DLG_IN_MAX bytes. A 2xx
 * reply opens the tunnel; any other status is the proxy's refusal, kept
 * in its own words (escaped). No I/O. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

enum { ST_STATUS, ST_HEADERS, ST_ENDED };

static enum dlg_proxy_step fail(struct dlg_proxy *p, enum dlg_failure why,
				const char *prefix, const void *q, size_t n)
{
	p->state = ST_ENDED;
	p->failure = why;
	snprintf(p->detail, sizeof p->detail, "%s", prefix);
	text_append(p->detail, sizeof p->detail, q,
		    n < DLG_QUOTE_MAX ? n : DLG_QUOTE_MAX);
	return DLG_PROXY_FAIL;
}

int dlg_proxy_start(struct dlg_proxy *p, const char *host, uint16_t port)
{
	memset(p, 0, sizeof *p);
	enum dlg_host_kind kind = dlg_host_kind(host);
	if (kind == DLG_HOST_BAD)
		return -EINVAL;
	const char *open = kind == DLG_HOST_IPV6 ? "[" : "";
	const char *close = kind == DLG_HOST_IPV6 ? "]" : "";
	int n =
	    snprintf((char *)p->out, sizeof p->out,
		     "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n\r\n",
		     open, host, close, port, open, host, close, port);
	if (n < 0 || (size_t)n >= sizeof p->out)
		return -EINVAL;
	p->outlen = (size_t)n;
	return 0;
}

/* "HTTP/1.x SSS[ reason]": the status, or 0 when LINE is not one. */
static unsigned status_of(const char *line, size_t n)
{
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' ||
	    line[7] > '9' || line[8] != ' ')
		return 0;
	for (size_t i = 9; i < 12; i++)
		if (line[i] < '0' || line[i] > '9')
			return 0;
	if (n > 12 && line[12] != ' ')
		return 0;
	return (unsigned)(line[9] - '0') * 100 +
	       (unsigned)(line[10] - '0') * 10 + (unsigned)(line[11] - '0');
}

/* One line of the reply, without its CR LF. */
static enum dlg_proxy_step line(struct dlg_proxy *p, const char *s, size_t n)
{
	if (p->state == ST_HEADERS) {
		if (n > 0)
			return DLG_PROXY_MORE;
		p->state = ST_ENDED;
		return DLG_PROXY_OPEN;
	}
	p->status = dlg_has_control(s, n) ? 0 : status_of(s, n);
	if (p->status == 0)
		return fail(p, DLG_FAIL_UNEXPECTED, "not an HTTP reply: ", s,
			    n);
	text_copy(p->status_line, sizeof p->status_line, s, n);
	if (p->status / 100 != 2) {
		p->state = ST_ENDED;
		return DLG_PROXY_DENIED;
	}
	p->state = ST_HEADERS;
	return DLG_PROXY_MORE;
}

enum dlg_proxy_step dlg_proxy_feed(struct dlg_proxy *p, const uint8_t *in,
				   size_t len, size_t *used)
{
	*used = 0;
	if (p->state == ST_ENDED)
		return DLG_PROXY_FAIL;
	size_t take =
	    len < sizeof p->in - p->inlen ? len : sizeof p->in - p->inlen;
	memcpy(p->in + p->inlen, in, take);
	size_t before = p->inlen;
	p->inlen += take;
	while (p->state != ST_ENDED) {
		const uint8_t *lf =
		    memchr(p->in + p->pos, '\n', p->inlen - p->pos);
		if (lf == NULL)
			break;
		size_t end = (size_t)(lf - p->in) + 1;
		size_t n = end - 1 - p->pos;
		if (n > 0 && p->in[p->pos + n - 1] == '\r')
			n--;
		enum dlg_proxy_step step =
		    line(p, (const char *)p->in + p->pos, n);
		p->pos = end;
		if (step != DLG_PROXY_MORE) {
			/* The reply ended inside this feed, past what was
			 * held before it. */
			*used = p->state == ST_ENDED && step == DLG_PROXY_OPEN
				    ? end - before
				    : take;
			return step;
		}
	}
	*used = take;
	if (p->inlen == sizeof p->in) {
		char prefix[48];
		snprintf(prefix, sizeof prefix,
			 "proxy reply over %d bytes: ", DLG_IN_MAX);
		return fail(p, DLG_FAIL_TOO_LONG, prefix, p->in, p->inlen);
	}
	return DLG_PROXY_MORE;
}

enum dlg_proxy_step dlg_proxy_eof(struct dlg_proxy *p)
{
	if (p->state == ST_ENDED)
		return DLG_PROXY_FAIL;
	return fail(p, DLG_FAIL_CLOSED_EARLY,
		    p->state == ST_STATUS
			? "the proxy closed before its reply: "
			: "the proxy closed inside its reply headers: ",
		    p->in + p->pos, p->inlen - p->pos);
}
