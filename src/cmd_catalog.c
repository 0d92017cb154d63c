/* `veriport catalog list|show`: the profiles veriport knows, and one
 * profile's roles and channels. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/cmd.h"
#include "veriport/report.h"
#include "veriport/xalloc.h"

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
			fputs(cmd_catalog_help, stdout);
			exit(0);
		default:
			cmd_usage_error("unknown or incomplete option '%s'",
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
		return CMD_EXIT_USAGE;
	if (first != argc)
		return cmd_usage_error("unexpected argument '%s'", argv[first]);
	const char *dir = catalog_dir(o.dir);
	char **names;
	size_t n;
	int rc = catalog_list_dir(dir, &names, &n);
	if (rc < 0) {
		fprintf(stderr, "veriport: catalog folder %s: %s\n", dir,
			strerror(-rc));
		return CMD_EXIT_USAGE;
	}
	struct catalog **cats = xcalloc(n, sizeof *cats);
	int status = 0;
	size_t loaded = 0;
	for (size_t i = 0; i < n; i++) {
		struct catalog_error err;
		if (catalog_load_profile(dir, names[i], &cats[loaded], &err) <
		    0) {
			fprintf(stderr, "veriport: %s\n", err.msg);
			status = CMD_EXIT_USAGE;
		} else {
			loaded++;
		}
		free(names[i]);
	}
	free(names);
	if (o.json) {
		if (report_catalog_list_json(stdout, cats, loaded) < 0 &&
		    !ferror(stdout))
			status = CMD_EXIT_USAGE;
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
		return CMD_EXIT_USAGE;
	if (first == argc)
		return cmd_usage_error("%s",
				       "catalog show: expected a profile name");
	if (first + 1 != argc)
		return cmd_usage_error("unexpected argument '%s'",
				       argv[first + 1]);
	struct catalog *cat;
	struct catalog_error err;
	if (catalog_load_profile(catalog_dir(o.dir), argv[first], &cat, &err) <
	    0) {
		fprintf(stderr, "veriport: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	int status = 0;
	if (o.json)
		status =
		    report_catalog_show_json(stdout, cat) < 0 && !ferror(stdout)
			? CMD_EXIT_USAGE
			: 0;
	else
		report_catalog_show_table(stdout, cat, cmd_terminal_width());
	catalog_free(cat);
	return status;
}

int cmd_catalog(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error("%s",
				       "catalog: expected 'list' or 'show'");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cmd_catalog_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return catalog_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return catalog_show(argc - 1, argv + 1);
	return cmd_usage_error("catalog: unknown subcommand '%s'", argv[1]);
}
