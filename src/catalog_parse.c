/* The catalog parser: the line-based catalog format (veriport.catalog(5))
 * into roles and channels, refusing the whole file on the first error with
 * FILE:LINE and what was expected. No network I/O here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

/* A catalog line is a directive and one sentence at most; a longer line is
 * a sign of a wrong or binary file, not of a long purpose (purposes continue
 * on repeated `purpose` lines). */
#define LINE_MAX_LEN 1024
/* Hosts per role default: the vendors name two at most. */
#define ROLE_DEFAULTS_MAX 8
/* Ports per vendor row: the widest row (SEPPmail key servers) has six. */
#define ROW_PORTS_MAX 16

/* A `port` line of the row being parsed. */
struct port_line {
	enum catalog_transport transport;
	uint16_t port;
	enum catalog_check check;
	char *id; /* NULL: the row id */
	unsigned line;
};

/* The row being parsed: attributes are collected, then checked together
 * when the row ends, so a missing attribute is reported once. */
struct row {
	char *id;
	unsigned line;
	char *vendor;
	char *from, *to;
	unsigned from_line, to_line;
	struct port_line ports[ROW_PORTS_MAX];
	size_t nports;
	enum catalog_starttls starttls;
	unsigned starttls_line;
	bool optional;
	unsigned optional_line;
	unsigned proxy_line;     /* of a `proxy` attribute; 0: none */
	char *condition;         /* after `optional`, or from `condition` */
	unsigned condition_line; /* of a `condition` attribute */
	char *group;
	unsigned group_line;
	char *host;
	unsigned host_line;
	char *purpose;
};

/* Row-level facts each channel needs after the whole file is read. */
struct pending {
	char *from, *to;
	unsigned from_line, to_line;
	char *group; /* NULL: in no group */
	unsigned group_line;
};

struct parser {
	const char *name;
	unsigned line;
	struct catalog *cat;
	struct catalog_error *err;
	size_t role_cap, chan_cap, group_cap;
	struct pending *pending; /* parallel to cat->channels */
	char **rows;             /* row ids seen, for duplicates */
	unsigned *row_lines;
	size_t nrows, row_cap;
	enum { IN_NONE, IN_ROLE, IN_ROW } block;
	struct row row;
	unsigned profile_line, title_line, source_line;
};

__attribute__((format(printf, 3, 4))) static int
fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	int n =
	    snprintf(p->err->msg, sizeof p->err->msg, "%s:%u: ", p->name, line);
	if (n < 0 || (size_t)n >= sizeof p->err->msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg + n, sizeof p->err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	p->err->line = line;
	return -EINVAL;
}

/* Split off the next blank-separated word of *S; NULL at the end. */
static char *next_word(char **s)
{
	char *p = *s;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	char *w = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*s = p;
	return w;
}

