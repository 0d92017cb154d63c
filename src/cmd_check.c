/* `veriport check`: parse its options, plan the sweep, run it, report
 * it; the exit status is the worst result's (DESIGN.md). */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veriport/catalog.h"
#include "veriport/cmd.h"
#include "veriport/conf.h"
#include "veriport/intercept.h"
#include "veriport/plan.h"
#include "veriport/probe.h"
#include "veriport/report.h"
#include "veriport/respond_file.h"
#include "veriport/status.h"
#include "veriport/sweep.h"
#include "veriport/xalloc.h"
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
	bool optional, verbose, failed_only;
	const char *color; /* --color=auto|always|never */
	int family;        /* -4/-6: AF_INET or AF_INET6; 0 both */
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
	const char *output;         /* --output FILE */
	struct sockaddr_storage source;
	bool has_source;         /* --source ADDR */
	struct plan_proxy proxy; /* --proxy URL; host "" when none */
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
		OPT_OUTPUT,
		OPT_FAILED_ONLY,
		OPT_SOURCE,
		OPT_COLOR,
		OPT_PROXY,
		OPT_WARNING = 'w',
		OPT_CRITICAL = 'c',
		OPT_IPV4 = '4',
		OPT_IPV6 = '6',
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
	    {"output", required_argument, NULL, OPT_OUTPUT},
	    {"failed-only", no_argument, NULL, OPT_FAILED_ONLY},
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"color", optional_argument, NULL, OPT_COLOR},
	    {"proxy", required_argument, NULL, OPT_PROXY},
	    {"ipv4", no_argument, NULL, OPT_IPV4},
	    {"ipv6", no_argument, NULL, OPT_IPV6},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	optind = 1;
	opterr = 0;
	int c;
	char err[256];
	while ((c = getopt_long(argc, argv, "hw:c:46", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IPV4:
		case OPT_IPV6: {
			int family = c == OPT_IPV4 ? AF_INET : AF_INET6;
			if (o->family != 0 && o->family != family)
				return cmd_usage_error(
				    "%s",
				    "-4 and -6: one or the other (without "
				    "either, both families are probed)");
			o->family = family;
			break;
		}
		case OPT_WARNING:
		case OPT_CRITICAL:
			if (!cmd_threshold_arg(
				c, optarg, c == 'w' ? &o->warn_s : &o->crit_s))
				return CMD_EXIT_USAGE;
			break;
		case OPT_RESPONDER:
			if (!respond_token_valid(optarg))
				return cmd_usage_error(
				    "--responder %s: expected the token "
				    "`veriport respond` printed (%s and "
				    "lowercase hex digits)",
				    optarg, RESPOND_TOKEN_PREFIX);
			o->responder = optarg;
			break;
		case OPT_SOURCE:
			if (probe_parse_source(optarg, &o->source, err,
					       sizeof err) < 0)
				return cmd_usage_error("--source %s: %s",
						       optarg, err);
			o->has_source = true;
			break;
		case OPT_PROXY:
			if (plan_parse_proxy(optarg, &o->proxy, err,
					     sizeof err) < 0)
				return cmd_usage_error("--proxy %s: %s", optarg,
						       err);
			break;
		case OPT_FAILED_ONLY:
			o->failed_only = true;
			break;
		case OPT_COLOR:
			o->color = optarg ? optarg : "always";
			if (strcmp(o->color, "auto") != 0 &&
			    strcmp(o->color, "always") != 0 &&
			    strcmp(o->color, "never") != 0)
				return cmd_usage_error("--color=%s: expected "
						       "auto, always or never",
						       o->color);
			break;
		case OPT_OUTPUT:
			if (*optarg == '\0')
				return cmd_usage_error(
				    "%s", "--output: expected a file");
			o->output = optarg;
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
				return cmd_usage_error("%s", err);
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
				return cmd_usage_error(
				    "--timeout %s: expected seconds from %g to "
				    "%g, such as 3 or 0.5",
				    optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				    PROBE_TIMEOUT_MAX_MS / 1000.0);
			break;
		case OPT_DEADLINE:
			if (!conf_parse_seconds(
				optarg, PROBE_TIMEOUT_MIN_MS / 1000.0,
				CONF_DEADLINE_MAX_S, &o->deadline_s))
				return cmd_usage_error(
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
				return cmd_usage_error(
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
				return cmd_usage_error(
				    "--parallel %s: expected a "
				    "whole number from 1 to %d",
				    optarg, PROBE_PARALLEL_MAX);
			o->parallel = (unsigned)v;
			break;
		}
		case OPT_FORMAT:
			o->format = report_format_from_name(optarg);
			if (o->format < 0)
				return cmd_usage_error(
				    "--format %s: expected table, json, "
				    "nagios or prometheus",
				    optarg);
			break;
		case OPT_CA_FILE:
			if (!role_ca_arg(optarg, o))
				o->ca_file = optarg;
			break;
		case OPT_CANARY:
			if (!plan_host_valid(optarg, strlen(optarg)))
				return cmd_usage_error(
				    "--canary %s: expected a host name, an "
				    "IPv4 or an IPv6 address",
				    optarg);
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
			fputs(cmd_check_help, stdout);
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
	if (o->profile == NULL || o->role == NULL)
		return cmd_usage_error("%s",
				       "check: expected --profile NAME and "
				       "--role ROLE");
	if (o->has_source && o->family != 0 && o->source.ss_family != o->family)
		return cmd_usage_error(
		    "--source: an %s address, and %s asks for %s only",
		    o->source.ss_family == AF_INET ? "IPv4" : "IPv6",
		    o->family == AF_INET ? "-4" : "-6",
		    o->family == AF_INET ? "IPv4" : "IPv6");
	if (o->responder != NULL && o->responder_file != NULL)
		return cmd_usage_error("%s",
				       "--responder and --responder-file: "
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

/* --format nagios anywhere in ARGV: even an error before it is parsed
 * is the plugin's UNKNOWN line. */
static bool wants_nagios(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--format=nagios") == 0 ||
		    (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "nagios") == 0))
			return true;
	return false;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = {
	    .timeout_s = PROBE_TIMEOUT_DEFAULT_MS / 1000.0,
	    .cert_warn = RESULTS_CERT_WARN_DEFAULT,
	    .format = isatty(STDOUT_FILENO) ? REPORT_TABLE : -1,
	    .snmp_community = "public",
	};
	if (wants_nagios(argc, argv))
		cmd_errors_as_nagios();
	int status = parse_check_opts(argc, argv, &o);
	if (status != 0)
		goto out_maps;
	if (o.format < 0)
		o.format = REPORT_TABLE;
	status = CMD_EXIT_USAGE;
	struct catalog *cat;
	struct catalog_error cerr;
	if (catalog_load_profile(catalog_dir(o.dir), o.profile, &cat, &cerr) <
	    0) {
		cmd_error("%s", cerr.msg);
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
		cmd_usage_error("%s", err);
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
		cmd_error("%s", err);
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
			cmd_error("--responder-file %s", err);
			intercept_free(known);
			goto out_plan;
		}
		if (catalog_role_find(cat, rt.role) == NULL) {
			cmd_error("--responder-file %s: the responder "
				  "stands in for role '%s', which profile %s "
				  "does not have",
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
		    isatty(STDOUT_FILENO) && !cmd_term_dumb();
	struct sweep_options so = {
	    .probe =
		{
		    .timeout_ms = (unsigned)(o.timeout_s * 1000),
		    .parallel = o.parallel,
		    .snmp_community = o.snmp_community,
		    .responder_token = o.responder,
		    .responder_control_port = control_port,
		    .family = o.family,
		    .source = o.has_source ? &o.source : NULL,
		},
	    .responder_role = responder_role,
	    .responder_spki = responder_spki,
	    .ca_file = o.ca_file,
	    .role_ca = o.role_ca,
	    .nrole_ca = o.nrole_ca,
	    .canary = o.canary,
	    .proxy = o.proxy.host[0] ? &o.proxy : NULL,
	    .interceptors = known,
	    .deadline_ms = (unsigned)(o.deadline_s * 1000),
	    .cert_warn_days = o.cert_warn,
	    .progress = live ? check_on_progress : NULL,
	};
	/* A file that cannot be written says so before the sweep. */
	struct cmd_output out;
	if (cmd_output_open(&out, o.output) < 0) {
		intercept_free(known);
		goto out_plan;
	}
	struct results results;
	if (sweep_run(cat, o.role, &plan, &so, &results, err, sizeof err) < 0) {
		cmd_error("%s", err);
		intercept_free(known);
		cmd_output_discard(&out);
		goto out_plan;
	}
	intercept_free(known);
	if (live)
		fputs("\r\033[K", stderr);
	status = (int)results_status(&results);
	switch (o.format) {
	case REPORT_JSON:
		/* A write error is cmd_output_close's (or, on stdout,
		 * cmd_finish_output's) to judge. */
		if (report_json(out.f, &results) < 0 && !ferror(out.f))
			status = CMD_EXIT_USAGE;
		break;
	case REPORT_NAGIOS: {
		struct report_nagios_opts no = {
		    .warn_s = o.warn_s,
		    .crit_s = o.crit_s,
		    .timeout_s = o.timeout_s,
		};
		status = (int)report_nagios(out.f, &results, &no);
		break;
	}
	case REPORT_PROMETHEUS:
		report_prometheus(out.f, &results, NULL);
		break;
	default: {
		struct report_style style = {
		    .colour = cmd_colour(o.color, o.output == NULL),
		    .verbose = o.verbose,
		    .failed_only = o.failed_only,
		    .width = cmd_terminal_width(),
		};
		report_table(out.f, &results, &style);
	}
	}
	status = cmd_output_close(&out, status);
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
