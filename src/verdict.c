/* The verdict: evidence (and what the rest of the sweep says about it) in,
 * verdict and reason out. Pure: no I/O, no clock. The order of the rules
 * below is the contract of DESIGN.md's verdict table and of veriport(1)'s
 * INTERCEPTION section; tests/unit/test_verdict.c walks every row. Each
 * clause that reads more than the probe's own facts says why in the same
 * statement that decides, so the sentence cannot drift from the rule. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "veriport/verdict.h"

static const char *const because_words[VERDICT_BECAUSE_COUNT] = {
#define VERDICT_BECAUSE_WORD(id, word) [VERDICT_BECAUSE_##id] = word,
    VERDICT_BECAUSES(VERDICT_BECAUSE_WORD)
#undef VERDICT_BECAUSE_WORD
};

const char *verdict_because_word(enum verdict_because b)
{
	return because_words[b];
}

/* Where the deciding clause writes its sentence. */
struct why {
	char *buf;
	size_t len;
};

static struct verdict_result verdict_of(enum verdict v, enum reason r)
{
	return (struct verdict_result){v, r, VERDICT_BECAUSE_EVIDENCE};
}

/* A clause that read more than the evidence: its verdict, and why. */
__attribute__((format(printf, 5, 6))) static struct verdict_result
because(struct why *w, enum verdict v, enum reason r, enum verdict_because b,
	const char *fmt, ...)
{
	if (w->buf != NULL && w->len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->buf, w->len, fmt, ap);
		va_end(ap);
	}
	return (struct verdict_result){v, r, b};
}
/* ICMPv4 destination unreachable (type 3) codes, RFC 792 and RFC 1812
 * §5.2.7.1 (13: communication administratively prohibited). */
static struct verdict_result icmp4(const struct evidence *ev)
{
	if (ev->icmp_type != 3)
		return verdict_of(VERDICT_REJECTED, REASON_ICMP_UNREACHABLE);
	switch (ev->icmp_code) {
	case 0:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_NET_UNREACHABLE);
	case 1:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_HOST_UNREACHABLE);
	case 3:
		return verdict_of(VERDICT_REFUSED,
				  REASON_ICMP_PORT_UNREACHABLE);
	case 9:
		return verdict_of(VERDICT_REJECTED, REASON_ICMP_NET_PROHIBITED);
	case 10:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_HOST_PROHIBITED);
	case 13:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_ADMIN_PROHIBITED);
	default:
		return verdict_of(VERDICT_REJECTED, REASON_ICMP_UNREACHABLE);
	}
}

/* ICMPv6 destination unreachable (type 1) codes, RFC 4443 §3.1: 1
 * administratively prohibited, 5 source address failed policy, 6 reject
 * route to destination — all three are a firewall's policy. */
static struct verdict_result icmp6(const struct evidence *ev)
{
	if (ev->icmp_type != 1)
		return verdict_of(VERDICT_REJECTED, REASON_ICMP_UNREACHABLE);
	switch (ev->icmp_code) {
	case 0:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_NET_UNREACHABLE);
	case 1:
	case 5:
	case 6:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_ADMIN_PROHIBITED);
	case 3:
		return verdict_of(VERDICT_REJECTED,
				  REASON_ICMP_HOST_UNREACHABLE);
	case 4:
		return verdict_of(VERDICT_REFUSED,
				  REASON_ICMP_PORT_UNREACHABLE);
	default:
		return verdict_of(VERDICT_REJECTED, REASON_ICMP_UNREACHABLE);
	}
}

static struct verdict_result dns(enum evidence_dns d)
{
	switch (d) {
	case EVIDENCE_DNS_NXDOMAIN:
		return verdict_of(VERDICT_DNS_ERROR, REASON_NXDOMAIN);
	case EVIDENCE_DNS_NODATA:
		return verdict_of(VERDICT_DNS_ERROR, REASON_NO_ADDRESS);
	case EVIDENCE_DNS_SERVFAIL:
		return verdict_of(VERDICT_DNS_ERROR, REASON_SERVFAIL);
	case EVIDENCE_DNS_REFUSED:
		return verdict_of(VERDICT_DNS_ERROR, REASON_DNS_REFUSED);
	case EVIDENCE_DNS_UNREACHABLE:
		return verdict_of(VERDICT_DNS_ERROR, REASON_DNS_UNREACHABLE);
	case EVIDENCE_DNS_TIMEOUT:
		return verdict_of(VERDICT_DNS_ERROR, REASON_DNS_TIMEOUT);
	case EVIDENCE_DNS_CANCELLED:
		return verdict_of(VERDICT_SKIPPED, REASON_DEADLINE);
	case EVIDENCE_DNS_OTHER:
	case EVIDENCE_DNS_OK:
		break;
	}
	return verdict_of(VERDICT_DNS_ERROR, REASON_SERVFAIL);
}

