/* `veriport respond`: parse its options, load the catalog, run the
 * responder (respond.h). Usage and catalog errors are exit status 3. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/cmd_respond.h"
#include "veriport/conf.h"
#include "veriport/respond.h"
#include "veriport/respond_file.h"
#include "veriport/xalloc.h"

/* The longest --duration: a day; a responder is not a service. */
#define DURATION_MAX_S (24 * 60 * 60)
/* --max-clients: what one listener may hold at once. */
#define MAX_CLIENTS_MAX 65536
#define BINDS_MAX 16

static const char help_text[] =
    "\n"
    "veriport respond stands in for the product at the far end of its\n"
    "channels, so the firewall can be validated before the product is\n"
    "installed: it listens on every port of the channels whose target is\n"
    "ROLE, answers each probe with just enough of its protocol, puts this\n"
    "run's token in every greeting and banner, and lists at the end what\n"
    "came.\n"
    "\n"
    "respond options:\n"
    "  --profile NAME        the product profile (veriport catalog list)\n"
    "  --role ROLE           the role this host stands in for\n"
    "  --bind ADDR           listen on this address (repeatable; default\n"
    "                        0.0.0.0 and ::)\n"
    "  --duration SECONDS    stop after this long (default 600)\n"
    "  --only CHANNEL        only this channel (repeatable)\n"
    "  --optional            optional channels too\n"
    "  --token-file FILE     write token, certificate key hash and control\n"
    "                        port here, for check --responder-file\n"
    "  --control-port PORT   where a checker asks whether its datagrams\n"
    "                        arrived (default 7979)\n"
    "  --cert FILE --key FILE  TLS certificate and key (default: a fresh\n"
    "                        self-signed one, CN=veriport-respond TOKEN)\n"
    "  --max-clients N       connections per port at once (default 256);\n"
    "                        at the bound the oldest is closed\n"
    "  --catalog-dir DIR     where the catalogs are\n"
    "  --help                this text\n"
    "\n"
    "Exit status: 0 every port opened was reached, 1 some were not,\n"
    "3 usage or catalog error, or no port could be opened.\n";

__attribute__((format(printf, 1, 2))) static int usage(const char *fmt, ...)
{
	va_list ap;
	fputs("veriport respond: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage:\n" CMD_RESPOND_USAGE, stderr);
	return RESPOND_EXIT_ERROR;
}

static bool number(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max)
		return false;
	*out = v;
	return true;
}

int cmd_respond(int argc, char **argv)
{
	enum {
		OPT_PROFILE = 256,
		OPT_ROLE,
		OPT_BIND,
		OPT_DURATION,
		OPT_ONLY,
		OPT_OPTIONAL,
		OPT_TOKEN_FILE,
		OPT_CONTROL_PORT,
		OPT_CERT,
		OPT_KEY,
		OPT_CATALOG_DIR,
		OPT_MAX_CLIENTS,
		OPT_HELP,
	};
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, OPT_PROFILE},
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"bind", required_argument, NULL, OPT_BIND},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"only", required_argument, NULL, OPT_ONLY},
	    {"optional", no_argument, NULL, OPT_OPTIONAL},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"control-port", required_argument, NULL, OPT_CONTROL_PORT},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"catalog-dir", required_argument, NULL, OPT_CATALOG_DIR},
	    {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	struct respond_options o = {
	    .duration_s = RESPOND_DURATION_S,
	    .control_port = RESPOND_CONTROL_PORT,
	    .max_clients = RESPOND_MAX_CLIENTS,
	    .out = stdout,
	    .err = stderr,
	};
	const char *profile = NULL, *dir = NULL;
	const char *binds[BINDS_MAX];
	const char **only = NULL;
	size_t nonly = 0;
	unsigned long v;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_ROLE:
			o.role = optarg;
			break;
		case OPT_BIND: {
			if (o.nbinds == BINDS_MAX) {
				free(only);
				return usage("at most %d --bind", BINDS_MAX);
			}
			unsigned char a[16];
			if (inet_pton(AF_INET, optarg, a) != 1 &&
			    inet_pton(AF_INET6, optarg, a) != 1) {
				free(only);
				return usage("--bind %s: expected an IPv4 or "
					     "IPv6 address",
					     optarg);
			}
			binds[o.nbinds++] = optarg;
			break;
		}
		case OPT_DURATION:
			if (!conf_parse_seconds(optarg, 0.001, DURATION_MAX_S,
						&o.duration_s)) {
				free(only);
				return usage("--duration %s: expected seconds "
					     "from 0.001 to %d",
					     optarg, DURATION_MAX_S);
			}
			break;
		case OPT_ONLY:
			only = xreallocarray(only, nonly + 1, sizeof *only);
			only[nonly++] = optarg;
			break;
		case OPT_OPTIONAL:
			o.optional = true;
			break;
		case OPT_TOKEN_FILE:
			o.token_file = optarg;
			break;
		case OPT_CONTROL_PORT:
			if (!number(optarg, 1, 65535, &v)) {
				free(only);
				return usage("--control-port %s: expected 1 to "
					     "65535",
					     optarg);
			}
			o.control_port = (unsigned)v;
			break;
		case OPT_CERT:
			o.cert_file = optarg;
			break;
		case OPT_KEY:
			o.key_file = optarg;
			break;
		case OPT_CATALOG_DIR:
			dir = optarg;
			break;
		case OPT_MAX_CLIENTS:
			if (!number(optarg, 1, MAX_CLIENTS_MAX, &v)) {
				free(only);
				return usage("--max-clients %s: expected 1 to "
					     "%d",
					     optarg, MAX_CLIENTS_MAX);
			}
			o.max_clients = (unsigned)v;
			break;
		case 'h':
		case OPT_HELP:
			fputs("usage:\n" CMD_RESPOND_USAGE, stdout);
			fputs(help_text, stdout);
			free(only);
			return 0;
		default:
			free(only);
			return usage("unknown or incomplete option '%s'",
				     argv[optind - 1]);
		}
	}
	if (optind < argc) {
		free(only);
		return usage("unexpected argument '%s'", argv[optind]);
	}
	if (profile == NULL || o.role == NULL) {
		free(only);
		return usage("expected --profile NAME and --role ROLE");
	}
	if ((o.cert_file == NULL) != (o.key_file == NULL)) {
		free(only);
		return usage("--cert and --key go together");
	}
	o.binds = binds;
	o.only = only;
	o.nonly = nonly;
	struct catalog *cat;
	struct catalog_error cerr;
	int rc = catalog_load_profile(catalog_dir(dir), profile, &cat, &cerr);
	if (rc != 0) {
		fprintf(stderr, "veriport respond: %s\n", cerr.msg);
		free(only);
		return RESPOND_EXIT_ERROR;
	}
	o.cat = cat;
	int status = respond_run(&o);
	catalog_free(cat);
	free(only);
	return status;
}
