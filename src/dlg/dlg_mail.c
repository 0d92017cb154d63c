/* The mail dialogue, once for SMTP, IMAP and POP3: greeting, capabilities,
 * one STARTTLS step, the capabilities again over TLS (the server may offer
 * more once it is private), goodbye. The protocols say what their lines
 * mean (dlg_smtp.c, dlg_imap.c, dlg_pop3.c); this file decides what comes
 * next. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_mail.h"

/* d->state holds the phase and the protocol's note on the reply in
 * progress (SMTP: the code of a multi-line reply; POP3: inside the CAPA
 * list). */
#define PHASES 8

static enum dlg_mail_phase phase_of(const struct dlg *d)
{
	return (enum dlg_mail_phase)(d->state % PHASES);
}

static void set_state(struct dlg *d, enum dlg_mail_phase phase, int mid)
{
	d->state = (int)phase + mid * PHASES;
}

/* Start the evidence of a capability list: "EHLO:", or "EHLO after
 * STARTTLS:" for the one that counts. */
static void caps_label(struct dlg *d, const struct dlg_mail_proto *p)
{
	if (phase_of(d) == DLG_MAIL_CAPS_TLS)
		snprintf(d->detail, sizeof d->detail,
			 "%s after %s:", p->caps_cmd, p->starttls_cmd);
	else
		snprintf(d->detail, sizeof d->detail, "%s:", p->caps_cmd);
}

/* Put the text PREFIX before the detail so far. */
static void prepend(struct dlg *d, const char *prefix, const char *line,
		    size_t len)
{
	char old[DLG_DETAIL_MAX];
	memcpy(old, d->detail, sizeof old);
	snprintf(d->detail, sizeof d->detail, "%s", prefix);
	text_append(d->detail, sizeof d->detail, line, len);
	if (old[0] != '\0')
		text_appendf(d->detail, sizeof d->detail, "; %s", old);
}

static void send_phase(struct dlg *d, const struct dlg_mail_proto *p,
		       enum dlg_mail_phase phase)
{
	p->send(d, phase);
	set_state(d, phase, 0);
}

/* Say goodbye and wait for the answer (or the close), so the server logs
 * a client that left politely. */
static enum dlg_step quit(struct dlg *d, const struct dlg_mail_proto *p)
{
	/* dlg.h: starttls_offered is true only after DLG_STARTTLS. Before
	 * it, it noted the capability. */
	if (phase_of(d) != DLG_MAIL_CAPS_TLS)
		d->facts.starttls_offered = false;
	send_phase(d, p, DLG_MAIL_QUIT);
	return DLG_MORE;
}

/* The capability reply (or a greeting that carried one) ended. */
static enum dlg_step decide(struct dlg *d, const struct dlg_mail_proto *p,
			    bool ok, const char *line, size_t len)
{
	char prefix[64];
	if (ok && d->detail[0] == '\0') {
		caps_label(d, p);
		text_appendf(d->detail, sizeof d->detail, " nothing listed");
	}
	if (!ok) {
		snprintf(prefix, sizeof prefix, "%s refused: ", p->caps_cmd);
		prepend(d, prefix, line, len);
	}
	if (d->params.implicit_tls || phase_of(d) == DLG_MAIL_CAPS_TLS)
		return quit(d, p);
	if ((ok && d->facts.starttls_offered) ||
	    (!ok && p->starttls_without_caps)) {
		send_phase(d, p, DLG_MAIL_STARTTLS);
		return DLG_MORE;
	}
	if (ok) {
		snprintf(prefix, sizeof prefix, "%s not offered",
			 p->starttls_cmd);
		prepend(d, prefix, "", 0);
	}
	return quit(d, p);
}

