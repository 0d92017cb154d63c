/* Reports: what the user reads. Tables for a terminal, JSON for programs.
 * Formats data it is given; never probes, never decides a verdict. */
#ifndef VERIPORT_REPORT_H
#define VERIPORT_REPORT_H

#include <stdio.h>

#include <stdbool.h>

#include "veriport/catalog.h"
#include "veriport/results.h"

/* Catalog listing: one line per profile (name, channels, title). */
void report_catalog_list_table(FILE *out, struct catalog *const *cats,
			       size_t ncats);
int report_catalog_list_json(FILE *out, struct catalog *const *cats,
			     size_t ncats);
/* One catalog: roles, then one line per channel with the purpose wrapped
 * to WIDTH columns. */
void report_catalog_show_table(FILE *out, const struct catalog *cat, int width);
/* The JSON of DESIGN.md's `catalog show --json` contract. */
int report_catalog_show_json(FILE *out, const struct catalog *cat);

enum report_format {
	REPORT_TABLE,
	REPORT_JSON,
	REPORT_NAGIOS,
	REPORT_PROMETHEUS,
};

/* "table", "json", "nagios", "prometheus"; -1 for anything else. */
int report_format_from_name(const char *name);

struct report_style {
	bool colour;      /* ANSI colours for verdicts (--color) */
	bool verbose;     /* evidence lines under every result */
	bool failed_only; /* leave out what is ok or skipped (--failed-only) */
	int width;        /* terminal width for the table */
};

/* The narrowest table report_table() lays out; below it, lines are as
 * long as this. */
enum { REPORT_WIDTH_MIN = 40 };

/* `check` results: one line per result, evidence under failures (under
 * every result with verbose), and a summary. A table wider than WIDTH
 * puts each result on two lines (channel and port; then verdict, reason,
 * latency, target and address) and wraps what is longer, so every line
 * fits WIDTH columns. */
void report_table(FILE *out, const struct results *r,
		  const struct report_style *style);
/* TEXT from column AT on, wrapped at spaces to WIDTH, continued at
 * column INDENT (below AT), and a newline; a word longer than a line is
 * cut. */
void report_wrap(FILE *out, const char *text, int at, int indent, int width);
/* The version of the JSON documents (check, status, catalog list and
 * show), their first field "schema"; docs/veriport.schema.json describes
 * them. A change that removes or retypes a field is a new version. */
#define REPORT_JSON_SCHEMA "veriport/1"

/* The JSON contract of DESIGN.md. */
int report_json(FILE *out, const struct results *r);
/* Nagios thresholds (-w/-c, seconds) on each channel's time; 0: none.
 * TIMEOUT_S is the perfdata's maximum. */
struct report_nagios_opts {
	double warn_s, crit_s, timeout_s;
};

/* Nagios plugin output: a status line naming the first failure, with
 * perfdata, then one line per result that is not ok. Returns the plugin
 * state: the results' status, raised by the thresholds; UNKNOWN when
 * nothing was probed. O may be NULL. */
enum results_status report_nagios(FILE *out, const struct results *r,
				  const struct report_nagios_opts *o);
/* "VERIPORT UNKNOWN - MSG", the plugin's line when it could not check
 * at all: '|' (which starts perfdata) and control bytes written as \xNN,
 * so MSG can hold any argument a user typed. */
void report_nagios_unknown(FILE *out, const char *msg);
/* What the daemon adds to its answers: its own life. */
struct report_daemon {
	unsigned long sweeps;       /* sweeps finished */
	unsigned long sweep_errors; /* could not start, or were cut short */
	bool last_sweep_ok;         /* the last sweep started and ended */
	unsigned interval_s;
	bool reload_ok;      /* the configuration last read was taken */
	time_t reload_ok_at; /* when a configuration was last taken */
	/* Before the first sweep ended: why there are no results yet. */
	char waiting[200];
};

/* Prometheus text exposition format 0.0.4; R may be NULL (before the
 * first sweep), D is NULL for `veriport check`. */
void report_prometheus(FILE *out, const struct results *r,
		       const struct report_daemon *d);

/* Several daemons at once (`veriport status` with more than one source):
 * each source's JSON document, a daemon's `status` answer or a saved
 * `check`/`status --format json`, under a label (its socket or file). */
struct report_fleet;
struct report_fleet *report_fleet_new(void);
/* Take the LEN bytes at TEXT as LABEL's document; -1 (and the source
 * recorded as unread, with why) when it is not JSON, not veriport/1 or
 * lacks results and status. */
int report_fleet_add(struct report_fleet *f, const char *label,
		     const char *text, size_t len);
/* LABEL could not be read at all: ERROR says why. */
void report_fleet_add_error(struct report_fleet *f, const char *label,
			    const char *error);
/* The worst of the sources' statuses; an unread source is UNKNOWN, and
 * so is a fleet of none. */
enum results_status report_fleet_status(const struct report_fleet *f);
/* One table: a SOURCE column before each result's channel, evidence under
 * failures, then a line per source (its counts and status, or why it was
 * not read) and the fleet's status. */
void report_fleet_table(FILE *out, const struct report_fleet *f,
			const struct report_style *style);
/* {"schema", "kind": "fleet", "sources": [{"source", "document"} or
 * {"source", "error"}], "status"}. */
int report_fleet_json(FILE *out, const struct report_fleet *f);
/* One plugin line: the fleet's status, failed and unread counts, the
 * first failure by source and channel, perfdata. */
enum results_status report_fleet_nagios(FILE *out,
					const struct report_fleet *f);
void report_fleet_free(struct report_fleet *f);

#endif
