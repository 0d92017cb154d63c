/* PostgreSQL (pgsql on 5432): an SSLRequest, and the server's one-byte
 * answer (protocol §55.2.10). We have no credentials, so the TLS
 * handshake after 'S' is the whole check. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* Protocol §55.7 SSLRequest: Int32(8), Int32(80877103). */
#define PG_SSL_REQUEST_CODE 80877103u
/* An ErrorResponse (§55.7) from a server that predates SSL: its fields
 * are short ("FATAL", an SQLSTATE, one sentence). */
#define PG_ERROR_MAX 1024
/* Bytes of a message field kept in the evidence. */
#define PG_FIELD_MAX 128

/* d->state */
enum {
	PG_ANSWER, /* waiting for 'S', 'N' or an ErrorResponse */
	PG_TLS,    /* after the handshake */
};

static int pgsql_start(struct dlg *d)
{
	uint8_t req[8];
	dlg_put32(req, sizeof req);
	dlg_put32(req + 4, PG_SSL_REQUEST_CODE);
	dlg_queue(d, req, sizeof req);
	return 0;
}

/* Append field TYPE of the ErrorResponse body P (N bytes: type byte and
 * NUL-terminated string, repeated, then a NUL). */
static void error_field(struct dlg *d, const uint8_t *p, size_t n, char type,
			const char *before)
{
	size_t i = 0;
	while (i < n && p[i] != 0) {
		const uint8_t *nul = memchr(p + i + 1, 0, n - i - 1);
		if (!nul)
			return;
		size_t len = (size_t)(nul - (p + i + 1));
		if (p[i] == type) {
			text_appendf(d->detail, sizeof d->detail, "%s", before);
			text_append(d->detail, sizeof d->detail, p + i + 1,
				    len < PG_FIELD_MAX ? len : PG_FIELD_MAX);
			return;
		}
		i += 1 + len + 1;
	}
}

static enum dlg_step not_pgsql(struct dlg *d)
{
	return dlg_fail_text(
	    d, DLG_FAIL_UNEXPECTED, "not a PostgreSQL SSL answer: ", d->in,
	    d->inlen < DLG_QUOTE_MAX ? d->inlen : DLG_QUOTE_MAX);
}

/* An ErrorResponse: Byte1('E'), then in protocol 3 (§55.7) an Int32
 * length and the fields; in protocol 2, which a server that predates SSL
 * speaks and which PostgreSQL still uses to refuse an old client, one
 * NUL-terminated message. libpq reads both here, and so do we. A length
 * under 2^24 starts with a zero byte, which no message text does. */
static enum dlg_step error_response(struct dlg *d)
{
	static const char prefix[] = "ErrorResponse instead of an SSL answer:";
	if (d->inlen < 2)
		return DLG_MORE;
	if (d->in[1] != 0) {
		const uint8_t *nul = memchr(d->in + 1, 0, d->inlen - 1);
		if (!nul)
			return d->inlen >= PG_ERROR_MAX ? not_pgsql(d)
							: DLG_MORE;
		size_t n = (size_t)(nul - (d->in + 1));
		while (n > 0 && (d->in[n] == '\n' || d->in[n] == ' '))
			n--;
		snprintf(d->detail, sizeof d->detail, "%s ", prefix);
		text_append(d->detail, sizeof d->detail, d->in + 1,
			    n < PG_FIELD_MAX ? n : PG_FIELD_MAX);
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
	if (d->inlen < 5)
		return DLG_MORE;
	uint32_t len = dlg_get32(d->in + 1);
	if (len < 4 || len > PG_ERROR_MAX)
		return not_pgsql(d);
	if (d->inlen < 1 + (size_t)len)
		return DLG_MORE;
	snprintf(d->detail, sizeof d->detail, "%s", prefix);
	const uint8_t *body = d->in + 5;
	size_t n = len - 4;
	error_field(d, body, n, 'S', " ");
	error_field(d, body, n, 'C', " ");
	error_field(d, body, n, 'M', ": ");
	return dlg_fail(d, DLG_FAIL_UNEXPECTED);
}

static enum dlg_step pgsql_input(struct dlg *d)
{
	if (d->inlen == 0)
		return DLG_MORE;
	switch (d->in[0]) {
	case 'S':
		dlg_consume(d, 1);
		d->facts.starttls_offered = true;
		return DLG_STARTTLS;
	case 'N':
		snprintf(d->detail, sizeof d->detail, "server refuses SSL");
		return DLG_DONE;
	case 'E':
		return error_response(d);
	default:
		return not_pgsql(d);
	}
}

static enum dlg_step pgsql_eof(struct dlg *d)
{
	if (d->inlen > 0)
		return dlg_fail_text(
		    d, DLG_FAIL_CLOSED_EARLY, "closed mid-message: ", d->in,
		    d->inlen < DLG_QUOTE_MAX ? d->inlen : DLG_QUOTE_MAX);
	snprintf(d->detail, sizeof d->detail,
		 "closed without answering the SSLRequest");
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

static enum dlg_step pgsql_tls_started(struct dlg *d)
{
	/* Without credentials there is nothing to ask over TLS: the
	 * handshake the engine ran is the check. */
	d->state = PG_TLS;
	snprintf(d->detail, sizeof d->detail, "server accepts SSL");
	return DLG_DONE;
}

const struct dlg_stream_ops dlg_pgsql_ops = {
    .start = pgsql_start,
    .input = pgsql_input,
    .eof = pgsql_eof,
    .tls_started = pgsql_tls_started,
};
