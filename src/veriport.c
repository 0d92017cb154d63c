/* veriport: the command-line program. Dispatches to its commands
 * (cmd.h, cmd_respond.h), which map outcomes to the exit codes of
 * DESIGN.md. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "veriport/cmd.h"
#include "veriport/cmd_respond.h"

int main(int argc, char **argv)
{
	/* libuv writes with write(2): a probed server that resets in the
	 * middle of a dialogue must cost an EPIPE, not the program. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return cmd_usage_error("%s", "expected a command");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(cmd_usage_text, stdout);
		fputs(cmd_help_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("veriport %s\n", PACKAGE_VERSION);
		return 0;
	}
	int status;
	if (strcmp(cmd, "check") == 0)
		status = cmd_check(argc - 1, argv + 1);
	else if (strcmp(cmd, "catalog") == 0)
		status = cmd_catalog(argc - 1, argv + 1);
	else if (strcmp(cmd, "status") == 0)
		status = cmd_status(argc - 1, argv + 1);
	else if (strcmp(cmd, "probe") == 0)
		status = cmd_probe(argc - 1, argv + 1);
	else if (strcmp(cmd, "accept") == 0)
		status = cmd_accept(argc - 1, argv + 1);
	else if (strcmp(cmd, "respond") == 0)
		status = cmd_respond(argc - 1, argv + 1);
	else if (cmd[0] == '-')
		status = cmd_usage_error("unknown option '%s'", cmd);
	else
		status = cmd_usage_error("unknown command '%s'", cmd);
	return cmd_finish_output(status);
}
