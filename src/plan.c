/* The plan: which channels this host probes, to which names, which it
 * checks as a local listener, and which it skips. Pure; no I/O.
 *
 * Target precedence, most specific first: --map CHANNEL=HOST, the host the
 * vendor names on that row, --map ROLE=HOST, the role's default hosts. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "veriport/plan.h"
#include "veriport/xalloc.h"

bool plan_host_valid(const char *s, size_t n)
{
	char buf[PLAN_HOST_MAX + 2];
	unsigned char addr[16];
	if (n == 0 || n > PLAN_HOST_MAX)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(s, ':', n) != NULL)
		return inet_pton(AF_INET6, buf, addr) == 1;
	/* Digits and dots only is an IPv4 address or nothing: RFC 1123
	 * §2.1 keeps a name's last label from being all digits. */
	if (strspn(buf, "0123456789.") == n)
		return inet_pton(AF_INET, buf, addr) == 1;
	/* RFC 1123 §2.1 (RFC 952 as amended): labels of 1 to 63 letters,
	 * digits and hyphens, not starting or ending with a hyphen; one
	 * final dot (the root) is allowed. */
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	if (n == 0)
		return false;
	for (const char *label = buf;;) {
		size_t len = strcspn(label, ".");
		if (len == 0 || len > 63 || label[0] == '-' ||
		    label[len - 1] == '-')
			return false;
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)label[i]) &&
			    label[i] != '-')
				return false;
		if (label[len] == '\0')
			return true;
		label += len + 1;
	}
}

/* One TARGET (N bytes at S): HOST, HOST:PORT, IPv6, [IPv6] or
 * [IPv6]:PORT. */
static bool parse_target(const char *s, size_t n, struct plan_target *t)
{
	const char *host = s, *port = NULL;
	size_t hostlen = n;
	const char *colon = memchr(s, ':', n);
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (close == NULL)
			return false;
		host = s + 1;
		hostlen = (size_t)(close - s) - 1;
		if ((size_t)(close - s) + 1 < n) {
			if (close[1] != ':')
				return false;
			port = close + 2;
		}
		if (memchr(host, ':', hostlen) == NULL)
			return false; /* brackets hold IPv6 only */
	} else if (colon != NULL &&
		   memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) ==
		       NULL) {
		/* one colon: HOST:PORT; more: a bare IPv6 address */
		hostlen = (size_t)(colon - s);
		port = colon + 1;
	}
	unsigned long v = 0;
	if (port != NULL) {
		size_t plen = n - (size_t)(port - s);
		if (plen == 0 || plen > 5 || strspn(port, "0123456789") < plen)
			return false;
		for (size_t i = 0; i < plen; i++)
			v = v * 10 + (unsigned long)(port[i] - '0');
		if (v == 0 || v > 65535)
			return false;
	}
	if (!plan_host_valid(host, hostlen))
		return false;
	t->host = xstrndup(host, hostlen);
	t->port = (uint16_t)v;
	return true;
}

int plan_map_add(struct plan_map *m, const char *list, char *err, size_t errlen)
{
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		struct plan_target t;
		if (b == e || !parse_target(b, (size_t)(e - b), &t)) {
			snprintf(err, errlen,
				 "bad target '%.*s': expected HOST, HOST:PORT "
				 "or [IPv6]:PORT, separated by commas (a HOST "
				 "is a name of letters, digits, '-' and '.', "
				 "an IPv4 or an IPv6 address)",
				 (int)(e - b < 200 ? e - b : 200), b);
			return -EINVAL;
		}
		m->targets = xreallocarray(m->targets, m->ntargets + 1,
					   sizeof *m->targets);
		m->targets[m->ntargets++] = t;
		if (p[n] != ',')
			return 0;
		p += n + 1;
	}
}

int plan_parse_proxy(const char *url, struct plan_proxy *out, char *err,
		     size_t errlen)
{
	static const char scheme[] = "http://";
	memset(out, 0, sizeof *out);
	size_t n = strlen(url);
	if (n < sizeof scheme - 1 ||
	    strncasecmp(url, scheme, sizeof scheme - 1) != 0) {
		snprintf(err, errlen,
			 "expected http://HOST:PORT (an HTTP proxy%s)",
			 strncasecmp(url, "https://", 8) == 0
			     ? "; a TLS connection to the proxy is not "
			       "supported"
			     : "");
		return -EINVAL;
	}
	const char *s = url + sizeof scheme - 1;
	n -= sizeof scheme - 1;
	if (n > 0 && s[n - 1] == '/')
		n--;
	/* RFC 3986 §3.2.1: userinfo before '@'; credentials on a command
	 * line end up in ps output and logs. */
	if (memchr(s, '@', n) != NULL) {
		snprintf(err, errlen,
			 "expected http://HOST:PORT: credentials in the URL "
			 "are not supported");
		return -EINVAL;
	}
	struct plan_target t;
	if (n == 0 || memchr(s, '/', n) != NULL || !parse_target(s, n, &t)) {
		snprintf(err, errlen,
			 "expected http://HOST:PORT or http://[IPv6]:PORT (a "
			 "HOST is a name of letters, digits, '-' and '.', an "
			 "IPv4 or an IPv6 address)");
		return -EINVAL;
	}
	if (t.port == 0) {
		free(t.host);
		snprintf(err, errlen,
			 "expected http://HOST:PORT: the port is required, "
			 "and an IPv6 address goes in brackets "
			 "(http://[ADDRESS]:PORT)");
		return -EINVAL;
	}
	snprintf(out->host, sizeof out->host, "%s", t.host);
	out->port = t.port;
	free(t.host);
	return 0;
}

