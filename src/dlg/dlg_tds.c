/* Microsoft SQL Server (tds on 1433): a PRELOGIN packet (MS-TDS §2.2.6.5)
 * and the server's PRELOGIN answer, read for its version and encryption
 * setting. TDS carries its TLS handshake inside TDS packets, which the
 * engine's TLS layer does not speak: the check ends here. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* MS-TDS §2.2.3.1.1: packet types. */
#define TDS_TABULAR_RESULT 0x04
#define TDS_PRELOGIN 0x12
/* MS-TDS §2.2.3.1.2: the last packet of a message. */
#define TDS_STATUS_EOM 0x01
#define TDS_HEADER_LEN 8
/* MS-TDS §2.2.6.5: PRELOGIN option tokens. */
#define TDS_OPT_VERSION 0x00
#define TDS_OPT_ENCRYPTION 0x01
#define TDS_OPT_INSTOPT 0x02
#define TDS_OPT_THREADID 0x03
#define TDS_OPT_TERMINATOR 0xff
#define TDS_OPT_TOKEN_LEN 5
/* MS-TDS §2.2.6.5 B_FENCRYPTION: off (login packet only), on, not
 * supported, required; 0x80 adds a client certificate. */
#define TDS_ENCRYPT_OFF 0x00
#define TDS_ENCRYPT_CLIENT_CERT 0x80

static int tds_start(struct dlg *d)
{
	/* VERSION, ENCRYPTION, INSTOPT, THREADID and the terminator: four
	 * tokens and one byte, then their data. */
	enum {
		TOKENS = 4 * TDS_OPT_TOKEN_LEN + 1,
		VERSION_AT = TOKENS,
		ENCRYPTION_AT = VERSION_AT + 6,
		INSTOPT_AT = ENCRYPTION_AT + 1,
		THREADID_AT = INSTOPT_AT + 1,
		PAYLOAD = THREADID_AT + 4,
	};
	static const struct {
		uint8_t type;
		uint16_t at, len;
	} options[] = {
	    {TDS_OPT_VERSION, VERSION_AT, 6},
	    {TDS_OPT_ENCRYPTION, ENCRYPTION_AT, 1},
	    {TDS_OPT_INSTOPT, INSTOPT_AT, 1},
	    {TDS_OPT_THREADID, THREADID_AT, 4},
	};
	uint8_t pkt[TDS_HEADER_LEN + PAYLOAD] = {0};
	pkt[0] = TDS_PRELOGIN;
	pkt[1] = TDS_STATUS_EOM;
	dlg_put16(pkt + 2, sizeof pkt);
	pkt[6] = 1; /* PacketID: the first packet */
	uint8_t *payload = pkt + TDS_HEADER_LEN;
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		uint8_t *tok = payload + i * TDS_OPT_TOKEN_LEN;
		tok[0] = options[i].type;
		dlg_put16(tok + 1, options[i].at);
		dlg_put16(tok + 3, options[i].len);
	}
	payload[TOKENS - 1] = TDS_OPT_TERMINATOR;
	/* VERSION: ours is only for the server's logs, so zero.
	 * ENCRYPTION: ENCRYPT_OFF, so the server says whether it merely
	 * supports TLS (OFF), insists on it (REQ) or has none (NOT_SUP).
	 * INSTOPT: the empty name, the default instance. THREADID: for
	 * the server's logs, our probe id. */
	payload[ENCRYPTION_AT] = TDS_ENCRYPT_OFF;
	dlg_put32(payload + THREADID_AT, d->params.id);
	dlg_queue(d, pkt, sizeof pkt);
	return 0;
}

static const char *encryption_name(uint8_t v)
{
	static const char *const names[] = {"ENCRYPT_OFF", "ENCRYPT_ON",
					    "ENCRYPT_NOT_SUP", "ENCRYPT_REQ"};
	v &= (uint8_t)~TDS_ENCRYPT_CLIENT_CERT;
	return v < sizeof names / sizeof names[0] ? names[v] : NULL;
}

