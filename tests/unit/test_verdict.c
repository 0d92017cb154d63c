/* Verdict classifier: one table row per row of DESIGN.md's verdict table
 * (and per ICMP code we name), evidence in, verdict and reason out. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/xalloc.h"
#include "veriport/verdict.h"

#include "check_run.h"

enum shape {
	TCP_PLAIN,  /* tcp check: connect only */
	TCP_BANNER, /* ssh: a stream dialogue after connect */
	UDP_REPLY,  /* dns/ntp/...: a reply is expected */
	UDP_SILENT, /* syslog: no reply expected */
};

/* Setters: each writes the facts one situation leaves in the evidence. */
static void connected(struct evidence *ev)
{
	ev->connected = true;
}
static void banner_done(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_DONE;
}
static void banner_unexpected(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_UNEXPECTED;
}
static void banner_closed(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_CLOSED_EARLY;
}
static void banner_too_long(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_TOO_LONG;
}
static void banner_silent(struct evidence *ev)
{
	ev->connected = true;
	ev->timed_out = true;
	ev->dlg_step = DLG_MORE;
}
static void tls_ok(struct evidence *ev)
{
	ev->connected = ev->tls_attempted = ev->tls_done = true;
	if (ev->tls == NULL)
		ev->tls = xcalloc(1, sizeof *ev->tls);
	ev->tls->verified = true;
}
static void starttls_ok(struct evidence *ev)
{
	tls_ok(ev);
	ev->dlg_step = DLG_DONE;
	ev->starttls_checked = ev->dlg.starttls_offered = true;
}
static void starttls_not_offered(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_DONE;
	ev->starttls_checked = true;
}
static void starttls_refused(struct evidence *ev)
{
	starttls_not_offered(ev);
	ev->dlg.starttls_refused = true;
}
static void tls_then_dialogue_fails(struct evidence *ev)
{
	tls_ok(ev);
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_CLOSED_EARLY;
}
static void tls_handshake_fails(struct evidence *ev)
{
	ev->connected = ev->tls_attempted = true;
	ev->tls_failure = TLSIO_FAIL_HANDSHAKE;
}
static void tls_old_version(struct evidence *ev)
{
	ev->connected = ev->tls_attempted = true;
	ev->tls_failure = TLSIO_FAIL_PROTOCOL_VERSION;
}
static void tls_untrusted(struct evidence *ev)
{
	tls_ok(ev);
	ev->tls->verified = false;
	ev->tls->untrusted = ev->tls->hostname_mismatch = true;
}
static void tls_expired(struct evidence *ev)
{
	tls_ok(ev);
	ev->tls->verified = false;
	ev->tls->expired = ev->tls->hostname_mismatch = true;
}
static void tls_wrong_name(struct evidence *ev)
{
	tls_ok(ev);
	ev->tls->verified = false;
	ev->tls->hostname_mismatch = true;
}
static void timed_out(struct evidence *ev)
{
	ev->timed_out = true;
}
/* The flow after the TCP handshake (a DPI firewall, a path-MTU black
 * hole), and servers that do answer before they close. */
static void sent(struct evidence *ev, const char *what, size_t before)
{
	ev->connected = true;
	ev->sent_bytes = 300;
	ev->received_bytes = before;
	ev->received_after_send = 0;
	snprintf(ev->last_sent, sizeof ev->last_sent, "%s", what);
}
static void clienthello_reset(struct evidence *ev)
{
	tls_handshake_fails(ev);
	sent(ev, "TLS ClientHello", 0);
	ev->reset = true;
}
static void starttls_reset(struct evidence *ev)
{
	sent(ev, "STARTTLS", 400);
	ev->dialogue = true;
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_CLOSED_EARLY;
	ev->reset = true;
}
static void request_dropped(struct evidence *ev)
{
	sent(ev, "GET / HTTP/1.1", 0);
	ev->dialogue = true;
	ev->timed_out = true;
}
static void clienthello_dropped(struct evidence *ev)
{
	tls_handshake_fails(ev);
	sent(ev, "TLS ClientHello", 250);
	ev->timed_out = true;
}
static void alert_then_reset(struct evidence *ev)
{
	clienthello_reset(ev);
	ev->received_after_send = ev->received_bytes = 7;
}
static void error_line_then_fin(struct evidence *ev)
{
	sent(ev, "EHLO veriport.invalid", 40);
	ev->received_after_send = 60;
	ev->dialogue = true;
	ev->dlg_step = DLG_FAIL;
	ev->dlg_failure = DLG_FAIL_CLOSED_EARLY;
}
static void mss_retry_worked(struct evidence *ev)
{
	clienthello_dropped(ev);
	ev->mss_retry = 536;
	ev->mss_retry_worked = true;
}
static void mss_retry_stalled(struct evidence *ev)
{
	clienthello_dropped(ev);
	ev->mss_retry = 536;
}
/* This host held the connection silent for a TLS slot (all busy),
 * and then the flow ended: the target's idle timeout may be why. */
