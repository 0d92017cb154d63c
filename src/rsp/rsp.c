/* Responder dispatch: which responder answers a check kind, the bounded
 * feed loop, and the line reader and output the text protocols share.
 * No I/O here: src/respond.c owns every socket. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rsp_impl.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

static const struct rsp_ops *const streams[CATALOG_CHECK_COUNT] = {
    [CATALOG_CHECK_SMTP_STARTTLS] = &rsp_smtp_ops,
    [CATALOG_CHECK_SMTPS] = &rsp_smtp_ops,
    [CATALOG_CHECK_IMAP_STARTTLS] = &rsp_imap_ops,
    [CATALOG_CHECK_IMAPS] = &rsp_imap_ops,
    [CATALOG_CHECK_POP3_STARTTLS] = &rsp_pop3_ops,
    [CATALOG_CHECK_POP3S] = &rsp_pop3_ops,
    [CATALOG_CHECK_LDAP_STARTTLS] = &rsp_ldap_ops,
    [CATALOG_CHECK_LDAPS] = &rsp_ldap_ops,
    [CATALOG_CHECK_HTTP] = &rsp_http_ops,
    [CATALOG_CHECK_HTTPS] = &rsp_http_ops,
    [CATALOG_CHECK_TLS] = &rsp_quiet_ops,
    [CATALOG_CHECK_TCP] = &rsp_quiet_ops,
    [CATALOG_CHECK_SSH] = &rsp_ssh_ops,
    [CATALOG_CHECK_RSYNC] = &rsp_rsync_ops,
    [CATALOG_CHECK_RAZOR] = &rsp_razor_ops,
    [CATALOG_CHECK_PGSQL] = &rsp_pgsql_ops,
    [CATALOG_CHECK_TDS] = &rsp_tds_ops,
    [CATALOG_CHECK_DNS] = &rsp_dns_tcp_ops,
};

static const struct rsp_ops *ops_of(enum catalog_check check)
{
	return (unsigned)check < CATALOG_CHECK_COUNT ? streams[check] : NULL;
}

bool rsp_has_stream(enum catalog_check check)
{
	return ops_of(check) != NULL;
}

int rsp_start(struct rsp *r, enum catalog_check check,
	      const struct rsp_params *p)
{
	memset(r, 0, sizeof *r);
	r->check = check;
	const struct rsp_ops *ops = ops_of(check);
	if (ops == NULL)
		return -ENOTSUP;
	snprintf(r->token, sizeof r->token, "%s",
		 p && p->token ? p->token : "");
	r->tls_available = p && p->tls_available;
	r->tls = catalog_check_is_implicit_tls(check) || (p && p->implicit_tls);
	if (r->tls)
		rsp_asked(r, "TLS");
	if (ops->start)
		ops->start(r);
	return 0;
}

enum rsp_step rsp_feed(struct rsp *r, const uint8_t *in, size_t len)
{
	const struct rsp_ops *ops = ops_of(r->check);
	if (ops == NULL)
		fatalx("%s: no responder for check %d", __func__,
		       (int)r->check);
	if (r->closing)
		return RSP_CLOSE;
	/* Pieces that fit: each is taken by the protocol or proves the
	 * client over-long, so a flood costs a bounded buffer. */
	do {
		size_t n = RSP_IN_MAX - r->inlen;
		if (n > len)
			n = len;
		if (n > 0) {
			memcpy(r->in + r->inlen, in, n);
			r->inlen += n;
			r->received += n;
			in += n;
			len -= n;
		}
		enum rsp_step step = ops->input(r);
		if (step != RSP_MORE)
			return step == RSP_CLOSE ? rsp_close(r) : step;
		if (r->inlen == RSP_IN_MAX || r->received > RSP_RECEIVED_MAX) {
			rsp_asked(r, "(over the bound)");
			return rsp_close(r);
		}
	} while (len > 0);
	return RSP_MORE;
}

enum rsp_step rsp_tls_started(struct rsp *r)
{
	const struct rsp_ops *ops = ops_of(r->check);
	if (ops == NULL || ops->tls_started == NULL || r->tls)
		fatalx("%s: no RSP_STARTTLS before", __func__);
	r->tls = true;
	rsp_asked(r, "TLS");
	enum rsp_step step = ops->tls_started(r);
	if (step == RSP_STARTTLS)
		fatalx("%s: a second upgrade", __func__);
	/* Commands the client sent with its go-ahead were dropped (the
	 * STARTTLS injection of CVE-2011-0411): what comes now is new. */
	return step == RSP_CLOSE ? rsp_close(r) : step;
}

size_t rsp_output(const struct rsp *r, const uint8_t **out)
{
	*out = r->out;
	return r->outlen;
}

void rsp_sent(struct rsp *r)
{
	r->outlen = 0;
}

enum rsp_step rsp_close(struct rsp *r)
{
	r->closing = true;
	return RSP_CLOSE;
}

enum rsp_line rsp_line_take(struct rsp *r, char *line, size_t max, size_t *len)
{
	size_t look = r->inlen < max ? r->inlen : max;
	const uint8_t *lf = memchr(r->in, '\n', look);
	if (!lf)
		return r->inlen >= max ? RSP_LINE_TOO_LONG : RSP_LINE_PARTIAL;
	size_t n = (size_t)(lf - r->in);
	size_t take = n + 1;
	if (n > 0 && r->in[n - 1] == '\r')
		n--;
	memcpy(line, r->in, n);
	line[n] = '\0';
	*len = n;
	rsp_consume(r, take);
	return RSP_LINE_OK;
}

void rsp_consume(struct rsp *r, size_t n)
{
	if (n > r->inlen)
		fatalx("consuming %zu of %zu bytes", n, r->inlen);
	memmove(r->in, r->in + n, r->inlen - n);
	r->inlen -= n;
}

void rsp_queue(struct rsp *r, const void *p, size_t n)
{
	if (n > RSP_OUT_MAX - r->outlen)
		fatalx("%zu bytes do not fit in the output", n);
	memcpy(r->out + r->outlen, p, n);
	r->outlen += n;
}

void rsp_queuef(struct rsp *r, const char *fmt, ...)
{
	char buf[RSP_REPLY_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		fatalx("%s: a reply over %d bytes", __func__, RSP_REPLY_MAX);
	rsp_queue(r, buf, (size_t)n);
}

void rsp_asked(struct rsp *r, const char *what)
{
	rsp_asked_text(r, what, strlen(what));
}

void rsp_asked_text(struct rsp *r, const void *p, size_t n)
{
	if (r->asked[0] != '\0')
		text_appendf(r->asked, sizeof r->asked, ", ");
	text_append(r->asked, sizeof r->asked, p, n);
}

bool rsp_udp_supported(enum catalog_check check)
{
	switch (check) {
	case CATALOG_CHECK_DNS:
	case CATALOG_CHECK_NTP:
	case CATALOG_CHECK_SNMP:
	case CATALOG_CHECK_CLDAP:
	case CATALOG_CHECK_PYZOR:
	case CATALOG_CHECK_DCC:
	case CATALOG_CHECK_SYSLOG:
		return true;
	default:
		return false;
	}
}
