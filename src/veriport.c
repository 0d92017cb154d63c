/* veriport: the command-line program. Parses options, wires the modules
 * together and maps outcomes to the exit codes of DESIGN.md. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "veriport/catalog.h"
#include "veriport/cmd_respond.h"
#include "veriport/conf.h"
#include "veriport/intercept.h"
#include "veriport/plan.h"
#include "veriport/probe.h"
#include "veriport/report.h"
#include "veriport/respond_file.h"
#include "veriport/status.h"
#include "veriport/sweep.h"
#include "veriport/xalloc.h"

/* Nagios plugin convention (DESIGN.md): 3 is usage, catalog or
 * configuration error. */
enum { EXIT_USAGE = 3 };

/* Width for wrapped tables when stdout is not a terminal. */
#define DEFAULT_WIDTH 100

static const char usage_text[] =
    "usage: veriport check   --profile NAME --role ROLE [--map "
    "ROLE=HOST[,HOST...]]...\n"
    "                        [--only CHANNEL]... [--optional] [--timeout "
    "SECONDS]\n"
    "                        [--format table|json|nagios|prometheus] "
    "[--ca-file FILE]\n"
    "                        [--canary HOST] [--catalog-dir DIR] [--verbose]\n"
    "                        [--interceptors FILE] [--snmp-community NAME]\n"
    "                        [--parallel N] [--deadline SECONDS] [--cert-warn "
    "DAYS]\n"
    "                        [--responder TOKEN | --responder-file FILE]\n"
    "                        [-w SECONDS] [-c SECONDS]\n" CMD_RESPOND_USAGE
    "       veriport catalog list [--json] [--catalog-dir DIR]\n"
    "       veriport catalog show NAME [--json] [--catalog-dir DIR]\n"
    "       veriport status  [--socket PATH] [--format "
    "table|json|nagios|prometheus]\n"
    "                        [-w SECONDS] [-c SECONDS]\n"
    "       veriport --help | --version\n";

static const char help_text[] =
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
    "  catalog list          the product profiles veriport knows\n"
    "  catalog show NAME     one profile's roles and channels\n"
    "  respond               stand in for ROLE's end of its channels\n"
    "                        (veriport respond --help)\n"
    "\n"
    "check options:\n"
    "  --map ROLE=HOST[,HOST...]   hosts playing ROLE (or one CHANNEL's "
    "target)\n"
    "  --only CHANNEL              probe only this channel (repeatable)\n"
    "  --optional                  probe optional channels too\n"
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
    "  --verbose                   evidence lines under every result\n"
    "  -w, --warning SECONDS       nagios: a channel slower than this is a\n"
    "                              warning\n"
    "  -c, --critical SECONDS      nagios: ... is critical\n"
    "\n"
    "The catalog folder is --catalog-dir, else $VERIPORT_CATALOG_DIR, else "
    "the\n"
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
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
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
		if (catalog_load_profile(dir, names[i], &cats[loaded], &err) <
		    0) {
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
		return usage_error("%s",
				   "catalog show: expected a profile name");
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
		status =
		    report_catalog_show_json(stdout, cat) < 0 ? EXIT_USAGE : 0;
	else
		report_catalog_show_table(stdout, cat, terminal_width());
	catalog_free(cat);
	return status;
}

struct check_opts {
	const char *profile, *role, *dir;
	struct plan_map *maps;
	size_t nmaps;
	const char **only;
	size_t nonly;
	unsigned parallel;
	double deadline_s;
	unsigned cert_warn;
	double warn_s, crit_s; /* Nagios thresholds on a channel's time */
	bool optional, verbose;
	double timeout_s;
	int format;
	const char *snmp_community;
	const char *ca_file;
	struct sweep_role_ca *role_ca;
	size_t nrole_ca;
	const char *canary;
	const char *interceptors;
	const char *responder;      /* --responder TOKEN */
	const char *responder_file; /* --responder-file FILE */
};

/* --ca-file ROLE=FILE: what comes before '=' is a role id (a path
 * without '/' before an '=' is taken for one; write ./FILE then). */
static bool role_ca_arg(char *arg, struct check_opts *o)
{
	char *eq = strchr(arg, '=');
	if (eq == NULL)
		return false;
	*eq = '\0';
	if (!catalog_id_valid(arg)) {
		*eq = '=';
		return false;
	}
	o->role_ca =
	    xreallocarray(o->role_ca, o->nrole_ca + 1, sizeof *o->role_ca);
	o->role_ca[o->nrole_ca++] = (struct sweep_role_ca){arg, eq + 1};
	return true;
}

