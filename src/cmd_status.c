/* `veriport status`: ask veriportd's status socket in one of the
 * formats and print the answer; Nagios's exit code comes from its
 * last line. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/cmd.h"
#include "veriport/conf.h"
#include "veriport/report.h"
#include "veriport/status.h"

/* The status socket command behind each --format. */
static const char *const format_commands[] = {
    [REPORT_TABLE] = "table",
    [REPORT_JSON] = "status",
    [REPORT_NAGIOS] = "nagios",
    [REPORT_PROMETHEUS] = "metrics",
};

int cmd_status(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_FORMAT };
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"warning", required_argument, NULL, 'w'},
	    {"critical", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = CONF_SOCKET_DEFAULT;
	int format = REPORT_TABLE, c;
	double warn_s = 0, crit_s = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hw:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
		case 'c':
			if (!cmd_threshold_arg(c, optarg,
					       c == 'w' ? &warn_s : &crit_s))
				return CMD_EXIT_USAGE;
			break;
		case OPT_SOCKET:
			path = optarg;
			break;
		case OPT_FORMAT:
			format = report_format_from_name(optarg);
			if (format < 0)
				return cmd_usage_error(
				    "--format %s: expected table, json, "
				    "nagios or prometheus",
				    optarg);
			break;
		case 'h':
			fputs(cmd_status_help, stdout);
			exit(0);
		default:
			return cmd_usage_error(
			    "unknown or incomplete option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage_error("unexpected argument '%s'",
				       argv[optind]);
	if ((warn_s > 0 || crit_s > 0) && format != REPORT_NAGIOS)
		return cmd_usage_error("%s",
				       "-w and -c go with --format nagios");
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
		return CMD_EXIT_USAGE;
	}
	if (strncmp(answer, "error: ", 7) == 0) {
		fprintf(stderr, "veriport: %s: %s", path, answer + 7);
		if (format == REPORT_NAGIOS)
			printf("VERIPORT UNKNOWN - %s", answer + 7);
		free(answer);
		return CMD_EXIT_USAGE;
	}
	int status = 0;
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
	return status;
}
