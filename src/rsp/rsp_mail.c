/* The mail responders: SMTP (25/587, 465), IMAP (143, 993), POP3 (110,
 * 995). Greeting, capabilities, one STARTTLS step, capabilities again over
 * TLS, goodbye; nothing else is served: no relaying, no mail taken, no
 * login. One command loop for the three; each protocol gives its words.
 * No I/O here. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rsp_impl.h"

/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its
 * CRLF; IMAP and POP3 commands of a probe are shorter still. Twice that,
 * as the clients' own tolerance. */
#define MAIL_LINE_MAX 1024

struct mail_words {
	/* Answer one command line (LEN bytes, no CR LF). */
	enum rsp_step (*command)(struct rsp *r, const char *line, size_t len);
	/* Say the line was too long; the connection closes after it. */
	const char *too_long;
	/* Said before closing on a client that keeps sending what is not
	 * this protocol. */
	const char *giving_up;
};

/* The first word of LINE: its length, and *REST what follows it. */
static size_t word(const char *line, size_t len, const char **rest)
{
	size_t n = 0;
	while (n < len && line[n] != ' ')
		n++;
	*rest = n < len ? line + n + 1 : line + n;
	return n;
}

static bool is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

/* Note the command word in the record, upper case as the RFCs write it. */
static void note(struct rsp *r, const char *w, size_t n)
{
	char up[24];
	size_t k = n < sizeof up - 1 ? n : sizeof up - 1;
	for (size_t i = 0; i < k; i++)
		up[i] = (char)toupper((unsigned char)w[i]);
	up[k] = '\0';
	rsp_asked_text(r, up, k);
}

static enum rsp_step mail_input(struct rsp *r, const struct mail_words *w)
{
	for (;;) {
		/* A client pipelining more answers than fit is not one of
		 * ours; it is closed rather than buffered for. */
		if (r->outlen > RSP_OUT_MAX - RSP_REPLY_MAX)
			return RSP_CLOSE;
		char line[MAIL_LINE_MAX];
		size_t len;
		switch (rsp_line_take(r, line, sizeof line, &len)) {
		case RSP_LINE_PARTIAL:
			return RSP_MORE;
		case RSP_LINE_TOO_LONG:
			rsp_asked(r, "(line too long)");
			rsp_queuef(r, "%s\r\n", w->too_long);
			return RSP_CLOSE;
		case RSP_LINE_OK:
			break;
		}
		enum rsp_step step = w->command(r, line, len);
		if (step == RSP_STARTTLS) {
			/* RFC 3207 §4: what the client sent after STARTTLS
			 * in the clear is not taken (CVE-2011-0411). */
			r->inlen = 0;
			return step;
		}
		if (step == RSP_CLOSE)
			return step;
		if (r->errors >= RSP_ERRORS_MAX) {
			rsp_queuef(r, "%s\r\n", w->giving_up);
			return RSP_CLOSE;
		}
	}
}

/* SMTP ------------------------------------------------------------------ */

static void smtp_start(struct rsp *r)
{
	/* RFC 5321 §4.3.1: the greeting names the server; the token is the
	 * text after it. */
	rsp_queuef(r, "220 " RSP_NAME " ESMTP %s\r\n", r->token);
}

