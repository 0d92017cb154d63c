/* What the veriport commands share: the usage and help text, usage
 * errors, the table width, the Nagios thresholds' grammar. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/cmd.h"
#include "veriport/cmd_respond.h"
#include "veriport/conf.h"
#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/xalloc.h"

/* Width for wrapped tables when stdout is not a terminal. */
#define DEFAULT_WIDTH 100

#define CHECK_USAGE                                                            \
	"veriport check   --profile NAME --role ROLE "                         \
	"[--map ROLE=HOST[,HOST...]]...\n"                                     \
	"                        [--only CHANNEL]... [--optional] [-4 | -6]\n" \
	"                        [--source ADDR] [--proxy http://HOST:PORT]\n" \
	"                        [--timeout SECONDS]\n"                        \
	"                        [--format table|json|nagios|prometheus] "     \
	"[--ca-file FILE]\n"                                                   \
	"                        [--canary HOST] [--catalog-dir DIR] "         \
	"[--verbose]\n"                                                        \
	"                        [--failed-only] [--color[=WHEN]]\n"           \
	"                        [--interceptors FILE] [--snmp-community "     \
	"NAME]\n"                                                              \
	"                        [--parallel N] [--deadline SECONDS] "         \
	"[--cert-warn DAYS]\n"                                                 \
	"                        [--responder TOKEN | --responder-file "       \
	"FILE]\n"                                                              \
	"                        [-w SECONDS] [-c SECONDS] [--output FILE]\n"
#define CATALOG_USAGE                                                          \
	"veriport catalog list [--json] [--catalog-dir DIR]\n"                 \
	"       veriport catalog show NAME [--json] [--catalog-dir DIR]\n"
#define STATUS_USAGE                                                           \
	"veriport status  [--socket PATH]... [--from FILE]...\n"               \
	"                        [--format table|json|nagios|prometheus]\n"    \
	"                        [-w SECONDS] [-c SECONDS] [--failed-only]\n"  \
	"                        [--verbose] [--color[=WHEN]]\n"
#define PROBE_USAGE "veriport probe   [--socket PATH] [CHANNEL]\n"
#define ACCEPT_USAGE "veriport accept  [--socket PATH] [CHANNEL]\n"

const char cmd_usage_text[] =
    "usage: " CHECK_USAGE CMD_RESPOND_USAGE "       " CATALOG_USAGE
    "       " STATUS_USAGE "       " PROBE_USAGE "       " ACCEPT_USAGE
    "       veriport --help | --version\n";

const char cmd_help_text[] =
    "\n"
    "veriport probes, live, the firewall channels a mail product needs\n"
    "(from the vendor's table, a \"catalog\") and says for each one whether "
    "it\n"
    "works, how it is blocked, or whether a proxy intercepts it.\n"
    "\n"
    "commands:\n"
    "  check                 probe every channel of PROFILE that ROLE takes "
    "part in\n"
    "  status                the results veriportd serves on its status "
    "socket\n"
    "  probe [CHANNEL]       veriportd sweeps now, CHANNEL or all of them\n"
    "  accept [CHANNEL]      veriportd accepts what the targets present "
    "now\n"
    "  catalog list          the product profiles veriport knows\n"
    "  catalog show NAME     one profile's roles and channels\n"
    "  respond               stand in for ROLE's end of its channels\n"
    "\n"
    "veriport COMMAND --help lists the options of COMMAND.\n"
    "The catalog folder is --catalog-dir, else $VERIPORT_CATALOG_DIR, else "
    "the\n"
    "installed one (" VERIPORT_CATALOGDIR ").\n"
    "Exit status: 0 ok, 1 warning, 2 critical, 3 usage, catalog or\n"
    "configuration error. See veriport(1).\n";