static void held(struct evidence *ev)
{
	ev->held_ms = EVIDENCE_HELD_MS;
}
static void held_clienthello_reset(struct evidence *ev)
{
	clienthello_reset(ev);
	held(ev);
}
static void held_handshake_fin(struct evidence *ev)
{
	tls_handshake_fails(ev);
	sent(ev, "TLS ClientHello", 0);
	ev->closed = true;
	held(ev);
}
static void held_then_dialogue_fin(struct evidence *ev)
{
	tls_then_dialogue_fails(ev);
	ev->closed = true;
	held(ev);
}
static void briefly_held_clienthello_reset(struct evidence *ev)
{
	clienthello_reset(ev);
	ev->held_ms = EVIDENCE_HELD_MS - 1;
}
static void held_starttls_ok_then_fin(struct evidence *ev)
{
	starttls_ok(ev);
	ev->closed = true;
	held(ev);
}
static void held_clienthello_dropped(struct evidence *ev)
{
	clienthello_dropped(ev);
	held(ev);
}
static void reset(struct evidence *ev)
{
	ev->error = ECONNREFUSED;
}
static void no_route(struct evidence *ev)
{
	ev->error = ENETUNREACH;
}
static void host_no_route(struct evidence *ev)
{
	ev->error = EHOSTUNREACH;
}
static void net_down(struct evidence *ev)
{
	ev->error = ENETDOWN;
}
static void no_v6(struct evidence *ev)
{
	ev->error = EAFNOSUPPORT;
}
static void conn_reset(struct evidence *ev)
{
	ev->error = ECONNRESET;
}
static void icmp4(struct evidence *ev, int code, int err)
{
	ev->error = err;
	ev->icmp = true;
	ev->icmp_type = 3;
	ev->icmp_code = (uint8_t)code;
}
static void icmp4_admin(struct evidence *ev)
{
	icmp4(ev, 13, EHOSTUNREACH);
}
static void icmp4_host(struct evidence *ev)
{
	icmp4(ev, 1, EHOSTUNREACH);
}
static void icmp4_net(struct evidence *ev)
{
	icmp4(ev, 0, ENETUNREACH);
}
static void icmp4_port(struct evidence *ev)
{
	icmp4(ev, 3, ECONNREFUSED);
}
static void icmp4_net_prohib(struct evidence *ev)
{
	icmp4(ev, 9, ENETUNREACH);
}
static void icmp4_host_prohib(struct evidence *ev)
{
	icmp4(ev, 10, EHOSTUNREACH);
}
static void icmp4_frag(struct evidence *ev)
{
	icmp4(ev, 4, EMSGSIZE);
}
static void icmp4_local(struct evidence *ev)
{
	icmp4(ev, 1, EHOSTUNREACH);
	ev->icmp_local = true;
}
static void icmp6(struct evidence *ev, int code, int err)
{
	ev->error = err;
	ev->icmp = true;
	ev->icmp_v6 = true;
	ev->icmp_type = 1;
	ev->icmp_code = (uint8_t)code;
}
static void icmp6_admin(struct evidence *ev)
{
	icmp6(ev, 1, EACCES);
}
static void icmp6_policy(struct evidence *ev)
{
	icmp6(ev, 5, EACCES);
}
static void icmp6_reject_route(struct evidence *ev)
{
	icmp6(ev, 6, EACCES);
}
static void icmp6_noroute(struct evidence *ev)
{
	icmp6(ev, 0, ENETUNREACH);
}
static void icmp6_addr(struct evidence *ev)
{
	icmp6(ev, 3, EHOSTUNREACH);
}
static void icmp6_port(struct evidence *ev)
{
	icmp6(ev, 4, ECONNREFUSED);
}
static void udp_answer(struct evidence *ev)
{
	ev->udp_sent = true;
	ev->udp_reply = true;
}
static void udp_wrong_protocol(struct evidence *ev)
{
	ev->udp_sent = true;
	ev->udp_reply = true;
	ev->udp_reply_bad = true;
}
static void udp_silence(struct evidence *ev)
{
	ev->udp_sent = true;
	ev->timed_out = true;
}
static void udp_port_unreachable(struct evidence *ev)
{
	ev->udp_sent = true;
	icmp4(ev, 3, ECONNREFUSED);
}
static void udp_answer_then_icmp(struct evidence *ev)
{
	udp_answer(ev);
	icmp4(ev, 3, ECONNREFUSED);
}
static void nxdomain(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_NXDOMAIN;
}
static void nodata(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_NODATA;
}
static void servfail(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_SERVFAIL;
}
static void dns_timeout(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_TIMEOUT;
}
static void dns_refused(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_REFUSED;
}
static void dns_dead(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_UNREACHABLE;
}
static void skip_optional(struct evidence *ev)
{
	ev->skipped = true;
	ev->skip_reason = REASON_OPTIONAL;
}
static void skip_no_target(struct evidence *ev)
{
	ev->skipped = true;
	ev->skip_reason = REASON_NO_TARGET;
}
static void skip_role(struct evidence *ev)
{
	ev->skipped = true;
	ev->skip_reason = REASON_NOT_THIS_ROLE;
}
static void listening(struct evidence *ev)
{
	ev->listener_check = true;
	ev->listening = true;
}
static void not_listening(struct evidence *ev)
{
	ev->listener_check = true;
}

