/* Site configuration (veriport.conf(5)): INI text read with inih into a
 * struct conf, refused whole on the first error with FILE:LINE and what
 * was expected. No probing and no sockets here; names that only the
 * catalog knows are checked by conf_apply once it is loaded. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/conf.h"
#include "veriport/probe.h"
#include "veriport/results.h"
#include "veriport/status.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

/* A site configuration is a few dozen lines; a file this large is the
 * wrong file. */
#define CONF_FILE_MAX (256 * 1024)
/* inih reads a line into a fixed buffer of INI_MAX_LINE bytes (200 in
 * Debian's build), which must hold the line end and a NUL too (ini.h).
 * It cuts a longer line and parses the rest as a line of its own, so a
 * longer line is refused here before inih sees it. */
#define CONF_LINE_MAX (INI_MAX_LINE - 3)
/* Sweeps closer than 10 s apart would probe firewalls faster than they
 * log; one a day is the least a monitor is worth. */
#define CONF_INTERVAL_MIN 10
#define CONF_INTERVAL_MAX 86400
#define CONF_JITTER_MAX 50
#define CONF_MODE_DEFAULT 0660

enum section {
	SECTION_NONE,
	SECTION_VERIPORT,
	SECTION_MAP,
	SECTION_PORTS,
	SECTION_TRUST,
	SECTION_STATUS,
};

static const char *const section_names[] = {
    [SECTION_VERIPORT] = "veriport", [SECTION_MAP] = "map",
    [SECTION_PORTS] = "ports",       [SECTION_TRUST] = "trust",
    [SECTION_STATUS] = "status",
};

/* How the value of a fixed key is checked and stored. */
enum kind {
	KIND_ID,      /* struct conf_ref: a catalog id */
	KIND_PATH,    /* char *: an absolute path */
	KIND_SOCKET,  /* char *: an absolute path that fits sun_path */
	KIND_HOST,    /* char *: a host name or address */
	KIND_TEXT,    /* char *: printable text */
	KIND_UINT,    /* unsigned, from min to max */
	KIND_SECONDS, /* double */
	KIND_MODE,    /* mode_t, octal */
	KIND_LISTEN,  /* char *: ADDRESS:PORT or [ADDRESS]:PORT */
	KIND_PROXY,   /* struct plan_proxy: http://HOST:PORT */
	KIND_OPTIONAL,
};

/* The keys of [veriport] and [status]; [map] and [ports] take catalog
 * ids as keys. */