/* A transport error with no ICMP message behind it: the local stack's
 * own judgement. */
static struct verdict_result local_error(int error)
{
	switch (error) {
	case ECONNREFUSED:
		return verdict_of(VERDICT_REFUSED, REASON_TCP_RESET);
	case ENETUNREACH:
	case EHOSTUNREACH:
		return verdict_of(VERDICT_UNREACHABLE, REASON_NO_ROUTE);
	case ENETDOWN:
		return verdict_of(VERDICT_UNREACHABLE, REASON_NET_DOWN);
	case EHOSTDOWN:
		return verdict_of(VERDICT_UNREACHABLE, REASON_HOST_DOWN);
	case EAFNOSUPPORT:
	case EADDRNOTAVAIL:
		return verdict_of(VERDICT_UNREACHABLE,
				  REASON_NO_ADDRESS_FAMILY);
	case ETIMEDOUT:
		return verdict_of(VERDICT_FILTERED, REASON_NO_RESPONSE);
	/* This host's own firewall dropped the packet on its way out
	 * (netfilter answers the sender with EPERM). */
	case EPERM:
	case EACCES:
		return verdict_of(VERDICT_REJECTED, REASON_LOCAL_FIREWALL);
	case ECONNRESET:
	case EPIPE:
		return verdict_of(VERDICT_PROTOCOL_ERROR, REASON_CLOSED_EARLY);
	default:
		return verdict_of(VERDICT_UNREACHABLE, REASON_LOCAL_ERROR);
	}
}

static struct verdict_result dialogue(const struct evidence *ev)
{
	if (ev->dlg_step == DLG_DONE)
		return verdict_of(VERDICT_OK, REASON_ANSWERED);
	if (ev->dlg_step != DLG_FAIL)
		/* connected, but the peer never finished its part */
		return verdict_of(VERDICT_PROTOCOL_ERROR, REASON_NO_GREETING);
	switch (ev->dlg_failure) {
	case DLG_FAIL_CLOSED_EARLY:
		return verdict_of(VERDICT_PROTOCOL_ERROR, REASON_CLOSED_EARLY);
	case DLG_FAIL_TOO_LONG:
		return verdict_of(VERDICT_PROTOCOL_ERROR, REASON_TOO_LONG);
	case DLG_FAIL_UNEXPECTED:
	case DLG_FAIL_NONE:
		break;
	}
	return verdict_of(VERDICT_PROTOCOL_ERROR, REASON_UNEXPECTED_GREETING);
}

/* What the dialogue's words show about the path, after TLS or without:
 * STARTTLS taken away, a proxy's greeting, proxy headers. */
