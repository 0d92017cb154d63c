/* Replaying server transcripts into stream dialogues, shared by the
 * dialogue suites: every transcript is cut at every byte boundary (and fed
 * one byte at a time) from buffers of exactly the piece's size, so a
 * "one read = one line" bug or a read past the input cannot hide. A
 * transcript has what the server sent in the clear and, when the dialogue
 * asks for STARTTLS, what it sent over TLS (the plaintext the engine's TLS
 * layer hands on). */
#ifndef VERIPORT_TEST_DLG_REPLAY_H
#define VERIPORT_TEST_DLG_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/dlg.h"

struct transcript {
	enum catalog_check check;
	struct dlg_params params;
	const uint8_t *clear; /* before TLS, or all of it */
	size_t clear_len;
	const uint8_t *tls; /* after dlg_tls_started() */
	size_t tls_len;
	bool eof; /* the peer closes after the last byte */
};

/* What the client sent during one replay, before and after TLS. */
#define REPLAY_SENT_MAX 4096
struct replay_sent {
	uint8_t clear[REPLAY_SENT_MAX];
	size_t clear_len;
	uint8_t tls[REPLAY_SENT_MAX];
	size_t tls_len;
	bool upgraded; /* DLG_STARTTLS came, and dlg_tls_started() ran */
};

/* Evidence text must be printable ASCII, NUL-terminated in its buffer. */
void assert_safe(const char *detail);
/* EXPECT is the whole detail, or its start when it ends in '*'. */
void assert_detail(const char *detail, const char *expect);
/* Feed BYTES[from, to) as one read from a buffer of exactly that size. */
enum dlg_step feed_piece(struct dlg *d, const uint8_t *bytes, size_t from,
			 size_t to);
/* Start D on T and feed T cut after every position CUTS[i] (positions in
 * the clear bytes followed by the TLS ones; the switch to TLS is always a
 * cut). SENT (may be NULL) gets what the client sent. Returns the last
 * step: DLG_MORE when the dialogue still waits. */
enum dlg_step replay_transcript(struct dlg *d, const struct transcript *t,
				const size_t *cuts, size_t ncuts,
				struct replay_sent *sent);

#endif
