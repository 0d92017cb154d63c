/* Protocol dialogues, sans-I/O: each is fed the bytes a peer sent and says
 * what to send next and how the exchange ended. No socket, no event loop,
 * no OpenSSL in any dialogue; the probe engine does all I/O. */
#ifndef VERIPORT_DLG_H
#define VERIPORT_DLG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/catalog_check.h"

/* Largest request a dialogue sends in one step (a DNS query with the
 * longest name, an SNMP GetRequest with a long community). */
#define DLG_OUT_MAX 600
/* Bytes of peer input a dialogue keeps at once: a banner line is at most
 * 255 bytes (RFC 4253 §4.2), a DNS/TCP answer to our one-name query fits
 * easily; more is a hostile or wrong peer. */
#define DLG_IN_MAX 4096
/* Evidence text a dialogue leaves: the banner, the answer summary. */
#define DLG_DETAIL_MAX 256
/* Room for the state a protocol keeps between feeds besides `state` (the
 * HTTP response parser, the header being read). */
#define DLG_PRIV_MAX 192

/* Parameters a dialogue may use; zeroed fields take the defaults. */
struct dlg_params {
	const char *snmp_community; /* default "public" */
	const char *dns_qname;      /* name a dns check asks for; default "." */
	uint16_t id;      /* random transaction id (DNS, SNMP, CLDAP) */
	const char *host; /* target name: HTTP Host */
	uint16_t port;    /* target port: HTTP Host when not 80/443 */
	/* Our own name for EHLO (RFC 5321 §4.1.1.1: the client's name,
	 * never the server's); NULL: veriport.invalid. */
	const char *helo;
	/* The engine runs TLS first (smtps, imaps, pop3s, ldaps, https): the
	 * dialogue starts on the decrypted stream and never asks for
	 * STARTTLS. */
	bool implicit_tls;
};

/* HTTP facts a proxy leaves behind (interception evidence). */
struct dlg_http {
	unsigned status;       /* 200, 301, 407, ... */
	bool via;              /* a Via header */
	bool x_cache;          /* X-Cache / X-Cache-Lookup */
	bool proxy_connection; /* Proxy-Connection / Proxy-Authenticate */
	char server[64];       /* the Server header, printable, truncated */
};

enum dlg_step {
	DLG_MORE,     /* send dlg_output(), then feed what the peer sends */
	DLG_STARTTLS, /* start TLS now, then feed the decrypted bytes */
	DLG_DONE,     /* the exchange succeeded: see detail */
	DLG_FAIL,     /* the exchange failed: see failure and detail */
};

enum dlg_failure {
	DLG_FAIL_NONE,
	DLG_FAIL_UNEXPECTED,   /* the peer speaks another protocol */
	DLG_FAIL_CLOSED_EARLY, /* the peer closed before the exchange ended */
	DLG_FAIL_TOO_LONG,     /* a line or answer over our bound */
};

/* What a stream dialogue learnt about the peer, kept whole in the
 * evidence when the exchange ends. */
struct dlg_facts {
	/* The server offered the upgrade (SMTP/IMAP/POP3 capability, LDAP
	 * StartTLS success, PostgreSQL 'S'): set before DLG_STARTTLS, or
	 * left false when the dialogue ends without one. */
	bool starttls_offered;
	/* The server advertised STARTTLS, then refused it (SMTP 454, ...):
	 * its own failure, not a middlebox's removal. */
	bool starttls_refused;
	/* The first line the server sent (SMTP/POP3/IMAP greeting, SSH
	 * banner), printable, for interception evidence. */
	char greeting[DLG_DETAIL_MAX];
	struct dlg_http http; /* http and https checks */
};

/* A stream (TCP) dialogue. */
struct dlg {
	enum catalog_check check;
	struct dlg_params params;
	int state;
	uint8_t in[DLG_IN_MAX];
	size_t inlen;
	uint8_t out[DLG_OUT_MAX];
	size_t outlen;
	enum dlg_failure failure;
	char detail[DLG_DETAIL_MAX];
	struct dlg_facts facts;
	/* Bytes the peer sent so far, held to the protocol's total bound: a
	 * peer sending endless short lines never fills `in`. */
	size_t received;
	/* Private to the dialogue modules. */
	union {
		max_align_t align;
		unsigned char bytes[DLG_PRIV_MAX];
	} priv;
};

