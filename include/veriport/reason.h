/* The verdict and reason words of DESIGN.md, one X-macro list each, so the
 * enums and the words every output prints cannot drift. A leaf header: it
 * includes nothing of the project. */
#ifndef VERIPORT_REASON_H
#define VERIPORT_REASON_H

#include <stdbool.h>

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
	X(RESPONDER_ANSWERED, "responder-answered")                            \
	X(RESPONDER_RECEIVED, "responder-received")                            \
	X(LISTENING, "listening")                                              \
	X(NO_RESPONSE, "no-response")                                          \
	X(DROPPED_AFTER_CONNECT, "dropped-after-connect")                      \
	X(PMTU_BLACKHOLE, "pmtu-blackhole")                                    \
	X(NOT_RECEIVED, "not-received")                                        \
	X(ICMP_ADMIN_PROHIBITED, "icmp-admin-prohibited")                      \
	X(ICMP_HOST_UNREACHABLE, "icmp-host-unreachable")                      \
	X(ICMP_NET_UNREACHABLE, "icmp-net-unreachable")                        \
	X(ICMP_HOST_PROHIBITED, "icmp-host-prohibited")                        \
	X(ICMP_NET_PROHIBITED, "icmp-net-prohibited")                          \
	X(ICMP_UNREACHABLE, "icmp-unreachable")                                \
	X(PROXY_DENIED, "proxy-denied")                                        \
	X(RESET_AFTER_DATA, "reset-after-data")                                \
	X(TCP_RESET, "tcp-reset")                                              \
	X(ICMP_PORT_UNREACHABLE, "icmp-port-unreachable")                      \
	X(NOT_LISTENING, "not-listening")                                      \
	X(LOOPBACK_ONLY, "loopback-only")                                      \
	X(NO_ROUTE, "no-route")                                                \
	X(NET_DOWN, "net-down")                                                \
	X(HOST_DOWN, "host-down")                                              \
	X(NO_ADDRESS_FAMILY, "no-address-family")                              \
	X(PROXY_FAILED, "proxy-failed")                                        \
	X(PROXY_CANNOT_REACH, "proxy-cannot-reach")                            \
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
	X(LOCAL_FIREWALL, "local-firewall")                                    \
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
	X(DEADLINE, "deadline")                                                \
	X(LOCAL_ERROR, "local-error")

enum reason {
#define REASON_ENUM(id, word) REASON_##id,
	REASONS(REASON_ENUM)
#undef REASON_ENUM
	    REASON_COUNT
};

const char *verdict_word(enum verdict v);
const char *reason_word(enum reason r);
/* The channel does not work as the vendor needs: neither ok, nor skipped
 * (not probed), nor unverified (nothing can come back). */
bool verdict_failed(enum verdict v);

#endif