static const struct row {
	const char *name;
	enum shape shape;
	void (*set)(struct evidence *ev);
	enum verdict verdict;
	enum reason reason;
} rows[] = {
#define R(shape, set, v, r)                                                    \
	{                                                                      \
#set, shape, set, VERDICT_##v, REASON_##r                      \
	}
    R(TCP_PLAIN, connected, OK, CONNECTED),
    R(TCP_BANNER, banner_done, OK, ANSWERED),
    R(TCP_PLAIN, clienthello_reset, REJECTED, RESET_AFTER_DATA),
    R(TCP_BANNER, starttls_reset, REJECTED, RESET_AFTER_DATA),
    R(TCP_BANNER, request_dropped, FILTERED, DROPPED_AFTER_CONNECT),
    R(TCP_PLAIN, clienthello_dropped, FILTERED, DROPPED_AFTER_CONNECT),
    R(TCP_PLAIN, alert_then_reset, TLS_ERROR, HANDSHAKE_FAILED),
    R(TCP_BANNER, error_line_then_fin, PROTOCOL_ERROR, CLOSED_EARLY),
    R(TCP_PLAIN, held_clienthello_reset, SKIPPED, LOCAL_ERROR),
    R(TCP_PLAIN, held_handshake_fin, SKIPPED, LOCAL_ERROR),
    R(TCP_BANNER, held_then_dialogue_fin, SKIPPED, LOCAL_ERROR),
    R(TCP_PLAIN, briefly_held_clienthello_reset, REJECTED, RESET_AFTER_DATA),
    R(TCP_BANNER, held_starttls_ok_then_fin, OK, HANDSHAKE_OK),
    R(TCP_PLAIN, held_clienthello_dropped, FILTERED, DROPPED_AFTER_CONNECT),
    R(TCP_PLAIN, mss_retry_worked, FILTERED, PMTU_BLACKHOLE),
    R(TCP_PLAIN, mss_retry_stalled, FILTERED, DROPPED_AFTER_CONNECT),
    R(TCP_BANNER, banner_unexpected, PROTOCOL_ERROR, UNEXPECTED_GREETING),
    R(TCP_BANNER, banner_closed, PROTOCOL_ERROR, CLOSED_EARLY),
    R(TCP_BANNER, banner_too_long, PROTOCOL_ERROR, TOO_LONG),
    R(TCP_BANNER, banner_silent, PROTOCOL_ERROR, NO_GREETING),
    R(TCP_PLAIN, tls_ok, OK, HANDSHAKE_OK),
    R(TCP_BANNER, starttls_ok, OK, HANDSHAKE_OK),
    R(TCP_BANNER, starttls_not_offered, OK, ANSWERED),
    R(TCP_BANNER, tls_then_dialogue_fails, PROTOCOL_ERROR, CLOSED_EARLY),
    R(TCP_BANNER, starttls_refused, TLS_ERROR, HANDSHAKE_FAILED),
    R(TCP_PLAIN, tls_handshake_fails, TLS_ERROR, HANDSHAKE_FAILED),
    R(TCP_PLAIN, tls_old_version, TLS_ERROR, PROTOCOL_VERSION),
    R(TCP_PLAIN, tls_untrusted, TLS_ERROR, UNTRUSTED_ISSUER),
    R(TCP_PLAIN, tls_expired, TLS_ERROR, CERT_EXPIRED),
    R(TCP_PLAIN, tls_wrong_name, TLS_ERROR, HOSTNAME_MISMATCH),
    R(TCP_PLAIN, timed_out, FILTERED, NO_RESPONSE),
    R(TCP_PLAIN, reset, REFUSED, TCP_RESET),
    R(TCP_PLAIN, no_route, UNREACHABLE, NO_ROUTE),
    R(TCP_PLAIN, host_no_route, UNREACHABLE, NO_ROUTE),
    R(TCP_PLAIN, net_down, UNREACHABLE, NET_DOWN),
    R(TCP_PLAIN, no_v6, UNREACHABLE, NO_ADDRESS_FAMILY),
    R(TCP_PLAIN, conn_reset, PROTOCOL_ERROR, CLOSED_EARLY),
    R(TCP_PLAIN, icmp4_admin, REJECTED, ICMP_ADMIN_PROHIBITED),
    R(TCP_PLAIN, icmp4_host, REJECTED, ICMP_HOST_UNREACHABLE),
    R(TCP_PLAIN, icmp4_net, REJECTED, ICMP_NET_UNREACHABLE),
    R(TCP_PLAIN, icmp4_port, REFUSED, ICMP_PORT_UNREACHABLE),
    R(TCP_PLAIN, icmp4_net_prohib, REJECTED, ICMP_NET_PROHIBITED),
    R(TCP_PLAIN, icmp4_host_prohib, REJECTED, ICMP_HOST_PROHIBITED),
    R(TCP_PLAIN, icmp4_frag, REJECTED, ICMP_UNREACHABLE),
    R(TCP_PLAIN, icmp4_local, UNREACHABLE, HOST_DOWN),
    R(TCP_PLAIN, icmp6_admin, REJECTED, ICMP_ADMIN_PROHIBITED),
    R(TCP_PLAIN, icmp6_policy, REJECTED, ICMP_ADMIN_PROHIBITED),
    R(TCP_PLAIN, icmp6_reject_route, REJECTED, ICMP_ADMIN_PROHIBITED),
    R(TCP_PLAIN, icmp6_noroute, REJECTED, ICMP_NET_UNREACHABLE),
    R(TCP_PLAIN, icmp6_addr, REJECTED, ICMP_HOST_UNREACHABLE),
    R(TCP_PLAIN, icmp6_port, REFUSED, ICMP_PORT_UNREACHABLE),
    R(UDP_REPLY, udp_answer, OK, ANSWERED),
    R(UDP_REPLY, udp_wrong_protocol, PROTOCOL_ERROR, BAD_REPLY),
    R(UDP_REPLY, udp_silence, FILTERED, NO_RESPONSE),
    R(UDP_REPLY, udp_port_unreachable, REFUSED, ICMP_PORT_UNREACHABLE),
    R(UDP_REPLY, udp_answer_then_icmp, OK, ANSWERED),
    R(UDP_SILENT, udp_silence, UNVERIFIED, NO_REPLY_EXPECTED),
    R(UDP_SILENT, udp_port_unreachable, REFUSED, ICMP_PORT_UNREACHABLE),
    R(UDP_SILENT, icmp4_admin, REJECTED, ICMP_ADMIN_PROHIBITED),
    R(TCP_PLAIN, nxdomain, DNS_ERROR, NXDOMAIN),
    R(TCP_PLAIN, nodata, DNS_ERROR, NO_ADDRESS),
    R(TCP_PLAIN, servfail, DNS_ERROR, SERVFAIL),
    R(TCP_PLAIN, dns_timeout, DNS_ERROR, DNS_TIMEOUT),
    R(TCP_PLAIN, dns_refused, DNS_ERROR, DNS_REFUSED),
    R(TCP_PLAIN, dns_dead, DNS_ERROR, DNS_UNREACHABLE),
    R(TCP_PLAIN, skip_optional, SKIPPED, OPTIONAL),
    R(TCP_PLAIN, skip_no_target, SKIPPED, NO_TARGET),
    R(TCP_PLAIN, skip_role, SKIPPED, NOT_THIS_ROLE),
    R(TCP_PLAIN, listening, OK, LISTENING),
    R(UDP_REPLY, not_listening, REFUSED, NOT_LISTENING),
#undef R
};