static const struct key {
	enum section section;
	const char *name;
	enum kind kind;
	size_t field;       /* offsetof(struct conf, ...) */
	unsigned min, max;  /* KIND_SECONDS: in milliseconds */
	const char *expect; /* KIND_UINT: what a bad number is told */
} keys[] = {
    {SECTION_VERIPORT, "profile", KIND_ID, offsetof(struct conf, profile), 0, 0,
     NULL},
    {SECTION_VERIPORT, "role", KIND_ID, offsetof(struct conf, role), 0, 0,
     NULL},
    {SECTION_VERIPORT, "catalog-dir", KIND_PATH,
     offsetof(struct conf, catalog_dir), 0, 0, NULL},
    {SECTION_VERIPORT, "interceptors", KIND_PATH,
     offsetof(struct conf, interceptors), 0, 0, NULL},
    {SECTION_VERIPORT, "optional", KIND_OPTIONAL, 0, 0, 0, NULL},
    {SECTION_VERIPORT, "interval", KIND_UINT, offsetof(struct conf, interval_s),
     CONF_INTERVAL_MIN, CONF_INTERVAL_MAX, "whole seconds from 10 to 86400"},
    {SECTION_VERIPORT, "jitter", KIND_UINT, offsetof(struct conf, jitter_pct),
     0, CONF_JITTER_MAX, "a whole percentage from 0 to 50"},
    {SECTION_VERIPORT, "timeout", KIND_SECONDS,
     offsetof(struct conf, timeout_s), PROBE_TIMEOUT_MIN_MS,
     PROBE_TIMEOUT_MAX_MS, NULL},
    {SECTION_VERIPORT, "deadline", KIND_SECONDS,
     offsetof(struct conf, deadline_s), PROBE_TIMEOUT_MIN_MS,
     CONF_DEADLINE_MAX_S * 1000, NULL},
    {SECTION_VERIPORT, "cert-warn", KIND_UINT,
     offsetof(struct conf, cert_warn_days), 0, RESULTS_CERT_WARN_MAX,
     "whole days from 0 (no warning) to 3650"},
    {SECTION_VERIPORT, "parallel", KIND_UINT, offsetof(struct conf, parallel),
     1, PROBE_PARALLEL_MAX, "a whole number from 1 to 65536"},
    {SECTION_VERIPORT, "ca-file", KIND_PATH, offsetof(struct conf, ca_file), 0,
     0, NULL},
    {SECTION_VERIPORT, "canary", KIND_HOST, offsetof(struct conf, canary), 0, 0,
     NULL},
    {SECTION_VERIPORT, "proxy", KIND_PROXY, offsetof(struct conf, proxy), 0, 0,
     NULL},
    {SECTION_VERIPORT, "snmp-community", KIND_TEXT,
     offsetof(struct conf, snmp_community), 0, 0, NULL},
    {SECTION_STATUS, "socket", KIND_SOCKET, offsetof(struct conf, socket_path),
     0, 0, NULL},
    {SECTION_STATUS, "mode", KIND_MODE, offsetof(struct conf, socket_mode), 0,
     0, NULL},
    {SECTION_STATUS, "listen", KIND_LISTEN, offsetof(struct conf, listen), 0, 0,
     NULL},
    {SECTION_STATUS, "state-dir", KIND_PATH, offsetof(struct conf, state_dir),
     0, 0, NULL},
};

#define NKEYS (sizeof keys / sizeof keys[0])

struct parser {
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned line; /* of the line inih handles now */
	enum section section;
	struct conf *c;
	unsigned seen[NKEYS]; /* line each fixed key was set on */
	size_t optional_cap, map_cap, port_cap;
	bool failed;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 5, 0))) static void
vreport(char *err, size_t errlen, const char *name, unsigned line,
	const char *fmt, va_list ap)
{
	int n = line ? snprintf(err, errlen, "%s:%u: ", name, line)
		     : snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Record the first error only: inih goes on after an error, and the
 * first one is the one the admin must fix. */
__attribute__((format(printf, 3, 4))) static int
fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	if (!p->failed) {
		va_list ap;
		va_start(ap, fmt);
		vreport(p->err, p->errlen, p->name, line, fmt, ap);
		va_end(ap);
		p->failed = true;
	}
	return -EINVAL;
}

