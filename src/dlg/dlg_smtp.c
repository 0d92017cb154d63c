/* SMTP (smtp-starttls on 25/587, smtps on 465): the greeting, EHLO and its
 * extensions, STARTTLS (RFC 3207), EHLO again over TLS, QUIT. What the
 * reply lines mean; dlg_mail.c runs the exchange. No I/O here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlg_mail.h"
#include "veriport/xalloc.h"

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF,
 * and §4.5.3.1 asks for tolerance beyond the limits; twice that. */
#define SMTP_LINE_MAX 1024
/* A greeting, two EHLO replies and three short ones; Postfix and
 * Exchange send under 1 KiB in all. */
#define SMTP_RECEIVED_MAX (32 * 1024)

/* The EHLO argument for HOST (RFC 5321 §4.1.3): a name, or an address
 * literal. Returns 0 or -EINVAL for anything else (a CR LF in the name
 * would be a command of its own). */
static int ehlo_domain(const char *host, char *buf, size_t size)
{
	if (!host || host[0] == '\0')
		host = DLG_DEFAULT_HOST;
	switch (dlg_host_kind(host)) {
	case DLG_HOST_NAME:
		snprintf(buf, size, "%s", host);
		return 0;
	case DLG_HOST_IPV4:
		snprintf(buf, size, "[%s]", host);
		return 0;
	case DLG_HOST_IPV6:
		snprintf(buf, size, "[IPv6:%s]", host);
		return 0;
	case DLG_HOST_BAD:
		break;
	}
	return -EINVAL;
}

static bool smtp_may_start(const char *p, size_t n)
{
	for (size_t i = 0; i < n && i < 3; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return n <= 3 || p[3] == ' ' || p[3] == '-' || p[3] == '\r';
}

static void smtp_send(struct dlg *d, enum dlg_mail_phase phase)
{
	char cmd[DLG_HOST_MAX + 32];
	switch (phase) {
	case DLG_MAIL_CAPS:
	case DLG_MAIL_CAPS_TLS: {
		char domain[DLG_HOST_MAX + 16];
		if (ehlo_domain(d->params.helo, domain, sizeof domain) != 0)
			fatalx("%s: host checked at start", __func__);
		snprintf(cmd, sizeof cmd, "EHLO %s\r\n", domain);
		break;
	}
	case DLG_MAIL_STARTTLS:
		snprintf(cmd, sizeof cmd, "STARTTLS\r\n");
		break;
	default:
		snprintf(cmd, sizeof cmd, "QUIT\r\n");
		break;
	}
	dlg_queue(d, cmd, strlen(cmd));
}

static const struct dlg_mail_proto smtp;

/* RFC 5321 §4.2: "ddd-text" goes on, "ddd text" (or "ddd") ends a reply;
 * every line of one reply has the same code (§4.2.1). *MID is the code of
 * the multi-line reply in progress. */
static enum dlg_mail_reply smtp_reply(struct dlg *d, enum dlg_mail_phase phase,
				      const char *line, size_t len, int *mid)
{
	if (len < 3 || !smtp_may_start(line, len) ||
	    (len > 3 && line[3] == '\r'))
		return DLG_MAIL_BAD;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	bool last = len == 3 || line[3] == ' ';
	if (*mid != 0 && code != *mid)
		return DLG_MAIL_BAD;
	bool first = *mid == 0;
	*mid = last ? 0 : code;
	if (phase == DLG_MAIL_QUIT)
		return last ? DLG_MAIL_OK : DLG_MAIL_MORE;
	/* RFC 5321 §3.8: 421, the server is closing the channel. */
	if (code == 421)
		return DLG_MAIL_BYE;
	bool ehlo = phase == DLG_MAIL_CAPS || phase == DLG_MAIL_CAPS_TLS;
	if (code != (ehlo ? 250 : 220)) {
		*mid = 0;
		if (first && (code / 100 == 4 || code / 100 == 5))
			return DLG_MAIL_NO;
		return DLG_MAIL_BAD;
	}
	/* RFC 5321 §4.1.1.1: the first line of the EHLO reply greets us,
	 * each further line names one extension. */
	if (ehlo && !first && len > 4)
		dlg_mail_cap(d, &smtp, line + 4, len - 4);
	return last ? DLG_MAIL_OK : DLG_MAIL_MORE;
}

static const struct dlg_mail_proto smtp = {
    .greeting = "an SMTP greeting",
    .caps_cmd = "EHLO",
    .starttls_cmd = "STARTTLS",
    .starttls_cap = "STARTTLS",
    .line_max = SMTP_LINE_MAX,
    .take = dlg_line_take,
    .may_start = smtp_may_start,
    .send = smtp_send,
    .reply = smtp_reply,
};

static int smtp_start(struct dlg *d)
{
	char domain[DLG_HOST_MAX + 16];
	return ehlo_domain(d->params.helo, domain, sizeof domain);
}

const struct dlg_stream_ops dlg_smtp_ops = {
    .start = smtp_start,
    .mail = &smtp,
    .received_max = SMTP_RECEIVED_MAX,
    .tls_first = true,
};