START_TEST(verdict_table_row)
{
	const struct row *r = &rows[_i];
	struct evidence ev;
	static const enum catalog_check checks[] = {
	    [TCP_PLAIN] = CATALOG_CHECK_TCP,
	    [TCP_BANNER] = CATALOG_CHECK_SSH,
	    [UDP_REPLY] = CATALOG_CHECK_DNS,
	    [UDP_SILENT] = CATALOG_CHECK_SYSLOG,
	};
	evidence_init(&ev, r->shape >= UDP_REPLY ? CATALOG_UDP : CATALOG_TCP,
		      checks[r->shape]);
	ev.dialogue = r->shape == TCP_BANNER;
	ev.reply_expected = r->shape == UDP_REPLY;
	r->set(&ev);
	struct verdict_result got = verdict_decide(&ev, NULL, NULL, 0);
	ck_assert_msg(got.verdict == r->verdict && got.reason == r->reason,
		      "%s: got %s/%s, expected %s/%s", r->name,
		      verdict_word(got.verdict), reason_word(got.reason),
		      verdict_word(r->verdict), reason_word(r->reason));
	evidence_free(&ev);
}
END_TEST

/* Interception: the same evidence read with what the sweep and the user
 * said. Each row: evidence, context, expected verdict/reason. */
static void ctx_declared(struct verdict_context *c)
{
	c->declared_trust = "ca.pem";
}
static void ctx_public(struct verdict_context *c)
{
	c->public_target = true;
}
static void ctx_none(struct verdict_context *c)
{
	(void)c;
}
static void ctx_split(struct verdict_context *c)
{
	c->verified_elsewhere = "mail.lan on tcp/465 at 10.0.0.5";
}
static void ctx_product(struct verdict_context *c)
{
	c->chain_product = "mitmproxy";
}
static void ctx_greeting(struct verdict_context *c)
{
	c->greeting_product = "Cisco ASA";
}
static void ctx_required(struct verdict_context *c)
{
	c->starttls = CATALOG_STARTTLS_REQUIRED;
}
static void ctx_public_mx(struct verdict_context *c)
{
	c->public_target = true;
	c->starttls = CATALOG_STARTTLS_OPPORTUNISTIC;
}
static void ctx_public_mx_shared(struct verdict_context *c)
{
	ctx_public_mx(c);
	c->shared_issuer = "mx2.example.net, update.example.com";
}
static void ctx_opportunistic(struct verdict_context *c)
{
	c->starttls = CATALOG_STARTTLS_OPPORTUNISTIC;
}
static void ctx_offered_elsewhere(struct verdict_context *c)
{
	ctx_opportunistic(c);
	c->starttls_elsewhere = "mx.lan on tcp/25 at 10.0.0.25";
}
static void ctx_canary(struct verdict_context *c)
{
	c->canary = "the canary answered on tcp/25 at 192.0.2.99";
}
static void ctx_remembered(struct verdict_context *c)
{
	c->remembered = "certificate changed since 2026-11-20T10:00:00Z";
}
static void ctx_headers_here(struct verdict_context *c)
{
	c->clean_http_elsewhere = "www.lan on tcp/443 at 10.0.0.80";
}

static void resigned(struct evidence *ev)
{
	tls_ok(ev);
	ev->tls->verified = false;
	ev->tls->untrusted = true;
}
static void starttls_resigned(struct evidence *ev)
{
	starttls_ok(ev);
	ev->tls->verified = false;
	ev->tls->untrusted = true;
	snprintf(ev->tls->verify_error, sizeof ev->tls->verify_error,
		 "self-signed certificate");
}
static void starttls_other_name(struct evidence *ev)
{
	starttls_resigned(ev);
	ev->tls->hostname_mismatch = true;
}
static void resigned_other_name(struct evidence *ev)
{
	resigned(ev);
	ev->tls->hostname_mismatch = true;
}
static void http_answer(struct evidence *ev)
{
	ev->connected = true;
	ev->dlg_step = DLG_DONE;
	ev->dlg.http.status = 200;
}
static void http_407(struct evidence *ev)
{
	http_answer(ev);
	ev->dlg.http.status = 407;
}
static void http_via(struct evidence *ev)
{
	http_answer(ev);
	ev->dlg.http.via = true;
}