static enum dlg_step unexpected(struct dlg *d, const struct dlg_mail_proto *p,
				enum dlg_mail_phase phase, const char *line,
				size_t len)
{
	char prefix[64];
	if (phase == DLG_MAIL_GREETING)
		snprintf(prefix, sizeof prefix, "not %s: ", p->greeting);
	else
		snprintf(prefix, sizeof prefix, "unexpected reply to %s: ",
			 phase == DLG_MAIL_STARTTLS ? p->starttls_cmd
						    : p->caps_cmd);
	return dlg_fail_text(d, DLG_FAIL_UNEXPECTED, prefix, line,
			     len < DLG_QUOTE_MAX ? len : DLG_QUOTE_MAX);
}

/* What comes after a line that REPLY judged in PHASE. */
static enum dlg_step next(struct dlg *d, const struct dlg_mail_proto *p,
			  enum dlg_mail_phase phase, enum dlg_mail_reply reply,
			  const char *line, size_t len)
{
	if (reply == DLG_MAIL_MORE)
		return DLG_MORE;
	if (phase == DLG_MAIL_QUIT) {
		/* The decision is made; whatever the goodbye says. */
		return DLG_DONE;
	}
	if (reply == DLG_MAIL_BAD)
		return unexpected(d, p, phase, line, len);
	if (reply == DLG_MAIL_BYE ||
	    (phase == DLG_MAIL_GREETING && reply == DLG_MAIL_NO)) {
		/* A server refusing us (SMTP 554 or 421, IMAP BYE, POP3
		 * -ERR): the reply is the evidence. */
		return dlg_fail_text(d, DLG_FAIL_UNEXPECTED, "", line, len);
	}
	switch (phase) {
	case DLG_MAIL_GREETING:
		if (reply == DLG_MAIL_OK_CAPS)
			return decide(d, p, true, NULL, 0);
		if (reply == DLG_MAIL_PREAUTH && !d->params.implicit_tls) {
			/* RFC 9051 §6.2.1: STARTTLS is for the not
			 * authenticated state only; a PREAUTH server in the
			 * clear can never be upgraded. */
			snprintf(d->detail, sizeof d->detail,
				 "PREAUTH greeting: no %s once authenticated",
				 p->starttls_cmd);
			return quit(d, p);
		}
		send_phase(d, p, DLG_MAIL_CAPS);
		return DLG_MORE;
	case DLG_MAIL_CAPS:
	case DLG_MAIL_CAPS_TLS:
		return decide(d, p, reply != DLG_MAIL_NO, line, len);
	case DLG_MAIL_STARTTLS:
		if (reply == DLG_MAIL_NO) {
			char prefix[64];
			snprintf(prefix, sizeof prefix,
				 "%s refused: ", p->starttls_cmd);
			prepend(d, prefix, line, len);
			d->facts.starttls_refused = true;
			return quit(d, p);
		}
		d->facts.starttls_offered = true;
		return DLG_STARTTLS;
	case DLG_MAIL_QUIT:
		break;
	}
	return DLG_DONE;
}

/* A greeting line that is clearly not this protocol (an SSH banner, a TLS
 * record) fails at once, before its line end or our bound. */
static bool foreign_greeting(const struct dlg *d,
			     const struct dlg_mail_proto *p)
{
	const uint8_t *lf = memchr(d->in, '\n', d->inlen);
	size_t n = lf ? (size_t)(lf - d->in) : d->inlen;
	return n > 0 && (dlg_has_control(d->in, n) ||
			 !p->may_start((const char *)d->in, n));
}

static enum dlg_step input(struct dlg *d, const struct dlg_mail_proto *p)
{
	for (;;) {
		/* Every protocol's line_max is at most DLG_IN_MAX. */
		char line[DLG_IN_MAX];
		size_t len;
		enum dlg_mail_phase phase = phase_of(d);
		if (phase == DLG_MAIL_GREETING && foreign_greeting(d, p))
			return unexpected(d, p, phase, (const char *)d->in,
					  d->inlen);
		switch (p->take(d, line, p->line_max, &len)) {
		case DLG_LINE_PARTIAL:
			return DLG_MORE;
		case DLG_LINE_TOO_LONG:
			/* After our goodbye the outcome is decided. */
			if (phase == DLG_MAIL_QUIT)
				return DLG_DONE;
			return dlg_fail_too_long(d, p->line_max);
		case DLG_LINE_OK:
			break;
		}
		if (phase != DLG_MAIL_QUIT && dlg_has_control(line, len))
			return unexpected(d, p, phase, line, len);
		if (phase == DLG_MAIL_GREETING && d->facts.greeting[0] == '\0')
			text_append(d->facts.greeting, sizeof d->facts.greeting,
				    line, len);
		int mid = d->state / PHASES;
		enum dlg_mail_reply reply = p->reply(d, phase, line, len, &mid);
		set_state(d, phase, mid);
		enum dlg_step step = next(d, p, phase, reply, line, len);
		if (step != DLG_MORE)
			return step;
	}
}

