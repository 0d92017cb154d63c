/* `veriport probe` and `veriport accept`: one command line on veriportd's
 * status socket (a sweep now, or the targets' present state accepted),
 * its one-line answer printed; an "error: " answer is exit 3. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/cmd.h"
#include "veriport/conf.h"
#include "veriport/status.h"

/* NAME is the socket command too; HELP its --help. */
static int cmd_socket(int argc, char **argv, const char *name, const char *help)
{
	enum { OPT_SOCKET = 256 };
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = CONF_SOCKET_DEFAULT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			path = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			exit(0);
		default:
			return cmd_usage_error(
			    "unknown or incomplete option '%s'",
			    argv[optind - 1]);
		}
	}
	const char *channel = NULL;
	if (optind < argc)
		channel = argv[optind++];
	if (optind != argc)
		return cmd_usage_error("unexpected argument '%s'",
				       argv[optind]);
	/* The channel goes on the socket's command line: a catalog id, or
	 * it could smuggle a second command. */
	if (channel != NULL && !catalog_id_valid(channel))
		return cmd_usage_error(
		    "%s: '%.*s' is not a channel id (veriport "
		    "catalog show PROFILE lists them)",
		    name, CATALOG_ID_MAX, channel);
	char command[STATUS_COMMAND_MAX + 1];
	snprintf(command, sizeof command, "%s%s%s", name, channel ? " " : "",
		 channel ? channel : "");
	char *answer, err[512];
	size_t len;
	if (status_ask(path, command, &answer, &len, err, sizeof err) < 0) {
		cmd_error("%s", err);
		return CMD_EXIT_USAGE;
	}
	int status = 0;
	if (strncmp(answer, "ok: ", 4) == 0) {
		fwrite(answer + 4, 1, len - 4, stdout);
	} else {
		const char *msg =
		    strncmp(answer, "error: ", 7) == 0 ? answer + 7 : answer;
		fprintf(stderr, "veriport: %s: %s", path, msg);
		if (len == 0 || answer[len - 1] != '\n')
			fputc('\n', stderr);
		status = CMD_EXIT_USAGE;
	}
	free(answer);
	return status;
}

int cmd_probe(int argc, char **argv)
{
	return cmd_socket(argc, argv, "probe", cmd_probe_help);
}

int cmd_accept(int argc, char **argv)
{
	return cmd_socket(argc, argv, "accept", cmd_accept_help);
}
