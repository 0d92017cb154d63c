/* Banner dialogues: SSH, the rsync daemon and Razor2 servers speak first
 * with one line, and that line is all we read. We send nothing, so the
 * server sees a client that connected and left. No I/O here. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* RFC 4253 §4.2: the identification string is at most 255 characters
 * with its CR LF. We hold the lines before it to the same bound. */
#define SSH_LINE_MAX 255
/* RFC 4253 §4.2 lets a server send other lines first and bounds neither
 * their number nor their length; past this many we stop waiting for the
 * identification and call the peer something else. */
#define SSH_PRE_LINES_MAX 32
/* The greeting is short (rsync 3.5.0: "@RSYNCD: 32.0 sha512 sha256 sha1
 * md5 md4", 41 bytes); the bound leaves room for longer digest lists. */
#define RSYNC_LINE_MAX 1024
/* Razor2 clients read the greeting with Perl's unbounded readline; real
 * greetings ("sn=C&srl=...&ep4=7542-10&a=l") are under 100 bytes. */
#define RAZOR_LINE_MAX 1024

static enum dlg_step fail_line(struct dlg *d, enum dlg_failure why,
			       const char *line, size_t len)
{
	return dlg_fail_text(d, why, "", line, len);
}

static enum dlg_step done_line(struct dlg *d, const char *line, size_t len)
{
	d->detail[0] = '\0';
	text_append(d->detail, sizeof d->detail, line, len);
	memcpy(d->facts.greeting, d->detail, sizeof d->facts.greeting);
	return DLG_DONE;
}

