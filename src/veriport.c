/* veriport: the command-line program. Parses options, wires the modules
 * together and maps outcomes to the exit codes of DESIGN.md. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "veriport/catalog.h"
#include "veriport/report.h"
#include "veriport/xalloc.h"

/* Nagios plugin convention (DESIGN.md): 3 is usage, catalog or
 * configuration error. */
enum { EXIT_USAGE = 3 };

/* Width for wrapped tables when stdout is not a terminal. */
#define DEFAULT_WIDTH 100

static const char usage_text[] =
	"usage: veriport check   --profile NAME --role ROLE [--map ROLE=HOST[,HOST...]]...\n"
	"                        [--only CHANNEL]... [--optional] [--timeout SECONDS]\n"
	"                        [--format table|json|nagios|prometheus] [--ca-file FILE]\n"
	"                        [--canary HOST] [--catalog-dir DIR] [--verbose]\n"
	"       veriport catalog list [--json] [--catalog-dir DIR]\n"
	"       veriport catalog show NAME [--json] [--catalog-dir DIR]\n"
	"       veriport status  [--socket PATH] [--format table|json|nagios|prometheus]\n"
	"       veriport --help | --version\n";

static const char help_text[] =
	"\n"
	"veriport probes, live, the firewall channels a mail product needs\n"
	"(from the vendor's table, a \"catalog\") and says for each one whether it\n"
	"works, how it is blocked, or whether a proxy intercepts it.\n"
	"\n"
	"commands:\n"
	"  catalog list          the product profiles veriport knows\n"
	"  catalog show NAME     one profile's roles and channels\n"
	"\n"
	"The catalog folder is --catalog-dir, else $VERIPORT_CATALOG_DIR, else the\n"
	"installed one (" VERIPORT_CATALOGDIR ").\n"
	"Exit status: 0 ok, 1 warning, 2 critical, 3 usage, catalog or\n"
	"configuration error. See veriport(1).\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt,
							       ...)
{
	va_list ap;
	fputs("veriport: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	const char *cols = getenv("COLUMNS");
	if (cols != NULL && atoi(cols) > 0)
		return atoi(cols);
	return DEFAULT_WIDTH;
}

struct catalog_opts {
	bool json;
	const char *dir;
};

/* Options shared by the catalog subcommands; returns the index of the
 * first operand or -1 after reporting a usage error. */
static int parse_catalog_opts(int argc, char **argv, struct catalog_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"catalog-dir", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'C':
			o->dir = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			usage_error("unknown or incomplete option '%s'",
				    argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

static int catalog_list(int argc, char **argv)
{
	struct catalog_opts o = {0};
	int first = parse_catalog_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first != argc)
		return usage_error("unexpected argument '%s'", argv[first]);
	const char *dir = catalog_dir(o.dir);
	char **names;
	size_t n;
	int rc = catalog_list_dir(dir, &names, &n);
	if (rc < 0) {
		fprintf(stderr, "veriport: catalog folder %s: %s\n", dir,
			strerror(-rc));
		return EXIT_USAGE;
	}
	struct catalog **cats = xcalloc(n, sizeof *cats);
	int status = 0;
	size_t loaded = 0;
	for (size_t i = 0; i < n; i++) {
		struct catalog_error err;
		if (catalog_load_profile(dir, names[i], &cats[loaded], &err) < 0) {
			fprintf(stderr, "veriport: %s\n", err.msg);
			status = EXIT_USAGE;
		} else {
			loaded++;
		}
		free(names[i]);
	}
	free(names);
	if (o.json) {
		if (report_catalog_list_json(stdout, cats, loaded) < 0)
			status = EXIT_USAGE;
	} else {
		report_catalog_list_table(stdout, cats, loaded);
	}
	for (size_t i = 0; i < loaded; i++)
		catalog_free(cats[i]);
	free(cats);
	return status;
}

static int catalog_show(int argc, char **argv)
{
	struct catalog_opts o = {0};
	int first = parse_catalog_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first == argc)
		return usage_error("%s", "catalog show: expected a profile name");
	if (first + 1 != argc)
		return usage_error("unexpected argument '%s'", argv[first + 1]);
	struct catalog *cat;
	struct catalog_error err;
	if (catalog_load_profile(catalog_dir(o.dir), argv[first], &cat, &err) <
	    0) {
		fprintf(stderr, "veriport: %s\n", err.msg);
		return EXIT_USAGE;
	}
	int status = 0;
	if (o.json)
		status = report_catalog_show_json(stdout, cat) < 0 ? EXIT_USAGE
								   : 0;
	else
		report_catalog_show_table(stdout, cat, terminal_width());
	catalog_free(cat);
	return status;
}

static int cmd_catalog(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "catalog: expected 'list' or 'show'");
	if (strcmp(argv[1], "list") == 0)
		return catalog_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return catalog_show(argc - 1, argv + 1);
	return usage_error("catalog: unknown subcommand '%s'", argv[1]);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "expected a command");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("veriport %s\n", PACKAGE_VERSION);
		return 0;
	}
	int status;
	if (strcmp(cmd, "catalog") == 0)
		status = cmd_catalog(argc - 1, argv + 1);
	else if (cmd[0] == '-')
		status = usage_error("unknown option '%s'", cmd);
	else
		status = usage_error("unknown command '%s'", cmd);
	if (fflush(stdout) != 0 && status == 0) {
		fprintf(stderr, "veriport: writing output: %s\n",
			strerror(errno));
		status = EXIT_USAGE;
	}
	return status;
}