/* True when CHECK has a stream dialogue (after a TCP connect). */
bool dlg_has_stream(enum catalog_check check);
/* Start a dialogue. Returns 0, or -ENOTSUP when CHECK has none. The first
 * bytes to send (if the client speaks first) are in dlg_output(). */
int dlg_start(struct dlg *d, enum catalog_check check,
	      const struct dlg_params *params);
/* Feed LEN bytes the peer sent. */
enum dlg_step dlg_feed(struct dlg *d, const uint8_t *in, size_t len);
/* The peer closed its side. */
enum dlg_step dlg_eof(struct dlg *d);
/* TLS is up after DLG_STARTTLS: the dialogue goes on over it (EHLO
 * again, RFC 3207 §4.2; CAPABILITY again, RFC 3501 §6.2.1; ...). */
enum dlg_step dlg_tls_started(struct dlg *d);
/* Bytes to send now; dlg_sent() after they were handed to the socket. */
size_t dlg_output(const struct dlg *d, const uint8_t **out);
void dlg_sent(struct dlg *d);

/* A datagram (UDP) check: one request, and a test of each reply. */
struct dlg_udp {
	enum catalog_check check;
	struct dlg_params params;
	uint8_t req[DLG_OUT_MAX];
	size_t reqlen;
	char detail[DLG_DETAIL_MAX];
};

enum dlg_udp_match {
	DLG_UDP_MATCH,   /* the answer to our request */
	DLG_UDP_FOREIGN, /* not an answer to this request: ignore it */
	DLG_UDP_BAD,     /* an answer, but not the expected protocol */
};

/* True when CHECK runs over UDP. */
bool dlg_udp_supported(enum catalog_check check);
/* False for protocols that never answer (syslog). */
bool dlg_udp_expects_reply(enum catalog_check check);
/* Build the request into D->req. Returns 0 or -ENOTSUP. */
int dlg_udp_start(struct dlg_udp *d, enum catalog_check check,
		  const struct dlg_params *params);
/* Judge one datagram; on MATCH or BAD, D->detail says what it was. */
enum dlg_udp_match dlg_udp_reply(struct dlg_udp *d, const uint8_t *buf,
				 size_t len);

/* The HTTP CONNECT exchange with a proxy (RFC 9110 §9.3.6), before the
 * channel's own dialogue (TLS, HTTP, SSH banner...) runs through the
 * tunnel. The target's name goes to the proxy as it is: the proxy
 * resolves it. */
enum dlg_proxy_step {
	DLG_PROXY_MORE,   /* send `out`, then feed what the proxy sends */
	DLG_PROXY_OPEN,   /* a 2xx reply: the tunnel is up */
	DLG_PROXY_DENIED, /* a reply, not 2xx: see status and status_line */
	DLG_PROXY_FAIL,   /* not an HTTP reply, too long, or closed early */
};

struct dlg_proxy {
	uint8_t out[DLG_OUT_MAX];
	size_t outlen;
	/* The reply so far: its status line and headers must fit. */
	uint8_t in[DLG_IN_MAX];
	size_t inlen;
	size_t pos; /* start of the line being read in `in` */
	int state;
	unsigned status;
	/* The proxy's status line, escaped ("HTTP/1.1 403 Forbidden"). */
	char status_line[DLG_DETAIL_MAX];
	enum dlg_failure failure;
	char detail[DLG_DETAIL_MAX]; /* why it failed, escaped */
};

/* Queue "CONNECT HOST:PORT" (an IPv6 address in brackets) into P->out.
 * Returns 0, or -EINVAL for a HOST that would break the request line. */
int dlg_proxy_start(struct dlg_proxy *p, const char *host, uint16_t port);
/* Feed LEN bytes the proxy sent. *USED is how many of them were its
 * reply: on DLG_PROXY_OPEN the rest (IN + *USED) are the target's first
 * bytes, for the channel's dialogue. */
enum dlg_proxy_step dlg_proxy_feed(struct dlg_proxy *p, const uint8_t *in,
				   size_t len, size_t *used);
/* The proxy closed before the end of its reply. */
enum dlg_proxy_step dlg_proxy_eof(struct dlg_proxy *p);

#endif
