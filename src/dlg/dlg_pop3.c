/* POP3 (pop3-starttls on 110, pop3s on 995): the greeting, CAPA (RFC
 * 2449), STLS (RFC 2595 §4), CAPA again over TLS, QUIT. What the replies
 * mean; dlg_mail.c runs the exchange. No I/O here. */
#include "config.h"

#include <string.h>

#include "dlg_mail.h"

/* RFC 2449 §4: a response line is at most 512 octets with its CRLF;
 * twice that, for tolerance. */
#define POP3_LINE_MAX 1024
/* A greeting, two CAPA lists, three one-line replies. */
#define POP3_RECEIVED_MAX (32 * 1024)

/* In *MID: reading the lines of a CAPA list after its +OK. */
#define IN_LIST 1

static bool pop3_may_start(const char *p, size_t n)
{
	return dlg_may_start(p, n, "+OK") || dlg_may_start(p, n, "-ERR");
}

/* RFC 1939 §3: "+OK" or "-ERR", then a space and text, or nothing. */
static bool status_is(const char *line, size_t len, const char *status)
{
	size_t k = strlen(status);
	return len >= k && memcmp(line, status, k) == 0 &&
	       (len == k || line[k] == ' ');
}

static void pop3_send(struct dlg *d, enum dlg_mail_phase phase)
{
	switch (phase) {
	case DLG_MAIL_CAPS:
	case DLG_MAIL_CAPS_TLS:
		dlg_queue(d, "CAPA\r\n", 6);
		break;
	case DLG_MAIL_STARTTLS:
		dlg_queue(d, "STLS\r\n", 6);
		break;
	default:
		dlg_queue(d, "QUIT\r\n", 6);
		break;
	}
}

static const struct dlg_mail_proto pop3;

static enum dlg_mail_reply pop3_reply(struct dlg *d, enum dlg_mail_phase phase,
				      const char *line, size_t len, int *mid)
{
	if (*mid == IN_LIST) {
		/* RFC 1939 §3: the list ends with a lone ".", and a line
		 * that starts with "." has another one put before it. */
		if (len == 1 && line[0] == '.') {
			*mid = 0;
			return DLG_MAIL_OK;
		}
		if (line[0] == '.') {
			line++;
			len--;
		}
		dlg_mail_cap(d, &pop3, line, len);
		return DLG_MAIL_MORE;
	}
	if (status_is(line, len, "-ERR"))
		return DLG_MAIL_NO;
	if (!status_is(line, len, "+OK"))
		return DLG_MAIL_BAD;
	if (phase == DLG_MAIL_CAPS || phase == DLG_MAIL_CAPS_TLS) {
		/* RFC 2449 §5: the capabilities follow, one a line. */
		*mid = IN_LIST;
		return DLG_MAIL_MORE;
	}
	return DLG_MAIL_OK;
}

static const struct dlg_mail_proto pop3 = {
    .greeting = "a POP3 greeting",
    .caps_cmd = "CAPA",
    .starttls_cmd = "STLS",
    .starttls_cap = "STLS",
    .line_max = POP3_LINE_MAX,
    /* RFC 2595 §4 predates CAPA's wide use: a server that does not know
     * CAPA may still know STLS, so ask. */
    .starttls_without_caps = true,
    .take = dlg_line_take,
    .may_start = pop3_may_start,
    .send = pop3_send,
    .reply = pop3_reply,
};

const struct dlg_stream_ops dlg_pop3_ops = {
    .mail = &pop3,
    .received_max = POP3_RECEIVED_MAX,
    .tls_first = true,
};
