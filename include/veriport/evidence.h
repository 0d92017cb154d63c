/* Evidence: the facts one probe of one (channel, address) collected, and
 * the verdict and reason words of DESIGN.md (one X-macro list each, so the
 * enums and the words printed cannot drift). Facts only; no decisions. */
#ifndef VERIPORT_EVIDENCE_H
#define VERIPORT_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/catalog.h"
#include "veriport/dlg.h"
#include "veriport/tlsio.h"

#define VERDICTS(X)                                                            \
	X(OK, "ok")                                                            \
	X(FILTERED, "filtered")                                                \
	X(REJECTED, "rejected")                                                \
	X(REFUSED, "refused")                                                  \
	X(UNREACHABLE, "unreachable")                                          \
	X(INTERCEPTED, "intercepted")                                          \
	X(TLS_ERROR, "tls-error")                                              \
	X(PROTOCOL_ERROR, "protocol-error")                                    \
	X(DNS_ERROR, "dns-error")                                              \
	X(UNVERIFIED, "unverified")                                            \
	X(SKIPPED, "skipped")

enum verdict {
#define VERDICT_ENUM(id, word) VERDICT_##id,
	VERDICTS(VERDICT_ENUM)
#undef VERDICT_ENUM
	    VERDICT_COUNT
};

#define REASONS(X)                                                             \
	X(CONNECTED, "connected")                                              \
	X(HANDSHAKE_OK, "handshake-ok")                                        \
	X(ANSWERED, "answered")                                                \
	X(LISTENING, "listening")                                              \
	X(NO_RESPONSE, "no-response")                                          \
	X(ICMP_ADMIN_PROHIBITED, "icmp-admin-prohibited")                      \
	X(ICMP_HOST_UNREACHABLE, "icmp-host-unreachable")                      \
	X(ICMP_NET_UNREACHABLE, "icmp-net-unreachable")                        \
	X(ICMP_HOST_PROHIBITED, "icmp-host-prohibited")                        \
	X(ICMP_NET_PROHIBITED, "icmp-net-prohibited")                          \
	X(ICMP_UNREACHABLE, "icmp-unreachable")                                \
	X(TCP_RESET, "tcp-reset")                                              \
	X(ICMP_PORT_UNREACHABLE, "icmp-port-unreachable")                      \
	X(NOT_LISTENING, "not-listening")                                      \
	X(NO_ROUTE, "no-route")                                                \
	X(NET_DOWN, "net-down")                                                \
	X(HOST_DOWN, "host-down")                                              \
	X(NO_ADDRESS_FAMILY, "no-address-family")                              \
	X(UNTRUSTED_ISSUER, "untrusted-issuer")                                \
	X(KNOWN_INTERCEPTOR, "known-interceptor")                              \
	X(PIN_MISMATCH, "pin-mismatch")                                        \
	X(STARTTLS_STRIPPED, "starttls-stripped")                              \
	X(CANARY_ANSWERED, "canary-answered")                                  \
	X(GREETING_ALTERED, "greeting-altered")                                \
	X(HEADER_INJECTED, "header-injected")                                  \
	X(CERT_EXPIRED, "cert-expired")                                        \
	X(HOSTNAME_MISMATCH, "hostname-mismatch")                              \
	X(HANDSHAKE_FAILED, "handshake-failed")                                \
	X(PROTOCOL_VERSION, "protocol-version")                                \
	X(UNEXPECTED_GREETING, "unexpected-greeting")                          \
	X(NO_GREETING, "no-greeting")                                          \
	X(CLOSED_EARLY, "closed-early")                                        \
	X(BAD_REPLY, "bad-reply")                                              \
	X(TOO_LONG, "too-long")                                                \
	X(NXDOMAIN, "nxdomain")                                                \
	X(SERVFAIL, "servfail")                                                \
	X(DNS_TIMEOUT, "dns-timeout")                                          \
	X(NO_ADDRESS, "no-address")                                            \
	X(DNS_REFUSED, "dns-refused")                                          \
	X(DNS_UNREACHABLE, "dns-unreachable")                                  \
	X(NO_REPLY_EXPECTED, "no-reply-expected")                              \
	X(NO_TARGET, "no-target")                                              \
	X(OPTIONAL, "optional")                                                \
	X(NOT_THIS_ROLE, "not-this-role")                                      \
	X(LOCAL_ERROR, "local-error")

enum reason {
#define REASON_ENUM(id, word) REASON_##id,
	REASONS(REASON_ENUM)
#undef REASON_ENUM
	    REASON_COUNT
};

const char *verdict_word(enum verdict v);
const char *reason_word(enum reason r);

/* What name resolution said about the target. */
enum evidence_dns {
	EVIDENCE_DNS_OK,
	EVIDENCE_DNS_NXDOMAIN,
	EVIDENCE_DNS_NODATA, /* the name exists but has no A/AAAA */
	EVIDENCE_DNS_SERVFAIL,
	EVIDENCE_DNS_REFUSED,
	EVIDENCE_DNS_UNREACHABLE, /* no DNS server could be contacted */
	EVIDENCE_DNS_TIMEOUT,
	EVIDENCE_DNS_OTHER,
};

/* Human-readable evidence lines kept per result; a support engineer pastes
 * them into a ticket. Bounded: a probe says a handful of things. */
#define EVIDENCE_LINES_MAX 12
#define EVIDENCE_LINE_LEN 200

struct evidence {
	enum catalog_transport transport;
	enum catalog_check check;

	/* Set when the channel was not probed: NO_TARGET, OPTIONAL,
	 * NOT_THIS_ROLE. */
	bool skipped;
	enum reason skip_reason;

	/* A channel whose target role this host plays: is a local listener
	 * bound on the port? */
	bool listener_check;
	bool listening;

	enum evidence_dns dns;

	/* Transport. error is a positive errno from connect/send/recv
	 * (ECONNREFUSED, EHOSTUNREACH, ...), 0 when none. */
	bool connected; /* TCP handshake completed */
	int error;
	bool timed_out; /* the probe's deadline passed first */

	/* An ICMP error read from the socket's error queue (IP_RECVERR). */
	bool icmp;
	bool icmp_v6;
	bool icmp_local; /* generated by this host's own stack */
	uint8_t icmp_type;
	uint8_t icmp_code;
	char icmp_from[46]; /* INET6_ADDRSTRLEN */

	/* Datagram checks. */
	bool udp_sent;
	bool reply_expected;
	bool udp_reply;     /* a datagram answered our request */
	bool udp_reply_bad; /* something answered, not the protocol */

	/* Stream dialogue, when the check kind has one. */
	bool dialogue;
	enum dlg_step dlg_step; /* DLG_DONE or DLG_FAIL when it ended */
	enum dlg_failure dlg_failure;

	/* What the dialogue saw, copied when it ended. */
	bool starttls_checked; /* a STARTTLS kind whose dialogue got that far */
	bool starttls_offered;
	bool starttls_refused;
	char greeting[DLG_DETAIL_MAX];
	struct dlg_http http;

	/* TLS, when the check reached a handshake. */
	bool tls_attempted;
	bool tls_done; /* the handshake completed */
	enum tlsio_failure tls_failure;
	struct tlsio_facts tls;

	double latency_ms; /* connect (TCP) or reply (UDP) time; <0 unknown */

	char lines[EVIDENCE_LINES_MAX][EVIDENCE_LINE_LEN];
	size_t nlines;
};

void evidence_init(struct evidence *ev, enum catalog_transport transport,
		   enum catalog_check check);
/* Append one line; past EVIDENCE_LINES_MAX the last line says so. */
void evidence_add(struct evidence *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
