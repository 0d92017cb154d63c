/* Correlation (correlate.h): the sweep-level facts each verdict is read
 * with. Results are indexed by (host, check) once per sweep, so finding
 * "another path of the same host that ..." costs a sort, not a scan of
 * every pair. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/correlate.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

/* Words quoted about a witness: "mail.lan on tcp/465 at 192.0.2.1". */
#define WITNESS_TEXT_MAX 200

static const char *host_of(const struct result *r)
{
	return r->host != NULL ? r->host : "";
}

static int by_host_check(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a;
	const struct result *y = *(const struct result *const *)b;
	int c = strcmp(host_of(x), host_of(y));
	if (c == 0)
		c = (int)x->channel->check - (int)y->channel->check;
	return c != 0 ? c : (x < y ? -1 : x > y);
}

static bool proxy_headers(const struct evidence *ev)
{
	return ev->dlg.http.via || ev->dlg.http.x_cache;
}

static bool verified(const struct result *y)
{
	return y->ev.tls_done && y->ev.tls->verified;
}

static bool offered(const struct result *y)
{
	return y->ev.starttls_checked && y->ev.dlg.starttls_offered;
}

static bool clean_http(const struct result *y)
{
	return y->ev.dlg.http.status != 0 && !proxy_headers(&y->ev);
}

/* The first two results of a group with one property: the witness for a
 * result is the first, or the second when the result is the first. */
struct pair {
	const struct result *first, *second;
};

static struct pair pair_of(struct result *const *sorted, size_t from, size_t to,
			   bool (*has)(const struct result *))
{
	struct pair p = {NULL, NULL};
	for (size_t i = from; i < to && p.second == NULL; i++)
		if (has(sorted[i])) {
			if (p.first == NULL)
				p.first = sorted[i];
			else
				p.second = sorted[i];
		}
	return p;
}

static const struct result *other(const struct pair *p, const struct result *x)
{
	return p->first != x ? p->first : p->second;
}

/* What the other results of a host (and of a host and check) show. */
struct group {
	struct pair verified, clean, offered;
};

/* "PREFIX on tcp/465 at 192.0.2.1 SUFFIX": where the witness Y was seen,
 * the words the verdict's sentence quotes. */
static const char *where(const struct result *y, char *buf, size_t len,
			 const char *prefix, const char *suffix)
{
	buf[0] = '\0';
	text_appendf(buf, len, "%s%s/%u at %s%s", prefix,
		     catalog_transport_name(y->channel->transport), y->port,
		     y->address[0] ? y->address : "?", suffix);
	return buf;
}

/* The canary probe that answered on this result's transport and port. */
static const struct result *canary_answer(const struct correlate_policy *p,
					  const struct result *x)
{
	/* The canary was probed directly: it says nothing of the path
	 * through a proxy. */
	for (size_t i = 0; i < p->ncanaries && !x->ev.proxy.used; i++) {
		const struct result *c = &p->canaries[i];
		if (c->channel->transport == x->channel->transport &&
		    c->port == x->port && (c->ev.connected || c->ev.udp_reply))
			return c;
	}
	return NULL;
}

struct texts {
	char verified[WITNESS_TEXT_MAX], offered[WITNESS_TEXT_MAX],
	    clean[WITNESS_TEXT_MAX], canary[WITNESS_TEXT_MAX],
	    remembered[EVIDENCE_LINE_LEN];
};

/* Untrusted chains of public targets: one issuer (its name and key)
 * certifying two or more different public hosts in one sweep is an
 * interceptor re-signing everything (an internal CA signs internal
 * servers, never the Internet's). */
static bool resigned_public(const struct results *r, const struct result *x)
{
	return x->host != NULL && x->ev.tls_done && x->ev.tls->untrusted &&
	       !x->ev.tls->hostname_mismatch &&
	       r->catalog->roles[x->channel->to].public_role;
}

static int by_issuer_host(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a;
	const struct result *y = *(const struct result *const *)b;
	int c = strcmp(x->ev.tls->issuer, y->ev.tls->issuer);
	if (c == 0)
		c = strcmp(x->ev.tls->issuer_key, y->ev.tls->issuer_key);
	if (c == 0)
		c = strcmp(x->host, y->host);
	return c;
}

static bool same_issuer(const struct result *x, const struct result *y)
{
	return strcmp(x->ev.tls->issuer, y->ev.tls->issuer) == 0 &&
	       strcmp(x->ev.tls->issuer_key, y->ev.tls->issuer_key) == 0;
}

/* For each result of an issuer shared by several public hosts, the other
 * hosts it certifies; SHARED[i] for R->items[i], NULL when none. */
