/* The responders that say little: SSH, rsync and Razor2 banners; the
 * quiet end of a plain TCP or TLS check; PostgreSQL's SSLRequest answer;
 * a TDS PRELOGIN answer. Each greets (or answers the one request), notes
 * what the client sent, and closes. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rsp_impl.h"

/* RFC 4253 §4.2: an identification line is at most 255 characters. */
#define SSH_LINE_MAX 255
/* A banner protocol's client line we note (rsync's "@RSYNCD: 31.0", a
 * module name). */
#define BANNER_LINE_MAX 1024
/* PostgreSQL protocol §55.7: SSLRequest and GSSENCRequest codes, and
 * protocol 3.0 in a StartupMessage. */
#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u
#define PG_PROTOCOL_3 196608u
/* A startup packet is small; libpq bounds it at 10000 bytes. */
#define PG_STARTUP_MAX 10000
/* MS-TDS §2.2.3.1.1: packet types; §2.2.6.5: PRELOGIN options. */
#define TDS_TABULAR_RESULT 0x04
#define TDS_PRELOGIN 0x12
#define TDS_HEADER_LEN 8
#define TDS_ENCRYPT_NOT_SUP 0x02

/* One line from the client into the record, then close: the banner is
 * said, and a stand-in has nothing more. */
static enum rsp_step note_line_and_close(struct rsp *r, size_t max)
{
	char line[BANNER_LINE_MAX];
	size_t len;
	switch (rsp_line_take(r, line, max < sizeof line ? max : sizeof line,
			      &len)) {
	case RSP_LINE_PARTIAL:
		return RSP_MORE;
	case RSP_LINE_TOO_LONG:
		rsp_asked(r, "(line too long)");
		return RSP_CLOSE;
	case RSP_LINE_OK:
		break;
	}
	rsp_asked_text(r, line, len < 64 ? len : 64);
	return RSP_CLOSE;
}

/* SSH ------------------------------------------------------------------ */

static void ssh_start(struct rsp *r)
{
	/* RFC 4253 §4.2: "SSH-2.0-softwareversion SP comments": the token
	 * is the comment, the software version has no '-' or space. */
	rsp_queuef(r, "SSH-2.0-veriport_respond %s\r\n", r->token);
	rsp_asked(r, "banner");
}

static enum rsp_step ssh_input(struct rsp *r)
{
	return note_line_and_close(r, SSH_LINE_MAX);
}

const struct rsp_ops rsp_ssh_ops = {.start = ssh_start, .input = ssh_input};

/* rsync daemon ---------------------------------------------------------- */

static void rsync_start(struct rsp *r)
{
	/* rsync's clientserver.c: "@RSYNCD: <protocol>.<sub>", and the
	 * checksum names after it; the token stands in for them. */
	rsp_queuef(r, "@RSYNCD: 31.0 %s\n", r->token);
	rsp_asked(r, "banner");
}

static enum rsp_step rsync_input(struct rsp *r)
{
	enum rsp_step step = note_line_and_close(r, BANNER_LINE_MAX);
	if (step == RSP_CLOSE)
		rsp_queuef(r, "@ERROR: " RSP_NAME " serves no modules\n");
	return step;
}

const struct rsp_ops rsp_rsync_ops = {.start = rsync_start,
				      .input = rsync_input};

/* Razor2 ----------------------------------------------------------------- */

static void razor_start(struct rsp *r)
{
	/* Razor2::Client::Core: a query string whose first key is sn. */
	rsp_queuef(r, "sn=V&srl=0&ep4=7542-10&a=o&token=%s\r\n", r->token);
	rsp_asked(r, "banner");
}

static enum rsp_step razor_input(struct rsp *r)
{
	return note_line_and_close(r, BANNER_LINE_MAX);
}

const struct rsp_ops rsp_razor_ops = {.start = razor_start,
				      .input = razor_input};

/* Plain TCP and TLS: the connection (and its handshake) is the check ---- */

static enum rsp_step quiet_input(struct rsp *r)
{
	/* Whatever comes is dropped; the client closes, or the engine's
	 * clock does. */
	if (r->inlen > 0 && r->errors++ == 0)
		rsp_asked(r, "data");
	r->inlen = 0;
	return RSP_MORE;
}

const struct rsp_ops rsp_quiet_ops = {.input = quiet_input};

/* PostgreSQL ------------------------------------------------------------ */

enum { PG_REQUEST, PG_AFTER_TLS };