static char *rest_of_line(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Append TEXT to *ACC with one space between repeated lines. */
static void append_text(char **acc, const char *text)
{
	if (*acc == NULL) {
		*acc = xstrdup(text);
		return;
	}
	char *joined = xasprintf("%s %s", *acc, text);
	free(*acc);
	*acc = joined;
}

static void row_clear(struct row *r)
{
	free(r->id);
	free(r->vendor);
	free(r->from);
	free(r->to);
	for (size_t i = 0; i < r->nports; i++)
		free(r->ports[i].id);
	free(r->condition);
	free(r->group);
	free(r->host);
	free(r->purpose);
	memset(r, 0, sizeof *r);
}

static int check_id(struct parser *p, const char *what, const char *id)
{
	if (id == NULL)
		return fail(p, p->line, "expected a %s id", what);
	if (!catalog_id_valid(id))
		return fail(p, p->line,
			    "bad %s id '%s': expected lower-case letters, "
			    "digits and '-', starting with a letter, at most "
			    "%d characters",
			    what, id, CATALOG_ID_MAX);
	return 0;
}

static int set_once(struct parser *p, char **field, unsigned *field_line,
		    const char *key, const char *value)
{
	if (*field != NULL)
		return fail(p, p->line, "'%s' given twice (first at line %u)",
			    key, *field_line);
	if (*value == '\0')
		return fail(p, p->line, "expected text after '%s'", key);
	*field = xstrdup(value);
	*field_line = p->line;
	return 0;
}

/* "tcp/25" -> transport and port. */
static int parse_port(struct parser *p, const char *word,
		      enum catalog_transport *transport, uint16_t *port)
{
	const char *slash = word ? strchr(word, '/') : NULL;
	if (slash == NULL)
		goto bad;
	if (slash - word == 3 && strncmp(word, "tcp", 3) == 0)
		*transport = CATALOG_TCP;
	else if (slash - word == 3 && strncmp(word, "udp", 3) == 0)
		*transport = CATALOG_UDP;
	else
		goto bad;
	const char *digits = slash + 1;
	if (*digits == '\0' || strlen(digits) > 5)
		goto bad;
	unsigned long v = 0;
	for (const char *d = digits; *d; d++) {
		if (!isdigit((unsigned char)*d))
			goto bad;
		v = v * 10 + (unsigned long)(*d - '0');
	}
	if (v < 1 || v > 65535)
		goto bad;
	*port = (uint16_t)v;
	return 0;
bad:
	return fail(p, p->line,
		    "bad port '%s': expected tcp/PORT or udp/PORT with PORT "
		    "1-65535",
		    word ? word : "");
}

static int check_list_fail(struct parser *p, const char *word)
{
	char list[400] = "";
	for (int i = 0; i < CATALOG_CHECK_COUNT; i++) {
		strncat(list, catalog_check_name((enum catalog_check)i),
			sizeof list - strlen(list) - 1);
		if (i + 1 < CATALOG_CHECK_COUNT)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	return fail(p, p->line, "unknown check kind '%s': expected one of %s",
		    word ? word : "", list);
}

static int row_port(struct parser *p, char *args)
{
	struct row *r = &p->row;
	struct port_line pl = {.line = p->line};
	int rc = parse_port(p, next_word(&args), &pl.transport, &pl.port);
	if (rc < 0)
		return rc;
	char *check = next_word(&args);
	int c = check ? catalog_check_from_name(check) : -1;
	if (c < 0)
		return check_list_fail(p, check);
	pl.check = (enum catalog_check)c;
	if (!catalog_check_allows(pl.check, pl.transport))
		return fail(p, p->line, "check '%s' does not run over %s",
			    check, catalog_transport_name(pl.transport));
	char *id = next_word(&args);
	if (id != NULL) {
		if ((rc = check_id(p, "channel", id)) < 0)
			return rc;
		pl.id = xstrdup(id);
	}
	if (next_word(&args) != NULL) {
		free(pl.id);
		return fail(
		    p, p->line,
		    "expected 'port TRANSPORT/PORT CHECK [CHANNEL-ID]'");
	}
	if (r->nports == ROW_PORTS_MAX) {
		free(pl.id);
		return fail(p, p->line, "row '%s' has more than %d ports",
			    r->id, ROW_PORTS_MAX);
	}
	r->ports[r->nports++] = pl;
	return 0;
}

static int row_attribute(struct parser *p, const char *key, char *args)
{
	struct row *r = &p->row;
	char *text = rest_of_line(args);
	if (strcmp(key, "vendor") == 0 || strcmp(key, "purpose") == 0) {
		if (*text == '\0')
			return fail(p, p->line, "expected text after '%s'",
				    key);
		append_text(key[0] == 'v' ? &r->vendor : &r->purpose, text);
		return 0;
	}
	if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
		bool from = key[0] == 'f';
		int rc =
		    set_once(p, from ? &r->from : &r->to,
			     from ? &r->from_line : &r->to_line, key, text);
		if (rc == 0 && strchr(text, ' ') != NULL)
			return fail(p, p->line,
				    "expected one role id after '%s' (a vendor "
				    "row with several roles becomes one row "
				    "per role)",
				    key);
		return rc;
	}
	if (strcmp(key, "port") == 0)
		return row_port(p, args);
	if (strcmp(key, "starttls") == 0) {
		if (r->starttls != CATALOG_STARTTLS_NONE)
			return fail(p, p->line,
				    "'starttls' given twice (first at line %u)",
				    r->starttls_line);
		if (strcmp(text, "required") == 0)
			r->starttls = CATALOG_STARTTLS_REQUIRED;
		else if (strcmp(text, "opportunistic") == 0)
			r->starttls = CATALOG_STARTTLS_OPPORTUNISTIC;
		else
			return fail(p, p->line,
				    "expected 'starttls required' or "
				    "'starttls opportunistic'");
		r->starttls_line = p->line;
		return 0;
	}
	if (strcmp(key, "optional") == 0) {
		if (r->optional)
			return fail(p, p->line,
				    "'optional' given twice (first at line %u)",
				    r->optional_line);
		if (r->condition_line != 0)
			return fail(p, p->line,
				    "row '%s' has a 'condition' (line %u): an "
				    "optional row's condition goes after "
				    "'optional'",
				    r->id, r->condition_line);
		r->optional = true;
		r->optional_line = p->line;
		if (*text != '\0')
			r->condition = xstrdup(text);
		return 0;
	}
	if (strcmp(key, "proxy") == 0) {
		if (*text != '\0')
			return fail(p, p->line, "expected 'proxy' alone");
		if (r->proxy_line != 0)
			return fail(p, p->line,
				    "'proxy' given twice (first at line %u)",
				    r->proxy_line);
		r->proxy_line = p->line;
		return 0;
	}
	if (strcmp(key, "condition") == 0) {
		if (r->optional)
			return fail(p, p->line,
				    "row '%s' is optional (line %u): its "
				    "condition goes after 'optional'",
				    r->id, r->optional_line);
		return set_once(p, &r->condition, &r->condition_line, key,
				text);
	}
	if (strcmp(key, "group") == 0) {
		int rc = set_once(p, &r->group, &r->group_line, key, text);
		if (rc == 0)
			rc = check_id(p, "group", text);
		return rc;
	}
	if (strcmp(key, "host") == 0) {
		int rc = set_once(p, &r->host, &r->host_line, key, text);
		if (rc == 0 && !catalog_host_valid(text, strlen(text)))
			return fail(p, p->line, "bad host name '%s'", text);
		return rc;
	}
	return fail(p, p->line,
		    "unknown row attribute '%s': expected vendor, from, to, "
		    "port, starttls, optional, condition, group, host, "
		    "proxy or purpose",
		    key);
}

static int role_attribute(struct parser *p, const char *key, char *args)
{
	struct catalog_role *role = &p->cat->roles[p->cat->nroles - 1];
	if (strcmp(key, "public") == 0) {
		if (next_word(&args) != NULL)
			return fail(p, p->line, "expected 'public' alone");
		if (role->public_role)
			return fail(p, p->line,
				    "'public' given twice for role '%s'",
				    role->id);
		role->public_role = true;
		return 0;
	}
	if (strcmp(key, "default") != 0)
		return fail(p, p->line,
			    "unknown role attribute '%s': expected 'default "
			    "HOST...' or 'public'",
			    key);
	if (role->ndefaults > 0)
		return fail(p, p->line, "'default' given twice for role '%s'",
			    role->id);
	char *host;
	while ((host = next_word(&args)) != NULL) {
		if (!catalog_host_valid(host, strlen(host)))
			return fail(p, p->line, "bad host name '%s'", host);
		if (role->ndefaults == ROLE_DEFAULTS_MAX)
			return fail(p, p->line, "more than %d default hosts",
				    ROLE_DEFAULTS_MAX);
		if (role->defaults == NULL)
			role->defaults =
			    xcalloc(ROLE_DEFAULTS_MAX, sizeof(char *));
		role->defaults[role->ndefaults++] = xstrdup(host);
	}
	if (role->ndefaults == 0)
		return fail(p, p->line, "expected host names after 'default'");
	return 0;
}

static int channel_id_taken(struct parser *p, const char *id)
{
	for (size_t i = 0; i < p->cat->nchannels; i++)
		if (strcmp(p->cat->channels[i].id, id) == 0)
			return fail(p, p->line,
				    "duplicate channel id '%s' (first at line "
				    "%u)",
				    id, p->cat->channels[i].line);
	return 0;
}

/* The row is complete: check it as a whole and turn each port into a
 * channel. Role ids are resolved at the end of the file. */
static int row_finish(struct parser *p)
{
	struct row *r = &p->row;
	const char *missing = r->vendor == NULL    ? "vendor"
			      : r->from == NULL    ? "from"
			      : r->to == NULL      ? "to"
			      : r->nports == 0     ? "port"
			      : r->purpose == NULL ? "purpose"
						   : NULL;
	if (missing != NULL)
		return fail(p, r->line, "row '%s' has no '%s'", r->id, missing);
	if (r->group != NULL && r->optional)
		return fail(p,
			    r->group_line > r->optional_line ? r->group_line
							     : r->optional_line,
			    "row '%s' is in group '%s' and optional: a group "
			    "is required and its members with it (a "
			    "member's condition goes in 'condition TEXT')",
			    r->id, r->group);
	bool any_starttls = false;
	size_t unnamed = 0;
	for (size_t i = 0; i < r->nports; i++) {
		any_starttls |= catalog_check_is_starttls(r->ports[i].check);
		if (r->proxy_line != 0 && r->ports[i].transport != CATALOG_TCP)
			return fail(p, r->proxy_line,
				    "row '%s' has a 'proxy' but port line %u "
				    "is not tcp: an HTTP proxy carries only "
				    "TCP",
				    r->id, r->ports[i].line);
		if (r->ports[i].id == NULL && ++unnamed > 1)
			return fail(p, r->ports[i].line,
				    "row '%s' has several ports: expected a "
				    "channel id after the check kind",
				    r->id);
	}
	if (any_starttls && r->starttls == CATALOG_STARTTLS_NONE)
		return fail(p, r->line,
			    "row '%s' uses a STARTTLS check: expected "
			    "'starttls required' or 'starttls opportunistic'",
			    r->id);
	if (!any_starttls && r->starttls != CATALOG_STARTTLS_NONE)
		return fail(p, r->starttls_line,
			    "'starttls' given but no port of row '%s' uses a "
			    "STARTTLS check",
			    r->id);
	for (size_t i = 0; i < r->nports; i++) {
		struct port_line *pl = &r->ports[i];
		const char *id = pl->id ? pl->id : r->id;
		unsigned saved = p->line;
		p->line = pl->line;
		int rc = channel_id_taken(p, id);
		p->line = saved;
		if (rc < 0)
			return rc;
		struct catalog *cat = p->cat;
		if (cat->nchannels == p->chan_cap) {
			p->chan_cap = p->chan_cap ? 2 * p->chan_cap : 32;
			cat->channels = xreallocarray(
			    cat->channels, p->chan_cap, sizeof *cat->channels);
			p->pending = xreallocarray(p->pending, p->chan_cap,
						   sizeof *p->pending);
		}
		struct catalog_channel *ch = &cat->channels[cat->nchannels];
		*ch = (struct catalog_channel){
		    .id = xstrdup(id),
		    .row = xstrdup(r->id),
		    .vendor = xstrdup(r->vendor),
		    .transport = pl->transport,
		    .port = pl->port,
		    .vendor_port = pl->port,
		    .check = pl->check,
		    .starttls = catalog_check_is_starttls(pl->check)
				    ? r->starttls
				    : CATALOG_STARTTLS_NONE,
		    .optional = r->optional,
		    .proxy = r->proxy_line != 0,
		    .condition = r->condition ? xstrdup(r->condition) : NULL,
		    .group = CATALOG_NO_GROUP,
		    .host = r->host ? xstrdup(r->host) : NULL,
		    .purpose = xstrdup(r->purpose),
		    .line = pl->line,
		};
		p->pending[cat->nchannels] = (struct pending){
		    .from = xstrdup(r->from),
		    .to = xstrdup(r->to),
		    .from_line = r->from_line,
		    .to_line = r->to_line,
		    .group = r->group ? xstrdup(r->group) : NULL,
		    .group_line = r->group_line,
		};
		cat->nchannels++;
	}
	row_clear(r);
	return 0;
}

static int end_block(struct parser *p)
{
	int rc = 0;
	if (p->block == IN_ROW)
		rc = row_finish(p);
	p->block = IN_NONE;
	return rc;
}

static int top_role(struct parser *p, char *args)
{
	char *id = next_word(&args);
	int rc = check_id(p, "role", id);
	if (rc < 0)
		return rc;
	const struct catalog_role *dup = catalog_role_find(p->cat, id);
	if (dup != NULL)
		return fail(p, p->line,
			    "duplicate role id '%s' (first at line %u)", id,
			    dup->line);
	char *name = rest_of_line(args);
	if (*name == '\0')
		return fail(p, p->line,
			    "expected a display name after role '%s'", id);
	struct catalog *cat = p->cat;
	if (cat->nroles == p->role_cap) {
		p->role_cap = p->role_cap ? 2 * p->role_cap : 16;
		cat->roles =
		    xreallocarray(cat->roles, p->role_cap, sizeof *cat->roles);
	}
	cat->roles[cat->nroles++] = (struct catalog_role){
	    .id = xstrdup(id), .name = xstrdup(name), .line = p->line};
	p->block = IN_ROLE;
	return 0;
}

static int top_group(struct parser *p, char *args)
{
	char *id = next_word(&args);
	int rc = check_id(p, "group", id);
	if (rc < 0)
		return rc;
	const struct catalog_group *dup = catalog_group_find(p->cat, id);
	if (dup != NULL)
		return fail(p, p->line,
			    "duplicate group id '%s' (first at line %u)", id,
			    dup->line);
	char *title = rest_of_line(args);
	if (*title == '\0')
		return fail(p, p->line, "expected a title after group '%s'",
			    id);
	struct catalog *cat = p->cat;
	if (cat->ngroups == p->group_cap) {
		p->group_cap = p->group_cap ? 2 * p->group_cap : 8;
		cat->groups = xreallocarray(cat->groups, p->group_cap,
					    sizeof *cat->groups);
	}
	cat->groups[cat->ngroups++] = (struct catalog_group){
	    .id = xstrdup(id), .title = xstrdup(title), .line = p->line};
	return 0;
}

static int top_row(struct parser *p, char *args)
{
	char *id = next_word(&args);
	int rc = check_id(p, "row", id);
	if (rc < 0)
		return rc;
	if (next_word(&args) != NULL)
		return fail(p, p->line, "expected 'row ID' alone on its line");
	for (size_t i = 0; i < p->nrows; i++)
		if (strcmp(p->rows[i], id) == 0)
			return fail(p, p->line,
				    "duplicate row id '%s' (first at line %u)",
				    id, p->row_lines[i]);
	if (p->nrows == p->row_cap) {
		p->row_cap = p->row_cap ? 2 * p->row_cap : 32;
		p->rows = xreallocarray(p->rows, p->row_cap, sizeof *p->rows);
		p->row_lines = xreallocarray(p->row_lines, p->row_cap,
					     sizeof *p->row_lines);
	}
	p->rows[p->nrows] = xstrdup(id);
	p->row_lines[p->nrows++] = p->line;
	p->row.id = xstrdup(id);
	p->row.line = p->line;
	p->block = IN_ROW;
	return 0;
}

static int top_directive(struct parser *p, const char *key, char *args)
{
	int rc = end_block(p);
	if (rc < 0)
		return rc;
	if (strcmp(key, "role") == 0)
		return top_role(p, args);
	if (strcmp(key, "row") == 0)
		return top_row(p, args);
	if (strcmp(key, "group") == 0)
		return top_group(p, args);
	char **field = NULL;
	unsigned *field_line = NULL;
	if (strcmp(key, "profile") == 0) {
		field = &p->cat->profile;
		field_line = &p->profile_line;
	} else if (strcmp(key, "title") == 0) {
		field = &p->cat->title;
		field_line = &p->title_line;
	} else if (strcmp(key, "source") == 0) {
		field = &p->cat->source;
		field_line = &p->source_line;
	} else {
		return fail(p, p->line,
			    "unknown directive '%s': expected profile, title, "
			    "source, role, group or row (attributes are "
			    "indented)",
			    key);
	}
	char *text = rest_of_line(args);
	if ((rc = set_once(p, field, field_line, key, text)) < 0)
		return rc;
	if (field == &p->cat->profile)
		return check_id(p, "profile", text);
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	bool indented = line[0] == ' ' || line[0] == '\t';
	char *s = line;
	char *key = next_word(&s);
	if (key == NULL || key[0] == '#')
		return 0;
	if (!indented)
		return top_directive(p, key, s);
	switch (p->block) {
	case IN_ROW:
		return row_attribute(p, key, s);
	case IN_ROLE:
		return role_attribute(p, key, s);
	case IN_NONE:
		break;
	}
	return fail(p, p->line,
		    "indented '%s' outside a role or row: expected a "
		    "directive in column 1",
		    key);
}

/* Every group a row names is declared; a group's members are probed from
 * one host (one source role), and there are at least two of them, or it
 * would be no choice. */
static int finish_groups(struct parser *p)
{
	struct catalog *cat = p->cat;
	for (size_t i = 0; i < cat->nchannels; i++) {
		struct pending *pd = &p->pending[i];
		if (pd->group == NULL)
			continue;
		const struct catalog_group *g =
		    catalog_group_find(cat, pd->group);
		if (g == NULL)
			return fail(p, pd->group_line,
				    "unknown group '%s': declare it with "
				    "'group %s TITLE'",
				    pd->group, pd->group);
		cat->channels[i].group = (size_t)(g - cat->groups);
	}
	for (size_t gi = 0; gi < cat->ngroups; gi++) {
		const struct catalog_channel *first = NULL;
		size_t members = 0;
		for (size_t i = 0; i < cat->nchannels; i++) {
			const struct catalog_channel *c = &cat->channels[i];
			if (c->group != gi)
				continue;
			members++;
			if (first == NULL)
				first = c;
			else if (c->from != first->from)
				return fail(
				    p, p->pending[i].group_line,
				    "group '%s': channel '%s' is from role "
				    "'%s' but '%s' is from '%s': the members "
				    "of a group are probed from one host",
				    cat->groups[gi].id, c->id,
				    cat->roles[c->from].id, first->id,
				    cat->roles[first->from].id);
		}
		if (members < 2)
			return fail(p, cat->groups[gi].line,
				    "group '%s' has %zu member channel%s: "
				    "expected at least two (rows join it with "
				    "'group %s')",
				    cat->groups[gi].id, members,
				    members == 1 ? "" : "s",
				    cat->groups[gi].id);
	}
	return 0;
}

/* After the last line: required directives, every role id used, and the
 * groups. */
static int finish(struct parser *p)
{
	int rc = end_block(p);
	if (rc < 0)
		return rc;
	struct catalog *cat = p->cat;
	const char *missing = cat->profile == NULL  ? "profile"
			      : cat->title == NULL  ? "title"
			      : cat->source == NULL ? "source"
						    : NULL;
	if (missing != NULL)
		return fail(p, p->line, "no '%s' directive in the catalog",
			    missing);
	if (cat->nchannels == 0)
		return fail(p, p->line, "the catalog has no rows");
	const char *base = strrchr(p->name, '/');
	base = base ? base + 1 : p->name;
	size_t blen = strlen(base), sfx = strlen(".catalog");
	if (blen > sfx && strcmp(base + blen - sfx, ".catalog") == 0 &&
	    (strlen(cat->profile) != blen - sfx ||
	     strncmp(cat->profile, base, blen - sfx) != 0))
		return fail(p, p->profile_line,
			    "profile '%s' does not match the file name '%s'",
			    cat->profile, base);
	for (size_t i = 0; i < cat->nchannels; i++) {
		struct pending *pd = &p->pending[i];
		for (int end = 0; end < 2; end++) {
			const char *id = end ? pd->to : pd->from;
			const struct catalog_role *role =
			    catalog_role_find(cat, id);
			if (role == NULL)
				return fail(p,
					    end ? pd->to_line : pd->from_line,
					    "unknown role '%s': declare it "
					    "with 'role %s NAME'",
					    id, id);
			size_t idx = (size_t)(role - cat->roles);
			if (end)
				cat->channels[i].to = idx;
			else
				cat->channels[i].from = idx;
		}
	}
	return finish_groups(p);
}

static void parser_free(struct parser *p)
{
	row_clear(&p->row);
	for (size_t i = 0; i < p->nrows; i++)
		free(p->rows[i]);
	free(p->rows);
	free(p->row_lines);
	if (p->cat != NULL)
		for (size_t i = 0; i < p->cat->nchannels; i++) {
			free(p->pending[i].from);
			free(p->pending[i].to);
			free(p->pending[i].group);
		}
	free(p->pending);
}

/* Every byte of a catalog ends up in a terminal, in JSON or in a log, so
 * a line is refused unless it is UTF-8 that text_is_safe() keeps as it is;
 * tabs separate words and are the one control character allowed. */
static bool line_is_text(const char *line, size_t n)
{
	char spaced[LINE_MAX_LEN + 1];
	memcpy(spaced, line, n + 1);
	for (size_t i = 0; i < n; i++)
		if (spaced[i] == '\t')
			spaced[i] = ' ';
	return text_is_safe(spaced);
}

int catalog_parse(const char *name, const char *text, size_t len,
		  struct catalog **out, struct catalog_error *err)
{
	struct parser p = {.name = name, .err = err};
	*out = NULL;
	memset(err, 0, sizeof *err);
	p.cat = xcalloc(1, sizeof *p.cat);
	p.cat->path = xstrdup(name);
	int rc = 0;
	if (len > CATALOG_FILE_MAX) {
		rc = fail(&p, 0, "larger than %d bytes: not a catalog",
			  CATALOG_FILE_MAX);
		goto out;
	}
	char buf[LINE_MAX_LEN + 2];
	size_t pos = 0;
	while (pos < len) {
		p.line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > LINE_MAX_LEN) {
			rc = fail(&p, p.line, "line longer than %d bytes",
				  LINE_MAX_LEN);
			goto out;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			rc = fail(&p, p.line, "NUL byte: not a text file");
			goto out;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if (!line_is_text(buf, n)) {
			rc = fail(&p, p.line,
				  "not UTF-8 text: invalid UTF-8, a control "
				  "character or an invisible format character "
				  "(bidirectional, zero-width, byte-order "
				  "mark)");
			goto out;
		}
		pos += (nl ? (size_t)(nl - (text + pos)) + 1 : len - pos);
		if ((rc = parse_line(&p, buf)) < 0)
			goto out;
	}
	rc = finish(&p);
out:
	parser_free(&p);
	if (rc < 0) {
		catalog_free(p.cat);
		return rc;
	}
	*out = p.cat;
	return 0;
}
