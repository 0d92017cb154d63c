/* The plan: catalog x this host's role x the role map -> what to probe.
 * Decides which channels are probed, to which target names, which are
 * checked as local listeners and which are skipped (and why). No I/O. */
#ifndef VERIPORT_PLAN_H
#define VERIPORT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/catalog.h"
#include "veriport/reason.h"

/* One target of a map: a host name or address, and the port to probe
 * when it is not the channel's (a one-off port, HOST:PORT). */
struct plan_target {
	char *host;
	uint16_t port; /* 0: the channel's port */
};

/* One --map KEY=TARGET[,TARGET...] (or a [map] line): KEY is a role id, or
 * a channel id to point one channel elsewhere. */
struct plan_map {
	char *key;
	struct plan_target *targets;
	size_t ntargets;
};

struct plan_options {
	const char *role;
	const struct plan_map *maps;
	size_t nmaps;
	const char *const *only; /* channel ids; none = all */
	size_t nonly;
	bool optional; /* probe optional channels too */
	/* Optional channels this site uses (veriport.conf "optional"). */
	const char *const *optional_in_use;
	size_t noptional_in_use;
};

enum plan_kind {
	PLAN_PROBE,    /* connect from here to host */
	PLAN_LISTENER, /* this host is the target: is the port bound? */
	PLAN_SKIP,
};

struct plan_item {
	const struct catalog_channel *channel;
	enum plan_kind kind;
	enum reason skip_reason; /* PLAN_SKIP only */
	const char *host; /* PLAN_PROBE only; points into the map or catalog */
	uint16_t port;    /* PLAN_PROBE: the port to probe */
};

struct plan {
	struct plan_item *items;
	size_t nitems;
};

/* The longest host name DNS carries (RFC 1035 §2.3.4, without the
 * root's dot). */
enum { PLAN_HOST_MAX = 253 };

/* One host of a target, N bytes at S: a name per RFC 1123 (labels of
 * letters, digits and '-', an optional final dot), an IPv4 address, or an
 * IPv6 address; nothing else, so no '|' or control byte gets through. */
bool plan_host_valid(const char *s, size_t n);

/* The one grammar of targets, for --map and [map] alike: TARGET[,TARGET...]
 * with blanks around each allowed, a TARGET being HOST, HOST:PORT, an IPv6
 * address, or [IPv6]:PORT; every host checked (plan_host_valid). Adds
 * to M. Returns 0, or -EINVAL with ERR saying which item and why. */
int plan_map_add(struct plan_map *m, const char *list, char *err,
		 size_t errlen);
/* Parse one --map KEY=TARGET[,TARGET...]. Returns 0, or -EINVAL with ERR
 * naming it. */
int plan_parse_map(const char *arg, struct plan_map *out, char *err,
		   size_t errlen);
void plan_map_free(struct plan_map *m);

/* An HTTP proxy (--proxy, veriport.conf "proxy"): the channels whose
 * catalog row allows one are probed through it with HTTP CONNECT. */
struct plan_proxy {
	char host[PLAN_HOST_MAX + 1]; /* "" when there is none */
	uint16_t port;
};

/* The one grammar of a proxy, for --proxy and veriport.conf alike:
 * http://HOST:PORT or http://[IPv6]:PORT, an optional final '/', the
 * host checked by plan_host_valid. No credentials, no other scheme.
 * Returns 0, or -EINVAL with ERR saying what was expected. */
int plan_parse_proxy(const char *url, struct plan_proxy *out, char *err,
		     size_t errlen);

/* Returns 0, or -EINVAL when the role, a map key or an --only channel is
 * not in the catalog (ERR says which, and what there is). */
int plan_build(const struct catalog *cat, const struct plan_options *o,
	       struct plan *out, char *err, size_t errlen);
void plan_free(struct plan *p);

#endif