/* The peer closed first. What it sent so far goes into the evidence. */
static enum dlg_step closed(struct dlg *d)
{
	if (d->inlen > 0) {
		snprintf(d->detail, sizeof d->detail, "closed mid-line: ");
		text_append(d->detail, sizeof d->detail, d->in, d->inlen);
	} else if (d->detail[0] != '\0') {
		/* SSH: the first line that was not the identification. */
		char seen[DLG_DETAIL_MAX];
		memcpy(seen, d->detail, sizeof seen);
		snprintf(d->detail, sizeof d->detail, "closed after: ");
		text_appendf(d->detail, sizeof d->detail, "%s", seen);
	} else {
		snprintf(d->detail, sizeof d->detail,
			 "closed before sending a greeting");
	}
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

/* SSH ------------------------------------------------------------------ */

/* Greetings of server-speaks-first protocols that then wait for the
 * client: after one of these no SSH identification will ever come, so
 * say so now rather than at the deadline. SMTP/FTP reply codes (RFC 5321
 * §4.2), POP3 (RFC 1939 §4), IMAP (RFC 9051 §7.1), rsync, RFB (RFC 6143
 * §7.1.1). */
static bool other_greeting(const char *line)
{
	static const char *const prefixes[] = {
	    "+OK", "-ERR", "* OK", "* PREAUTH", "* BYE", "@RSYNCD:", "RFB ",
	};
	if (isdigit((unsigned char)line[0]) &&
	    isdigit((unsigned char)line[1]) &&
	    isdigit((unsigned char)line[2]) &&
	    (line[3] == ' ' || line[3] == '-'))
		return true;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments", the
 * versions printable US-ASCII without spaces or minus signs. Any
 * protoversion counts ("2.0", "1.99" of §5.1, even "1.5"): the point is
 * that an SSH server answered. */
static bool ssh_identification(const char *line, size_t len)
{
	if (len < 4 || memcmp(line, "SSH-", 4) != 0)
		return false;
	size_t i = 4;
	size_t start = i;
	while (i < len && (isdigit((unsigned char)line[i]) || line[i] == '.'))
		i++;
	if (i == start || i >= len || line[i] != '-')
		return false;
	start = ++i;
	while (i < len && line[i] > 0x20 && line[i] < 0x7f && line[i] != '-')
		i++;
	return i > start;
}

/* RFC 4253 §4.2: the lines are text (UTF-8); a control byte in the line
 * being read means binary, which no later line repairs. Checked before
 * the line is complete, so a binary peer is named at once. */
static bool ssh_binary(struct dlg *d)
{
	size_t look = d->inlen < SSH_LINE_MAX ? d->inlen : SSH_LINE_MAX;
	const uint8_t *lf = memchr(d->in, '\n', look);
	size_t n = lf ? (size_t)(lf - d->in) : look;
	if (!dlg_has_control(d->in, n))
		return false;
	snprintf(d->detail, sizeof d->detail, "binary data: ");
	text_append(d->detail, sizeof d->detail, d->in,
		    n < DLG_QUOTE_MAX ? n : DLG_QUOTE_MAX);
	return true;
}

static enum dlg_step ssh_input(struct dlg *d)
{
	for (;;) {
		char line[SSH_LINE_MAX];
		size_t len;
		if (ssh_binary(d))
			return dlg_fail(d, DLG_FAIL_UNEXPECTED);
		switch (dlg_line_take(d, line, sizeof line, &len)) {
		case DLG_LINE_PARTIAL:
			return DLG_MORE;
		case DLG_LINE_TOO_LONG:
			return dlg_fail_too_long(d, SSH_LINE_MAX);
		case DLG_LINE_OK:
			break;
		}
		if (len >= 4 && memcmp(line, "SSH-", 4) == 0) {
			if (!ssh_identification(line, len))
				return fail_line(d, DLG_FAIL_UNEXPECTED, line,
						 len);
			return done_line(d, line, len);
		}
		if (other_greeting(line))
			return fail_line(d, DLG_FAIL_UNEXPECTED, line, len);
		/* The first line before the identification stays in the
		 * evidence, in case the identification never comes. */
		if (d->state++ == 0) {
			d->detail[0] = '\0';
			text_append(d->detail, sizeof d->detail, line, len);
		}
		if (d->state > SSH_PRE_LINES_MAX) {
			snprintf(d->detail, sizeof d->detail,
				 "%d lines and no SSH identification",
				 SSH_PRE_LINES_MAX);
			return dlg_fail(d, DLG_FAIL_UNEXPECTED);
		}
	}
}

const struct dlg_stream_ops dlg_ssh_ops = {
    .input = ssh_input,
    .eof = closed,
};

/* rsync daemon --------------------------------------------------------- */

/* rsync's clientserver.c: the daemon greets "@RSYNCD: <protocol>.<sub>"
 * (protocol 30 and later add the checksum names); a daemon refusing us
 * says "@ERROR: ..." instead, which still proves rsync answered. */
static enum dlg_step rsync_input(struct dlg *d)
{
	char line[RSYNC_LINE_MAX];
	size_t len;
	switch (dlg_line_take(d, line, sizeof line, &len)) {
	case DLG_LINE_PARTIAL:
		if (!dlg_may_start(d->in, d->inlen, "@RSYNCD: ") &&
		    !dlg_may_start(d->in, d->inlen, "@ERROR"))
			return fail_line(d, DLG_FAIL_UNEXPECTED,
					 (const char *)d->in, d->inlen);
		return DLG_MORE;
	case DLG_LINE_TOO_LONG:
		return dlg_fail_too_long(d, RSYNC_LINE_MAX);
	case DLG_LINE_OK:
		break;
	}
	if (dlg_has_control(line, len))
		return fail_line(d, DLG_FAIL_UNEXPECTED, line, len);
	if (strncmp(line, "@ERROR", 6) == 0)
		return done_line(d, line, len);
	const char *v = line + strlen("@RSYNCD: ");
	if (strncmp(line, "@RSYNCD: ", 9) != 0 || !isdigit((unsigned char)*v))
		return fail_line(d, DLG_FAIL_UNEXPECTED, line, len);
	while (isdigit((unsigned char)*v))
		v++;
	if (*v != '.' || !isdigit((unsigned char)v[1]))
		return fail_line(d, DLG_FAIL_UNEXPECTED, line, len);
	return done_line(d, line, len);
}

const struct dlg_stream_ops dlg_rsync_ops = {
    .input = rsync_input,
    .eof = closed,
};

/* Razor2 ---------------------------------------------------------------- */

/* Razor2::Client::Core reads one line and parses it as a query string
 * ("sn=C&srl=...&ep4=...&a=l"), wanting at least "sn" (the server name);
 * like the client we do not insist on the other keys. */
static enum dlg_step razor_input(struct dlg *d)
{
	char line[RAZOR_LINE_MAX];
	size_t len;
	switch (dlg_line_take(d, line, sizeof line, &len)) {
	case DLG_LINE_PARTIAL:
		if (!dlg_may_start(d->in, d->inlen, "sn="))
			return fail_line(d, DLG_FAIL_UNEXPECTED,
					 (const char *)d->in, d->inlen);
		return DLG_MORE;
	case DLG_LINE_TOO_LONG:
		return dlg_fail_too_long(d, RAZOR_LINE_MAX);
	case DLG_LINE_OK:
		break;
	}
	if (strncmp(line, "sn=", 3) != 0 || dlg_has_control(line, len))
		return fail_line(d, DLG_FAIL_UNEXPECTED, line, len);
	return done_line(d, line, len);
}

const struct dlg_stream_ops dlg_razor_ops = {
    .input = razor_input,
    .eof = closed,
};