/* dlg.h: starttls_offered stays true only once DLG_STARTTLS was said;
 * until then it noted the capability. */
static enum dlg_step ended(struct dlg *d, enum dlg_step step)
{
	enum dlg_mail_phase phase = phase_of(d);
	if (step == DLG_FAIL && phase != DLG_MAIL_CAPS_TLS &&
	    phase != DLG_MAIL_QUIT)
		d->facts.starttls_offered = false;
	return step;
}

enum dlg_step dlg_mail_input(struct dlg *d, const struct dlg_mail_proto *p)
{
	return ended(d, input(d, p));
}

static enum dlg_step eof(struct dlg *d, const struct dlg_mail_proto *p)
{
	enum dlg_mail_phase phase = phase_of(d);
	if (phase == DLG_MAIL_QUIT)
		return DLG_DONE;
	if (phase == DLG_MAIL_GREETING && d->facts.greeting[0] == '\0' &&
	    d->inlen == 0) {
		snprintf(d->detail, sizeof d->detail,
			 "closed before sending a greeting");
		return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
	}
	char what[64];
	switch (phase) {
	case DLG_MAIL_GREETING:
		snprintf(what, sizeof what, "closed during the greeting");
		break;
	case DLG_MAIL_STARTTLS:
		snprintf(what, sizeof what, "closed after %s", p->starttls_cmd);
		break;
	case DLG_MAIL_CAPS_TLS:
		snprintf(what, sizeof what, "closed after %s over TLS",
			 p->caps_cmd);
		break;
	default:
		snprintf(what, sizeof what, "closed after %s", p->caps_cmd);
		break;
	}
	if (d->inlen > 0) {
		text_appendf(what, sizeof what, ", mid-line: ");
		return dlg_fail_text(d, DLG_FAIL_CLOSED_EARLY, what, d->in,
				     d->inlen < DLG_QUOTE_MAX ? d->inlen
							      : DLG_QUOTE_MAX);
	}
	snprintf(d->detail, sizeof d->detail, "%s", what);
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

enum dlg_step dlg_mail_eof(struct dlg *d, const struct dlg_mail_proto *p)
{
	return ended(d, eof(d, p));
}

enum dlg_step dlg_mail_tls_started(struct dlg *d,
				   const struct dlg_mail_proto *p)
{
	/* RFC 3207 §4.2, RFC 9051 §6.2.1, RFC 2595 §4: what the server said
	 * in the clear may have been forged; ask again over TLS. */
	d->detail[0] = '\0';
	send_phase(d, p, DLG_MAIL_CAPS_TLS);
	return DLG_MORE;
}

void dlg_mail_cap(struct dlg *d, const struct dlg_mail_proto *p,
		  const char *cap, size_t n)
{
	enum dlg_mail_phase phase = phase_of(d);
	if (d->detail[0] == '\0')
		caps_label(d, p);
	text_appendf(d->detail, sizeof d->detail, " ");
	text_append(d->detail, sizeof d->detail, cap, n);
	const char *space = memchr(cap, ' ', n);
	size_t word = space ? (size_t)(space - cap) : n;
	if (phase != DLG_MAIL_CAPS_TLS &&
	    dlg_word_is(cap, word, p->starttls_cap))
		d->facts.starttls_offered = true;
}
