/* Known interception products (catalogs/interceptors.list): patterns for
 * certificate subjects/issuers and for greetings. Loading reads one file;
 * matching is pure string work. */
#ifndef VERIPORT_INTERCEPT_H
#define VERIPORT_INTERCEPT_H

#include <stddef.h>

#include "veriport/tlsio.h"

/* Entries one list may hold: the shipped list has a few dozen. */
#define INTERCEPT_ENTRIES_MAX 1024

struct intercept_list;

/* Returns 0, or a negative errno with ERR "FILE:LINE: what was expected"
 * (the whole list is refused). */
int intercept_load(const char *path, struct intercept_list **out, char *err,
		   size_t errlen);
int intercept_parse(const char *name, const char *text, size_t len,
		    struct intercept_list **out, char *err, size_t errlen);
void intercept_free(struct intercept_list *list);

/* The product whose pattern occurs in a subject or issuer of FACTS'
 * certificates, or NULL. */
const char *intercept_match_chain(const struct intercept_list *list,
				  const struct tlsio_facts *facts);
/* The product whose pattern occurs in GREETING, or NULL. */
const char *intercept_match_greeting(const struct intercept_list *list,
				     const char *greeting);

#endif