/* Digits only, from MIN to MAX: no sign, no blanks, no hex. */
static bool parse_uint(const char *s, unsigned base, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	if (*s == '\0' || strlen(s) > 10)
		return false;
	unsigned long v = 0;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (!isdigit((unsigned char)*s) || d >= base)
			return false;
		v = v * base + d;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool conf_parse_seconds(const char *s, double min, double max, double *out)
{
	size_t int_len = strspn(s, "0123456789");
	const char *rest = s + int_len;
	if (int_len == 0)
		return false;
	if (*rest == '.') {
		size_t frac = strspn(rest + 1, "0123456789");
		if (frac == 0)
			return false;
		rest += 1 + frac;
	}
	if (*rest != '\0')
		return false;
	double v = strtod(s, NULL);
	if (!(v >= min) || v > max)
		return false;
	*out = v;
	return true;
}

static bool valid_port(const char *s, uint16_t *port)
{
	unsigned long v;
	if (!parse_uint(s, 10, 1, 65535, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Split a comma-separated VALUE into its items, blanks around each
 * trimmed. Calls ITEM for each; stops at the first error. */
static int split_list(struct parser *p, const char *key, const char *value,
		      int (*item)(struct parser *p, const char *key,
				  const char *s, size_t n, void *arg),
		      void *arg)
{
	const char *s = value;
	for (;;) {
		size_t n = strcspn(s, ",");
		const char *b = s, *e = s + n;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (b == e)
			return fail(p, p->line,
				    "'%s': empty item in '%s': expected items "
				    "separated by single commas",
				    key, value);
		int rc = item(p, key, b, (size_t)(e - b), arg);
		if (rc < 0)
			return rc;
		if (s[n] != ',')
			return 0;
		s += n + 1;
	}
}

static int optional_item(struct parser *p, const char *key, const char *s,
			 size_t n, void *arg)
{
	(void)arg;
	struct conf *c = p->c;
	char *id = xstrndup(s, n);
	int rc = 0;
	if (strcmp(id, "all") == 0)
		rc = fail(p, p->line,
			  "'optional = all' stands alone: expected 'all' or "
			  "channel ids");
	else if (!catalog_id_valid(id))
		rc = fail(p, p->line,
			  "'%s': bad channel id '%s': expected lower-case "
			  "letters, digits and '-'",
			  key, id);
	for (size_t i = 0; rc == 0 && i < c->noptional; i++)
		if (strcmp(c->optional[i].value, id) == 0)
			rc = fail(p, p->line, "'%s': channel '%s' listed twice",
				  key, id);
	if (rc < 0) {
		free(id);
		return rc;
	}
	if (c->noptional == p->optional_cap) {
		p->optional_cap = p->optional_cap ? 2 * p->optional_cap : 8;
		c->optional = xreallocarray(c->optional, p->optional_cap,
					    sizeof *c->optional);
	}
	c->optional[c->noptional++] = (struct conf_ref){id, p->line};
	return 0;
}

static int map_entry(struct parser *p, const char *key, const char *value)
{
	struct conf *c = p->c;
	if (!catalog_id_valid(key))
		return fail(p, p->line,
			    "bad role or channel id '%s' in [map]: expected "
			    "lower-case letters, digits and '-'",
			    key);
	for (size_t i = 0; i < c->nmaps; i++)
		if (strcmp(c->maps[i].key, key) == 0)
			return fail(p, p->line,
				    "'%s' given twice in [map] (first at line "
				    "%u)",
				    key, c->map_lines[i]);
	struct plan_map m = {.key = xstrdup(key)};
	char why[300];
	if (plan_map_add(&m, value, why, sizeof why) < 0) {
		plan_map_free(&m);
		return fail(p, p->line, "'%s': %s", key, why);
	}
	if (c->nmaps == p->map_cap) {
		p->map_cap = p->map_cap ? 2 * p->map_cap : 8;
		c->maps = xreallocarray(c->maps, p->map_cap, sizeof *c->maps);
		c->map_lines = xreallocarray(c->map_lines, p->map_cap,
					     sizeof *c->map_lines);
	}
	c->maps[c->nmaps] = m;
	c->map_lines[c->nmaps++] = p->line;
	return 0;
}

/* [trust] ROLE = FILE: the CA ROLE's servers chain to. */
static int trust_entry(struct parser *p, const char *key, const char *value)
{
	struct conf *c = p->c;
	if (!catalog_id_valid(key))
		return fail(p, p->line,
			    "bad role id '%s' in [trust]: expected lower-case "
			    "letters, digits and '-'",
			    key);
	for (size_t i = 0; i < c->ntrust; i++)
		if (strcmp(c->trust[i].role, key) == 0)
			return fail(p, p->line,
				    "'%s' given twice in [trust] (first at "
				    "line %u)",
				    key, c->trust[i].line);
	if (value[0] != '/')
		return fail(
		    p, p->line,
		    "'%s = %s': expected the absolute path of a CA file", key,
		    value);
	c->trust = xreallocarray(c->trust, c->ntrust + 1, sizeof *c->trust);
	c->trust[c->ntrust++] =
	    (struct conf_trust){xstrdup(key), xstrdup(value), p->line};
	return 0;
}

static int ports_entry(struct parser *p, const char *key, const char *value)
{
	struct conf *c = p->c;
	if (!catalog_id_valid(key))
		return fail(p, p->line,
			    "bad channel id '%s' in [ports]: expected "
			    "lower-case letters, digits and '-'",
			    key);
	for (size_t i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].channel, key) == 0)
			return fail(p, p->line,
				    "'%s' given twice in [ports] (first at "
				    "line %u)",
				    key, c->ports[i].line);
	uint16_t port;
	if (!valid_port(value, &port))
		return fail(p, p->line,
			    "bad port '%s' for '%s': expected a number from 1 "
			    "to 65535",
			    value, key);
	if (c->nports == p->port_cap) {
		p->port_cap = p->port_cap ? 2 * p->port_cap : 8;
		c->ports =
		    xreallocarray(c->ports, p->port_cap, sizeof *c->ports);
	}
	c->ports[c->nports++] = (struct conf_port){xstrdup(key), port, p->line};
	return 0;
}

static void set_string(struct parser *p, const struct key *k, const char *value)
{
	char **field = (char **)((char *)p->c + k->field);
	free(*field); /* the default, if any */
	*field = xstrdup(value);
}

static int fixed_entry(struct parser *p, const struct key *k, const char *value)
{
	void *field = (char *)p->c + k->field;
	const char *name = k->name;
	unsigned long v;
	switch (k->kind) {
	case KIND_ID:
		if (!catalog_id_valid(value))
			return fail(p, p->line,
				    "bad %s '%s': expected lower-case letters, "
				    "digits and '-', starting with a letter",
				    name, value);
		*(struct conf_ref *)field =
		    (struct conf_ref){xstrdup(value), p->line};
		return 0;
	case KIND_SOCKET:
		if (strlen(value) >= sizeof((struct sockaddr_un *)0)->sun_path)
			return fail(p, p->line,
				    "'%s' is longer than a Unix socket path "
				    "may be (%zu bytes)",
				    name,
				    sizeof((struct sockaddr_un *)0)->sun_path -
					1);
		/* fall through */
	case KIND_PATH:
		if (value[0] != '/')
			return fail(p, p->line,
				    "'%s = %s': expected an absolute path",
				    name, value);
		set_string(p, k, value);
		return 0;
	case KIND_HOST:
		if (!catalog_host_valid(value, strlen(value)))
			return fail(p, p->line,
				    "'%s = %s': expected one host name or "
				    "address",
				    name, value);
		set_string(p, k, value);
		return 0;
	case KIND_TEXT:
		set_string(p, k, value);
		return 0;
	case KIND_UINT:
		if (!parse_uint(value, 10, k->min, k->max, &v))
			return fail(p, p->line, "bad %s '%s': expected %s",
				    name, value, k->expect);
		*(unsigned *)field = (unsigned)v;
		return 0;
	case KIND_SECONDS:
		if (!conf_parse_seconds(value, k->min / 1000.0, k->max / 1000.0,
					(double *)field))
			return fail(p, p->line,
				    "bad %s '%s': expected seconds from %g "
				    "to %g, such as 3 or 0.5",
				    name, value, k->min / 1000.0,
				    k->max / 1000.0);
		return 0;
	case KIND_MODE:
		if (!parse_uint(value, 8, 0, 0777, &v) || strlen(value) > 4)
			return fail(p, p->line,
				    "bad %s '%s': expected octal permissions "
				    "such as 0660",
				    name, value);
		*(mode_t *)field = (mode_t)v;
		return 0;
	case KIND_LISTEN: {
		/* The daemon listens on a port of its own: 0 (any) is for
		 * tests that call status_start directly. */
		struct sockaddr_storage ss;
		if (status_listen_parse(value, &ss) < 0 ||
		    ((struct sockaddr_in *)&ss)->sin_port == 0)
			return fail(p, p->line,
				    "bad %s '%s': expected ADDRESS:PORT or "
				    "[IPv6-ADDRESS]:PORT, such as "
				    "127.0.0.1:9797 or [::1]:9797",
				    name, value);
		set_string(p, k, value);
		return 0;
	}
	case KIND_PROXY: {
		char why[200];
		if (plan_parse_proxy(value, (struct plan_proxy *)field, why,
				     sizeof why) < 0)
			return fail(p, p->line, "bad %s '%s': %s", name, value,
				    why);
		return 0;
	}
	case KIND_OPTIONAL:
		if (strcmp(value, "all") == 0) {
			p->c->optional_all = true;
			return 0;
		}
		return split_list(p, name, value, optional_item, NULL);
	}
	fatalx("key kind %d", (int)k->kind);
}

static int unknown_key(struct parser *p, const char *key)
{
	char list[256] = "";
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].section == p->section)
			snprintf(list + strlen(list),
				 sizeof list - strlen(list), "%s%s",
				 list[0] ? ", " : "", keys[i].name);
	return fail(p, p->line, "unknown key '%s' in [%s]: expected %s", key,
		    section_names[p->section], list);
}