const char cmd_check_help[] =
    "usage: " CHECK_USAGE "\n"
    "Probes every channel of PROFILE that ROLE takes part in, from this "
    "host.\n"
    "\n"
    "check options:\n"
    "  --profile NAME              the product profile (veriport catalog "
    "list)\n"
    "  --role ROLE                 the role this host plays in it\n"
    "  --map ROLE=HOST[,HOST...]   hosts playing ROLE (or one CHANNEL's "
    "target;\n"
    "                              HOST:PORT or [IPv6]:PORT for a one-off "
    "port)\n"
    "  --only CHANNEL              probe only this channel (repeatable)\n"
    "  --optional                  probe optional channels too\n"
    "  -4, --ipv4 | -6, --ipv6     one address family only (default both)\n"
    "  --source ADDR               bind every probe to this address of this\n"
    "                              host (targets of the other family are\n"
    "                              skipped)\n"
    "  --proxy http://HOST:PORT    the channels whose vendor allows an HTTP\n"
    "                              proxy go through this one (CONNECT); the\n"
    "                              others are probed directly\n"
    "  --timeout SECONDS           per probe (default 3)\n"
    "  --parallel N                probes at once (default: what the\n"
    "                              descriptor limit allows)\n"
    "  --cert-warn DAYS            a certificate ending sooner is a warning\n"
    "                              (default 21; 0: never)\n"
    "  --deadline SECONDS          the whole sweep (default: from the work);\n"
    "                              what is not finished is skipped\n"
    "  --snmp-community NAME       for snmp checks (default public)\n"
    "  --ca-file FILE              what internal servers chain to (added to\n"
    "                              the system store for public roles)\n"
    "  --ca-file ROLE=FILE         what ROLE's servers chain to (repeatable)\n"
    "  --canary HOST               an address with no service: whatever "
    "answers\n"
    "                              there answers for every host\n"
    "  --interceptors FILE         known interception products\n"
    "                              (default: interceptors.list in the catalog "
    "folder)\n"
    "  --responder TOKEN           a `veriport respond` answers at the\n"
    "                              targets: its token must come back\n"
    "  --responder-file FILE       ... the one that wrote FILE, for its\n"
    "                              role (token, key, control port)\n"
    "  --format FORMAT             table (default), json, nagios or "
    "prometheus\n"
    "  --verbose                   evidence lines under every result\n"
    "  --failed-only               table: only what is neither ok nor "
    "skipped\n"
    "  --color[=WHEN]              table: auto (default: on a terminal, "
    "unless\n"
    "                              NO_COLOR or TERM=dumb), always or never\n"
    "  --output FILE               the report to FILE (replaced whole), not\n"
    "                              stdout\n"
    "  -w, --warning SECONDS       nagios: a channel slower than this is a\n"
    "                              warning\n"
    "  -c, --critical SECONDS      nagios: ... is critical\n"
    "  --catalog-dir DIR           where the catalogs are (default\n"
    "                              $VERIPORT_CATALOG_DIR, "
    "else " VERIPORT_CATALOGDIR ")\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 ok, 1 warning, 2 critical, 3 usage, catalog or\n"
    "configuration error. See veriport(1).\n";

const char cmd_catalog_help[] =
    "usage: " CATALOG_USAGE "\n"
    "The product profiles veriport knows (list), and one profile's roles "
    "and\n"
    "channels (show).\n"
    "\n"
    "catalog options:\n"
    "  --json                      JSON instead of a table\n"
    "  --catalog-dir DIR           where the catalogs are (default\n"
    "                              $VERIPORT_CATALOG_DIR, "
    "else " VERIPORT_CATALOGDIR ")\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0, or 3 on a usage or catalog error. See veriport(1).\n";

const char cmd_status_help[] =
    "usage: " STATUS_USAGE "\n"
    "The results veriportd serves on its status socket.\n"
    "\n"
    "status options:\n"
    "  --socket PATH               the daemon's socket, again for more\n"
    "                              (default " CONF_SOCKET_DEFAULT ")\n"
    "  --from FILE                 a saved `check` or `status --format json`\n"
    "                              document (- for standard input); again "
    "for\n"
    "                              more\n"
    "  --format FORMAT             table (default), json, nagios or "
    "prometheus\n"
    "                              (prometheus: one daemon only)\n"
    "  -w, --warning SECONDS       nagios: a channel slower than this is a\n"
    "                              warning (one daemon only)\n"
    "  -c, --critical SECONDS      nagios: ... is critical\n"
    "  --failed-only, --verbose, --color[=WHEN]\n"
    "                              the table of several sources, as for "
    "check\n"
    "  -h, --help                  this text\n"
    "\n"
    "More than one source (or any --from) shows one table of all of them,\n"
    "a SOURCE column first.\n"
    "Exit status: with --format nagios the plugin's; else 0, or 3 when the\n"
    "daemon cannot be asked. With several sources, the worst of their\n"
    "statuses in every format, 3 when one could not be read. See "
    "veriport(1).\n";

const char cmd_probe_help[] =
    "usage: " PROBE_USAGE "\n"
    "Asks veriportd for a sweep now, of CHANNEL only or of every channel;\n"
    "veriport status shows its results once it has ended.\n"
    "\n"
    "probe options:\n"
    "  --socket PATH               the daemon's socket "
    "(default " CONF_SOCKET_DEFAULT ")\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 when the sweep started; 3 when the daemon cannot be\n"
    "asked, a sweep is running or CHANNEL is unknown. See veriport(1).\n";

