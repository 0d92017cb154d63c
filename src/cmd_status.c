/* `veriport status`: ask veriportd's status socket in one of the
 * formats and print the answer; Nagios's exit code comes from its
 * last line. With several sockets, or saved documents (--from), one
 * table of them all. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veriport/cmd.h"
#include "veriport/conf.h"
#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

/* The status socket command behind each --format. */
static const char *const format_commands[] = {
    [REPORT_TABLE] = "table",
    [REPORT_JSON] = "status",
    [REPORT_NAGIOS] = "nagios",
    [REPORT_PROMETHEUS] = "metrics",
};

/* The largest document --from reads, as the largest answer the client
 * takes from a daemon. */
#define FROM_MAX (64u << 20)

/* One source of a fleet: a socket, or a file (--from). */
struct source {
	const char *path;
	bool file;
};

/* --from -: standard input, bounded. */
static int read_stdin(char **text, size_t *len, char *err, size_t errlen)
{
	size_t cap = 65536;
	char *buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		if (cap - *len < 4096)
			buf = xreallocarray(buf, cap *= 2, 1);
		ssize_t r = read(STDIN_FILENO, buf + *len, cap - *len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "standard input: %s",
				 strerror(errno));
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
		if (*len > FROM_MAX) {
			snprintf(err, errlen,
				 "standard input: longer than %u bytes",
				 FROM_MAX);
			free(buf);
			return -1;
		}
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

/* A file's label: its name without folders and without ".json". */
static char *file_label(const char *path)
{
	if (strcmp(path, "-") == 0)
		return xstrdup("(stdin)");
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	return xstrndup(base, n);
}

static int fleet(const struct source *srcs, size_t n, int format,
		 const struct report_style *style)
{
	struct report_fleet *f = report_fleet_new();
	for (size_t i = 0; i < n; i++) {
		char *text = NULL, err[512];
		size_t len = 0;
		int rc;
		char *label = srcs[i].file ? file_label(srcs[i].path)
					   : xstrdup(srcs[i].path);
		if (!srcs[i].file)
			rc = status_ask(srcs[i].path, "status", &text, &len,
					err, sizeof err);
		else if (strcmp(srcs[i].path, "-") == 0)
			rc = read_stdin(&text, &len, err, sizeof err);
		else {
			rc = textfile_read(srcs[i].path, FROM_MAX, &text, &len,
					   err, sizeof err);
			if (rc == 0 && len > FROM_MAX) {
				snprintf(err, sizeof err,
					 "%s: longer than %u bytes",
					 srcs[i].path, FROM_MAX);
				rc = -1;
			}
		}
		if (rc < 0)
			report_fleet_add_error(f, label, err);
		else if (strncmp(text, "error: ", 7) == 0) {
			/* The daemon's own words, as `status` prints them. */
			text[7 + strcspn(text + 7, "\n")] = '\0';
			report_fleet_add_error(f, label, text + 7);
		} else
			report_fleet_add(f, label, text, len);
		free(text);
		free(label);
	}
	enum results_status st = report_fleet_status(f);
	int rc = 0;
	switch (format) {
	case REPORT_JSON:
		rc = report_fleet_json(stdout, f);
		break;
	case REPORT_NAGIOS:
		report_fleet_nagios(stdout, f);
		break;
	default:
		report_fleet_table(stdout, f, style);
	}
	report_fleet_free(f);
	return rc < 0 ? CMD_EXIT_USAGE : (int)st;
}

int cmd_status(int argc, char **argv)
{
	enum {
		OPT_SOCKET = 256,
		OPT_FORMAT,
		OPT_FROM,
		OPT_FAILED_ONLY,
		OPT_VERBOSE,
		OPT_COLOR
	};
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"warning", required_argument, NULL, 'w'},
	    {"critical", required_argument, NULL, 'c'},
	    {"failed-only", no_argument, NULL, OPT_FAILED_ONLY},
	    {"verbose", no_argument, NULL, OPT_VERBOSE},
	    {"color", optional_argument, NULL, OPT_COLOR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct source *srcs = xcalloc((size_t)argc + 1, sizeof *srcs);
	size_t nsrcs = 0, nfiles = 0;
	int format = REPORT_TABLE, c, status = 0;
	double warn_s = 0, crit_s = 0;
	const char *color = NULL;
	struct report_style style = {.width = cmd_terminal_width()};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hw:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
		case 'c':
			if (!cmd_threshold_arg(c, optarg,
					       c == 'w' ? &warn_s : &crit_s)) {
				status = CMD_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_SOCKET:
		case OPT_FROM:
			if (*optarg == '\0') {
				status = cmd_usage_error(
				    "%s: expected a %s",
				    c == OPT_SOCKET ? "--socket" : "--from",
				    c == OPT_SOCKET ? "socket" : "file");
				goto out;
			}
			srcs[nsrcs++] = (struct source){optarg, c == OPT_FROM};
			nfiles += c == OPT_FROM;
			break;
		case OPT_FORMAT:
			format = report_format_from_name(optarg);
			if (format < 0) {
				status = cmd_usage_error(
				    "--format %s: expected table, json, "
				    "nagios or prometheus",
				    optarg);
				goto out;
			}
			break;
		case OPT_FAILED_ONLY:
			style.failed_only = true;
			break;
		case OPT_VERBOSE:
			style.verbose = true;
			break;
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") != 0 &&
			    strcmp(color, "always") != 0 &&
			    strcmp(color, "never") != 0) {
				status = cmd_usage_error(
				    "--color=%s: expected auto, always or "
				    "never",
				    color);
				goto out;
			}
			break;
		case 'h':
			fputs(cmd_status_help, stdout);
			exit(0);
		default:
			status =
			    cmd_usage_error("unknown or incomplete option '%s'",
					    argv[optind - 1]);
			goto out;
		}
	}
	if (format == REPORT_NAGIOS)
		cmd_errors_as_nagios();
	if (optind != argc) {
		status =
		    cmd_usage_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((warn_s > 0 || crit_s > 0) && format != REPORT_NAGIOS) {
		status =
		    cmd_usage_error("%s", "-w and -c go with --format nagios");
		goto out;
	}
	bool several = nsrcs > 1 || nfiles > 0;
	if (several && format == REPORT_PROMETHEUS) {
		status = cmd_usage_error(
		    "%s", "--format prometheus reads one daemon: let "
			  "Prometheus scrape each of them");
		goto out;
	}
	if (several && (warn_s > 0 || crit_s > 0)) {
		status = cmd_usage_error(
		    "%s", "-w and -c read one daemon (each daemon's own "
			  "nagios answer applies them)");
		goto out;
	}
	if (!several && (style.failed_only || style.verbose || color)) {
		status = cmd_usage_error(
		    "%s", "--failed-only, --verbose and --color go with "
			  "several sources (one daemon renders its own "
			  "table)");
		goto out;
	}
	if (several) {
		style.colour = cmd_colour(color, true);
		status = fleet(srcs, nsrcs, format, &style);
		goto out;
	}
	const char *path = nsrcs ? srcs[0].path : CONF_SOCKET_DEFAULT;
	char command[STATUS_COMMAND_MAX + 1];
	int n =
	    snprintf(command, sizeof command, "%s", format_commands[format]);
	if (warn_s > 0)
		n += snprintf(command + n, sizeof command - (size_t)n, " -w %g",
			      warn_s);
	if (crit_s > 0)
		snprintf(command + n, sizeof command - (size_t)n, " -c %g",
			 crit_s);
	char *answer, err[512];
	size_t len;
	if (status_ask(path, command, &answer, &len, err, sizeof err) < 0) {
		fprintf(stderr, "veriport: %s\n", err);
		/* Nagios shows a plugin's stdout, not its stderr. */
		if (format == REPORT_NAGIOS)
			printf("VERIPORT UNKNOWN - %s\n", err);
		status = CMD_EXIT_USAGE;
		goto out;
	}
	if (strncmp(answer, "error: ", 7) == 0) {
		fprintf(stderr, "veriport: %s: %s", path, answer + 7);
		if (format == REPORT_NAGIOS)
			printf("VERIPORT UNKNOWN - %s", answer + 7);
		free(answer);
		status = CMD_EXIT_USAGE;
		goto out;
	}
	if (format == REPORT_NAGIOS) {
		/* The plugin's exit code comes on the last line, exit=N. */
		char *last = len >= 2 ? memrchr(answer, '\n', len - 1) : NULL;
		last = last != NULL ? last + 1 : answer;
		if (strncmp(last, "exit=", 5) == 0 && last[5] >= '0' &&
		    last[5] <= '3' && strcmp(last + 6, "\n") == 0) {
			status = last[5] - '0';
			len = (size_t)(last - answer);
		} else {
			fprintf(stderr,
				"veriport: %s: an answer without its "
				"exit=N line\n",
				path);
			status = CMD_EXIT_USAGE;
		}
	}
	fwrite(answer, 1, len, stdout);
	free(answer);
out:
	free(srcs);
	return status;
}