static int entry(struct parser *p, const char *key, const char *value)
{
	if (*key == '\0')
		return fail(p, p->line, "expected a key before '='");
	if (p->section == SECTION_NONE)
		return fail(p, p->line,
			    "'%s' outside a section: expected [veriport], "
			    "[map], [ports], [trust] or [status] first",
			    key);
	if (*value == '\0')
		return fail(p, p->line, "expected a value after '%s ='", key);
	for (const char *s = value; *s; s++) {
		if (iscntrl((unsigned char)*s))
			return fail(p, p->line,
				    "control character in the value of '%s'",
				    key);
		/* inih ends a value at " ;" only; a " #" would otherwise
		 * silently become part of a path or a community. */
		if (*s == '#' && s > value && isspace((unsigned char)s[-1]))
			return fail(p, p->line,
				    "'#' in the value of '%s': comments after "
				    "a value start with ';'",
				    key);
	}
	if (p->section == SECTION_MAP)
		return map_entry(p, key, value);
	if (p->section == SECTION_PORTS)
		return ports_entry(p, key, value);
	if (p->section == SECTION_TRUST)
		return trust_entry(p, key, value);
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section != p->section ||
		    strcmp(keys[i].name, key) != 0)
			continue;
		if (p->seen[i] != 0)
			return fail(p, p->line,
				    "'%s' given twice (first at line %u)", key,
				    p->seen[i]);
		p->seen[i] = p->line;
		return fixed_entry(p, &keys[i], value);
	}
	return unknown_key(p, key);
}