/* -w/-c SECONDS: a Nagios threshold on each channel's time. */
static bool threshold_arg(int flag, const char *arg, double *out)
{
	if (conf_parse_seconds(arg, 0.000001, STATUS_THRESHOLD_MAX_S, out))
		return true;
	usage_error("-%c %s: expected seconds from 0.000001 to %d, such as 1.5",
		    flag, arg, STATUS_THRESHOLD_MAX_S);
	return false;
}

static int parse_check_opts(int argc, char **argv, struct check_opts *o)
{
	enum {
		OPT_PROFILE = 256,
		OPT_ROLE,
		OPT_MAP,
		OPT_ONLY,
		OPT_OPTIONAL,
		OPT_TIMEOUT,
		OPT_FORMAT,
		OPT_CA_FILE,
		OPT_CANARY,
		OPT_CATALOG_DIR,
		OPT_VERBOSE,
		OPT_SNMP,
		OPT_INTERCEPTORS,
		OPT_DEADLINE,
		OPT_PARALLEL,
		OPT_CERT_WARN,
		OPT_RESPONDER,
		OPT_RESPONDER_FILE,
		OPT_WARNING = 'w',
		OPT_CRITICAL = 'c',
	};
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, OPT_PROFILE},
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"map", required_argument, NULL, OPT_MAP},
	    {"only", required_argument, NULL, OPT_ONLY},
	    {"optional", no_argument, NULL, OPT_OPTIONAL},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"canary", required_argument, NULL, OPT_CANARY},
	    {"catalog-dir", required_argument, NULL, OPT_CATALOG_DIR},
	    {"verbose", no_argument, NULL, OPT_VERBOSE},
	    {"snmp-community", required_argument, NULL, OPT_SNMP},
	    {"interceptors", required_argument, NULL, OPT_INTERCEPTORS},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"parallel", required_argument, NULL, OPT_PARALLEL},
	    {"cert-warn", required_argument, NULL, OPT_CERT_WARN},
	    {"responder", required_argument, NULL, OPT_RESPONDER},
	    {"responder-file", required_argument, NULL, OPT_RESPONDER_FILE},
	    {"warning", required_argument, NULL, OPT_WARNING},
	    {"critical", required_argument, NULL, OPT_CRITICAL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	optind = 1;
	opterr = 0;
	int c;
	char err[256];
	while ((c = getopt_long(argc, argv, "hw:c:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_WARNING:
		case OPT_CRITICAL:
			if (!threshold_arg(c, optarg,
					   c == 'w' ? &o->warn_s : &o->crit_s))
				return EXIT_USAGE;
			break;
		case OPT_RESPONDER:
			if (!respond_token_valid(optarg))
				return usage_error(
				    "--responder %s: expected the token "
				    "`veriport respond` printed (%s and "
				    "lowercase hex digits)",
				    optarg, RESPOND_TOKEN_PREFIX);
			o->responder = optarg;
			break;
		case OPT_RESPONDER_FILE:
			o->responder_file = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_ROLE:
			o->role = optarg;
			break;
		case OPT_MAP:
			o->maps = xreallocarray(o->maps, o->nmaps + 1,
						sizeof *o->maps);
			if (plan_parse_map(optarg, &o->maps[o->nmaps], err,
					   sizeof err) < 0)
				return usage_error("%s", err);
			o->nmaps++;
			break;
		case OPT_ONLY:
			o->only = xreallocarray(o->only, o->nonly + 1,
						sizeof *o->only);
			o->only[o->nonly++] = optarg;
			break;
		case OPT_OPTIONAL:
			o->optional = true;
			break;
		case OPT_TIMEOUT:
			if (!conf_parse_seconds(
				optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				PROBE_TIMEOUT_MAX_MS / 1000.0, &o->timeout_s))
				return usage_error(
				    "--timeout %s: expected seconds from %g to "
				    "%g, such as 3 or 0.5",
				    optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				    PROBE_TIMEOUT_MAX_MS / 1000.0);
			break;
		case OPT_DEADLINE:
			if (!conf_parse_seconds(
				optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				CONF_DEADLINE_MAX_S, &o->deadline_s))
				return usage_error(
				    "--deadline %s: expected seconds from %g "
				    "to %d",
				    optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				    CONF_DEADLINE_MAX_S);
			break;
		case OPT_CERT_WARN: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    v > RESULTS_CERT_WARN_MAX)
				return usage_error(
				    "--cert-warn %s: expected whole days from "
				    "0 (no warning) to %d",
				    optarg, RESULTS_CERT_WARN_MAX);
			o->cert_warn = (unsigned)v;
			break;
		}
		case OPT_PARALLEL: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    v < 1 || v > PROBE_PARALLEL_MAX)
				return usage_error("--parallel %s: expected a "
						   "whole number from 1 to %d",
						   optarg, PROBE_PARALLEL_MAX);
			o->parallel = (unsigned)v;
			break;
		}
		case OPT_FORMAT:
			o->format = report_format_from_name(optarg);
			if (o->format < 0)
				return usage_error(
				    "--format %s: expected table, json, "
				    "nagios or prometheus",
				    optarg);
			break;
		case OPT_CA_FILE:
			if (!role_ca_arg(optarg, o))
				o->ca_file = optarg;
			break;
		case OPT_CANARY:
			o->canary = optarg;
			break;
		case OPT_INTERCEPTORS:
			o->interceptors = optarg;
			break;
		case OPT_CATALOG_DIR:
			o->dir = optarg;
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_SNMP:
			o->snmp_community = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage_error("unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->profile == NULL || o->role == NULL)
		return usage_error("%s", "check: expected --profile NAME and "
					 "--role ROLE");
	if (o->responder != NULL && o->responder_file != NULL)
		return usage_error("%s", "--responder and --responder-file: "
					 "one or the other");
	return 0;
}