static enum rsp_step smtp_command(struct rsp *r, const char *line, size_t len)
{
	const char *rest;
	size_t n = word(line, len, &rest);
	note(r, line, n);
	if (is(line, n, "EHLO")) {
		/* RFC 5321 §4.1.1.1: the first line greets, each further
		 * line names an extension. */
		rsp_queuef(r, "250-" RSP_NAME " %s\r\n", r->token);
		if (!r->tls && r->tls_available)
			rsp_queuef(r, "250-STARTTLS\r\n");
		rsp_queuef(r, "250-8BITMIME\r\n250 SIZE 0\r\n");
		return RSP_MORE;
	}
	if (is(line, n, "HELO")) {
		rsp_queuef(r, "250 " RSP_NAME " %s\r\n", r->token);
		return RSP_MORE;
	}
	if (is(line, n, "STARTTLS")) {
		if (r->tls || !r->tls_available) {
			r->errors++;
			rsp_queuef(r, "454 4.7.0 TLS not available\r\n");
			return RSP_MORE;
		}
		rsp_queuef(r, "220 2.0.0 Ready to start TLS\r\n");
		return RSP_STARTTLS;
	}
	if (is(line, n, "QUIT")) {
		rsp_queuef(r, "221 2.0.0 Bye\r\n");
		return RSP_CLOSE;
	}
	if (is(line, n, "NOOP") || is(line, n, "RSET")) {
		rsp_queuef(r, "250 2.0.0 OK\r\n");
		return RSP_MORE;
	}
	r->errors++;
	if (is(line, n, "MAIL") || is(line, n, "RCPT") || is(line, n, "DATA") ||
	    is(line, n, "BDAT") || is(line, n, "AUTH")) {
		/* A stand-in takes no mail: nothing is relayed or stored. */
		rsp_queuef(r, "554 5.7.0 " RSP_NAME
			      " is a firewall test and takes no mail\r\n");
		return RSP_MORE;
	}
	rsp_queuef(r, "502 5.5.2 Command not recognized\r\n");
	return RSP_MORE;
}

static enum rsp_step smtp_tls_started(struct rsp *r)
{
	(void)r; /* RFC 3207 §4.2: the client speaks first, EHLO again. */
	return RSP_MORE;
}

static const struct mail_words smtp = {
    .command = smtp_command,
    .too_long = "500 5.5.0 Line too long",
    .giving_up = "421 4.7.0 " RSP_NAME " closing: too many errors",
};

static enum rsp_step smtp_input(struct rsp *r)
{
	return mail_input(r, &smtp);
}

const struct rsp_ops rsp_smtp_ops = {
    .start = smtp_start,
    .input = smtp_input,
    .tls_started = smtp_tls_started,
};

/* IMAP ------------------------------------------------------------------ */

static void imap_caps(struct rsp *r, char *buf, size_t size)
{
	/* RFC 9051 §6.2.1, §6.2.3: STARTTLS and LOGINDISABLED only in the
	 * clear; no login is ever possible here. */
	snprintf(buf, size, "IMAP4rev1%s AUTH=PLAIN LOGINDISABLED",
		 !r->tls && r->tls_available ? " STARTTLS" : "");
}

static void imap_start(struct rsp *r)
{
	char caps[96];
	imap_caps(r, caps, sizeof caps);
	/* RFC 9051 §7.1.1: the greeting's text carries the token. */
	rsp_queuef(r, "* OK [CAPABILITY %s] " RSP_NAME " %s ready\r\n", caps,
		   r->token);
}

static enum rsp_step imap_command(struct rsp *r, const char *line, size_t len)
{
	const char *cmd;
	size_t tn = word(line, len, &cmd);
	char tag[64];
	if (tn == 0 || tn >= sizeof tag || tn == len) {
		r->errors++;
		rsp_asked(r, "(no IMAP tag)");
		rsp_queuef(r, "* BAD no tag and command\r\n");
		return RSP_MORE;
	}
	/* RFC 9051 §9: a tag is astring characters without '+'. */
	for (size_t i = 0; i < tn; i++)
		if (!isgraph((unsigned char)line[i]) ||
		    strchr("+(){%*\"\\", line[i])) {
			r->errors++;
			rsp_asked(r, "(bad IMAP tag)");
			rsp_queuef(r, "* BAD invalid tag\r\n");
			return RSP_MORE;
		}
	memcpy(tag, line, tn);
	tag[tn] = '\0';
	const char *rest;
	size_t n = word(cmd, len - (size_t)(cmd - line), &rest);
	note(r, cmd, n);
	if (is(cmd, n, "CAPABILITY")) {
		char caps[96];
		imap_caps(r, caps, sizeof caps);
		rsp_queuef(r,
			   "* CAPABILITY %s\r\n%s OK CAPABILITY completed\r\n",
			   caps, tag);
		return RSP_MORE;
	}
	if (is(cmd, n, "STARTTLS")) {
		if (r->tls || !r->tls_available) {
			r->errors++;
			rsp_queuef(r, "%s BAD STARTTLS not available\r\n", tag);
			return RSP_MORE;
		}
		rsp_queuef(r, "%s OK Begin TLS negotiation now\r\n", tag);
		return RSP_STARTTLS;
	}
	if (is(cmd, n, "LOGOUT")) {
		rsp_queuef(r,
			   "* BYE " RSP_NAME " logging out\r\n"
			   "%s OK LOGOUT completed\r\n",
			   tag);
		return RSP_CLOSE;
	}
	if (is(cmd, n, "NOOP")) {
		rsp_queuef(r, "%s OK NOOP completed\r\n", tag);
		return RSP_MORE;
	}
	r->errors++;
	rsp_queuef(r, "%s NO " RSP_NAME " is a firewall test: no mailbox\r\n",
		   tag);
	return RSP_MORE;
}