/* inih's handler: nonzero means the entry was taken. */
static int conf_on_entry(void *user, const char *section, const char *key,
			 const char *value)
{
	(void)section; /* the reader tracks sections, inih cuts long names */
	return entry(user, key, value) == 0;
}

/* A "[name]" line (leading blanks already gone). inih calls no handler
 * for a section line, so an unknown or empty section is caught here. */
static int section_line(struct parser *p, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n);
	if (close == NULL)
		return fail(p, p->line, "expected ']' after the section name");
	const char *rest = close + 1, *end = s + n;
	while (rest < end && isspace((unsigned char)*rest))
		rest++;
	if (rest < end && *rest != ';' && *rest != '#')
		return fail(p, p->line, "unexpected text after '%.*s'",
			    (int)(close + 1 - s), s);
	size_t len = (size_t)(close - s - 1);
	for (size_t i = SECTION_VERIPORT; i <= SECTION_STATUS; i++)
		if (strlen(section_names[i]) == len &&
		    memcmp(section_names[i], s + 1, len) == 0) {
			p->section = (enum section)i;
			return 0;
		}
	return fail(p, p->line,
		    "unknown section '%.*s': expected [veriport], [map], "
		    "[ports], [trust] or [status]",
		    (int)(close + 1 - s), s);
}