static struct verdict_result path(const struct evidence *ev,
				  const struct verdict_context *ctx,
				  struct why *w)
{
	if (ev->dlg.starttls_refused)
		return because(w, VERDICT_TLS_ERROR, REASON_HANDSHAKE_FAILED,
			       VERDICT_BECAUSE_STARTTLS_REFUSED,
			       "STARTTLS offered, then refused: the server's "
			       "own TLS failure, not a middlebox's removal");
	if (ev->starttls_checked && !ev->dlg.starttls_offered &&
	    ctx->starttls == CATALOG_STARTTLS_REQUIRED)
		return because(w, VERDICT_INTERCEPTED, REASON_STARTTLS_STRIPPED,
			       VERDICT_BECAUSE_STARTTLS_REQUIRED,
			       "the catalog requires STARTTLS on this "
			       "channel");
	if (ev->starttls_checked && !ev->dlg.starttls_offered &&
	    ctx->starttls_elsewhere != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_STARTTLS_STRIPPED,
			       VERDICT_BECAUSE_STARTTLS_ELSEWHERE,
			       "STARTTLS offered by %s, missing here",
			       ctx->starttls_elsewhere);
	if (ctx->greeting_product != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_GREETING_ALTERED,
			       VERDICT_BECAUSE_GREETING_PRODUCT,
			       "the greeting names %s: \"%s\"",
			       ctx->greeting_product, ev->dlg.greeting);
	if (ctx->remembered != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_PIN_MISMATCH,
			       VERDICT_BECAUSE_REMEMBERED, "%s",
			       ctx->remembered);
	/* RFC 9110 §15.5.8: 407 comes from a proxy; Proxy-Connection and
	 * Proxy-Authenticate are a proxy's own headers. Via/X-Cache may be
	 * the server's CDN, so they count only against the same host's
	 * answer without them. */
	if (ev->dlg.http.status == 407 || ev->dlg.http.proxy_connection)
		return because(
		    w, VERDICT_INTERCEPTED, REASON_HEADER_INJECTED,
		    VERDICT_BECAUSE_PROXY_ANSWER, "HTTP %u%s: a proxy answered",
		    ev->dlg.http.status,
		    ev->dlg.http.proxy_connection ? " with proxy headers" : "");
	if (ctx->clean_http_elsewhere != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_HEADER_INJECTED,
			       VERDICT_BECAUSE_PROXY_HEADERS_HERE,
			       "Via/X-Cache here, none from %s",
			       ctx->clean_http_elsewhere);
	return verdict_of(VERDICT_OK,
			  ev->tls_done ? REASON_HANDSHAKE_OK : REASON_ANSWERED);
}

/* A TLS handshake happened (implicit, or after STARTTLS). A certificate
 * problem outranks whatever the dialogue did next: the channel is not
 * secure as the vendor means it. An unknown issuer is interception only
 * when something says what the real certificate is; otherwise it is a
 * private CA until proven otherwise. */
static struct verdict_result
tls(const struct evidence *ev, const struct verdict_context *ctx, struct why *w)
{
	if (!ev->tls_done)
		return ev->tls_failure == TLSIO_FAIL_PROTOCOL_VERSION
			   ? verdict_of(VERDICT_TLS_ERROR,
					REASON_PROTOCOL_VERSION)
			   : verdict_of(VERDICT_TLS_ERROR,
					REASON_HANDSHAKE_FAILED);
	const struct tlsio_facts *f = ev->tls;
	if (ctx->chain_product != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_KNOWN_INTERCEPTOR,
			       VERDICT_BECAUSE_KNOWN_PRODUCT,
			       "the chain names %s, a known interception "
			       "product",
			       ctx->chain_product);
	/* Opportunistic STARTTLS to the public (SMTP to any MX): self-signed
	 * and private-CA certificates are common there and mail is delivered
	 * anyway, so an unverifiable certificate alone is no fault. */
	bool opportunistic = ctx->public_target &&
			     ctx->starttls == CATALOG_STARTTLS_OPPORTUNISTIC;
	/* A re-signing proxy copies the name; a certificate for another
	 * name is more likely another server than an interceptor. */
	if (f->untrusted && !f->hostname_mismatch) {
		if (ctx->declared_trust != NULL)
			return because(w, VERDICT_INTERCEPTED,
				       REASON_UNTRUSTED_ISSUER,
				       VERDICT_BECAUSE_DECLARED_TRUST,
				       "expected a chain to the CA of %s; got "
				       "issuer %s",
				       ctx->declared_trust, f->issuer);
		if (ctx->verified_elsewhere != NULL)
			return because(
			    w, VERDICT_INTERCEPTED, REASON_UNTRUSTED_ISSUER,
			    VERDICT_BECAUSE_SPLIT_VIEW, "split view: %s",
			    ctx->verified_elsewhere);
		if (ctx->shared_issuer != NULL)
			return because(w, VERDICT_INTERCEPTED,
				       REASON_UNTRUSTED_ISSUER,
				       VERDICT_BECAUSE_SHARED_ISSUER,
				       "the untrusted issuer %s also certifies "
				       "%s: one issuer for different public "
				       "services is an interceptor re-signing "
				       "them",
				       f->issuer, ctx->shared_issuer);
		if (ctx->public_target && !opportunistic)
			return because(w, VERDICT_INTERCEPTED,
				       REASON_UNTRUSTED_ISSUER,
				       VERDICT_BECAUSE_PUBLIC_ROLE,
				       "public service: its certificate must "
				       "verify against the system store; got "
				       "issuer %s",
				       f->issuer);
		if (ctx->remembered != NULL)
			return because(
			    w, VERDICT_INTERCEPTED, REASON_PIN_MISMATCH,
			    VERDICT_BECAUSE_REMEMBERED, "%s", ctx->remembered);
	}
	if (!f->verified && opportunistic && ctx->remembered == NULL) {
		struct verdict_result r =
		    ev->dialogue && ev->dlg_step != DLG_DONE ? dialogue(ev)
							     : path(ev, ctx, w);
		if (r.verdict != VERDICT_OK)
			return r;
		return because(w, VERDICT_OK, REASON_HANDSHAKE_OK,
			       VERDICT_BECAUSE_OPPORTUNISTIC,
			       "not verified (%s); opportunistic STARTTLS to "
			       "a public mail host delivers unauthenticated, "
			       "as mail servers do with such certificates",
			       f->verify_error);
	}
	if (f->untrusted && f->hostname_mismatch)
		return because(w, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER,
			       VERDICT_BECAUSE_OTHER_NAME,
			       "issuer %s is not trusted and the certificate "
			       "is for another name: another server answers "
			       "here (an interceptor copies the name)",
			       f->issuer);
	if (f->untrusted)
		return because(w, VERDICT_TLS_ERROR, REASON_UNTRUSTED_ISSUER,
			       VERDICT_BECAUSE_PRIVATE_CA,
			       "issuer %s is not trusted; to tell a private "
			       "CA from interception, declare the CA "
			       "(--ca-file)",
			       f->issuer);
	if (f->expired)
		return verdict_of(VERDICT_TLS_ERROR, REASON_CERT_EXPIRED);
	if (f->hostname_mismatch)
		return verdict_of(VERDICT_TLS_ERROR, REASON_HOSTNAME_MISMATCH);
	/* A verified chain, but not the one remembered: a renewal, or a
	 * root someone installed; the admin accepts renewals. */
	if (ctx->remembered != NULL)
		return because(w, VERDICT_INTERCEPTED, REASON_PIN_MISMATCH,
			       VERDICT_BECAUSE_REMEMBERED, "%s",
			       ctx->remembered);
	if (ev->dialogue && ev->dlg_step != DLG_DONE)
		return dialogue(ev);
	return path(ev, ctx, w);
}

