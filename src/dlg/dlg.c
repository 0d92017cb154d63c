/* Dialogue dispatch: which protocol runs a check kind over a stream or as
 * datagrams, the feeding loop that keeps peer input inside DLG_IN_MAX, and
 * the line reader the banner protocols share. No I/O here: the probe
 * engine owns every socket. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlg_mail.h"
#include "veriport/xalloc.h"

/* d->state once the exchange ended, or while the engine runs the TLS
 * handshake after DLG_STARTTLS; protocols use states >= 0. */
#define STATE_DONE (-1)
#define STATE_FAIL (-2)
#define STATE_TLS (-3)

static const struct dlg_stream_ops *const streams[CATALOG_CHECK_COUNT] = {
    [CATALOG_CHECK_SSH] = &dlg_ssh_ops,
    [CATALOG_CHECK_RSYNC] = &dlg_rsync_ops,
    [CATALOG_CHECK_RAZOR] = &dlg_razor_ops,
    [CATALOG_CHECK_DNS] = &dlg_dns_tcp_ops,
    [CATALOG_CHECK_SMTP_STARTTLS] = &dlg_smtp_ops,
    [CATALOG_CHECK_SMTPS] = &dlg_smtp_ops,
    [CATALOG_CHECK_IMAP_STARTTLS] = &dlg_imap_ops,
    [CATALOG_CHECK_IMAPS] = &dlg_imap_ops,
    [CATALOG_CHECK_POP3_STARTTLS] = &dlg_pop3_ops,
    [CATALOG_CHECK_POP3S] = &dlg_pop3_ops,
    [CATALOG_CHECK_LDAP_STARTTLS] = &dlg_ldap_ops,
    [CATALOG_CHECK_LDAPS] = &dlg_ldap_ops,
    [CATALOG_CHECK_HTTP] = &dlg_http_ops,
    [CATALOG_CHECK_HTTPS] = &dlg_http_ops,
    [CATALOG_CHECK_PGSQL] = &dlg_pgsql_ops,
    [CATALOG_CHECK_TDS] = &dlg_tds_ops,
    /* CATALOG_CHECK_TLS: the handshake is the whole check. */
};

static const struct dlg_udp_ops *const datagrams[CATALOG_CHECK_COUNT] = {
    [CATALOG_CHECK_CLDAP] = &dlg_cldap_ops,
    [CATALOG_CHECK_DNS] = &dlg_dns_udp_ops,
    [CATALOG_CHECK_NTP] = &dlg_ntp_ops,
    [CATALOG_CHECK_SNMP] = &dlg_snmp_ops,
    [CATALOG_CHECK_SYSLOG] = &dlg_syslog_ops,
    [CATALOG_CHECK_PYZOR] = &dlg_pyzor_ops,
    [CATALOG_CHECK_DCC] = &dlg_dcc_ops,
};

static const struct dlg_stream_ops *stream_ops(enum catalog_check check)
{
	if ((unsigned)check >= CATALOG_CHECK_COUNT)
		return NULL;
	return streams[check];
}

static const struct dlg_udp_ops *udp_ops(enum catalog_check check)
{
	if ((unsigned)check >= CATALOG_CHECK_COUNT)
		return NULL;
	return datagrams[check];
}

static void set_params(struct dlg_params *dst, const struct dlg_params *src)
{
	if (src)
		*dst = *src;
	else
		memset(dst, 0, sizeof *dst);
	if (!dst->snmp_community)
		dst->snmp_community = "public";
	if (!dst->dns_qname)
		dst->dns_qname = ".";
}

bool dlg_has_stream(enum catalog_check check)
{
	return stream_ops(check) != NULL;
}

int dlg_start(struct dlg *d, enum catalog_check check,
	      const struct dlg_params *params)
{
	memset(d, 0, sizeof *d);
	d->check = check;
	set_params(&d->params, params);
	/* smtps, imaps, ...: TLS comes first whatever the caller said, so
	 * the dialogue never asks for an upgrade on them. */
	if (catalog_check_is_implicit_tls(check))
		d->params.implicit_tls = true;
	const struct dlg_stream_ops *ops = stream_ops(check);
	if (!ops)
		return -ENOTSUP;
	int rc = 0;
	if (d->params.implicit_tls && !ops->tls_first)
		rc = -EINVAL;
	else if (ops->start)
		rc = ops->start(d);
	if (rc < 0) {
		/* A caller that goes on anyway gets a failed exchange, not
		 * a protocol run on parameters it refused. */
		snprintf(d->detail, sizeof d->detail,
			 "dialogue not started: %s", strerror(-rc));
		d->state = STATE_FAIL;
		d->failure = DLG_FAIL_UNEXPECTED;
	}
	return rc;
}

static enum dlg_step ended(const struct dlg *d)
{
	return d->state == STATE_DONE ? DLG_DONE : DLG_FAIL;
}

static enum dlg_step latch(struct dlg *d, enum dlg_step step)
{
	if (step == DLG_DONE)
		d->state = STATE_DONE;
	else if (step == DLG_FAIL)
		d->state = STATE_FAIL;
	return step;
}

static const struct dlg_stream_ops *started(const struct dlg *d)
{
	const struct dlg_stream_ops *ops = stream_ops(d->check);
	if (!ops)
		fatalx("no stream dialogue for check %d", (int)d->check);
	return ops;
}