/* inih's reader: one whole line per call, so its line count is ours.
 * Leading blanks are dropped, so indented keys are keys and never
 * inih's continuation lines; a line that does not fit inih's buffer is
 * refused rather than cut. Returns NULL at the end or after an error,
 * which ends the parse. */
static char *conf_next_line(char *buf, int size, void *stream)
{
	struct parser *p = stream;
	if (p->failed || p->pos >= p->len)
		return NULL;
	p->line++;
	const char *s = p->text + p->pos;
	size_t rest = p->len - p->pos;
	const char *nl = memchr(s, '\n', rest);
	size_t n = nl ? (size_t)(nl - s) : rest;
	p->pos += nl ? n + 1 : n;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	size_t max = CONF_LINE_MAX;
	if (size < 3)
		fatalx("inih line buffer of %d bytes", size);
	if ((size_t)size - 2 < max)
		max = (size_t)size - 2;
	if (n > max) {
		fail(p, p->line, "line longer than %zu bytes", max);
		return NULL;
	}
	if (memchr(s, '\0', n) != NULL) {
		fail(p, p->line, "NUL byte: not a text file");
		return NULL;
	}
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n > 0 && *s == '[' && section_line(p, s, n) < 0)
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return buf;
}

static struct conf *conf_new(const char *name)
{
	struct conf *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(name);
	c->interval_s = CONF_INTERVAL_DEFAULT;
	c->jitter_pct = CONF_JITTER_DEFAULT;
	c->timeout_s = PROBE_TIMEOUT_DEFAULT_MS / 1000.0;
	c->cert_warn_days = RESULTS_CERT_WARN_DEFAULT;
	c->snmp_community = xstrdup("public");
	c->socket_path = xstrdup(CONF_SOCKET_DEFAULT);
	c->socket_mode = CONF_MODE_DEFAULT;
	c->state_dir = xstrdup(CONF_STATE_DIR_DEFAULT);
	return c;
}

