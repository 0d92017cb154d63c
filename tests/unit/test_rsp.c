/* Responder dialogues against veriport's own client dialogues, in memory:
 * client output -> responder input -> responder output -> client input,
 * with a tlsio client and a tlsio server joined by byte copies where the
 * check kind has TLS, until the client is done. Each must end with the
 * client's success and the token where the client records it. Then
 * truncated and garbage input to every responder: bounded, no crash. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/dlg.h"
#include "veriport/rsp.h"
#include "veriport/tlsio.h"

#include "check_run.h"

#define TOKEN "vpr-0123456789abcdef"
/* Steps of the pump before a dialogue pair is called stuck. */
#define PUMP_STEPS 400
#define WIRE_MAX (64 * 1024)

static struct tlsio_ctx *client_ctx, *server_ctx;
static char server_spki[65];

static void tls_setup(void)
{
	char err[256];
	const char *top = getenv("top_srcdir");
	char ca[4096];
	snprintf(ca, sizeof ca, "%s/tests/unit/tls/ca.pem", top ? top : ".");
	ck_assert_int_eq(tlsio_ctx_new(&client_ctx, ca, false, err, sizeof err),
			 0);
	ck_assert_msg(tlsio_server_ctx_new(&server_ctx, NULL, NULL,
					   "veriport-respond " TOKEN,
					   server_spki, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_uint_eq(strlen(server_spki), 64);
}

static void tls_teardown(void)
{
	tlsio_ctx_free(client_ctx);
	tlsio_ctx_free(server_ctx);
}

/* One direction of the connection: bytes on the wire, not yet read. */
struct wire {
	uint8_t buf[WIRE_MAX];
	size_t len;
};

static void wire_put(struct wire *w, const uint8_t *p, size_t n)
{
	ck_assert_uint_le(w->len + n, sizeof w->buf);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Take up to MAX bytes off the wire into OUT. */
static size_t wire_take(struct wire *w, uint8_t *out, size_t max)
{
	size_t n = w->len < max ? w->len : max;
	memcpy(out, w->buf, n);
	memmove(w->buf, w->buf + n, w->len - n);
	w->len -= n;
	return n;
}

struct pair {
	struct dlg d;
	struct rsp r;
	struct wire c2s, s2c;
	struct tlsio *ctls, *stls;
	bool c_handshaking, s_handshaking;
	bool s_closed, c_done;
	enum dlg_step c_step;
	struct tlsio_facts facts;
	bool tls_done;
	size_t chunk; /* bytes per read, to split at every boundary */
};

static void tls_drain(struct tlsio *t, struct wire *w)
{
	uint8_t buf[4096];
	size_t n;
	while ((n = tlsio_output(t, buf, sizeof buf)) > 0)
		wire_put(w, buf, n);
}

/* The client's output, in the clear or through TLS. */
static void client_flush(struct pair *p)
{
	const uint8_t *out;
	size_t n = dlg_output(&p->d, &out);
	if (n > 0) {
		if (p->ctls) {
			ck_assert_int_eq(tlsio_write(p->ctls, out, n), 0);
			tls_drain(p->ctls, &p->c2s);
		} else {
			wire_put(&p->c2s, out, n);
		}
	}
	dlg_sent(&p->d);
}

static void server_flush(struct pair *p)
{
	const uint8_t *out;
	size_t n = rsp_output(&p->r, &out);
	if (n > 0) {
		if (p->stls && !p->s_handshaking) {
			ck_assert_int_eq(tlsio_write(p->stls, out, n), 0);
			tls_drain(p->stls, &p->s2c);
		} else {
			wire_put(&p->s2c, out, n);
		}
	}
	rsp_sent(&p->r);
}

static void client_step(struct pair *p, enum dlg_step step)
{
	p->c_step = step;
	switch (step) {
	case DLG_MORE:
		client_flush(p);
		break;
	case DLG_STARTTLS:
		p->ctls = tlsio_new(client_ctx, "responder.test");
		p->c_handshaking = true;
		ck_assert_int_eq(tlsio_handshake(p->ctls), TLSIO_WANT_IO);
		tls_drain(p->ctls, &p->c2s);
		break;
	case DLG_DONE:
	case DLG_FAIL:
		p->c_done = true;
		break;
	}
}

static void server_step(struct pair *p, enum rsp_step step)
{
	server_flush(p);
	if (step == RSP_STARTTLS) {
		ck_assert_ptr_null(p->stls);
		p->stls = tlsio_server_new(server_ctx);
		p->s_handshaking = true;
	} else if (step == RSP_CLOSE) {
		p->s_closed = true;
	}
}

/* The client's side reads what came, until nothing is left. */
static void client_read(struct pair *p)
{
	uint8_t buf[WIRE_MAX];
	size_t n = wire_take(&p->s2c, buf, p->chunk);
	if (n == 0) {
		if (p->s_closed && !p->c_done &&
		    (!p->ctls || !p->c_handshaking))
			client_step(p, dlg_eof(&p->d));
		return;
	}
	if (!p->ctls) {
		client_step(p, dlg_feed(&p->d, buf, n));
		return;
	}
	tlsio_feed(p->ctls, buf, n);
	if (p->c_handshaking) {
		enum tlsio_step t = tlsio_handshake(p->ctls);
		tls_drain(p->ctls, &p->c2s);
		if (t == TLSIO_WANT_IO)
			return;
		ck_assert_msg(t == TLSIO_DONE, "client TLS: %s",
			      tlsio_error(p->ctls));
		p->c_handshaking = false;
		p->tls_done = true;
		tlsio_facts(p->ctls, &p->facts);
		if (p->c_step == DLG_STARTTLS)
			client_step(p, dlg_tls_started(&p->d));
		else if (dlg_has_stream(p->d.check))
			client_flush(p); /* implicit TLS: the first request */
		else
			p->c_done = true; /* check "tls": the handshake */
	}
	ssize_t got;
	while (!p->c_done && !p->c_handshaking &&
	       (got = tlsio_read(p->ctls, buf, sizeof buf)) != 0) {
		if (got < 0) {
			client_step(p, dlg_eof(&p->d));
			break;
		}
		client_step(p, dlg_feed(&p->d, buf, (size_t)got));
	}
}

static void server_read(struct pair *p)
{
	uint8_t buf[WIRE_MAX];
	if (p->s_closed)
		return;
	size_t n = wire_take(&p->c2s, buf, p->chunk);
	if (n == 0)
		return;
	if (!p->stls) {
		server_step(p, rsp_feed(&p->r, buf, n));
		return;
	}
	tlsio_feed(p->stls, buf, n);
	if (p->s_handshaking) {
		enum tlsio_step t = tlsio_handshake(p->stls);
		tls_drain(p->stls, &p->s2c);
		if (t == TLSIO_WANT_IO)
			return;
		ck_assert_msg(t == TLSIO_DONE, "server TLS: %s",
			      tlsio_error(p->stls));
		p->s_handshaking = false;
		/* Implicit TLS: the greeting queued at start goes now. */
		if (p->r.tls)
			server_flush(p);
		else
			server_step(p, rsp_tls_started(&p->r));
	}
	ssize_t got;
	while (!p->s_closed && (got = tlsio_read(p->stls, buf, sizeof buf)) > 0)
		server_step(p, rsp_feed(&p->r, buf, (size_t)got));
}

/* Run CHECK's client against its responder; returns how the client
 * ended. */
static enum dlg_step run(struct pair *p, enum catalog_check check, size_t chunk)
{
	memset(p, 0, sizeof *p);
	p->chunk = chunk;
	bool implicit = catalog_check_is_implicit_tls(check);
	struct dlg_params dp = {.id = 0x1234, .host = "responder.test"};
	if (dlg_has_stream(check))
		ck_assert_int_eq(dlg_start(&p->d, check, &dp), 0);
	else
		p->d.check = check;
	struct rsp_params rp = {.token = TOKEN, .tls_available = true};
	ck_assert_int_eq(rsp_start(&p->r, check, &rp), 0);
	if (implicit) {
		p->ctls = tlsio_new(client_ctx, "responder.test");
		p->c_handshaking = true;
		tlsio_handshake(p->ctls);
		tls_drain(p->ctls, &p->c2s);
		p->stls = tlsio_server_new(server_ctx);
		p->s_handshaking = true;
	} else {
		client_flush(p);
		server_flush(p);
	}
	for (int i = 0; i < PUMP_STEPS * (chunk == 1 ? 40 : 1) && !p->c_done;
	     i++) {
		server_read(p);
		client_read(p);
	}
	ck_assert_msg(p->c_done, "%s: the client never ended (%s)",
		      catalog_check_name(check), p->d.detail);
	return p->c_step;
}

static void pair_free(struct pair *p)
{
	tlsio_free(p->ctls);
	tlsio_free(p->stls);
}

/* Each kind, and where the token must show in what the client kept. */
enum where { IN_GREETING, IN_DETAIL, IN_SERVER, IN_CERT };

static const struct {
	enum catalog_check check;
	enum where where;
	bool starttls;      /* the client must have upgraded */
	const char *detail; /* a piece the client's detail must hold */
} kinds[] = {
    {CATALOG_CHECK_SMTP_STARTTLS, IN_GREETING, true, "EHLO after STARTTLS"},
    {CATALOG_CHECK_SMTPS, IN_GREETING, false, "EHLO:"},
    {CATALOG_CHECK_IMAP_STARTTLS, IN_GREETING, true, "CAPABILITY after"},
    {CATALOG_CHECK_IMAPS, IN_GREETING, false, "IMAP4rev1"},
    {CATALOG_CHECK_POP3_STARTTLS, IN_GREETING, true, "CAPA after STLS"},
    {CATALOG_CHECK_POP3S, IN_GREETING, false, "CAPA:"},
    {CATALOG_CHECK_LDAP_STARTTLS, IN_DETAIL, true, "vendorName:"},
    {CATALOG_CHECK_LDAPS, IN_DETAIL, false, "supportedLDAPVersion: 3"},
    {CATALOG_CHECK_HTTP, IN_SERVER, false, "HTTP/1.1 200 OK"},
    {CATALOG_CHECK_HTTPS, IN_SERVER, false, "HTTP/1.1 200 OK"},
    {CATALOG_CHECK_TLS, IN_CERT, false, ""},
    {CATALOG_CHECK_SSH, IN_GREETING, false, "SSH-2.0-veriport_respond"},
    {CATALOG_CHECK_RSYNC, IN_GREETING, false, "@RSYNCD: 31.0"},
    {CATALOG_CHECK_RAZOR, IN_GREETING, false, "sn="},
    {CATALOG_CHECK_PGSQL, IN_CERT, true, "server accepts SSL"},
    {CATALOG_CHECK_TDS, IN_CERT, false, "SQL Server 16.0.1000"},
    {CATALOG_CHECK_DNS, IN_CERT, false, "rcode NOERROR"},
};

static void check_kind(int i, size_t chunk)
{
	struct pair *p = calloc(1, sizeof *p);
	enum catalog_check check = kinds[i].check;
	const char *name = catalog_check_name(check);
	enum dlg_step step = run(p, check, chunk);
	if (dlg_has_stream(check)) {
		ck_assert_msg(step == DLG_DONE, "%s: %s (failure %d)", name,
			      p->d.detail, p->d.failure);
		ck_assert_msg(strstr(p->d.detail, kinds[i].detail) != NULL,
			      "%s: detail '%s' lacks '%s'", name, p->d.detail,
			      kinds[i].detail);
		ck_assert_int_eq(p->d.facts.starttls_offered,
				 kinds[i].starttls);
	}
	const char *where = NULL;
	switch (kinds[i].where) {
	case IN_GREETING:
		where = p->d.facts.greeting;
		break;
	case IN_DETAIL:
		where = p->d.detail;
		break;
	case IN_SERVER:
		where = p->d.facts.http.server;
		ck_assert_uint_eq(p->d.facts.http.status, 200);
		break;
	case IN_CERT:
		where = NULL;
		break;
	}
	if (where)
		ck_assert_msg(strstr(where, TOKEN) != NULL, "%s: '%s'", name,
			      where);
	bool tls = kinds[i].starttls || catalog_check_is_implicit_tls(check);
	ck_assert_int_eq(p->tls_done, tls);
	if (tls) {
		ck_assert_msg(strstr(p->facts.subject, TOKEN) != NULL, "%s",
			      p->facts.subject);
		ck_assert_str_eq(p->facts.spki_sha256, server_spki);
	}
	ck_assert_msg(p->r.asked[0] != '\0', "%s: nothing recorded", name);
	pair_free(p);
	free(p);
}

START_TEST(responder_completes_client_dialogue)
{
	check_kind(_i, WIRE_MAX);
}
END_TEST

START_TEST(responder_completes_client_dialogue_byte_by_byte)
{
	check_kind(_i, 1);
}
END_TEST

START_TEST(smtp_records_what_was_asked)
{
	struct pair *p = calloc(1, sizeof *p);
	ck_assert_int_eq(run(p, CATALOG_CHECK_SMTP_STARTTLS, WIRE_MAX),
			 DLG_DONE);
	ck_assert_str_eq(p->r.asked, "EHLO, STARTTLS, TLS, EHLO, QUIT");
	pair_free(p);
	free(p);
}
END_TEST

START_TEST(smtp_without_certificate_offers_no_starttls)
{
	struct rsp r;
	struct rsp_params rp = {.token = TOKEN};
	ck_assert_int_eq(rsp_start(&r, CATALOG_CHECK_SMTP_STARTTLS, &rp), 0);
	rsp_sent(&r);
	const char *cmd = "EHLO x\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\n";
	ck_assert_int_eq(rsp_feed(&r, (const uint8_t *)cmd, strlen(cmd)),
			 RSP_MORE);
	const uint8_t *out;
	size_t n = rsp_output(&r, &out);
	char text[RSP_OUT_MAX + 1];
	memcpy(text, out, n);
	text[n] = '\0';
	ck_assert_ptr_null(strstr(text, "250-STARTTLS"));
	ck_assert_ptr_nonnull(strstr(text, "454 "));
	ck_assert_ptr_nonnull(strstr(text, "554 5.7.0"));
}
END_TEST

/* A client that pipelines more commands than their answers fit is closed,
 * its answers so far kept: nothing is buffered past RSP_OUT_MAX. */
START_TEST(pipelined_flood_is_closed_not_buffered)
{
	static const enum catalog_check kinds_[] = {
	    CATALOG_CHECK_SMTP_STARTTLS, CATALOG_CHECK_IMAP_STARTTLS,
	    CATALOG_CHECK_POP3_STARTTLS};
	static const char *const cmds[] = {"NOOP\r\n", "a NOOP\r\n",
					   "NOOP\r\n"};
	struct rsp *r = malloc(sizeof *r);
	struct rsp_params rp = {.token = TOKEN, .tls_available = true};
	ck_assert_int_eq(rsp_start(r, kinds_[_i], &rp), 0);
	rsp_sent(r);
	char flood[RSP_IN_MAX];
	size_t n = 0, k = strlen(cmds[_i]);
	while (n + k <= sizeof flood) {
		memcpy(flood + n, cmds[_i], k);
		n += k;
	}
	enum rsp_step step = RSP_MORE;
	for (int round = 0; round < 8 && step == RSP_MORE; round++)
		step = rsp_feed(r, (const uint8_t *)flood, n);
	ck_assert_int_eq(step, RSP_CLOSE);
	const uint8_t *out;
	size_t outlen = rsp_output(r, &out);
	ck_assert_uint_gt(outlen, RSP_OUT_MAX - RSP_REPLY_MAX);
	ck_assert_uint_le(outlen, RSP_OUT_MAX);
	free(r);
}
END_TEST

/* Datagram kinds: the client's request, the responder's answer, the
 * client's judgement; where the token shows. */
static const struct {
	enum catalog_check check;
	bool token_in_detail;
} datagrams[] = {
    {CATALOG_CHECK_DNS, false},  {CATALOG_CHECK_NTP, false},
    {CATALOG_CHECK_SNMP, true},  {CATALOG_CHECK_CLDAP, true},
    {CATALOG_CHECK_PYZOR, true}, {CATALOG_CHECK_DCC, true},
};

START_TEST(datagram_responder_answers_client)
{
	struct dlg_udp d;
	struct dlg_params dp = {.id = 0x4242};
	enum catalog_check check = datagrams[_i].check;
	ck_assert_int_eq(dlg_udp_start(&d, check, &dp), 0);
	struct rsp_params rp = {.token = TOKEN, .now_ms = 1795168800000ull};
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	size_t n = rsp_udp_answer(check, &rp, d.req, d.reqlen, out, sizeof out,
				  asked, sizeof asked);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, sizeof out);
	ck_assert_msg(dlg_udp_reply(&d, out, n) == DLG_UDP_MATCH, "%s: %s",
		      catalog_check_name(check), d.detail);
	if (datagrams[_i].token_in_detail)
		ck_assert_msg(strstr(d.detail, TOKEN) != NULL, "%s: %s",
			      catalog_check_name(check), d.detail);
	ck_assert_msg(asked[0] != '\0' && asked[0] != '(', "%s", asked);
}
END_TEST

START_TEST(syslog_is_recorded_not_answered)
{
	struct dlg_udp d;
	struct dlg_params dp = {.id = 7};
	ck_assert_int_eq(dlg_udp_start(&d, CATALOG_CHECK_SYSLOG, &dp), 0);
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	struct rsp_params rp = {.token = TOKEN};
	ck_assert_uint_eq(rsp_udp_answer(CATALOG_CHECK_SYSLOG, &rp, d.req,
					 d.reqlen, out, sizeof out, asked,
					 sizeof asked),
			  0);
	ck_assert_ptr_nonnull(strstr(asked, "syslog: <14>1"));
}
END_TEST

START_TEST(dns_txt_question_gets_token_in_answer)
{
	struct dlg_udp d;
	struct dlg_params dp = {.id = 9, .dns_qname = "example."};
	ck_assert_int_eq(dlg_udp_start(&d, CATALOG_CHECK_DNS, &dp), 0);
	d.req[d.reqlen - 3] = 16; /* QTYPE TXT instead of SOA */
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	struct rsp_params rp = {.token = TOKEN};
	size_t n = rsp_udp_answer(CATALOG_CHECK_DNS, &rp, d.req, d.reqlen, out,
				  sizeof out, asked, sizeof asked);
	ck_assert_str_eq(asked, "DNS TXT? example.");
	ck_assert_uint_gt(n, 12);
	ck_assert_uint_eq(out[7], 1);  /* ANCOUNT */
	ck_assert_uint_eq(out[11], 0); /* ARCOUNT */
	ck_assert_ptr_nonnull(memmem(out, n, TOKEN, strlen(TOKEN)));
	ck_assert(dlg_udp_reply(&d, out, n) == DLG_UDP_MATCH);
}
END_TEST

/* Every stream responder, for the robustness tests. */
static const enum catalog_check streams[] = {
    CATALOG_CHECK_SMTP_STARTTLS, CATALOG_CHECK_IMAP_STARTTLS,
    CATALOG_CHECK_POP3_STARTTLS, CATALOG_CHECK_LDAP_STARTTLS,
    CATALOG_CHECK_HTTP,          CATALOG_CHECK_TLS,
    CATALOG_CHECK_TCP,           CATALOG_CHECK_SSH,
    CATALOG_CHECK_RSYNC,         CATALOG_CHECK_RAZOR,
    CATALOG_CHECK_PGSQL,         CATALOG_CHECK_TDS,
    CATALOG_CHECK_DNS,
};

/* A small deterministic generator for the garbage. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

START_TEST(garbage_is_bounded)
{
	enum catalog_check check = streams[_i % 13];
	uint32_t seed = 0x9e3779b9u + (uint32_t)_i;
	struct rsp *r = malloc(sizeof *r);
	struct rsp_params rp = {.token = TOKEN, .tls_available = true};
	ck_assert_int_eq(rsp_start(r, check, &rp), 0);
	size_t fed = 0;
	enum rsp_step step = RSP_MORE;
	/* Printable garbage for the odd cases (text protocols see lines),
	 * any bytes for the even ones. */
	while (step == RSP_MORE && fed < 4 * RSP_RECEIVED_MAX) {
		uint8_t buf[700];
		size_t n = 1 + next_random(&seed) % sizeof buf;
		for (size_t i = 0; i < n; i++) {
			uint32_t v = next_random(&seed);
			buf[i] = _i >= 13 ? (uint8_t)(v % 95 + 32) : (uint8_t)v;
			if (_i >= 13 && v % 37 == 0)
				buf[i] = '\n';
		}
		step = rsp_feed(r, buf, n);
		fed += n;
		const uint8_t *out;
		ck_assert_uint_le(rsp_output(r, &out), RSP_OUT_MAX);
		rsp_sent(r);
	}
	ck_assert_msg(step != RSP_MORE, "%s took %zu bytes of garbage",
		      catalog_check_name(check), fed);
	ck_assert_uint_le(r->received, RSP_RECEIVED_MAX + RSP_IN_MAX);
	/* Once closing, nothing more is taken. */
	if (step == RSP_CLOSE)
		ck_assert_int_eq(rsp_feed(r, (const uint8_t *)"x\n", 2),
				 RSP_CLOSE);
	free(r);
}
END_TEST

/* Each prefix of the client's first request: the responder waits for
 * the rest, and says nothing yet. */
START_TEST(truncated_request_waits)
{
	enum catalog_check check = streams[_i];
	static const char *const first[] = {
	    "EHLO veriport.invalid\r\n",
	    "a1 CAPABILITY\r\n",
	    "CAPA\r\n",
	    NULL, /* LDAP: the client's own */
	    "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
	    NULL,
	    NULL,
	    "SSH-2.0-veriport\r\n",
	    "@RSYNCD: 31.0\n",
	    "a=c\r\n",
	    NULL,
	    NULL,
	    NULL,
	};
	uint8_t req[DLG_OUT_MAX];
	size_t len;
	if (first[_i] != NULL) {
		len = strlen(first[_i]);
		memcpy(req, first[_i], len);
	} else if (dlg_has_stream(check)) {
		struct dlg d;
		struct dlg_params dp = {.id = 77};
		ck_assert_int_eq(dlg_start(&d, check, &dp), 0);
		const uint8_t *out;
		len = dlg_output(&d, &out);
		memcpy(req, out, len);
	} else {
		return; /* tls, tcp: nothing to cut */
	}
	for (size_t cut = 0; cut < len; cut++) {
		struct rsp r;
		struct rsp_params rp = {.token = TOKEN, .tls_available = true};
		ck_assert_int_eq(rsp_start(&r, check, &rp), 0);
		rsp_sent(&r);
		ck_assert_int_eq(rsp_feed(&r, req, cut), RSP_MORE);
		const uint8_t *out;
		ck_assert_msg(rsp_output(&r, &out) == 0,
			      "%s answered %zu of %zu bytes",
			      catalog_check_name(check), cut, len);
	}
}
END_TEST

START_TEST(datagram_garbage_and_truncation)
{
	enum catalog_check check = datagrams[_i % 6].check;
	struct dlg_udp d;
	struct dlg_params dp = {.id = 0x55};
	ck_assert_int_eq(dlg_udp_start(&d, check, &dp), 0);
	struct rsp_params rp = {.token = TOKEN};
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	for (size_t cut = 0; cut < d.reqlen; cut++) {
		size_t n = rsp_udp_answer(check, &rp, d.req, cut, out,
					  sizeof out, asked, sizeof asked);
		ck_assert_uint_le(n, sizeof out);
		ck_assert_uint_gt(strlen(asked), 0);
		/* A reflector answers more than it was sent: only a DNS
		 * error header (12 bytes) may exceed a short request. */
		if (check != CATALOG_CHECK_DNS)
			ck_assert_msg(n == 0, "%s answered %zu of %zu bytes",
				      catalog_check_name(check), cut, d.reqlen);
	}
	uint32_t seed = 12345u + (uint32_t)_i;
	for (int round = 0; round < 200; round++) {
		uint8_t buf[1500];
		size_t n = next_random(&seed) % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)next_random(&seed);
		ck_assert_uint_le(rsp_udp_answer(check, &rp, buf, n, out,
						 sizeof out, asked,
						 sizeof asked),
				  sizeof out);
	}
}
END_TEST

