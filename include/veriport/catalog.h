/* Product catalogs: the vendors' firewall tables as data.
 * Parsing and lookup only; no network I/O and no printing here. */
#ifndef VERIPORT_CATALOG_H
#define VERIPORT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/catalog_check.h"

/* Longest id (profile, role, row, channel, group) a catalog may declare. */
#define CATALOG_ID_MAX 63
/* A catalog larger than this is refused before parsing: the biggest
 * vendor table is a few kilobytes. */
#define CATALOG_FILE_MAX (1024 * 1024)

struct catalog_role {
	char *id;
	char *name;
	char **defaults; /* host names the vendor gives for this role */
	size_t ndefaults;
	/* Hosts of this role serve the public (the Internet, the vendors'
	 * portals, CAs): their certificates chain to public roots. */
	bool public_role;
	unsigned line;
};

/* Alternatives by configuration ("8080 and/or 8443", the internal or the
 * external name server or the built-in resolver): the group is satisfied
 * when at least one of its member channels works. Its members are
 * reported one by one; a member is neither optional nor required on its
 * own, the group is required. */
struct catalog_group {
	char *id;
	char *title;
	unsigned line; /* line of the `group` directive */
};

/* catalog_channel.group of a channel in no group. */
#define CATALOG_NO_GROUP ((size_t)-1)

/* One (transport, port) of one vendor row. */
struct catalog_channel {
	char *id;
	char *row;    /* id of the vendor row it came from */
	char *vendor; /* the vendor row's cells, as quoted in the catalog */
	enum catalog_transport transport;
	/* The port to probe. Starts as vendor_port; a site configuration
	 * that says the port "has been altered" changes only this field. */
	uint16_t port;
	uint16_t vendor_port;
	size_t from; /* index into catalog.roles */
	size_t to;
	enum catalog_check check;
	enum catalog_starttls starttls;
	bool optional;
	/* The vendor allows this channel through an HTTP proxy (the row's
	 * `proxy` attribute): with a proxy given, it is probed through HTTP
	 * CONNECT. */
	bool proxy;
	/* The vendor's condition: when an optional row is needed, or when a
	 * required row's firewall rule applies; NULL when there is none. */
	char *condition;
	size_t group; /* index into catalog.groups, or CATALOG_NO_GROUP */
	char *host;   /* host the vendor names for this row, or NULL */
	char *purpose;
	unsigned line; /* line of the `port` directive */
};

struct catalog {
	char *path; /* file it was read from, as given */
	char *profile;
	char *title;
	char *source;
	struct catalog_role *roles;
	size_t nroles;
	struct catalog_channel *channels;
	size_t nchannels;
	struct catalog_group *groups; /* in the order of their directives */
	size_t ngroups;
};

/* Why a catalog was refused: "FILE:LINE: what was expected". */
struct catalog_error {
	unsigned line; /* 0 when the error is not tied to a line */
	char msg[512];
};

/* Parse LEN bytes of catalog text; NAME is used in messages and as the
 * catalog's path. On success *OUT owns a new catalog. Returns 0 or a
 * negative errno code with ERR filled in; a catalog with any error is
 * refused as a whole. */
int catalog_parse(const char *name, const char *text, size_t len,
		  struct catalog **out, struct catalog_error *err);
int catalog_load_file(const char *path, struct catalog **out,
		      struct catalog_error *err);
/* Load PROFILE.catalog from DIR. -ENOENT when there is no such profile. */
int catalog_load_profile(const char *dir, const char *profile,
			 struct catalog **out, struct catalog_error *err);
void catalog_free(struct catalog *cat);

/* Sorted profile names found in DIR (files named *.catalog). The caller
 * frees each name and the array. Returns 0 or a negative errno. */
int catalog_list_dir(const char *dir, char ***names, size_t *count);

const struct catalog_role *catalog_role_find(const struct catalog *cat,
					     const char *id);
const struct catalog_channel *catalog_channel_find(const struct catalog *cat,
						   const char *id);
const struct catalog_group *catalog_group_find(const struct catalog *cat,
					       const char *id);
/* A site's altered port (veriport.conf [ports]): the channel's `port`
 * changes, `vendor_port` keeps the vendor's. 0, or -ENOENT. */
int catalog_set_port(struct catalog *cat, const char *id, uint16_t port);
/* "server, any, adm, ...": the role ids, for a message that names them. */
void catalog_role_list(const struct catalog *cat, char *buf, size_t len);

/* An id as catalogs spell them: lower-case letters, digits, '-'. */
bool catalog_id_valid(const char *s);
/* A host name (RFC 1123 labels, '_' allowed as some internal zones use
 * it) or an address literal: N bytes of S. */
bool catalog_host_valid(const char *s, size_t n);

/* The catalog folder to use: EXPLICIT if given, else $VERIPORT_CATALOG_DIR,
 * else catalogs/ of the source tree when running from the build tree,
 * else the installed folder. */
const char *catalog_dir(const char *explicit_dir);

#endif