/* A `veriport respond` at the target. */
#define TOKEN "vpr-0123456789abcdef"
#define SPKI_OURS "aa11"
static void ctx_responder(struct verdict_context *c)
{
	c->responder_token = TOKEN;
	c->responder_spki = SPKI_OURS;
}
static void ctx_responder_token_only(struct verdict_context *c)
{
	c->responder_token = TOKEN;
}
static void rsp_banner_token(struct evidence *ev)
{
	banner_done(ev);
	ev->responder = ev->token_seen = true;
}
static void rsp_banner_without(struct evidence *ev)
{
	banner_done(ev);
	ev->responder = true;
}
static void rsp_banner_unexpected(struct evidence *ev)
{
	banner_unexpected(ev);
	ev->responder = true;
}
static void rsp_starttls_ours(struct evidence *ev)
{
	starttls_resigned(ev);
	ev->responder = ev->token_seen = true;
	snprintf(ev->tls->spki_sha256, sizeof ev->tls->spki_sha256, "%s",
		 SPKI_OURS);
	snprintf(ev->tls->subject, sizeof ev->tls->subject,
		 "CN=veriport-respond %s", TOKEN);
	snprintf(ev->tls->issuer, sizeof ev->tls->issuer, "%s",
		 ev->tls->subject);
}
static void rsp_starttls_other(struct evidence *ev)
{
	rsp_starttls_ours(ev);
	snprintf(ev->tls->spki_sha256, sizeof ev->tls->spki_sha256, "bb22");
}
static void rsp_tls_subject_other(struct evidence *ev)
{
	rsp_starttls_ours(ev);
	snprintf(ev->tls->subject, sizeof ev->tls->subject,
		 "CN=mail.example.com");
}
/* A re-signing proxy copies the subject, and signs with its own CA. */
static void rsp_tls_resigned_copy(struct evidence *ev)
{
	rsp_starttls_ours(ev);
	snprintf(ev->tls->issuer, sizeof ev->tls->issuer,
		 "CN=Example Inspection CA");
}
static void rsp_stripped(struct evidence *ev)
{
	starttls_not_offered(ev);
	ev->responder = ev->token_seen = true;
}
static void rsp_timed_out(struct evidence *ev)
{
	timed_out(ev);
	ev->responder = true;
}
static void rsp_sent_received(struct evidence *ev)
{
	udp_silence(ev);
	ev->responder = true;
	ev->control = EVIDENCE_CONTROL_RECEIVED;
}
static void rsp_sent_not_received(struct evidence *ev)
{
	rsp_sent_received(ev);
	ev->control = EVIDENCE_CONTROL_NOT_RECEIVED;
}
static void rsp_sent_control_failed(struct evidence *ev)
{
	rsp_sent_received(ev);
	ev->control = EVIDENCE_CONTROL_FAILED;
}
static void rsp_sent_rejected(struct evidence *ev)
{
	rsp_sent_not_received(ev);
	icmp4(ev, 13, EHOSTUNREACH);
}
static void rsp_reply_token(struct evidence *ev)
{
	udp_answer(ev);
	ev->responder = ev->token_seen = true;
}
static void rsp_reply_received(struct evidence *ev)
{
	udp_answer(ev);
	ev->responder = true;
	ev->control = EVIDENCE_CONTROL_RECEIVED;
}
static void rsp_reply_not_received(struct evidence *ev)
{
	rsp_reply_received(ev);
	ev->control = EVIDENCE_CONTROL_NOT_RECEIVED;
}
static void rsp_reply_unknown(struct evidence *ev)
{
	udp_answer(ev);
	ev->responder = true;
}

