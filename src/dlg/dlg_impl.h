/* What the dialogue modules (dlg_*.c) share with the dispatcher in dlg.c:
 * one table entry per protocol, the bounded line reader and the evidence
 * text helpers. Private to the dialogues; the engine uses dlg.h. No I/O. */
#ifndef VERIPORT_DLG_IMPL_H
#define VERIPORT_DLG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/dlg.h"
#include "veriport/text.h"

struct dlg_mail_proto;

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
	/* A mail protocol (dlg_mail.h): input, eof and tls_started are then
	 * the one mail exchange's, run with this protocol's words. */
	const struct dlg_mail_proto *mail;
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
/* Case-insensitive: the N bytes at P are WORD. */
bool dlg_word_is(const char *p, size_t n, const char *word);
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
