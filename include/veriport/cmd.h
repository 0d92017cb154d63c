/* The veriport commands (check, status, probe, accept, catalog; respond has
 * cmd_respond.h) and what they share: the usage text, usage errors, the
 * table width, the Nagios thresholds' grammar. Each command takes the
 * arguments from its own name on and returns the exit status. */
#ifndef VERIPORT_CMD_H
#define VERIPORT_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Nagios plugin convention (DESIGN.md): 3 is usage, catalog or
 * configuration error. */
enum { CMD_EXIT_USAGE = 3 };

extern const char cmd_usage_text[];
extern const char cmd_help_text[];
/* Each command's --help: its usage, then every option, one entry each. */
extern const char cmd_check_help[];
extern const char cmd_catalog_help[];
extern const char cmd_status_help[];
extern const char cmd_probe_help[];
extern const char cmd_accept_help[];

/* "veriport: MESSAGE" and the usage text on stderr; CMD_EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int cmd_usage_error(const char *fmt, ...);
/* "veriport: MESSAGE" on stderr. */
__attribute__((format(printf, 1, 2))) void cmd_error(const char *fmt, ...);
/* From now on the first error (cmd_error, cmd_usage_error) is also a
 * "VERIPORT UNKNOWN - MESSAGE" line on stdout. */
void cmd_errors_as_nagios(void);

/* The terminal's width, else $COLUMNS, else a default. */
int cmd_terminal_width(void);

/* -w/-c SECONDS: a Nagios threshold on each channel's time; false after
 * a usage error naming FLAG. */
bool cmd_threshold_arg(int flag, const char *arg, double *out);

/* Flush stdout at the end of a command: a write error is reported and
 * turns a 0 into CMD_EXIT_USAGE; a reader that closed the pipe is no
 * error. Returns the exit status. */
int cmd_finish_output(int status);

/* --output FILE: the report goes to a temporary file beside FILE and is
 * renamed over it once complete, so a reader never sees half a report. */
struct cmd_output {
	FILE *f; /* where to write: stdout without --output */
	const char *path;
	char *tmp;
};
/* PATH NULL: stdout. Returns 0, or -1 after an error naming PATH. */
int cmd_output_open(struct cmd_output *o, const char *path);
/* Finish it: on a write or rename error, report it naming the file and
 * return CMD_EXIT_USAGE, else STATUS. */
int cmd_output_close(struct cmd_output *o, int status);
/* No report after all: the temporary file goes, FILE stays as it was. */
void cmd_output_discard(struct cmd_output *o);

/* TERM=dumb: no escape sequences at all. */
bool cmd_term_dumb(void);
/* --color=WHEN (NULL: auto): colour the table? auto is a terminal on
 * stdout (TO_STDOUT: the table goes there), not TERM=dumb, and NO_COLOR
 * unset or empty. */
bool cmd_colour(const char *when, bool to_stdout);

int cmd_check(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
/* cmd_socket.c: one command on veriportd's status socket. */
int cmd_probe(int argc, char **argv);
int cmd_accept(int argc, char **argv);

#endif
