/* The mail protocols: SMTP, IMAP and POP3 share one exchange (dlg_mail.c)
 * and differ in their words (dlg_smtp.c, dlg_imap.c, dlg_pop3.c). Private
 * to the dialogues. No I/O. */
#ifndef VERIPORT_DLG_MAIL_H
#define VERIPORT_DLG_MAIL_H

#include "dlg_impl.h"

/* The mail protocols: SMTP, IMAP and POP3 read text replies, ask for the
 * capabilities, upgrade with one STARTTLS step and say goodbye. dlg_mail.c
 * runs that once for all three; each protocol gives its commands and
 * judges its reply lines. */
enum dlg_mail_phase {
	DLG_MAIL_GREETING,
	DLG_MAIL_CAPS,     /* reply to EHLO / CAPABILITY / CAPA */
	DLG_MAIL_STARTTLS, /* reply to STARTTLS / STLS */
	DLG_MAIL_CAPS_TLS, /* the capabilities again, over TLS */
	DLG_MAIL_QUIT,     /* reply to QUIT / LOGOUT */
};

/* What one reply line means to the exchange. */
enum dlg_mail_reply {
	DLG_MAIL_MORE,    /* part of a reply still going on */
	DLG_MAIL_OK,      /* the reply ended, positive */
	DLG_MAIL_OK_CAPS, /* greeting ended and listed the capabilities */
	DLG_MAIL_PREAUTH, /* greeting ended, already authenticated */
	DLG_MAIL_NO,      /* the reply ended, negative: refused */
	DLG_MAIL_BYE,     /* the server is closing the session */
	DLG_MAIL_BAD,     /* not this protocol, or out of order */
};

struct dlg_mail_proto {
	const char *greeting;     /* "an SMTP greeting", for the evidence */
	const char *caps_cmd;     /* "EHLO", naming the capability list */
	const char *starttls_cmd; /* "STARTTLS", "STLS" */
	const char *starttls_cap; /* the capability that offers it */
	size_t line_max;          /* a reply line with its CR LF */
	/* POP3 (RFC 2595 §4): a server without CAPA may still have STLS. */
	bool starttls_without_caps;
	/* Take the next reply line (IMAP: with its literals). */
	enum dlg_line (*take)(struct dlg *d, char *line, size_t max,
			      size_t *len);
	/* Whether N bytes of a greeting with no line end yet could still
	 * be one: a peer that is clearly something else fails at once. */
	bool (*may_start)(const char *p, size_t n);
	/* Queue the command that starts PHASE (CAPS, STARTTLS, CAPS_TLS,
	 * QUIT). */
	void (*send)(struct dlg *d, enum dlg_mail_phase phase);
	/* Judge one line of the reply PHASE waits for. *MID is the
	 * protocol's note on the reply in progress (0 at its start), kept
	 * between lines and feeds. Capabilities go to dlg_mail_cap(). */
	enum dlg_mail_reply (*reply)(struct dlg *d, enum dlg_mail_phase phase,
				     const char *line, size_t len, int *mid);
};

enum dlg_step dlg_mail_input(struct dlg *d, const struct dlg_mail_proto *p);
enum dlg_step dlg_mail_eof(struct dlg *d, const struct dlg_mail_proto *p);
enum dlg_step dlg_mail_tls_started(struct dlg *d,
				   const struct dlg_mail_proto *p);
/* One capability the server listed (the N bytes at CAP): kept in the
 * evidence, and noted when it offers the upgrade. */
void dlg_mail_cap(struct dlg *d, const struct dlg_mail_proto *p,
		  const char *cap, size_t n);

#endif