static const struct irow {
	const char *name;
	enum shape shape;
	void (*set)(struct evidence *ev);
	void (*ctx)(struct verdict_context *c);
	enum verdict verdict;
	enum reason reason;
	enum verdict_because because; /* the clause that decided */
} irows[] = {
#define I(shape, set, ctx, v, r, b)                                            \
	{                                                                      \
#set " + " #ctx, shape, set, ctx, VERDICT_##v, REASON_##r,     \
		    VERDICT_BECAUSE_##b                                        \
	}
    I(TCP_PLAIN, resigned, ctx_none, TLS_ERROR, UNTRUSTED_ISSUER, PRIVATE_CA),
    I(TCP_PLAIN, resigned, ctx_declared, INTERCEPTED, UNTRUSTED_ISSUER,
      DECLARED_TRUST),
    I(TCP_PLAIN, resigned, ctx_public, INTERCEPTED, UNTRUSTED_ISSUER,
      PUBLIC_ROLE),
    I(TCP_PLAIN, resigned, ctx_split, INTERCEPTED, UNTRUSTED_ISSUER,
      SPLIT_VIEW),
    I(TCP_PLAIN, resigned_other_name, ctx_declared, TLS_ERROR, UNTRUSTED_ISSUER,
      OTHER_NAME),
    I(TCP_PLAIN, resigned_other_name, ctx_public, TLS_ERROR, UNTRUSTED_ISSUER,
      OTHER_NAME),
    I(TCP_PLAIN, tls_ok, ctx_product, INTERCEPTED, KNOWN_INTERCEPTOR,
      KNOWN_PRODUCT),
    I(TCP_PLAIN, resigned, ctx_product, INTERCEPTED, KNOWN_INTERCEPTOR,
      KNOWN_PRODUCT),
    I(TCP_PLAIN, tls_ok, ctx_declared, OK, HANDSHAKE_OK, EVIDENCE),
    I(TCP_PLAIN, tls_ok, ctx_public, OK, HANDSHAKE_OK, EVIDENCE),
    I(TCP_PLAIN, tls_expired, ctx_declared, TLS_ERROR, CERT_EXPIRED, EVIDENCE),
    I(TCP_BANNER, starttls_not_offered, ctx_required, INTERCEPTED,
      STARTTLS_STRIPPED, STARTTLS_REQUIRED),
    I(TCP_BANNER, starttls_not_offered, ctx_opportunistic, OK, ANSWERED,
      EVIDENCE),
    I(TCP_BANNER, starttls_not_offered, ctx_offered_elsewhere, INTERCEPTED,
      STARTTLS_STRIPPED, STARTTLS_ELSEWHERE),
    I(TCP_BANNER, starttls_ok, ctx_required, OK, HANDSHAKE_OK, EVIDENCE),
    /* a self-signed MX: mail is delivered anyway */
    I(TCP_BANNER, starttls_resigned, ctx_public_mx, OK, HANDSHAKE_OK,
      OPPORTUNISTIC),
    I(TCP_BANNER, starttls_other_name, ctx_public_mx, OK, HANDSHAKE_OK,
      OPPORTUNISTIC),
    /* ... unless one issuer re-signs several public hosts */
    I(TCP_BANNER, starttls_resigned, ctx_public_mx_shared, INTERCEPTED,
      UNTRUSTED_ISSUER, SHARED_ISSUER),
    I(TCP_PLAIN, resigned, ctx_public, INTERCEPTED, UNTRUSTED_ISSUER,
      PUBLIC_ROLE),
    I(TCP_BANNER, banner_done, ctx_greeting, INTERCEPTED, GREETING_ALTERED,
      GREETING_PRODUCT),
    I(TCP_PLAIN, connected, ctx_canary, INTERCEPTED, CANARY_ANSWERED, CANARY),
    I(TCP_PLAIN, tls_ok, ctx_remembered, INTERCEPTED, PIN_MISMATCH, REMEMBERED),
    I(TCP_BANNER, starttls_not_offered, ctx_remembered, INTERCEPTED,
      PIN_MISMATCH, REMEMBERED),
    I(TCP_PLAIN, tls_expired, ctx_remembered, TLS_ERROR, CERT_EXPIRED,
      EVIDENCE),
    /* nothing but the remembered certificate says what it should be */
    I(TCP_PLAIN, resigned, ctx_remembered, INTERCEPTED, PIN_MISMATCH,
      REMEMBERED),
    I(UDP_REPLY, udp_answer, ctx_canary, INTERCEPTED, CANARY_ANSWERED, CANARY),
    I(TCP_PLAIN, timed_out, ctx_canary, FILTERED, NO_RESPONSE, EVIDENCE),
    I(TCP_BANNER, http_407, ctx_none, INTERCEPTED, HEADER_INJECTED,
      PROXY_ANSWER),
    I(TCP_BANNER, http_via, ctx_none, OK, ANSWERED, EVIDENCE),
    I(TCP_BANNER, http_via, ctx_headers_here, INTERCEPTED, HEADER_INJECTED,
      PROXY_HEADERS_HERE),
    I(TCP_BANNER, http_answer, ctx_none, OK, ANSWERED, EVIDENCE),
    /* a responder at the target: its token and key, or something else */
    I(TCP_BANNER, rsp_banner_token, ctx_responder, OK, RESPONDER_ANSWERED,
      RESPONDER),
    I(TCP_BANNER, rsp_banner_without, ctx_responder, INTERCEPTED,
      GREETING_ALTERED, RESPONDER),
    I(TCP_BANNER, rsp_banner_without, ctx_none, OK, ANSWERED, EVIDENCE),
    I(TCP_BANNER, rsp_banner_unexpected, ctx_responder, PROTOCOL_ERROR,
      UNEXPECTED_GREETING, EVIDENCE),
    I(TCP_BANNER, rsp_starttls_ours, ctx_responder, OK, RESPONDER_ANSWERED,
      RESPONDER),
    I(TCP_BANNER, rsp_starttls_other, ctx_responder, INTERCEPTED, PIN_MISMATCH,
      RESPONDER),
    I(TCP_BANNER, rsp_starttls_ours, ctx_responder_token_only, OK,
      RESPONDER_ANSWERED, RESPONDER),
    I(TCP_BANNER, rsp_tls_subject_other, ctx_responder_token_only, INTERCEPTED,
      PIN_MISMATCH, RESPONDER),
    I(TCP_BANNER, rsp_tls_resigned_copy, ctx_responder_token_only, INTERCEPTED,
      PIN_MISMATCH, RESPONDER),
    I(TCP_BANNER, rsp_stripped, ctx_responder, INTERCEPTED, STARTTLS_STRIPPED,
      RESPONDER),
    I(TCP_PLAIN, rsp_timed_out, ctx_responder, FILTERED, NO_RESPONSE, EVIDENCE),
    I(UDP_SILENT, rsp_sent_received, ctx_responder, OK, RESPONDER_RECEIVED,
      RESPONDER),
    I(UDP_SILENT, rsp_sent_not_received, ctx_responder, FILTERED, NOT_RECEIVED,
      RESPONDER),
    I(UDP_SILENT, rsp_sent_control_failed, ctx_responder, UNVERIFIED,
      NO_REPLY_EXPECTED, EVIDENCE),
    I(UDP_SILENT, rsp_sent_rejected, ctx_responder, REJECTED,
      ICMP_ADMIN_PROHIBITED, EVIDENCE),
    I(UDP_REPLY, rsp_reply_token, ctx_responder, OK, RESPONDER_ANSWERED,
      RESPONDER),
    I(UDP_REPLY, rsp_reply_received, ctx_responder, OK, RESPONDER_ANSWERED,
      RESPONDER),
    I(UDP_REPLY, rsp_reply_not_received, ctx_responder, INTERCEPTED,
      GREETING_ALTERED, RESPONDER),
    I(UDP_REPLY, rsp_reply_unknown, ctx_responder, OK, ANSWERED, EVIDENCE),
    I(UDP_REPLY, udp_silence, ctx_none, FILTERED, NO_RESPONSE, UDP_SILENCE),
    I(UDP_REPLY, rsp_sent_received, ctx_responder, FILTERED, NO_RESPONSE,
      RESPONDER),
#undef I
};