int conf_parse(const char *name, const char *text, size_t len,
	       struct conf **out, char *err, size_t errlen)
{
	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	struct parser p = {.name = name,
			   .text = text,
			   .len = len,
			   .err = err,
			   .errlen = errlen};
	p.c = conf_new(name);
	if (len > CONF_FILE_MAX) {
		fail(&p, 0,
		     "larger than %d bytes: not a veriport configuration",
		     CONF_FILE_MAX);
		goto out;
	}
	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3;
	int rc = ini_parse_stream(conf_next_line, &p, conf_on_entry, &p);
	if (rc == -2) {
		fail(&p, 0, "out of memory");
		goto out;
	}
	/* inih's own refusal (a line with no '='), earlier than any of ours:
	 * the reader stops at our first, so inih's line is never later. */
	if (rc > 0 && (!p.failed || (unsigned)rc < p.line)) {
		p.failed = false;
		fail(&p, (unsigned)rc,
		     "expected 'KEY = VALUE', a [SECTION] line or a comment");
		goto out;
	}
	if (p.failed)
		goto out;
	if (p.c->profile.value == NULL)
		fail(&p, 0,
		     "no 'profile' in [veriport]: expected 'profile = "
		     "NAME', a catalog such as seppmail");
	else if (p.c->role.value == NULL)
		fail(&p, 0,
		     "no 'role' in [veriport]: expected 'role = ROLE', "
		     "the role this host plays");
out:
	if (p.failed) {
		conf_free(p.c);
		return -EINVAL;
	}
	*out = p.c;
	return 0;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	*out = NULL;
	char *text;
	size_t len;
	/* conf_parse refuses an oversized file with its own message. */
	int rc = textfile_read(path, CONF_FILE_MAX, &text, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = conf_parse(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

__attribute__((format(printf, 5, 6))) static int
apply_fail(const struct conf *c, unsigned line, char *err, size_t errlen,
	   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(err, errlen, c->path, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int conf_apply(const struct conf *c, struct catalog *cat, char *err,
	       size_t errlen)
{
	if (strcmp(c->profile.value, cat->profile) != 0)
		return apply_fail(c, c->profile.line, err, errlen,
				  "profile '%s' but the catalog is '%s'",
				  c->profile.value, cat->profile);
	if (catalog_role_find(cat, c->role.value) == NULL) {
		char roles[512];
		catalog_role_list(cat, roles, sizeof roles);
		return apply_fail(c, c->role.line, err, errlen,
				  "unknown role '%s' in profile %s (roles: %s)",
				  c->role.value, cat->profile, roles);
	}
	for (size_t i = 0; i < c->nmaps; i++) {
		const char *key = c->maps[i].key;
		if (catalog_role_find(cat, key) == NULL &&
		    catalog_channel_find(cat, key) == NULL)
			return apply_fail(c, c->map_lines[i], err, errlen,
					  "'%s' is neither a role nor a "
					  "channel of profile %s ('veriport "
					  "catalog show %s' lists them)",
					  key, cat->profile, cat->profile);
	}
	for (size_t i = 0; i < c->noptional; i++) {
		const struct conf_ref *o = &c->optional[i];
		const struct catalog_channel *ch =
		    catalog_channel_find(cat, o->value);
		if (ch == NULL)
			return apply_fail(c, o->line, err, errlen,
					  "optional: no channel '%s' in "
					  "profile %s ('veriport catalog show "
					  "%s' lists them)",
					  o->value, cat->profile, cat->profile);
		if (!ch->optional)
			return apply_fail(c, o->line, err, errlen,
					  "optional: channel '%s' of profile "
					  "%s is required, not optional: it is "
					  "always probed",
					  o->value, cat->profile);
	}
	for (size_t i = 0; i < c->nports; i++)
		if (catalog_channel_find(cat, c->ports[i].channel) == NULL)
			return apply_fail(c, c->ports[i].line, err, errlen,
					  "no channel '%s' in profile %s "
					  "('veriport catalog show %s' lists "
					  "them)",
					  c->ports[i].channel, cat->profile,
					  cat->profile);
	for (size_t i = 0; i < c->ntrust; i++)
		if (catalog_role_find(cat, c->trust[i].role) == NULL)
			return apply_fail(c, c->trust[i].line, err, errlen,
					  "[trust]: no role '%s' in profile %s",
					  c->trust[i].role, cat->profile);
	/* Everything checked: only now change the catalog, so a refused
	 * configuration leaves it as it was. */
	for (size_t i = 0; i < c->nports; i++)
		catalog_set_port(cat, c->ports[i].channel, c->ports[i].port);
	return 0;
}

void conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->profile.value);
	free(c->role.value);
	free(c->catalog_dir);
	free(c->interceptors);
	for (size_t i = 0; i < c->noptional; i++)
		free(c->optional[i].value);
	free(c->optional);
	free(c->ca_file);
	for (size_t i = 0; i < c->ntrust; i++) {
		free(c->trust[i].role);
		free(c->trust[i].file);
	}
	free(c->trust);
	free(c->canary);
	free(c->snmp_community);
	for (size_t i = 0; i < c->nmaps; i++)
		plan_map_free(&c->maps[i]);
	free(c->maps);
	free(c->map_lines);
	for (size_t i = 0; i < c->nports; i++)
		free(c->ports[i].channel);
	free(c->ports);
	free(c->socket_path);
	free(c->listen);
	free(c->state_dir);
	free(c);
}