static Suite *rsp_suite(void)
{
	Suite *s = suite_create("rsp");
	TCase *tc = tcase_create("pairs");
	tcase_add_checked_fixture(tc, tls_setup, tls_teardown);
	size_t nk = sizeof kinds / sizeof kinds[0];
	tcase_add_loop_test(tc, responder_completes_client_dialogue, 0,
			    (int)nk);
	tcase_add_loop_test(
	    tc, responder_completes_client_dialogue_byte_by_byte, 0, (int)nk);
	tcase_add_test(tc, smtp_records_what_was_asked);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	TCase *tu = tcase_create("datagrams");
	tcase_add_loop_test(tu, datagram_responder_answers_client, 0, 6);
	tcase_add_test(tu, syslog_is_recorded_not_answered);
	tcase_add_test(tu, dns_txt_question_gets_token_in_answer);
	tcase_add_loop_test(tu, datagram_garbage_and_truncation, 0, 6);
	suite_add_tcase(s, tu);
	TCase *tb = tcase_create("bounds");
	tcase_add_test(tb, smtp_without_certificate_offers_no_starttls);
	tcase_add_loop_test(tb, pipelined_flood_is_closed_not_buffered, 0, 3);
	tcase_add_loop_test(tb, garbage_is_bounded, 0, 26);
	tcase_add_loop_test(tb, truncated_request_waits, 0, 13);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	return check_run(rsp_suite());
}