static char **shared_issuers(const struct results *r)
{
	char **shared = xcalloc(r->nitems + 1, sizeof *shared);
	const struct result **c = xcalloc(r->nitems + 1, sizeof *c);
	size_t n = 0;
	for (size_t i = 0; i < r->nitems; i++)
		if (resigned_public(r, &r->items[i]))
			c[n++] = &r->items[i];
	qsort(c, n, sizeof *c, by_issuer_host);
	for (size_t g = 0; g < n;) {
		size_t end = g + 1;
		while (end < n && same_issuer(c[g], c[end]))
			end++;
		for (size_t i = g; i < end; i++) {
			/* the group is sorted by host: each other host once */
			char list[WITNESS_TEXT_MAX] = "";
			size_t others = 0;
			for (size_t j = g; j < end; j++) {
				if (strcmp(c[j]->host, c[i]->host) == 0 ||
				    (j > g &&
				     strcmp(c[j]->host, c[j - 1]->host) == 0))
					continue;
				text_appendf(list, sizeof list, "%s%s",
					     others ? ", " : "", c[j]->host);
				others++;
			}
			if (others > 0)
				shared[c[i] - r->items] = xstrdup(list);
		}
		g = end;
	}
	free(c);
	return shared;
}

static void decide_one(struct results *r, const struct correlate_policy *p,
		       struct result *x, const struct group *g,
		       const char *shared_issuer)
{
	const struct evidence *ev = &x->ev;
	struct texts t;
	struct verdict_context ctx = {
	    .declared_trust = p->declared ? p->declared[x->channel->to] : NULL,
	    .public_target = r->catalog->roles[x->channel->to].public_role,
	    .starttls = x->channel->starttls,
	    .responder_token = p->responder_token,
	    .responder_spki = p->responder_spki,
	};
	const struct result *c = canary_answer(p, x);
	if (c != NULL) {
		char prefix[WITNESS_TEXT_MAX] = "";
		text_appendf(prefix, sizeof prefix,
			     "the canary %s answered on ", host_of(c));
		ctx.canary = where(c, t.canary, sizeof t.canary, prefix, "");
	}
	if (ev->tls_done)
		ctx.chain_product =
		    intercept_match_chain(p->interceptors, ev->tls);
	ctx.greeting_product =
	    intercept_match_greeting(p->interceptors, ev->dlg.greeting);
	if (x->host != NULL) {
		char prefix[WITNESS_TEXT_MAX] = "";
		const struct result *y = other(&g->verified, x);
		if (y != NULL) {
			text_appendf(prefix, sizeof prefix,
				     "%s presents a chain that verifies "
				     "(issuer %s) on ",
				     x->host, y->ev.tls->issuer);
			ctx.verified_elsewhere =
			    where(y, t.verified, sizeof t.verified, prefix, "");
		}
		prefix[0] = '\0';
		text_appendf(prefix, sizeof prefix, "%s on ", x->host);
		y = other(&g->offered, x);
		if (y != NULL)
			ctx.starttls_elsewhere =
			    where(y, t.offered, sizeof t.offered, prefix, "");
		y = proxy_headers(ev) ? other(&g->clean, x) : NULL;
		if (y != NULL)
			ctx.clean_http_elsewhere =
			    where(y, t.clean, sizeof t.clean, prefix, "");
	}
	ctx.shared_issuer = shared_issuer;
	if (p->changed != NULL &&
	    p->changed(p->changed_arg, x, t.remembered, sizeof t.remembered))
		ctx.remembered = t.remembered;
	char why[EVIDENCE_LINE_LEN];
	x->verdict = verdict_decide(ev, &ctx, why, sizeof why);
	if (why[0] != '\0')
		evidence_add(&x->ev, "%s", why);
	int64_t days;
	if (results_days_left(r, x, &days))
		evidence_add(&x->ev,
			     "certificate valid until %s: %lld day%s left%s",
			     x->ev.tls->not_after, (long long)days,
			     days == 1 || days == -1 ? "" : "s",
			     results_cert_expiring(r, x)
				 ? " (a warning: fewer than --cert-warn)"
				 : "");
}

void correlate_decide(struct results *r, const struct correlate_policy *p)
{
	char **shared = shared_issuers(r);
	struct result **sorted = xcalloc(r->nitems + 1, sizeof *sorted);
	for (size_t i = 0; i < r->nitems; i++)
		sorted[i] = &r->items[i];
	qsort(sorted, r->nitems, sizeof *sorted, by_host_check);
	for (size_t h = 0; h < r->nitems;) {
		size_t hend = h;
		while (hend < r->nitems &&
		       strcmp(host_of(sorted[hend]), host_of(sorted[h])) == 0)
			hend++;
		struct group g = {
		    .verified = pair_of(sorted, h, hend, verified),
		    .clean = pair_of(sorted, h, hend, clean_http),
		};
		for (size_t c = h; c < hend;) {
			size_t cend = c;
			while (cend < hend && sorted[cend]->channel->check ==
						  sorted[c]->channel->check)
				cend++;
			g.offered = pair_of(sorted, c, cend, offered);
			for (size_t i = c; i < cend; i++)
				decide_one(r, p, sorted[i], &g,
					   shared[sorted[i] - r->items]);
			c = cend;
		}
		h = hend;
	}
	for (size_t i = 0; i < r->nitems; i++)
		free(shared[i]);
	free(shared);
	free(sorted);
}