static enum rsp_step imap_tls_started(struct rsp *r)
{
	(void)r; /* RFC 9051 §6.2.1: the client asks CAPABILITY again. */
	return RSP_MORE;
}

static const struct mail_words imap = {
    .command = imap_command,
    .too_long = "* BYE line too long",
    .giving_up = "* BYE " RSP_NAME " closing: too many errors",
};

static enum rsp_step imap_input(struct rsp *r)
{
	return mail_input(r, &imap);
}

const struct rsp_ops rsp_imap_ops = {
    .start = imap_start,
    .input = imap_input,
    .tls_started = imap_tls_started,
};

/* POP3 ------------------------------------------------------------------ */

static void pop3_start(struct rsp *r)
{
	/* RFC 1939 §4: the greeting's text after +OK is the server's. */
	rsp_queuef(r, "+OK " RSP_NAME " %s ready\r\n", r->token);
}

static enum rsp_step pop3_command(struct rsp *r, const char *line, size_t len)
{
	const char *rest;
	size_t n = word(line, len, &rest);
	note(r, line, n);
	if (is(line, n, "CAPA")) {
		/* RFC 2449 §5, RFC 2595 §4. */
		rsp_queuef(r,
			   "+OK Capability list follows\r\nTOP\r\n%s"
			   "IMPLEMENTATION " RSP_NAME "\r\n.\r\n",
			   !r->tls && r->tls_available ? "STLS\r\n" : "");
		return RSP_MORE;
	}
	if (is(line, n, "STLS")) {
		if (r->tls || !r->tls_available) {
			r->errors++;
			rsp_queuef(r, "-ERR STLS not available\r\n");
			return RSP_MORE;
		}
		rsp_queuef(r, "+OK Begin TLS negotiation\r\n");
		return RSP_STARTTLS;
	}
	if (is(line, n, "QUIT")) {
		rsp_queuef(r, "+OK " RSP_NAME " signing off\r\n");
		return RSP_CLOSE;
	}
	if (is(line, n, "NOOP")) {
		rsp_queuef(r, "+OK\r\n");
		return RSP_MORE;
	}
	r->errors++;
	rsp_queuef(r, "-ERR " RSP_NAME " is a firewall test: no mailbox\r\n");
	return RSP_MORE;
}

static enum rsp_step pop3_tls_started(struct rsp *r)
{
	(void)r; /* RFC 2595 §4: the client asks CAPA again. */
	return RSP_MORE;
}

static const struct mail_words pop3 = {
    .command = pop3_command,
    .too_long = "-ERR line too long",
    .giving_up = "-ERR " RSP_NAME " closing: too many errors",
};

static enum rsp_step pop3_input(struct rsp *r)
{
	return mail_input(r, &pop3);
}

const struct rsp_ops rsp_pop3_ops = {
    .start = pop3_start,
    .input = pop3_input,
    .tls_started = pop3_tls_started,
};
