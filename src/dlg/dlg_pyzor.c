/* Pyzor: a "ping" from the anonymous user (Pyzor protocol 2.1, as pyzor's
 * client.py and server.py speak it: RFC 5322-style header lines and no
 * body), and the reply that carries our Thread. No I/O here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dlg_impl.h"

/* pyzor/message.py ThreadId: 0-1023 are reserved, so threads run from
 * 1024 to 65535. */
#define PYZOR_THREAD_MIN 1024
#define PYZOR_THREAD_SPAN (65536 - PYZOR_THREAD_MIN)
/* A header value we keep for the evidence (Code, Diag, Thread). */
#define PYZOR_VALUE_MAX 128

static unsigned thread_id(uint16_t id)
{
	return PYZOR_THREAD_MIN + id % PYZOR_THREAD_SPAN;
}

static int pyzor_start(struct dlg_udp *d)
{
	/* pyzor's server checks User, Time and Sig only for a named user
	 * (server.py: "if user != pyzor.anonymous_user"), so the anonymous
	 * ping needs neither a clock nor SHA-1 here. */
	int n = snprintf((char *)d->req, sizeof d->req,
			 "Op: ping\nThread: %u\nPV: 2.1\nUser: anonymous\n\n",
			 thread_id(d->params.id));
	if (n < 0 || (size_t)n >= sizeof d->req)
		return -EMSGSIZE;
	d->reqlen = (size_t)n;
	return 0;
}

struct header {
	const char *name;
	char value[PYZOR_VALUE_MAX];
	size_t len;
	bool seen;
};

static bool is_name_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* Read the header lines of BUF into the headers asked for. Returns -1 when
 * a line is not "Name: value" (RFC 5322 §2.2), a continuation line (one
 * starting with a blank, §2.2.3) being part of the value before it. */
static int parse_headers(const uint8_t *buf, size_t len, struct header *h,
			 size_t nh)
{
	bool in_header = false;
	size_t pos = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t llen = end - pos;
		const uint8_t *line = buf + pos;
		pos = end + 1;
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break; /* the blank line ending the header */
		if (dlg_has_control(line, llen))
			return -1;
		if (line[0] == ' ' || line[0] == '\t') {
			if (!in_header)
				return -1;
			continue;
		}
		size_t colon = 0;
		while (colon < llen && is_name_char(line[colon]))
			colon++;
		if (colon == 0 || colon == llen || line[colon] != ':')
			return -1;
		size_t v = colon + 1;
		while (v < llen && (line[v] == ' ' || line[v] == '\t'))
			v++;
		in_header = true;
		for (size_t i = 0; i < nh; i++) {
			if (strlen(h[i].name) != colon ||
			    strncasecmp(h[i].name, (const char *)line, colon) !=
				0)
				continue;
			h[i].seen = true;
			h[i].len = llen - v < PYZOR_VALUE_MAX - 1
				       ? llen - v
				       : PYZOR_VALUE_MAX - 1;
			memcpy(h[i].value, line + v, h[i].len);
			h[i].value[h[i].len] = '\0';
		}
	}
	return 0;
}

static bool all_digits(const struct header *h)
{
	if (h->len == 0 || h->len > 5)
		return false;
	for (size_t i = 0; i < h->len; i++)
		if (h->value[i] < '0' || h->value[i] > '9')
			return false;
	return true;
}

static enum dlg_udp_match pyzor_reply(struct dlg_udp *d, const uint8_t *buf,
				      size_t len)
{
	struct header h[] = {
	    {.name = "Code"}, {.name = "Diag"}, {.name = "Thread"}};
	struct header *code = &h[0], *diag = &h[1], *thread = &h[2];
	/* server.py: a response always has Code, Diag, PV and Thread. */
	if (parse_headers(buf, len, h, 3) != 0 || !code->seen ||
	    !thread->seen || !all_digits(code) || !all_digits(thread)) {
		snprintf(d->detail, sizeof d->detail, "not a Pyzor response: ");
		text_append(d->detail, sizeof d->detail, buf,
			    len < 48 ? len : 48);
		return DLG_UDP_BAD;
	}
	unsigned got = (unsigned)strtoul(thread->value, NULL, 10);
	if (got != thread_id(d->params.id)) {
		snprintf(d->detail, sizeof d->detail,
			 "Pyzor Thread %u, expected %u", got,
			 thread_id(d->params.id));
		return DLG_UDP_FOREIGN;
	}
	snprintf(d->detail, sizeof d->detail, "Code: %s", code->value);
	if (diag->seen) {
		text_appendf(d->detail, sizeof d->detail, " ");
		text_append(d->detail, sizeof d->detail, diag->value,
			    diag->len);
	}
	return DLG_UDP_MATCH;
}

const struct dlg_udp_ops dlg_pyzor_ops = {
    .expects_reply = true,
    .start = pyzor_start,
    .reply = pyzor_reply,
};
