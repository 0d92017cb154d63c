/* IMAP (imap-starttls on 143, imaps on 993): the greeting, CAPABILITY
 * (from the greeting's response code when it has one), STARTTLS, the
 * capabilities again over TLS, LOGOUT. What the responses mean; dlg_mail.c
 * runs the exchange. No I/O here. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dlg_mail.h"

/* RFC 9051 bounds no line; RFC 7162 §4 asks clients to take lines of
 * 8192 octets. A response with its literals must fit our input buffer:
 * greetings and CAPABILITY lists of real servers are under 1 KiB. */
#define IMAP_LINE_MAX DLG_IN_MAX
/* Digits of a literal's length we read: more is over any bound. */
#define IMAP_LITERAL_DIGITS 9
/* Greeting, two CAPABILITY responses, the STARTTLS and LOGOUT ones;
 * servers send unsolicited untagged responses too, so be generous. */
#define IMAP_RECEIVED_MAX (32 * 1024)

/* One tag per command, so a tagged response is matched to its command
 * (RFC 9051 §2.2.1). */
static const char *const tags[] = {
    [DLG_MAIL_CAPS] = "a1",
    [DLG_MAIL_STARTTLS] = "a2",
    [DLG_MAIL_CAPS_TLS] = "a3",
    [DLG_MAIL_QUIT] = "a4",
};

/* A literal "{n}" or "{n+}" (RFC 9051 §4.3, RFC 7888) ends the N bytes at
 * P: its length in *SIZE. */
static bool literal_at_end(const uint8_t *p, size_t n, size_t *size)
{
	if (n < 3 || p[n - 1] != '}')
		return false;
	size_t end = n - 1;
	if (p[end - 1] == '+')
		end--;
	size_t start = end;
	while (start > 0 && isdigit(p[start - 1]))
		start--;
	if (start == end || start == 0 || p[start - 1] != '{' ||
	    end - start > IMAP_LITERAL_DIGITS)
		return false;
	size_t v = 0;
	for (size_t i = start; i < end; i++)
		v = v * 10 + (size_t)(p[i] - '0');
	*size = v;
	return true;
}

/* Take one whole response: a line, and when it ends in a literal, the
 * literal's bytes and the line that goes on after them, and so on. LINE
 * gets the text without the literals' contents, which no check needs. */
static enum dlg_line imap_take(struct dlg *d, char *line, size_t max,
			       size_t *len)
{
	size_t at = 0, out = 0;
	for (;;) {
		const uint8_t *lf = memchr(d->in + at, '\n', d->inlen - at);
		if (!lf)
			return d->inlen >= max ? DLG_LINE_TOO_LONG
					       : DLG_LINE_PARTIAL;
		size_t end = (size_t)(lf - d->in);
		if (end + 1 > max)
			return DLG_LINE_TOO_LONG;
		size_t n = end - at;
		if (n > 0 && d->in[end - 1] == '\r')
			n--;
		/* out + n <= end < max: the response so far fits. */
		memcpy(line + out, d->in + at, n);
		out += n;
		size_t literal;
		if (!literal_at_end(d->in + at, n, &literal)) {
			line[out] = '\0';
			*len = out;
			dlg_consume(d, end + 1);
			return DLG_LINE_OK;
		}
		if (literal >= max - (end + 1))
			return DLG_LINE_TOO_LONG;
		if (end + 1 + literal > d->inlen)
			return DLG_LINE_PARTIAL;
		at = end + 1 + literal;
	}
}

static bool imap_may_start(const char *p, size_t n)
{
	return dlg_may_start(p, n, "* ");
}

static void imap_send(struct dlg *d, enum dlg_mail_phase phase)
{
	static const char *const commands[] = {
	    [DLG_MAIL_CAPS] = "CAPABILITY",
	    [DLG_MAIL_STARTTLS] = "STARTTLS",
	    [DLG_MAIL_CAPS_TLS] = "CAPABILITY",
	    [DLG_MAIL_QUIT] = "LOGOUT",
	};
	char cmd[32];
	snprintf(cmd, sizeof cmd, "%s %s\r\n", tags[phase], commands[phase]);
	dlg_queue(d, cmd, strlen(cmd));
}