int plan_parse_map(const char *arg, struct plan_map *out, char *err,
		   size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0') {
		snprintf(err, errlen, "--map %s: expected ROLE=HOST[,HOST...]",
			 arg);
		return -EINVAL;
	}
	out->key = xstrndup(arg, (size_t)(eq - arg));
	char why[300];
	if (plan_map_add(out, eq + 1, why, sizeof why) < 0) {
		snprintf(err, errlen, "--map %s: %s", arg, why);
		plan_map_free(out);
		return -EINVAL;
	}
	return 0;
}

void plan_map_free(struct plan_map *m)
{
	free(m->key);
	for (size_t i = 0; i < m->ntargets; i++)
		free(m->targets[i].host);
	free(m->targets);
	memset(m, 0, sizeof *m);
}

static const struct plan_map *find_map(const struct plan_options *o,
				       const char *key)
{
	const struct plan_map *found = NULL;
	for (size_t i = 0; i < o->nmaps; i++)
		if (strcmp(o->maps[i].key, key) == 0)
			found = &o->maps[i]; /* the last --map wins */
	return found;
}

static bool in_use(const struct plan_options *o, const char *id)
{
	for (size_t i = 0; i < o->noptional_in_use; i++)
		if (strcmp(o->optional_in_use[i], id) == 0)
			return true;
	return false;
}

static bool wanted(const struct plan_options *o, const char *id)
{
	if (o->nonly == 0)
		return true;
	for (size_t i = 0; i < o->nonly; i++)
		if (strcmp(o->only[i], id) == 0)
			return true;
	return false;
}

static void add(struct plan *p, size_t *cap, struct plan_item item)
{
	if (p->nitems == *cap) {
		*cap = *cap ? 2 * *cap : 32;
		p->items = xreallocarray(p->items, *cap, sizeof *p->items);
	}
	p->items[p->nitems++] = item;
}

static void add_probes(struct plan *p, size_t *cap, const struct catalog *cat,
		       const struct catalog_channel *ch,
		       const struct plan_options *o)
{
	const struct catalog_role *to = &cat->roles[ch->to];
	const struct plan_map *m = find_map(o, ch->id);
	if (m == NULL && ch->host != NULL) {
		add(p, cap,
		    (struct plan_item){ch, PLAN_PROBE, 0, ch->host, ch->port});
		return;
	}
	if (m == NULL)
		m = find_map(o, to->id);
	if (m != NULL) {
		for (size_t i = 0; i < m->ntargets; i++) {
			const struct plan_target *t = &m->targets[i];
			add(p, cap,
			    (struct plan_item){ch, PLAN_PROBE, 0, t->host,
					       t->port ? t->port : ch->port});
		}
		return;
	}
	for (size_t i = 0; i < to->ndefaults; i++)
		add(p, cap,
		    (struct plan_item){ch, PLAN_PROBE, 0, to->defaults[i],
				       ch->port});
	if (to->ndefaults == 0)
		add(p, cap,
		    (struct plan_item){ch, PLAN_SKIP, REASON_NO_TARGET, NULL,
				       0});
}

int plan_build(const struct catalog *cat, const struct plan_options *o,
	       struct plan *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (catalog_role_find(cat, o->role) == NULL) {
		char roles[512];
		catalog_role_list(cat, roles, sizeof roles);
		snprintf(err, errlen,
			 "unknown role '%s' in profile %s (roles: %s)", o->role,
			 cat->profile, roles);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->nmaps; i++)
		if (catalog_role_find(cat, o->maps[i].key) == NULL &&
		    catalog_channel_find(cat, o->maps[i].key) == NULL) {
			snprintf(err, errlen,
				 "--map %s=...: '%s' is neither a role nor a "
				 "channel of profile %s",
				 o->maps[i].key, o->maps[i].key, cat->profile);
			return -EINVAL;
		}
	for (size_t i = 0; i < o->nonly; i++)
		if (catalog_channel_find(cat, o->only[i]) == NULL) {
			snprintf(err, errlen,
				 "--only %s: no such channel in profile %s "
				 "('veriport catalog show %s' lists them)",
				 o->only[i], cat->profile, cat->profile);
			return -EINVAL;
		}
	size_t cap = 0;
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *ch = &cat->channels[i];
		if (!wanted(o, ch->id))
			continue;
		bool from = strcmp(cat->roles[ch->from].id, o->role) == 0;
		bool to = strcmp(cat->roles[ch->to].id, o->role) == 0;
		if (!from && !to) {
			/* Named with --only: say why nothing happens. */
			if (o->nonly > 0)
				add(out, &cap,
				    (struct plan_item){ch, PLAN_SKIP,
						       REASON_NOT_THIS_ROLE,
						       NULL, 0});
			continue;
		}
		if (ch->optional && !o->optional && !(o->nonly > 0) &&
		    !in_use(o, ch->id)) {
			add(out, &cap,
			    (struct plan_item){ch, PLAN_SKIP, REASON_OPTIONAL,
					       NULL, 0});
			continue;
		}
		if (from)
			add_probes(out, &cap, cat, ch, o);
		if (to)
			add(out, &cap,
			    (struct plan_item){ch, PLAN_LISTENER, 0, NULL, 0});
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->items);
	memset(p, 0, sizeof *p);
}
