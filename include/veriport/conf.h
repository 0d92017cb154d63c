/* Site configuration (veriport.conf(5)): which profile and role this host
 * has, who plays the other roles, which optional channels are in use, the
 * ports a site has altered, and the daemon's settings. Parsing only: no
 * probing, no sockets. A configuration with any error is refused whole,
 * with FILE:LINE and what was expected. */
#ifndef VERIPORT_CONF_H
#define VERIPORT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "veriport/catalog.h"
#include "veriport/plan.h"

#define CONF_PATH_DEFAULT "/etc/veriport/veriport.conf"
#define CONF_SOCKET_DEFAULT "/run/veriport/status.sock"
#define CONF_STATE_DIR_DEFAULT "/var/lib/veriport"
/* About five minutes between sweeps, spread by up to 10% so a fleet does
 * not probe in lock-step. */
#define CONF_INTERVAL_DEFAULT 300
#define CONF_JITTER_DEFAULT 10
/* A whole sweep may be given a day at most (deadline). */
#define CONF_DEADLINE_MAX_S 86400

/* [ports] CHANNEL = PORT: the vendor's port "has been altered". */
/* [trust] ROLE = FILE. */
struct conf_trust {
	char *role;
	char *file;
	unsigned line;
};

struct conf_port {
	char *channel;
	uint16_t port;
	unsigned line;
};

/* A value and the line it came from, for errors found later (an unknown
 * role or channel is only known once the catalog is loaded). */
struct conf_ref {
	char *value;
	unsigned line;
};

struct conf {
	char *path;

	/* [veriport] */
	struct conf_ref profile;
	struct conf_ref role;
	char *catalog_dir;  /* NULL: the default folder */
	char *interceptors; /* NULL: interceptors.list beside the catalogs */
	bool optional_all;  /* optional = all */
	struct conf_ref *optional; /* optional = CHANNEL, CHANNEL... */
	size_t noptional;
	unsigned interval_s;
	unsigned jitter_pct;
	double timeout_s;
	double deadline_s;       /* 0: derived from the work (sweep.c) */
	unsigned parallel;       /* 0: from the descriptor limit (probe.c) */
	unsigned cert_warn_days; /* see results.h */
	char *ca_file;
	char *canary;
	struct plan_proxy proxy; /* host "" when none */
	char *snmp_community;

	/* [map] ROLE-OR-CHANNEL = HOST, HOST... */
	struct plan_map *maps;
	unsigned *map_lines;
	size_t nmaps;

	/* [ports] */
	struct conf_port *ports;
	size_t nports;

	/* [trust] */
	struct conf_trust *trust;
	size_t ntrust;

	/* [status] */
	char *socket_path;
	mode_t socket_mode;
	char *listen; /* "ADDRESS:PORT" for the TCP listener, or NULL (off) */
	char *state_dir;
};

/* The one grammar of seconds, for the files and the command line alike:
 * DIGITS[.DIGITS] from MIN to MAX (strtod alone would take "inf",
 * "0x1p3" and "1e2"). */
bool conf_parse_seconds(const char *s, double min, double max, double *out);

/* Parse PATH. Returns 0, or a negative errno with ERR "FILE:LINE: what
 * was expected" (or "FILE: reason" when it cannot be read). */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
int conf_parse(const char *name, const char *text, size_t len,
	       struct conf **out, char *err, size_t errlen);

/* Check the configuration against its catalog and apply the port
 * overrides to CAT: an unknown role, map key, optional or [ports] channel
 * is an error naming the configuration's file and line. */
int conf_apply(const struct conf *c, struct catalog *cat, char *err,
	       size_t errlen);

void conf_free(struct conf *c);

#endif
