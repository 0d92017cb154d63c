/* The state's entries, shared by its two halves: the rules (state.c) and
 * the file (state_file.c). Private to them. */
#ifndef VERIPORT_PINS_IMPL_H
#define VERIPORT_PINS_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "veriport/pins.h"

/* Version 2 keys entries by port too; a version 1 file is read with
 * port 0 ("any"), which the first result for its key replaces. */
#define PINS_VERSION 2
/* "2026-11-20T10:00:00Z" and its NUL. */
#define PINS_TIME_LEN 21
struct pins_entry {
	char *channel;
	char *host;
	char address[46]; /* as struct result */
	uint16_t port;    /* 0: from a version 1 file, not yet seen again */
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

/* Entries sorted by (channel, host, address, port): lookups bisect and the file
 * comes out in a stable order. */
struct pins {
	struct pins_entry *entries;
	size_t nentries;
	size_t cap;
};

/* Order of entries: by (channel, host, address, port). */
int pins_entry_cmp(const void *a, const void *b);
/* T as "2026-11-20T10:00:00Z". */
void pins_format_time(time_t t, char buf[PINS_TIME_LEN]);

#endif