static const struct dlg_mail_proto imap;

/* The N bytes at P start with WORD (any case, RFC 9051 §9) and a space
 * or the end; *REST gets what follows the space. */
static bool starts_word(const char *p, size_t n, const char *word,
			const char **rest)
{
	size_t k = strlen(word);
	if (n < k || strncasecmp(p, word, k) != 0 || (n > k && p[k] != ' '))
		return false;
	*rest = n > k ? p + k + 1 : p + k;
	return true;
}

/* The capability atoms of "CAPABILITY a b c", up to END. */
static void caps(struct dlg *d, const char *p, const char *end)
{
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *atom = p;
		while (p < end && *p != ' ')
			p++;
		if (p > atom)
			dlg_mail_cap(d, &imap, atom, (size_t)(p - atom));
	}
}

/* resp-text starting at P may open with "[CAPABILITY ...]" (RFC 9051
 * §7.1): read it. Returns whether it did. */
static bool caps_code(struct dlg *d, const char *p, const char *end)
{
	static const char code[] = "[CAPABILITY ";
	size_t k = sizeof code - 1;
	if ((size_t)(end - p) < k || strncasecmp(p, code, k) != 0)
		return false;
	const char *close =
	    memchr(p + k, ']', (size_t)(end - p - (ptrdiff_t)k));
	caps(d, p + k, close ? close : end);
	return true;
}

static enum dlg_mail_reply imap_reply(struct dlg *d, enum dlg_mail_phase phase,
				      const char *line, size_t len, int *mid)
{
	(void)mid;
	const char *end = line + len, *rest;
	if (phase == DLG_MAIL_GREETING) {
		/* RFC 9051 §7.1.1, §7.1.4, §7.1.5. */
		if (starts_word(line, len, "* OK", &rest))
			return caps_code(d, rest, end) ? DLG_MAIL_OK_CAPS
						       : DLG_MAIL_OK;
		if (starts_word(line, len, "* PREAUTH", &rest)) {
			caps_code(d, rest, end);
			return DLG_MAIL_PREAUTH;
		}
		if (starts_word(line, len, "* BYE", &rest))
			return DLG_MAIL_BYE;
		return DLG_MAIL_BAD;
	}
	if (len >= 2 && line[0] == '*' && line[1] == ' ') {
		if (starts_word(line, len, "* BYE", &rest))
			return phase == DLG_MAIL_QUIT ? DLG_MAIL_MORE
						      : DLG_MAIL_BYE;
		if (starts_word(line, len, "* CAPABILITY", &rest))
			caps(d, rest, end);
		else if (starts_word(line, len, "* OK", &rest))
			caps_code(d, rest, end);
		/* Other untagged data (RFC 9051 §7) is not ours to judge. */
		return DLG_MAIL_MORE;
	}
	char tag[8];
	snprintf(tag, sizeof tag, "%s ", tags[phase]);
	if (len < strlen(tag) || memcmp(line, tag, strlen(tag)) != 0)
		return DLG_MAIL_BAD;
	const char *status = line + strlen(tag);
	size_t left = (size_t)(end - status);
	if (starts_word(status, left, "OK", &rest)) {
		caps_code(d, rest, end);
		return DLG_MAIL_OK;
	}
	if (starts_word(status, left, "NO", &rest) ||
	    starts_word(status, left, "BAD", &rest))
		return DLG_MAIL_NO;
	return DLG_MAIL_BAD;
}

static const struct dlg_mail_proto imap = {
    .greeting = "an IMAP greeting",
    .caps_cmd = "CAPABILITY",
    .starttls_cmd = "STARTTLS",
    .starttls_cap = "STARTTLS",
    .line_max = IMAP_LINE_MAX,
    .take = imap_take,
    .may_start = imap_may_start,
    .send = imap_send,
    .reply = imap_reply,
};

const struct dlg_stream_ops dlg_imap_ops = {
    .mail = &imap,
    .received_max = IMAP_RECEIVED_MAX,
    .tls_first = true,
};