START_TEST(verdict_interception_row)
{
	const struct irow *r = &irows[_i];
	struct evidence ev;
	evidence_init(&ev, r->shape >= UDP_REPLY ? CATALOG_UDP : CATALOG_TCP,
		      r->shape >= UDP_REPLY ? CATALOG_CHECK_DNS
					    : CATALOG_CHECK_SMTP_STARTTLS);
	ev.dialogue = r->shape == TCP_BANNER;
	ev.reply_expected = r->shape == UDP_REPLY;
	r->set(&ev);
	struct verdict_context ctx = {0};
	r->ctx(&ctx);
	char why[EVIDENCE_LINE_LEN];
	struct verdict_result got = verdict_decide(&ev, &ctx, why, sizeof why);
	ck_assert_msg(
	    got.verdict == r->verdict && got.reason == r->reason &&
		got.because == r->because,
	    "%s: got %s/%s because %s, expected %s/%s because %s", r->name,
	    verdict_word(got.verdict), reason_word(got.reason),
	    verdict_because_word(got.because), verdict_word(r->verdict),
	    reason_word(r->reason), verdict_because_word(r->because));
	/* a clause that read the context says so; the evidence speaks for
	 * itself otherwise */
	ck_assert_msg((why[0] != '\0') ==
			  (got.because != VERDICT_BECAUSE_EVIDENCE),
		      "%s: sentence \"%s\"", r->name, why);
	evidence_free(&ev);
}
END_TEST

/* Through a proxy (--proxy): the verdict says which path failed, and a
 * proxy's failure is never the target's (no filtered, no refused, no
 * intercepted for a proxy the user named). */
static void proxy_unreached_refused(struct evidence *ev)
{
	ev->error = ECONNREFUSED;
}
static void proxy_unreached_silent(struct evidence *ev)
{
	ev->timed_out = true;
}
static void proxy_name_fails(struct evidence *ev)
{
	ev->dns = EVIDENCE_DNS_NXDOMAIN;
}
static void proxy_sent_connect(struct evidence *ev)
{
	/* the engine's flow counters hold the CONNECT until the tunnel
	 * opens; connected stays false */
	ev->sent_bytes = 60;
	ev->timed_out = true;
}
static void proxy_reset_after_connect(struct evidence *ev)
{
	ev->sent_bytes = 60;
	ev->reset = true;
	ev->error = ECONNRESET;
}
static void nothing(struct evidence *ev)
{
	(void)ev;
}
static void deadline(struct evidence *ev)
{
	ev->skipped = true;
	ev->skip_reason = REASON_DEADLINE;
}

static const struct proxy_row {
	const char *name;
	enum evidence_proxy_step step;
	unsigned status;
	void (*set)(struct evidence *ev);
	enum verdict verdict;
	enum reason reason;
	enum verdict_because because;
} proxy_rows[] = {
#define P(step, status, set, v, r, b)                                          \
	{                                                                      \
#step " " #status " " #set, EVIDENCE_PROXY_##step, status,     \
		    set, VERDICT_##v, REASON_##r, VERDICT_BECAUSE_##b          \
	}
    P(UNREACHED, 0, proxy_unreached_refused, UNREACHABLE, PROXY_FAILED, PROXY),
    P(UNREACHED, 0, proxy_unreached_silent, UNREACHABLE, PROXY_FAILED, PROXY),
    P(UNREACHED, 0, proxy_name_fails, UNREACHABLE, PROXY_FAILED, PROXY),
    P(BAD, 0, proxy_reset_after_connect, UNREACHABLE, PROXY_FAILED, PROXY),
    P(BAD, 0, nothing, UNREACHABLE, PROXY_FAILED, PROXY),
    P(SILENT, 0, proxy_sent_connect, UNREACHABLE, PROXY_CANNOT_REACH, PROXY),
    P(SILENT, 0, proxy_reset_after_connect, UNREACHABLE, PROXY_FAILED, PROXY),
    P(DENIED, 403, nothing, REJECTED, PROXY_DENIED, PROXY),
    P(DENIED, 407, nothing, REJECTED, PROXY_DENIED, PROXY),
    P(DENIED, 405, nothing, REJECTED, PROXY_DENIED, PROXY),
    P(DENIED, 302, nothing, REJECTED, PROXY_DENIED, PROXY),
    P(DENIED, 500, nothing, UNREACHABLE, PROXY_CANNOT_REACH, PROXY),
    P(DENIED, 502, nothing, UNREACHABLE, PROXY_CANNOT_REACH, PROXY),
    P(DENIED, 503, nothing, UNREACHABLE, PROXY_CANNOT_REACH, PROXY),
    P(DENIED, 504, nothing, UNREACHABLE, PROXY_CANNOT_REACH, PROXY),
    /* The tunnel open: the channel's own verdict, as if direct. */
    P(OPEN, 200, tls_ok, OK, HANDSHAKE_OK, EVIDENCE),
    P(OPEN, 200, connected, OK, CONNECTED, EVIDENCE),
    P(OPEN, 200, tls_handshake_fails, TLS_ERROR, HANDSHAKE_FAILED, EVIDENCE),
    P(OPEN, 200, clienthello_reset, REJECTED, RESET_AFTER_DATA,
      RESET_AFTER_DATA),
    /* What the engine did not finish is skipped, proxy or not. */
    P(SILENT, 0, deadline, SKIPPED, DEADLINE, EVIDENCE),
#undef P
};