/* The TCP handshake worked, and then the flow died at our bytes: what an
 * application-aware firewall (DPI, application control, SNI filtering)
 * does when the first payload passes, or a path that loses full-size
 * segments (a path-MTU black hole). A server that answers — an alert, a
 * 5xx, a FIN after an error line — keeps the verdicts below. */
static bool flow_cut(const struct evidence *ev, struct why *w,
		     struct verdict_result *out)
{
	if (ev->mss_retry_worked) {
		*out = because(w, VERDICT_FILTERED, REASON_PMTU_BLACKHOLE,
			       VERDICT_BECAUSE_PMTU_BLACKHOLE,
			       "the TLS handshake stalls with full-size "
			       "segments and completes with MSS %u "
			       "(%zu bytes had come back before the stall): "
			       "a path-MTU black hole; allow ICMP "
			       "fragmentation-needed (type 3 code 4) and "
			       "ICMPv6 packet-too-big, or clamp the MSS",
			       ev->mss_retry, ev->received_bytes);
		return true;
	}
	if (ev->sent_bytes == 0 || ev->received_after_send != 0)
		return false;
	const char *before = ev->received_bytes > 0
				 ? "; the server's own bytes had arrived before"
				 : "";
	if (ev->reset) {
		*out = because(w, VERDICT_REJECTED, REASON_RESET_AFTER_DATA,
			       VERDICT_BECAUSE_RESET_AFTER_DATA,
			       "a TCP reset answered %s (%zu bytes sent in "
			       "all, at %.0f ms) before any reply%s: something "
			       "in the path ends the flow when it sees its "
			       "payload",
			       ev->last_sent, ev->sent_bytes, ev->last_sent_ms,
			       before);
		return true;
	}
	if (ev->timed_out) {
		*out =
		    because(w, VERDICT_FILTERED, REASON_DROPPED_AFTER_CONNECT,
			    VERDICT_BECAUSE_DROPPED_AFTER_CONNECT,
			    "the TCP handshake worked, but %s (at %.0f ms) "
			    "got no reply%s: something in the path drops "
			    "the flow when it sees its payload",
			    ev->last_sent, ev->last_sent_ms, before);
		return true;
	}
	return false;
}