const char cmd_accept_help[] =
    "usage: " ACCEPT_USAGE "\n"
    "Tells veriportd to accept what the targets (of CHANNEL, or all of\n"
    "them) present now, certificates and host keys, as what they should\n"
    "present: a change it reported is no longer one.\n"
    "\n"
    "accept options:\n"
    "  --socket PATH               the daemon's socket "
    "(default " CONF_SOCKET_DEFAULT ")\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 when accepted (the answer says how many entries); 3\n"
    "when the daemon cannot be asked or CHANNEL is unknown. See "
    "veriport(1).\n";

/* Set by a command whose output is a Nagios plugin's: its first error
 * is also its UNKNOWN line on stdout, since Nagios shows only that. */
static bool nagios_errors, nagios_said;

void cmd_errors_as_nagios(void)
{
	nagios_errors = true;
}

static void say_error(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "veriport: %s\n", msg);
	if (nagios_errors && !nagios_said) {
		report_nagios_unknown(stdout, msg);
		nagios_said = true;
	}
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_error(fmt, ap);
	va_end(ap);
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_error(fmt, ap);
	va_end(ap);
	fputs(cmd_usage_text, stderr);
	return CMD_EXIT_USAGE;
}

int cmd_terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *cols = getenv("COLUMNS");
	if (cols != NULL && atoi(cols) > 0)
		return atoi(cols);
	return DEFAULT_WIDTH;
}

/* -w/-c SECONDS: a Nagios threshold on each channel's time. */
bool cmd_threshold_arg(int flag, const char *arg, double *out)
{
	if (conf_parse_seconds(arg, 0.000001, STATUS_THRESHOLD_MAX_S, out))
		return true;
	cmd_usage_error(
	    "-%c %s: expected seconds from 0.000001 to %d, such as 1.5", flag,
	    arg, STATUS_THRESHOLD_MAX_S);
	return false;
}

/* Whoever reads stdout has gone (`veriport ... | head -1`): a pipe or
 * socket whose reader closed polls as an error for its writer. */
static bool stdout_reader_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

int cmd_finish_output(int status)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;
	if (!failed)
		return status;
	/* A closed pipe is the reader's choice, not an error: the command
	 * keeps the status it had, silently. */
	if (err == EPIPE || stdout_reader_gone())
		return status;
	fprintf(stderr, "veriport: writing output: %s\n", strerror(err));
	return status == 0 ? CMD_EXIT_USAGE : status;
}

int cmd_output_open(struct cmd_output *o, const char *path)
{
	*o = (struct cmd_output){.f = stdout};
	if (path == NULL)
		return 0;
	o->path = path;
	/* Only a regular file is replaced; a device, a pipe or a symbolic
	 * link (/dev/full, a FIFO, /dev/stdout) is written as it is, since
	 * renaming over it would replace the device or the link. */
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		if (o->f == NULL) {
			cmd_error("--output %s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Beside FILE, so the rename stays on one file system. */
	o->tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		cmd_error("--output %s: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->f = fdopen(fd, "w");
	if (o->f == NULL)
		fatalx("%s: fdopen: %s", __func__, strerror(errno));
	return 0;
}

int cmd_output_close(struct cmd_output *o, int status)
{
	if (o->f == stdout)
		return status;
	if (o->tmp == NULL) {
		int failed = fflush(o->f) != 0 || ferror(o->f);
		int err = errno;
		if (fclose(o->f) != 0 && !failed) {
			failed = 1;
			err = errno;
		}
		if (!failed)
			return status;
		cmd_error("--output %s: %s", o->path, strerror(err));
		return CMD_EXIT_USAGE;
	}
	int failed = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f));
	int err = errno;
	failed |= fclose(o->f) != 0;
	if (!failed && rename(o->tmp, o->path) == 0) {
		free(o->tmp);
		return status;
	}
	if (!failed)
		err = errno;
	unlink(o->tmp);
	cmd_error("--output %s: %s", o->path, strerror(err));
	free(o->tmp);
	return CMD_EXIT_USAGE;
}

void cmd_output_discard(struct cmd_output *o)
{
	if (o->f == stdout)
		return;
	fclose(o->f);
	if (o->tmp == NULL)
		return;
	unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
}

bool cmd_term_dumb(void)
{
	const char *term = getenv("TERM");
	return term != NULL && strcmp(term, "dumb") == 0;
}

bool cmd_colour(const char *when, bool to_stdout)
{
	if (when != NULL && strcmp(when, "always") == 0)
		return true;
	if (when != NULL && strcmp(when, "never") == 0)
		return false;
	/* auto: a terminal that is not dumb, and no NO_COLOR (no-color.org:
	 * set and not empty). */
	const char *no = getenv("NO_COLOR");
	return to_stdout && isatty(STDOUT_FILENO) && !cmd_term_dumb() &&
	       (no == NULL || *no == '\0');
}