/* The live progress line, on a terminal only, erased when done. */
static void check_on_progress(void *arg, size_t done, size_t total)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kprobing: %zu of %zu done", done, total);
	fflush(stderr);
}

static int cmd_check(int argc, char **argv)
{
	struct check_opts o = {
	    .timeout_s = PROBE_TIMEOUT_DEFAULT_MS / 1000.0,
	    .cert_warn = RESULTS_CERT_WARN_DEFAULT,
	    .format = isatty(STDOUT_FILENO) ? REPORT_TABLE : -1,
	    .snmp_community = "public",
	};
	int status = parse_check_opts(argc, argv, &o);
	if (status != 0)
		goto out_maps;
	if (o.format < 0)
		o.format = REPORT_TABLE;
	status = EXIT_USAGE;
	struct catalog *cat;
	struct catalog_error cerr;
	if (catalog_load_profile(catalog_dir(o.dir), o.profile, &cat, &cerr) <
	    0) {
		fprintf(stderr, "veriport: %s\n", cerr.msg);
		goto out_maps;
	}
	struct plan plan;
	char err[512];
	struct plan_options po = {
	    .role = o.role,
	    .maps = o.maps,
	    .nmaps = o.nmaps,
	    .only = o.only,
	    .nonly = o.nonly,
	    .optional = o.optional,
	};
	if (plan_build(cat, &po, &plan, err, sizeof err) < 0) {
		usage_error("%s", err);
		goto out_catalog;
	}
	/* The shipped list of interception products sits beside the
	 * catalogs; a folder without one just knows no products. */
	struct intercept_list *known = NULL;
	char *list_path = o.interceptors ? xstrdup(o.interceptors)
					 : xasprintf("%s/interceptors.list",
						     catalog_dir(o.dir));
	if (o.interceptors == NULL && access(list_path, F_OK) != 0)
		fprintf(stderr,
			"veriport: note: no %s: known interception products "
			"and greetings are not checked (--interceptors FILE)\n",
			list_path);
	else if (intercept_load(list_path, &known, err, sizeof err) < 0) {
		fprintf(stderr, "veriport: %s\n", err);
		free(list_path);
		goto out_plan;
	}
	free(list_path);
	/* A responder's file says which role it stands in for, its token,
	 * key and control port. */
	struct respond_token rt = {0};
	const char *responder_role = NULL, *responder_spki = NULL;
	unsigned control_port = 0;
	if (o.responder_file != NULL) {
		if (respond_file_load(o.responder_file, &rt, err, sizeof err) <
		    0) {
			fprintf(stderr, "veriport: --responder-file %s\n", err);
			intercept_free(known);
			goto out_plan;
		}
		if (catalog_role_find(cat, rt.role) == NULL) {
			fprintf(stderr,
				"veriport: --responder-file %s: the responder "
				"stands in for role '%s', which profile %s "
				"does not have\n",
				o.responder_file, rt.role, cat->profile);
			intercept_free(known);
			goto out_plan;
		}
		o.responder = rt.token;
		responder_role = rt.role;
		responder_spki = rt.spki_sha256;
		control_port = rt.control_port;
	}
	bool live = o.format == REPORT_TABLE && isatty(STDERR_FILENO) &&
		    isatty(STDOUT_FILENO);
	struct sweep_options so = {
	    .probe =
		{
		    .timeout_ms = (unsigned)(o.timeout_s * 1000),
		    .parallel = o.parallel,
		    .snmp_community = o.snmp_community,
		    .responder_token = o.responder,
		    .responder_control_port = control_port,
		},
	    .responder_role = responder_role,
	    .responder_spki = responder_spki,
	    .ca_file = o.ca_file,
	    .role_ca = o.role_ca,
	    .nrole_ca = o.nrole_ca,
	    .canary = o.canary,
	    .interceptors = known,
	    .deadline_ms = (unsigned)(o.deadline_s * 1000),
	    .cert_warn_days = o.cert_warn,
	    .progress = live ? check_on_progress : NULL,
	};
	struct results results;
	if (sweep_run(cat, o.role, &plan, &so, &results, err, sizeof err) < 0) {
		fprintf(stderr, "veriport: %s\n", err);
		intercept_free(known);
		goto out_plan;
	}
	intercept_free(known);
	if (live)
		fputs("\r\033[K", stderr);
	status = (int)results_status(&results);
	switch (o.format) {
	case REPORT_JSON:
		if (report_json(stdout, &results) < 0)
			status = EXIT_USAGE;
		break;
	case REPORT_NAGIOS: {
		struct report_nagios_opts no = {
		    .warn_s = o.warn_s,
		    .crit_s = o.crit_s,
		    .timeout_s = o.timeout_s,
		};
		status = (int)report_nagios(stdout, &results, &no);
		break;
	}
	case REPORT_PROMETHEUS:
		report_prometheus(stdout, &results, NULL);
		break;
	default: {
		struct report_style style = {
		    .colour =
			isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL,
		    .verbose = o.verbose,
		    .width = terminal_width(),
		};
		report_table(stdout, &results, &style);
	}
	}
	results_free(&results);
out_plan:
	plan_free(&plan);
out_catalog:
	catalog_free(cat);
out_maps:
	for (size_t i = 0; i < o.nmaps; i++)
		plan_map_free(&o.maps[i]);
	free(o.maps);
	free(o.only);
	free(o.role_ca);
	return status;
}