/* This host kept a connection silent for a long time (its TLS slots busy
 * with other handshakes), and then the target ended it before the check was
 * through: a server ends idle sessions (veriport respond after 10 s), so
 * the end is not the path's doing, nor is it the server's failure. A
 * check that finished keeps its verdict, and so does one that timed out
 * (the timeout never counts the hold). Only a connected TCP probe is
 * ever held. */
static bool held_then_ended(const struct evidence *ev)
{
	bool through =
	    ev->tls_done && (!ev->dialogue || ev->dlg_step == DLG_DONE);
	return ev->held_ms >= EVIDENCE_HELD_MS && (ev->reset || ev->closed) &&
	       !through;
}

/* A responder stands at the target (`veriport respond`): it puts its
 * token in every answer it can and presents its own certificate, so an
 * answer without them came from something else in the path, and its
 * control port says whether our datagrams arrived. A blocked path keeps
 * the verdicts below. True when a clause here decided. */
static bool responder(const struct evidence *ev,
		      const struct verdict_context *ctx, struct why *w,
		      struct verdict_result *out)
{
	if (!ev->responder || ctx->responder_token == NULL)
		return false;
	if (ev->transport == CATALOG_TCP && ev->connected) {
		if (ev->starttls_checked && !ev->dlg.starttls_offered &&
		    ev->dlg_step == DLG_DONE) {
			*out = because(w, VERDICT_INTERCEPTED,
				       REASON_STARTTLS_STRIPPED,
				       VERDICT_BECAUSE_RESPONDER,
				       "the responder offers STARTTLS on "
				       "every channel; it was missing here");
			return true;
		}
		if (ev->tls_done) {
			const struct tlsio_facts *f = ev->tls;
			/* Without the key from its file, the responder's
			 * certificate is the self-signed one with the token in
			 * its subject: a re-signing proxy copies the subject,
			 * but the issuer is its own CA. */
			bool ours =
			    ctx->responder_spki != NULL
				? strcmp(f->spki_sha256, ctx->responder_spki) ==
				      0
				: strstr(f->subject, ctx->responder_token) !=
					  NULL &&
				      strcmp(f->subject, f->issuer) == 0;
			if (!ours) {
				*out = because(
				    w, VERDICT_INTERCEPTED, REASON_PIN_MISMATCH,
				    VERDICT_BECAUSE_RESPONDER,
				    "the certificate (%s, key %.16s...) is not "
				    "the responder's%s%.16s%s: something else "
				    "answered the TLS handshake",
				    f->subject, f->spki_sha256,
				    ctx->responder_spki ? ", key " : "",
				    ctx->responder_spki ? ctx->responder_spki
							: "",
				    ctx->responder_spki ? "..." : "");
				return true;
			}
			if (ev->dialogue && ev->dlg_step != DLG_DONE)
				return false;
			*out = because(w, VERDICT_OK, REASON_RESPONDER_ANSWERED,
				       VERDICT_BECAUSE_RESPONDER,
				       "the responder's own certificate came "
				       "back: the channel passes end to end, "
				       "both ways");
			return true;
		}
		if (ev->tls_attempted || !ev->dialogue ||
		    ev->dlg_step != DLG_DONE)
			return false;
		*out = ev->token_seen
			   ? because(w, VERDICT_OK, REASON_RESPONDER_ANSWERED,
				     VERDICT_BECAUSE_RESPONDER,
				     "the responder's token %s came back: the "
				     "channel passes end to end, both ways",
				     ctx->responder_token)
			   : because(w, VERDICT_INTERCEPTED,
				     REASON_GREETING_ALTERED,
				     VERDICT_BECAUSE_RESPONDER,
				     "the answer lacks the responder's token "
				     "%s: something else answered",
				     ctx->responder_token);
		return true;
	}
	if (ev->transport != CATALOG_UDP)
		return false;
	enum evidence_control c = ev->control;
	if (ev->udp_reply && !ev->udp_reply_bad &&
	    (ev->token_seen || c == EVIDENCE_CONTROL_RECEIVED)) {
		*out = because(w, VERDICT_OK, REASON_RESPONDER_ANSWERED,
			       VERDICT_BECAUSE_RESPONDER,
			       "the responder %s and its reply came back: "
			       "the channel passes end to end, both ways",
			       ev->token_seen ? "put its token in the reply"
					      : "received our request");
		return true;
	}
	if (ev->udp_reply && c == EVIDENCE_CONTROL_NOT_RECEIVED) {
		*out = because(w, VERDICT_INTERCEPTED, REASON_GREETING_ALTERED,
			       VERDICT_BECAUSE_RESPONDER,
			       "a reply came, but the responder never "
			       "received our request: something else "
			       "answered");
		return true;
	}
	if (ev->udp_reply || ev->icmp || ev->error != 0)
		return false;
	if (c == EVIDENCE_CONTROL_RECEIVED) {
		*out = ev->reply_expected
			   ? because(w, VERDICT_FILTERED, REASON_NO_RESPONSE,
				     VERDICT_BECAUSE_RESPONDER,
				     "the responder received our request, "
				     "its reply never came back: the return "
				     "path drops it")
			   : because(w, VERDICT_OK, REASON_RESPONDER_RECEIVED,
				     VERDICT_BECAUSE_RESPONDER,
				     "the responder received our datagram: "
				     "the one-way channel passes");
		return true;
	}
	if (c == EVIDENCE_CONTROL_NOT_RECEIVED) {
		*out = because(w, VERDICT_FILTERED, REASON_NOT_RECEIVED,
			       VERDICT_BECAUSE_RESPONDER,
			       "the responder's control port answers, and "
			       "our datagram never reached the responder: "
			       "dropped on the way");
		return true;
	}
	return false;
}