START_TEST(verdict_proxy_row)
{
	const struct proxy_row *r = &proxy_rows[_i];
	struct evidence ev;
	evidence_init(&ev, CATALOG_TCP, CATALOG_CHECK_HTTPS);
	ev.proxy.used = true;
	snprintf(ev.proxy.host, sizeof ev.proxy.host, "proxy.example.net");
	ev.proxy.port = 3128;
	ev.proxy.step = r->step;
	ev.proxy.status = r->status;
	r->set(&ev);
	char why[256];
	struct verdict_result got = verdict_decide(&ev, NULL, why, sizeof why);
	ck_assert_msg(
	    got.verdict == r->verdict && got.reason == r->reason &&
		got.because == r->because,
	    "%s: got %s/%s because %s, expected %s/%s because %s", r->name,
	    verdict_word(got.verdict), reason_word(got.reason),
	    verdict_because_word(got.because), verdict_word(r->verdict),
	    reason_word(r->reason), verdict_because_word(r->because));
	/* The sentence names the proxy, so no reader blames the target. */
	if (r->because == VERDICT_BECAUSE_PROXY)
		ck_assert_msg(strstr(why, "proxy.example.net") != NULL &&
				  strstr(why, "proxy") != NULL,
			      "%s: '%s'", r->name, why);
	evidence_free(&ev);
}
END_TEST

/* The same facts without a proxy are the target's own. */
START_TEST(verdict_proxy_open_without_proxy_is_direct)
{
	struct evidence ev;
	evidence_init(&ev, CATALOG_TCP, CATALOG_CHECK_TCP);
	ev.error = ECONNREFUSED;
	struct verdict_result got = verdict_decide(&ev, NULL, NULL, 0);
	ck_assert_int_eq(got.verdict, VERDICT_REFUSED);
	ck_assert_int_eq(got.reason, REASON_TCP_RESET);
	evidence_free(&ev);
}
END_TEST

START_TEST(verdict_words_are_the_contract)
{
	static const char *const words[] = {
	    "ok",          "filtered",    "rejected",  "refused",
	    "unreachable", "intercepted", "tls-error", "protocol-error",
	    "dns-error",   "unverified",  "skipped"};
	ck_assert_uint_eq(VERDICT_COUNT, sizeof words / sizeof words[0]);
	for (int v = 0; v < VERDICT_COUNT; v++)
		ck_assert_str_eq(verdict_word(v), words[v]);
	for (int r = 0; r < REASON_COUNT; r++)
		ck_assert_ptr_nonnull(reason_word(r));
}
END_TEST

START_TEST(evidence_lines_are_bounded)
{
	struct evidence ev;
	evidence_init(&ev, CATALOG_TCP, CATALOG_CHECK_TCP);
	for (int i = 0; i < 3 * EVIDENCE_LINES_MAX; i++)
		evidence_add(&ev, "line %d %0300d", i, 0);
	/* EVIDENCE_LINES_MAX lines, then one that says more were dropped */
	ck_assert_uint_eq(ev.nlines, EVIDENCE_LINES_MAX + 1);
	const char *first = evidence_next(&ev, NULL);
	ck_assert_uint_eq(strlen(first), EVIDENCE_LINE_LEN - 1);
	ck_assert_str_eq(first + EVIDENCE_LINE_LEN - 4, "...");
	ck_assert_str_eq(evidence_last(&ev),
			 "(further evidence lines dropped)");
	evidence_free(&ev);
	ck_assert_ptr_null(evidence_next(&ev, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("table");
	tcase_add_loop_test(tc, verdict_table_row, 0,
			    sizeof rows / sizeof rows[0]);
	tcase_add_loop_test(tc, verdict_interception_row, 0,
			    sizeof irows / sizeof irows[0]);
	tcase_add_loop_test(tc, verdict_proxy_row, 0,
			    sizeof proxy_rows / sizeof proxy_rows[0]);
	tcase_add_test(tc, verdict_proxy_open_without_proxy_is_direct);
	tcase_add_test(tc, verdict_words_are_the_contract);
	tcase_add_test(tc, evidence_lines_are_bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