static enum rsp_step pgsql_input(struct rsp *r)
{
	if (r->state == PG_AFTER_TLS)
		return quiet_input(r);
	if (r->inlen < 8)
		return RSP_MORE;
	uint32_t len = rsp_get32(r->in), code = rsp_get32(r->in + 4);
	if (len == 8 && code == PG_SSL_REQUEST) {
		rsp_asked(r, "SSLRequest");
		rsp_consume(r, 8);
		if (!r->tls_available || r->tls) {
			rsp_queue(r, "N", 1);
			return RSP_CLOSE;
		}
		rsp_queue(r, "S", 1);
		/* The client sends nothing between our 'S' and its
		 * ClientHello; bytes here would be injected. */
		r->inlen = 0;
		return RSP_STARTTLS;
	}
	if (len == 8 && code == PG_GSSENC_REQUEST) {
		rsp_asked(r, "GSSENCRequest");
		rsp_consume(r, 8);
		rsp_queue(r, "N", 1);
		return RSP_MORE;
	}
	if (len < 8 || len > PG_STARTUP_MAX) {
		rsp_asked(r, "(not PostgreSQL)");
		return RSP_CLOSE;
	}
	rsp_asked(r, code == PG_PROTOCOL_3 ? "StartupMessage"
					   : "(unknown startup code)");
	/* §55.7 ErrorResponse: severity, SQLSTATE 08004 (server rejected
	 * the connection), message. */
	static const char fields[] = "SFATAL\0VFATAL\0C08004\0M" RSP_NAME
				     " is a firewall test: no database\0";
	uint8_t head[5] = {'E'};
	rsp_put32(head + 1, (uint32_t)(4 + sizeof fields));
	rsp_queue(r, head, sizeof head);
	rsp_queue(r, fields, sizeof fields);
	return RSP_CLOSE;
}

static enum rsp_step pgsql_tls_started(struct rsp *r)
{
	/* The client has no credentials: the handshake was its check. */
	r->state = PG_AFTER_TLS;
	return RSP_MORE;
}

const struct rsp_ops rsp_pgsql_ops = {.input = pgsql_input,
				      .tls_started = pgsql_tls_started};

/* TDS (SQL Server) ------------------------------------------------------- */

static enum rsp_step tds_input(struct rsp *r)
{
	if (r->inlen < TDS_HEADER_LEN)
		return RSP_MORE;
	size_t len = rsp_get16(r->in + 2);
	if (r->in[0] != TDS_PRELOGIN || len < TDS_HEADER_LEN) {
		rsp_asked(r, "(not a TDS PRELOGIN)");
		return RSP_CLOSE;
	}
	if (len > RSP_IN_MAX) {
		rsp_asked(r, "(TDS packet over the bound)");
		return RSP_CLOSE;
	}
	if (r->inlen < len)
		return RSP_MORE;
	rsp_consume(r, len);
	rsp_asked(r, "PRELOGIN");
	/* MS-TDS §2.2.6.5: VERSION (6 bytes: 16.0.1000.0, SQL Server
	 * 2022's numbers, so clients that check take it), ENCRYPTION
	 * ENCRYPT_NOT_SUP: a stand-in cannot log a client in over TLS. */
	enum { TOKENS = 2 * 5 + 1, PAYLOAD = TOKENS + 6 + 1 };
	uint8_t pkt[TDS_HEADER_LEN + PAYLOAD] = {0};
	pkt[0] = TDS_TABULAR_RESULT;
	pkt[1] = 0x01; /* end of message */
	rsp_put16(pkt + 2, sizeof pkt);
	pkt[6] = 1;
	uint8_t *p = pkt + TDS_HEADER_LEN;
	p[0] = 0x00; /* VERSION */
	rsp_put16(p + 1, TOKENS);
	rsp_put16(p + 3, 6);
	p[5] = 0x01; /* ENCRYPTION */
	rsp_put16(p + 6, TOKENS + 6);
	rsp_put16(p + 8, 1);
	p[10] = 0xff;
	p[TOKENS] = 16;
	p[TOKENS + 1] = 0;
	rsp_put16(p + TOKENS + 2, 1000);
	p[TOKENS + 6] = TDS_ENCRYPT_NOT_SUP;
	rsp_queue(r, pkt, sizeof pkt);
	return RSP_CLOSE;
}

const struct rsp_ops rsp_tds_ops = {.input = tds_input};
