/* The state's entries, shared by its two halves: the rules (state.c) and
 * the file (state_file.c). Private to them. */
#ifndef VERIPORT_STATE_IMPL_H
#define VERIPORT_STATE_IMPL_H

#include <stdbool.h>
#include <time.h>

#include "veriport/state.h"

#define STATE_VERSION 1
/* "2026-11-20T10:00:00Z" and its NUL. */
#define STATE_TIME_LEN 21
struct state_entry {
	char *channel;
	char *host;
	char address[46]; /* as struct result */
	time_t first_seen;
	time_t accepted; /* 0: never accepted */

	/* Each fact is remembered from the first result that had it, so
	 * each has its own date. */
	bool has_tls;
	char spki_sha256[65];
	char issuer[TLSIO_NAME_MAX];
	time_t tls_since;

	bool has_starttls;
	bool starttls_offered;
	time_t starttls_since;

	bool has_greeting;
	char greeting[DLG_DETAIL_MAX];
	time_t greeting_since;
};

/* Entries sorted by (channel, host, address): lookups bisect and the file
 * comes out in a stable order. */
struct state {
	struct state_entry *entries;
	size_t nentries;
	size_t cap;
};

/* Order of entries: by (channel, host, address). */
int state_entry_cmp(const void *a, const void *b);
/* T as "2026-11-20T10:00:00Z". */
void state_format_time(time_t t, char buf[STATE_TIME_LEN]);

#endif
