/* Results: what a sweep found, the context each verdict is read in, and
 * the exit status they add up to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/results.h"

/* The result elsewhere that the context leans on, for the evidence. */
struct witness {
	const struct result *verified;
	const struct result *offered;
	const struct result *clean_http;
	const struct result *canary;
	char remembered[EVIDENCE_LINE_LEN];
};

static bool same_host(const struct result *a, const struct result *b)
{
	return a->host != NULL && b->host != NULL &&
	       strcmp(a->host, b->host) == 0;
}

static bool proxy_headers(const struct evidence *ev)
{
	return ev->dlg.http.via || ev->dlg.http.x_cache;
}

/* The canary probe that answered on this result's transport and port. */
static const struct result *canary_answer(const struct results_policy *p,
					  const struct result *x)
{
	for (size_t i = 0; i < p->ncanaries; i++) {
		const struct result *c = &p->canaries[i];
		if (c->channel->transport == x->channel->transport &&
		    c->channel->port == x->channel->port &&
		    (c->ev.connected || c->ev.udp_reply))
			return c;
	}
	return NULL;
}

static struct verdict_context context_of(const struct results *r,
					 const struct results_policy *p,
					 const struct result *x,
					 struct witness *w)
{
	const struct catalog *cat = r->catalog;
	const struct evidence *ev = &x->ev;
	memset(w, 0, sizeof *w);
	w->canary = canary_answer(p, x);
	struct verdict_context ctx = {
	    .declared_trust = p->ca_file != NULL,
	    .public_target = cat->roles[x->channel->to].public_role,
	    .starttls = x->channel->starttls,
	    .canary_answered = w->canary != NULL,
	};
	if (ev->tls_done)
		ctx.chain_product =
		    intercept_match_chain(p->interceptors, ev->tls);
	ctx.greeting_product =
	    intercept_match_greeting(p->interceptors, ev->dlg.greeting);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *y = &r->items[i];
		if (y == x || !same_host(x, y))
			continue;
		if (y->ev.tls_done && y->ev.tls->verified && !w->verified)
			w->verified = y;
		if (y->channel->check == x->channel->check &&
		    y->ev.starttls_checked && y->ev.dlg.starttls_offered &&
		    !w->offered)
			w->offered = y;
		if (proxy_headers(ev) && y->ev.dlg.http.status != 0 &&
		    !proxy_headers(&y->ev) && !w->clean_http)
			w->clean_http = y;
	}
	ctx.remembered_changed =
	    p->changed != NULL &&
	    p->changed(p->changed_arg, x, w->remembered, sizeof w->remembered);
	ctx.verified_elsewhere = w->verified != NULL;
	ctx.starttls_offered_elsewhere = w->offered != NULL;
	ctx.proxy_headers_only_here = w->clean_http != NULL;
	return ctx;
}

static void where(const struct result *y, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u at %s",
		 catalog_transport_name(y->channel->transport),
		 y->channel->port, y->address[0] ? y->address : "?");
}

/* Say what made the verdict: the evidence names what the rule saw. */
static void explain(const struct results_policy *p, struct result *x,
		    const struct verdict_context *ctx, const struct witness *w)
{
	struct evidence *ev = &x->ev;
	char at[80];
	switch (x->verdict.reason) {
	case REASON_CANARY_ANSWERED:
		where(w->canary, at, sizeof at);
		evidence_add(ev,
			     "the canary %s answered on %s: something in "
			     "the path answers for every host",
			     w->canary->host, at);
		break;
	case REASON_KNOWN_INTERCEPTOR:
		evidence_add(ev,
			     "the chain names %s, a known interception "
			     "product",
			     ctx->chain_product);
		break;
	case REASON_UNTRUSTED_ISSUER:
		if (x->verdict.verdict != VERDICT_INTERCEPTED) {
			evidence_add(ev,
				     "issuer %s is not trusted; to tell a "
				     "private CA from interception, declare "
				     "the CA (--ca-file)",
				     ev->tls->issuer);
		} else if (ctx->declared_trust) {
			evidence_add(ev,
				     "expected a chain to the CA of %s; "
				     "got issuer %s",
				     p->ca_file, ev->tls->issuer);
		} else if (w->verified != NULL) {
			where(w->verified, at, sizeof at);
			evidence_add(ev,
				     "split view: %s presents a chain that "
				     "verifies (issuer %s) on %s",
				     x->host, w->verified->ev.tls->issuer, at);
		} else {
			evidence_add(ev,
				     "public service: its certificate must "
				     "verify against the system store; got "
				     "issuer %s",
				     ev->tls->issuer);
		}
		break;
	case REASON_STARTTLS_STRIPPED:
		if (w->offered != NULL) {
			where(w->offered, at, sizeof at);
			evidence_add(ev,
				     "STARTTLS offered by %s on %s, missing "
				     "here",
				     x->host, at);
		} else {
			evidence_add(ev,
				     "the catalog requires STARTTLS on this "
				     "channel");
		}
		break;
	case REASON_PIN_MISMATCH:
		evidence_add(ev, "%s", w->remembered);
		break;
	case REASON_GREETING_ALTERED:
		evidence_add(ev, "the greeting names %s: \"%s\"",
			     ctx->greeting_product, ev->dlg.greeting);
		break;
	case REASON_HEADER_INJECTED:
		if (w->clean_http != NULL) {
			where(w->clean_http, at, sizeof at);
			evidence_add(ev, "Via/X-Cache here, none from %s on %s",
				     x->host, at);
		} else {
			evidence_add(ev, "HTTP %u%s: a proxy answered",
				     ev->dlg.http.status,
				     ev->dlg.http.proxy_connection
					 ? " with proxy headers"
					 : "");
		}
		break;
	default:
		break;
	}
}

void results_decide(struct results *r, const struct results_policy *p)
{
	for (size_t i = 0; i < r->nitems; i++) {
		struct result *x = &r->items[i];
		struct witness w;
		struct verdict_context ctx = context_of(r, p, x, &w);
		x->verdict = verdict_decide(&x->ev, &ctx);
		explain(p, x, &ctx, &w);
	}
}

enum results_status results_status(const struct results *r)
{
	enum results_status status = RESULTS_OK;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		enum verdict v = x->verdict.verdict;
		if (verdict_failed(v) && !x->channel->optional)
			return RESULTS_CRITICAL;
		/* A required channel nobody named a host for is not
		 * verified either. */
		if (verdict_failed(v) || v == VERDICT_UNVERIFIED ||
		    (x->verdict.reason == REASON_NO_TARGET &&
		     !x->channel->optional))
			status = RESULTS_WARNING;
	}
	return status;
}

void results_count(const struct results *r, size_t counts[VERDICT_COUNT])
{
	memset(counts, 0, VERDICT_COUNT * sizeof counts[0]);
	for (size_t i = 0; i < r->nitems; i++)
		counts[r->items[i].verdict.verdict]++;
}

void results_free(struct results *r)
{
	for (size_t i = 0; i < r->nitems; i++)
		evidence_free(&r->items[i].ev);
	for (size_t i = 0; i < r->ncanaries; i++)
		evidence_free(&r->canaries[i].ev);
	free(r->items);
	free(r->canaries);
	memset(r, 0, sizeof *r);
}
