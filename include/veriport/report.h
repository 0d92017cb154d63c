/* Reports: what the user reads. Tables for a terminal, JSON for programs.
 * Formats data it is given; never probes, never decides a verdict. */
#ifndef VERIPORT_REPORT_H
#define VERIPORT_REPORT_H

#include <stdio.h>

#include "veriport/catalog.h"

/* Catalog listing: one line per profile (name, channels, title). */
void report_catalog_list_table(FILE *out, struct catalog *const *cats,
			       size_t ncats);
int report_catalog_list_json(FILE *out, struct catalog *const *cats,
			     size_t ncats);
/* One catalog: roles, then one line per channel with the purpose wrapped
 * to WIDTH columns. */
void report_catalog_show_table(FILE *out, const struct catalog *cat,
			       int width);
/* The JSON of DESIGN.md's `catalog show --json` contract. */
int report_catalog_show_json(FILE *out, const struct catalog *cat);

#endif