/* Through a proxy (--proxy), the channel is only tested once the proxy
 * opened the tunnel (RFC 9110 §9.3.6: any 2xx). Before that, what failed
 * is the proxy or what it says of the target, never the target's own
 * path: a silent proxy is not the target filtering. */
static bool proxy(const struct evidence *ev, struct why *w,
		  struct verdict_result *out)
{
	const struct evidence_proxy *p = &ev->proxy;
	if (!p->used || p->step == EVIDENCE_PROXY_OPEN)
		return false;
	switch (p->step) {
	case EVIDENCE_PROXY_DENIED:
		/* RFC 9110 §15.6.3, §15.6.5: 502 and 504 are the proxy
		 * failing to reach the next hop; 503 is what squid says
		 * then, 500 tinyproxy's "Unable to connect". The other
		 * refusals (403, 407, 405...) are the proxy's policy. */
		if (p->status / 100 == 5) {
			*out = because(
			    w, VERDICT_UNREACHABLE, REASON_PROXY_CANNOT_REACH,
			    VERDICT_BECAUSE_PROXY,
			    "the proxy %s:%u answered %u: it could not reach "
			    "the target; the path behind the proxy is what "
			    "fails",
			    p->host, p->port, p->status);
			return true;
		}
		*out = because(w, VERDICT_REJECTED, REASON_PROXY_DENIED,
			       VERDICT_BECAUSE_PROXY,
			       "the proxy %s:%u refused the CONNECT (%u): the "
			       "target was not tried",
			       p->host, p->port, p->status);
		return true;
	case EVIDENCE_PROXY_SILENT:
		if (!ev->timed_out)
			break; /* the connection to the proxy failed */
		*out = because(w, VERDICT_UNREACHABLE,
			       REASON_PROXY_CANNOT_REACH, VERDICT_BECAUSE_PROXY,
			       "the proxy %s:%u took the CONNECT and gave no "
			       "answer in time: it did not reach the target",
			       p->host, p->port);
		return true;
	case EVIDENCE_PROXY_UNREACHED:
	case EVIDENCE_PROXY_BAD:
	case EVIDENCE_PROXY_OPEN:
		break;
	}
	*out = because(w, VERDICT_UNREACHABLE, REASON_PROXY_FAILED,
		       VERDICT_BECAUSE_PROXY,
		       p->step == EVIDENCE_PROXY_BAD
			   ? "the proxy %s:%u did not answer the CONNECT in "
			     "HTTP: the proxy failed, the target was not tried"
		       : p->step == EVIDENCE_PROXY_SILENT
			   ? "the connection to the proxy %s:%u failed before "
			     "its answer: the proxy failed, the target was not "
			     "tried"
		       : ev->dns != EVIDENCE_DNS_OK
			   ? "the proxy's name %s (port %u) did not resolve: "
			     "the proxy failed, the target was not tried"
			   : "the proxy %s:%u could not be reached: the proxy "
			     "failed, the target was not tried",
		       p->host, p->port);
	return true;
}

