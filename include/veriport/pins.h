/* What the daemon remembers per target (trust on first use, like ssh's
 * known_hosts): the certificate's SPKI and issuer, whether STARTTLS was
 * offered, the greeting. A change is interception evidence until an admin
 * accepts it. The state file is JSON, written atomically (write, fsync,
 * rename); a corrupt one is reported and set aside, never fatal. */
#ifndef VERIPORT_PINS_H
#define VERIPORT_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "veriport/results.h"

/* Targets one state file may hold; a site has a few hundred at most. */
#define PINS_ENTRIES_MAX 4096
/* The state file's size limit: a larger one is refused as corrupt. */
#define PINS_FILE_MAX (4 * 1024 * 1024)

struct pins;

struct pins *pins_new(void);
/* Load PATH. A missing file is an empty state (returns 0). A corrupt
 * one: returns -EINVAL with ERR saying why; the caller sets it aside
 * (pins_set_aside) and starts empty. */
int pins_load(const char *path, struct pins **out, char *err, size_t errlen);
/* Rename a corrupt PATH to PATH.corrupt-TIMESTAMP; ERR says where. */
int pins_set_aside(const char *path, time_t now, char *err, size_t errlen);
/* Write atomically: PATH.tmp, fsync, rename, fsync of the folder. */
int pins_save(const struct pins *st, const char *path, char *err,
	      size_t errlen);
void pins_free(struct pins *st);

/* What the state says about one result: remembered facts differ from
 * what the target presents now. WHAT (may be NULL) gets a line for the
 * evidence: "certificate changed since 2026-11-20T10:00:00Z: was SPKI
 * ab12... issuer CN=..., now SPKI ...". Results with nothing to remember
 * (no TLS, no STARTTLS, no greeting) are never "changed". */
bool pins_changed(const struct pins *st, const struct result *r, char *what,
		  size_t whatlen);
/* Remember each result's facts where nothing is remembered yet (first
 * use). Returns the number of entries added or given a fact they lacked
 * (non-zero: save). */
size_t pins_learn(struct pins *st, const struct results *r, time_t now);
/* Overwrite the remembered facts with the current ones for results of
 * CHANNEL (all when NULL). Returns the number of entries changed. */
size_t pins_accept(struct pins *st, const struct results *r,
		   const char *channel, time_t now);

#endif
