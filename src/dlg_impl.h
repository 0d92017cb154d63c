/* What the dialogue modules (dlg_*.c) share with the dispatcher in dlg.c:
 * one table entry per protocol, the bounded line reader and the evidence
 * text helpers. Private to the dialogues; the engine uses dlg.h. No I/O. */
#ifndef VERIPORT_DLG_IMPL_H
#define VERIPORT_DLG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/ber.h"
#include "veriport/dlg.h"
#include "veriport/text.h"

/* A stream protocol. d->state starts at 0 and is the protocol's own;
 * dlg.c latches the end of the exchange, so input() and eof() are never
 * called again once they returned DLG_DONE or DLG_FAIL. */
struct dlg_stream_ops {
	/* Queue the client's first bytes if the client speaks first. NULL
	 * when the server speaks first. Returns 0 or a negative errno. */
	int (*start)(struct dlg *d);
	/* Take all it can from d->in (dlg_consume()) and say what next. */
	enum dlg_step (*input)(struct dlg *d);
	/* The peer closed before input() ended the exchange. */
	enum dlg_step (*eof)(struct dlg *d);
	/* TLS is up after this protocol's DLG_STARTTLS: queue what the
	 * client says first over it. NULL for protocols without STARTTLS. */
	enum dlg_step (*tls_started)(struct dlg *d);
	/* Bytes the peer may send in the whole exchange before it is
	 * TOO_LONG; 0 when `in` alone bounds it (one message). */
	size_t received_max;
	/* The dialogue can start on a stream that is TLS already
	 * (params.implicit_tls). */
	bool tls_first;
};

/* A datagram protocol. */
struct dlg_udp_ops {
	bool expects_reply;
	/* Build d->req from d->params; 0 or a negative errno. */
	int (*start)(struct dlg_udp *d);
	/* Judge one datagram; fill d->detail on MATCH and BAD. */
	enum dlg_udp_match (*reply)(struct dlg_udp *d, const uint8_t *buf,
				    size_t len);
};

extern const struct dlg_stream_ops dlg_ssh_ops;
extern const struct dlg_stream_ops dlg_rsync_ops;
extern const struct dlg_stream_ops dlg_razor_ops;
extern const struct dlg_stream_ops dlg_dns_tcp_ops;
extern const struct dlg_stream_ops dlg_smtp_ops;
extern const struct dlg_stream_ops dlg_imap_ops;
extern const struct dlg_stream_ops dlg_pop3_ops;
extern const struct dlg_stream_ops dlg_ldap_ops;
extern const struct dlg_stream_ops dlg_http_ops;
extern const struct dlg_stream_ops dlg_pgsql_ops;
extern const struct dlg_stream_ops dlg_tds_ops;

extern const struct dlg_udp_ops dlg_dns_udp_ops;
extern const struct dlg_udp_ops dlg_ntp_ops;
extern const struct dlg_udp_ops dlg_snmp_ops;
extern const struct dlg_udp_ops dlg_cldap_ops;
extern const struct dlg_udp_ops dlg_pyzor_ops;
extern const struct dlg_udp_ops dlg_dcc_ops;
extern const struct dlg_udp_ops dlg_syslog_ops;

/* The line reader shared by the banner protocols (and SMTP, IMAP, POP3). */
enum dlg_line {
	DLG_LINE_PARTIAL,  /* no LF yet: feed more */
	DLG_LINE_OK,       /* one line taken from d->in */
	DLG_LINE_TOO_LONG, /* MAX bytes of input and still no LF */
};

/* Take the next LF-terminated line from D's input. A line may be at most
 * MAX bytes with its terminator; LINE (MAX bytes) gets it without the LF
 * and without a CR before the LF, NUL-terminated, and *LEN its length
 * (a line may hold NUL bytes: use *LEN). On PARTIAL and TOO_LONG the
 * input is left as it was. */