/* The status socket command behind each --format. */
static const char *const format_commands[] = {
    [REPORT_TABLE] = "table",
    [REPORT_JSON] = "status",
    [REPORT_NAGIOS] = "nagios",
    [REPORT_PROMETHEUS] = "metrics",
};

static int cmd_status(int argc, char **argv)
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
			if (!threshold_arg(c, optarg,
					   c == 'w' ? &warn_s : &crit_s))
				return EXIT_USAGE;
			break;
		case OPT_SOCKET:
			path = optarg;
			break;
		case OPT_FORMAT:
			format = report_format_from_name(optarg);
			if (format < 0)
				return usage_error(
				    "--format %s: expected table, json, "
				    "nagios or prometheus",
				    optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage_error("unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((warn_s > 0 || crit_s > 0) && format != REPORT_NAGIOS)
		return usage_error("%s", "-w and -c go with --format nagios");
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
		return EXIT_USAGE;
	}
	if (strncmp(answer, "error: ", 7) == 0) {
		fprintf(stderr, "veriport: %s: %s", path, answer + 7);
		if (format == REPORT_NAGIOS)
			printf("VERIPORT UNKNOWN - %s", answer + 7);
		free(answer);
		return EXIT_USAGE;
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
			status = EXIT_USAGE;
		}
	}
	fwrite(answer, 1, len, stdout);
	free(answer);
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
	/* libuv writes with write(2): a probed server that resets in the
	 * middle of a dialogue must cost an EPIPE, not the program. */
	signal(SIGPIPE, SIG_IGN);
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
	if (strcmp(cmd, "check") == 0)
		status = cmd_check(argc - 1, argv + 1);
	else if (strcmp(cmd, "catalog") == 0)
		status = cmd_catalog(argc - 1, argv + 1);
	else if (strcmp(cmd, "status") == 0)
		status = cmd_status(argc - 1, argv + 1);
	else if (strcmp(cmd, "respond") == 0)
		status = cmd_respond(argc - 1, argv + 1);
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