struct verdict_result verdict_decide(const struct evidence *ev,
				     const struct verdict_context *ctx,
				     char *whybuf, size_t whylen)
{
	static const struct verdict_context none;
	struct why w = {whybuf, whylen};
	if (whybuf != NULL && whylen > 0)
		whybuf[0] = '\0';
	if (ctx == NULL)
		ctx = &none;
	if (ev->skipped)
		return verdict_of(VERDICT_SKIPPED, ev->skip_reason);
	if (ev->listener_check)
		return ev->listening ? verdict_of(VERDICT_OK, REASON_LISTENING)
		       : ev->loopback_only
			   ? verdict_of(VERDICT_REFUSED, REASON_LOOPBACK_ONLY)
			   : verdict_of(VERDICT_REFUSED, REASON_NOT_LISTENING);
	struct verdict_result via;
	if (proxy(ev, &w, &via))
		return via;
	if (ev->dns != EVIDENCE_DNS_OK)
		return dns(ev->dns);

	/* Something answered where nothing can be: whatever answered the
	 * real target on this port may have been the same middlebox. */
	if (ctx->canary != NULL && (ev->connected || ev->udp_reply))
		return because(&w, VERDICT_INTERCEPTED, REASON_CANARY_ANSWERED,
			       VERDICT_BECAUSE_CANARY,
			       "%s: something in the path answers for every "
			       "host",
			       ctx->canary);
	if (held_then_ended(ev))
		return because(
		    &w, VERDICT_SKIPPED, REASON_LOCAL_ERROR,
		    VERDICT_BECAUSE_HELD,
		    "the target %s the connection after this host held it "
		    "silent for %.0f ms, waiting for one of its TLS slots "
		    "(all busy with other handshakes): the target's own "
		    "patience may have run out, so this says nothing about "
		    "the network",
		    ev->reset ? "reset" : "closed", ev->held_ms);
	if (ev->transport == CATALOG_TCP && ev->connected) {
		struct verdict_result flow;
		if (flow_cut(ev, &w, &flow))
			return flow;
	}
	struct verdict_result stand_in;
	if (responder(ev, ctx, &w, &stand_in))
		return stand_in;
	if (ev->transport == CATALOG_TCP && ev->connected && ev->tls_attempted)
		return tls(ev, ctx, &w);
	if (ev->transport == CATALOG_TCP && ev->connected && ev->dialogue &&
	    ev->dlg_step != DLG_DONE)
		return dialogue(ev);
	if (ev->transport == CATALOG_TCP && ev->connected)
		return ev->dialogue ? path(ev, ctx, &w)
				    : verdict_of(VERDICT_OK, REASON_CONNECTED);
	if (ev->transport == CATALOG_UDP && ev->udp_reply)
		return ev->udp_reply_bad
			   ? verdict_of(VERDICT_PROTOCOL_ERROR,
					REASON_BAD_REPLY)
			   : verdict_of(VERDICT_OK, REASON_ANSWERED);

	/* Nothing answered the protocol: ICMP from the path says why. An
	 * error our own stack made up (a neighbour that never answered ARP
	 * or NDP) is not a firewall's word. */
	if (ev->icmp && ev->icmp_local)
		return verdict_of(VERDICT_UNREACHABLE, REASON_HOST_DOWN);
	if (ev->icmp)
		return ev->icmp_v6 ? icmp6(ev) : icmp4(ev);
	if (ev->error != 0)
		return local_error(ev->error);
	if (ev->transport == CATALOG_UDP && ev->udp_sent && !ev->reply_expected)
		return verdict_of(VERDICT_UNVERIFIED, REASON_NO_REPLY_EXPECTED);
	/* A UDP service may ignore a request it does not like, just as a
	 * firewall drops it: say both, so support does not blame one. */
	if (ev->transport == CATALOG_UDP && ev->udp_sent)
		return because(&w, VERDICT_FILTERED, REASON_NO_RESPONSE,
			       VERDICT_BECAUSE_UDP_SILENCE,
			       "no reply and no ICMP error: dropped on the "
			       "way, or the service ignored the request%s",
			       ev->check == CATALOG_CHECK_SNMP
				   ? " (an SNMP agent ignores a wrong "
				     "community without a word)"
				   : "");
	return verdict_of(VERDICT_FILTERED, REASON_NO_RESPONSE);
}