/* The protocol said DLG_STARTTLS. The server sends nothing between its
 * go-ahead and our ClientHello, so plaintext already here (IN's LEFT bytes
 * not yet taken, or left in d->in) was injected by something in the path;
 * taking it as the server's would let that something answer for the
 * server inside TLS ("NO STARTTLS", USENIX Security 2021; libpq's
 * CVE-2021-23222). */
static enum dlg_step upgrade(struct dlg *d, const uint8_t *in, size_t left)
{
	if (d->inlen > 0 || left > 0) {
		const uint8_t *p = d->inlen > 0 ? d->in : in;
		size_t n = d->inlen > 0 ? d->inlen : left;
		return dlg_fail_text(d, DLG_FAIL_UNEXPECTED,
				     "plaintext after the go-ahead for TLS: ",
				     p, n < DLG_QUOTE_MAX ? n : DLG_QUOTE_MAX);
	}
	d->state = STATE_TLS;
	return DLG_STARTTLS;
}

enum dlg_step dlg_feed(struct dlg *d, const uint8_t *in, size_t len)
{
	const struct dlg_stream_ops *ops = started(d);
	if (d->state == STATE_TLS)
		fatalx("%s: plaintext fed while TLS starts", __func__);
	if (d->state < 0)
		return ended(d);
	/* Take the input in pieces that fit, so a peer that sends more than
	 * DLG_IN_MAX at once (or forever) costs a bounded buffer: each piece
	 * is either consumed by the protocol or proves it over-long. */
	do {
		size_t n = DLG_IN_MAX - d->inlen;
		if (n > len)
			n = len;
		if (n > 0) {
			memcpy(d->in + d->inlen, in, n);
			d->inlen += n;
			d->received += n;
			in += n;
			len -= n;
		}
		enum dlg_step step =
		    ops->mail ? dlg_mail_input(d, ops->mail) : ops->input(d);
		if (step == DLG_STARTTLS)
			return latch(d, upgrade(d, in, len));
		if (step == DLG_DONE || step == DLG_FAIL)
			return latch(d, step);
		if (d->inlen == DLG_IN_MAX) {
			snprintf(d->detail, sizeof d->detail,
				 "%d bytes from the peer and still no complete "
				 "message",
				 DLG_IN_MAX);
			return latch(d, dlg_fail(d, DLG_FAIL_TOO_LONG));
		}
		if (ops->received_max > 0 && d->received > ops->received_max) {
			snprintf(
			    d->detail, sizeof d->detail,
			    "over %zu bytes from the peer and the exchange "
			    "not over",
			    ops->received_max);
			return latch(d, dlg_fail(d, DLG_FAIL_TOO_LONG));
		}
	} while (len > 0);
	return DLG_MORE;
}

enum dlg_step dlg_eof(struct dlg *d)
{
	const struct dlg_stream_ops *ops = started(d);
	if (d->state == STATE_TLS) {
		snprintf(d->detail, sizeof d->detail,
			 "closed before the TLS handshake");
		return latch(d, dlg_fail(d, DLG_FAIL_CLOSED_EARLY));
	}
	if (d->state < 0)
		return ended(d);
	enum dlg_step step = ops->mail  ? dlg_mail_eof(d, ops->mail)
			     : ops->eof ? ops->eof(d)
					: DLG_FAIL;
	if (step != DLG_DONE && step != DLG_FAIL) {
		/* Nothing more can come: an exchange still open has failed. */
		step = dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
	}
	if (step == DLG_FAIL && d->failure == DLG_FAIL_NONE)
		d->failure = DLG_FAIL_CLOSED_EARLY;
	return latch(d, step);
}

enum dlg_step dlg_tls_started(struct dlg *d)
{
	const struct dlg_stream_ops *ops = started(d);
	if (d->state != STATE_TLS || (!ops->tls_started && !ops->mail))
		fatalx("%s: no DLG_STARTTLS before", __func__);
	d->state = 0;
	enum dlg_step step = ops->mail ? dlg_mail_tls_started(d, ops->mail)
				       : ops->tls_started(d);
	if (step == DLG_STARTTLS)
		fatalx("%s: a second upgrade", __func__);
	return latch(d, step);
}

size_t dlg_output(const struct dlg *d, const uint8_t **out)
{
	*out = d->out;
	return d->outlen;
}

void dlg_sent(struct dlg *d)
{
	/* Only the count goes: the bytes stay, and dns over TCP matches the
	 * answer's question against the query it left in out[]. */
	d->outlen = 0;
}

bool dlg_udp_supported(enum catalog_check check)
{
	return udp_ops(check) != NULL;
}

bool dlg_udp_expects_reply(enum catalog_check check)
{
	const struct dlg_udp_ops *ops = udp_ops(check);
	return ops && ops->expects_reply;
}

int dlg_udp_start(struct dlg_udp *d, enum catalog_check check,
		  const struct dlg_params *params)
{
	memset(d, 0, sizeof *d);
	d->check = check;
	set_params(&d->params, params);
	const struct dlg_udp_ops *ops = udp_ops(check);
	if (!ops)
		return -ENOTSUP;
	return ops->start(d);
}

enum dlg_udp_match dlg_udp_reply(struct dlg_udp *d, const uint8_t *buf,
				 size_t len)
{
	const struct dlg_udp_ops *ops = udp_ops(d->check);
	if (!ops)
		fatalx("no datagram dialogue for check %d", (int)d->check);
	static const uint8_t empty[1];
	d->detail[0] = '\0';
	return ops->reply(d, buf ? buf : empty, buf ? len : 0);
}