static enum dlg_step malformed(struct dlg *d, const char *what)
{
	snprintf(d->detail, sizeof d->detail, "malformed PRELOGIN answer: %s",
		 what);
	return dlg_fail(d, DLG_FAIL_UNEXPECTED);
}

/* MS-TDS §2.2.6.5: option tokens (type, offset, length) up to the
 * terminator; offsets count from the start of the payload. */
static enum dlg_step prelogin(struct dlg *d, const uint8_t *p, size_t n)
{
	const uint8_t *version = NULL, *encryption = NULL;
	size_t i = 0;
	for (;;) {
		if (i >= n)
			return malformed(d, "no terminator");
		if (p[i] == TDS_OPT_TERMINATOR)
			break;
		if (n - i < TDS_OPT_TOKEN_LEN)
			return malformed(d, "option token cut short");
		size_t at = dlg_get16(p + i + 1), len = dlg_get16(p + i + 3);
		if (at > n || len > n - at)
			return malformed(d, "option past the packet");
		if (p[i] == TDS_OPT_VERSION && len >= 6)
			version = p + at;
		else if (p[i] == TDS_OPT_ENCRYPTION && len >= 1)
			encryption = p + at;
		i += TDS_OPT_TOKEN_LEN;
	}
	if (!version || !encryption)
		return malformed(d, "no VERSION or ENCRYPTION");
	/* VERSION: major, minor, build (big-endian), sub-build. */
	snprintf(d->detail, sizeof d->detail,
		 "SQL Server %u.%u.%u, encryption ", version[0], version[1],
		 dlg_get16(version + 2));
	const char *name = encryption_name(encryption[0]);
	if (name)
		text_appendf(d->detail, sizeof d->detail, "%s", name);
	else
		text_appendf(d->detail, sizeof d->detail, "0x%02x",
			     encryption[0]);
	if (encryption[0] & TDS_ENCRYPT_CLIENT_CERT)
		text_appendf(d->detail, sizeof d->detail,
			     " with client certificate");
	return DLG_DONE;
}

static enum dlg_step tds_input(struct dlg *d)
{
	if (d->inlen == 0)
		return DLG_MORE;
	/* MS-TDS §2.2.2: the answer to PRELOGIN is a tabular result
	 * packet; anything else (a banner, a TLS alert) fails at once. */
	if (d->in[0] != TDS_TABULAR_RESULT)
		return dlg_fail_text(
		    d, DLG_FAIL_UNEXPECTED, "not a TDS answer: ", d->in,
		    d->inlen < DLG_QUOTE_MAX ? d->inlen : DLG_QUOTE_MAX);
	if (d->inlen < TDS_HEADER_LEN)
		return DLG_MORE;
	size_t len = dlg_get16(d->in + 2);
	if (len <= TDS_HEADER_LEN) {
		snprintf(d->detail, sizeof d->detail,
			 "a TDS packet of %zu bytes", len);
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
	if (len > DLG_IN_MAX) {
		snprintf(d->detail, sizeof d->detail,
			 "a TDS packet of %zu bytes, over our %d-byte bound",
			 len, DLG_IN_MAX);
		return dlg_fail(d, DLG_FAIL_TOO_LONG);
	}
	if (d->inlen < len)
		return DLG_MORE;
	return prelogin(d, d->in + TDS_HEADER_LEN, len - TDS_HEADER_LEN);
}

static enum dlg_step tds_eof(struct dlg *d)
{
	if (d->inlen > 0)
		snprintf(d->detail, sizeof d->detail,
			 "closed after %zu bytes of the PRELOGIN answer",
			 d->inlen);
	else
		snprintf(d->detail, sizeof d->detail,
			 "closed without answering PRELOGIN");
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

const struct dlg_stream_ops dlg_tds_ops = {
    .start = tds_start,
    .input = tds_input,
    .eof = tds_eof,
};