enum dlg_line dlg_line_take(struct dlg *d, char *line, size_t max, size_t *len);
/* Drop N bytes from the front of D's input. */
void dlg_consume(struct dlg *d, size_t n);
/* Queue bytes to send. Dialogues send bounded requests: overflowing
 * DLG_OUT_MAX is a bug, and aborts. */
void dlg_queue(struct dlg *d, const void *p, size_t n);
/* End a stream exchange as failed for WHY; the caller fills the detail. */
enum dlg_step dlg_fail(struct dlg *d, enum dlg_failure why);
/* Fail for WHY with PREFIX and the N bytes at P, escaped, as the detail. */
enum dlg_step dlg_fail_text(struct dlg *d, enum dlg_failure why,
			    const char *prefix, const void *p, size_t n);
/* Fail TOO_LONG: no line end in MAX bytes, quoting the start of them. */
enum dlg_step dlg_fail_too_long(struct dlg *d, size_t max);

/* True when P holds a C0 control other than TAB and CR: binary, not a
 * text line. */
bool dlg_has_control(const void *p, size_t n);
/* True when the N bytes at P could still be the start of PREFIX. */
bool dlg_may_start(const void *p, size_t n, const char *prefix);

/* The name a dialogue gives when params.host is not set (EHLO, Host):
 * RFC 2606 §2 keeps .invalid for names that must not resolve. */
#define DLG_DEFAULT_HOST "veriport.invalid"
/* RFC 1035 §2.3.4: a name is at most 253 characters in text. */
#define DLG_HOST_MAX 253

enum dlg_host_kind {
	DLG_HOST_BAD,  /* would break the command it goes into */
	DLG_HOST_NAME, /* letters, digits, '-', '.', '_' */
	DLG_HOST_IPV4,
	DLG_HOST_IPV6,
};

/* What HOST is, for a protocol that writes it into a command line. */
enum dlg_host_kind dlg_host_kind(const char *host);

/* A peer's bytes quoted in the evidence when they are not what we wait
 * for: enough to recognise a banner, short enough to leave room. */
#define DLG_QUOTE_MAX 64

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
/* Case-insensitive: the N bytes at P are WORD. */
bool dlg_word_is(const char *p, size_t n, const char *word);

/* LDAP messages (RFC 4511), over UDP (dlg_cldap.c) and TCP (dlg_ldap.c). */
#define DLG_LDAP_SEARCH_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 3)
#define DLG_LDAP_SEARCH_ENTRY (BER_APPLICATION | BER_CONSTRUCTED | 4)
#define DLG_LDAP_SEARCH_DONE (BER_APPLICATION | BER_CONSTRUCTED | 5)
#define DLG_LDAP_SEARCH_REFERENCE (BER_APPLICATION | BER_CONSTRUCTED | 19)
#define DLG_LDAP_EXTENDED_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 23)
#define DLG_LDAP_EXTENDED_RESPONSE (BER_APPLICATION | BER_CONSTRUCTED | 24)

/* The messageID for a probe id: RFC 4511 §4.1.1.1 keeps 0 for
 * unsolicited notifications, so id 0 maps to one no 16-bit id is. */
int64_t dlg_ldap_message_id(uint16_t id);
/* Write the rootDSE search (RFC 4512 §5.1) asking for NATTRS ATTRS. */
void dlg_ldap_put_rootdse_search(struct ber_writer *w, int64_t id,
				 const char *const *attrs, size_t nattrs);
/* Append a SearchResultEntry's attributes ("type: v1 v2") to TEXT,
 * after "; " when it is not empty. 0, or -1 when malformed. */
int dlg_ldap_entry_text(const struct ber_tlv *op, char *text, size_t size);
/* Read the LDAPResult of OP (SearchResultDone, ExtendedResponse) into
 * *CODE and append "resultCode N name: message" likewise. */
int dlg_ldap_result_text(const struct ber_tlv *op, int64_t *code, char *text,
			 size_t size);

/* Big-endian fields of the binary protocols. */
static inline uint16_t dlg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dlg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void dlg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dlg_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
