/* Transcript replay for the dialogue suites (dlg_replay.h). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dlg_replay.h"
#include "veriport/text.h"

/* One assertion per call: Check reports every passing assertion to its
 * parent process, which loops of them make slow. */
void assert_safe(const char *detail)
{
	size_t n = strnlen(detail, DLG_DETAIL_MAX);
	ck_assert_msg(n < DLG_DETAIL_MAX && text_is_safe(detail),
		      "detail not safe text: \"%.*s\"", (int)n, detail);
}

void assert_detail(const char *detail, const char *expect)
{
	assert_safe(detail);
	size_t n = strlen(expect);
	if (n > 0 && expect[n - 1] == '*')
		ck_assert_msg(strncmp(detail, expect, n - 1) == 0,
			      "detail \"%s\" does not start with \"%.*s\"",
			      detail, (int)(n - 1), expect);
	else
		ck_assert_str_eq(detail, expect);
}

enum dlg_step feed_piece(struct dlg *d, const uint8_t *bytes, size_t from,
			 size_t to)
{
	size_t n = to - from;
	uint8_t *piece = malloc(n ? n : 1);
	memcpy(piece, bytes + from, n);
	enum dlg_step step = dlg_feed(d, piece, n);
	free(piece);
	return step;
}

/* Take what the dialogue queued, as the engine would send it. */
static void collect(struct dlg *d, struct replay_sent *sent)
{
	const uint8_t *out;
	size_t n = dlg_output(d, &out);
	if (n > 0 && sent) {
		uint8_t *buf = sent->upgraded ? sent->tls : sent->clear;
		size_t *len =
		    sent->upgraded ? &sent->tls_len : &sent->clear_len;
		ck_assert_uint_le(*len + n, REPLAY_SENT_MAX);
		memcpy(buf + *len, out, n);
		*len += n;
	}
	dlg_sent(d);
}

enum dlg_step replay_transcript(struct dlg *d, const struct transcript *t,
				const size_t *cuts, size_t ncuts,
				struct replay_sent *sent)
{
	if (sent)
		memset(sent, 0, sizeof *sent);
	ck_assert_int_eq(dlg_start(d, t->check, &t->params), 0);
	collect(d, sent);
	bool upgraded = false;
	enum dlg_step step = dlg_feed(d, NULL, 0);
	size_t total = t->clear_len + t->tls_len, from = 0;
	for (size_t i = 0; i <= ncuts && step == DLG_MORE; i++) {
		size_t to = i < ncuts ? cuts[i] : total;
		/* A piece never spans the switch to TLS, and the TLS bytes
		 * only come after an upgrade. */
		while (step == DLG_MORE) {
			size_t limit = upgraded ? total : t->clear_len;
			size_t end = to < limit ? to : limit;
			if (from >= end)
				break;
			step = from < t->clear_len
				   ? feed_piece(d, t->clear, from, end)
				   : feed_piece(d, t->tls, from - t->clear_len,
						end - t->clear_len);
			from = end;
			collect(d, sent);
			if (step == DLG_STARTTLS) {
				ck_assert_msg(!upgraded, "a second STARTTLS");
				ck_assert_msg(from == t->clear_len,
					      "STARTTLS with %zu clear bytes "
					      "still to come",
					      t->clear_len - from);
				upgraded = true;
				if (sent)
					sent->upgraded = true;
				step = dlg_tls_started(d);
				collect(d, sent);
			}
		}
	}
	ck_assert_msg(t->tls_len == 0 || upgraded || step != DLG_MORE,
		      "TLS bytes in the transcript but no STARTTLS");
	if (t->eof && step == DLG_MORE)
		step = dlg_eof(d);
	return step;
}
