/* One sweep: resolve the plan's names (each once), submit a probe per
 * address as soon as its name resolves, stop everything at the deadline,
 * and gather results in plan order with their verdicts. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/correlate.h"
#include "veriport/listener.h"
#include "veriport/resolve.h"
#include "veriport/sweep.h"
#include "veriport/xalloc.h"

/* One plan item's outcome: its probes (one per address), or the evidence
 * that stands for it when it was skipped, local, or its name failed. */
struct item_state {
	struct probe_job *jobs;
	size_t njobs;
	struct evidence ev; /* used when njobs == 0 */
	size_t next;        /* the next item of the same name, or NO_ITEM */
};

#define NO_ITEM ((size_t)-1)

/* One distinct name of the plan. */
struct host_state {
	struct sweep *sweep;
	const char *name;
	bool other_family;  /* a literal address -4/-6 leaves out */
	size_t first, last; /* its plan items, chained by item_state.next */
};

struct sweep {
	uv_loop_t *loop;
	const struct catalog *catalog;
	const char *role;
	struct plan work; /* the plan and the canary probes */
	size_t nplanned;  /* items of the caller's plan, before the canaries */
	struct sweep_options opt_copy;
	const struct sweep_options *opt;
	/* Trust: the system store (with --ca-file added) for public roles,
	 * --ca-file alone for the others, a role's own file for it. */
	struct tlsio_ctx *tls_public, *tls_internal, **tls_role;
	const char **declared; /* per role: what the verdict is told */
	time_t started;
	uint64_t t0;
	sweep_done_cb done;
	void *done_arg;
	const struct plan *plan;
	struct item_state *items;
	struct host_state *hosts;
	size_t nhosts;
	struct resolve *resolver;
	struct probe_engine *engine;
	uv_timer_t deadline;
	size_t pending_names;
	size_t jobs_total, jobs_done;
	size_t tls_jobs; /* jobs that need a TLS slot */
	bool cut;        /* the deadline passed */
	bool over;
};

static void trust_free(struct sweep *s)
{
	tlsio_ctx_free(s->tls_public);
	tlsio_ctx_free(s->tls_internal);
	for (size_t i = 0; s->tls_role != NULL && i < s->catalog->nroles; i++)
		tlsio_ctx_free(s->tls_role[i]);
	free(s->tls_role);
	free(s->declared);
}

/* Declared trust adds to the system store for public roles (their
 * services carry public certificates) and is what internal roles are held
 * to; a role named with its own file is held to that file. */
static int trust_load(struct sweep *s, const struct sweep_options *o, char *err,
		      size_t errlen)
{
	const struct catalog *cat = s->catalog;
	s->tls_role = xcalloc(cat->nroles + 1, sizeof *s->tls_role);
	s->declared = xcalloc(cat->nroles + 1, sizeof *s->declared);
	int rc = tlsio_ctx_new(&s->tls_public, o->ca_file, true, err, errlen);
	if (rc == 0 && o->ca_file != NULL)
		rc = tlsio_ctx_new(&s->tls_internal, o->ca_file, false, err,
				   errlen);
	for (size_t i = 0; rc == 0 && i < o->nrole_ca; i++) {
		const struct catalog_role *r =
		    catalog_role_find(cat, o->role_ca[i].role);
		if (r == NULL) {
			snprintf(err, errlen,
				 "--ca-file %s=%s: no role '%s' in profile %s",
				 o->role_ca[i].role, o->role_ca[i].file,
				 o->role_ca[i].role, cat->profile);
			return -EINVAL;
		}
		size_t at = (size_t)(r - cat->roles);
		tlsio_ctx_free(s->tls_role[at]);
		s->tls_role[at] = NULL;
		rc = tlsio_ctx_new(&s->tls_role[at], o->role_ca[i].file, false,
				   err, errlen);
		s->declared[at] = o->role_ca[i].file;
	}
	for (size_t i = 0; i < cat->nroles; i++)
		if (s->declared[i] == NULL && !cat->roles[i].public_role)
			s->declared[i] = o->ca_file;
	return rc;
}

/* The trust a job's handshake is held to. */
static struct tlsio_ctx *trust_of(const struct sweep *s,
				  const struct catalog_channel *ch)
{
	if (s->tls_role[ch->to] != NULL)
		return s->tls_role[ch->to];
	if (!s->catalog->roles[ch->to].public_role && s->tls_internal != NULL)
		return s->tls_internal;
	return s->tls_public;
}

static void sweep_finish(uv_handle_t *h);

static void sweep_on_engine_closed(void *arg)
{
	struct sweep *s = arg;
	s->engine = NULL;
	uv_close((uv_handle_t *)&s->deadline, sweep_finish);
}

static void sweep_on_over(uv_timer_t *t)
{
	struct sweep *s = t->data;
	resolve_close(s->resolver);
	s->resolver = NULL;
	probe_engine_close(s->engine, sweep_on_engine_closed, s);
}

/* Everything answered: close the resolver on the next loop turn, since
 * this may run inside a c-ares callback. The deadline timer does it. */
static void sweep_maybe_end(struct sweep *s)
{
	if (s->over || s->pending_names > 0 || s->jobs_done < s->jobs_total)
		return;
	s->over = true;
	uv_timer_start(&s->deadline, sweep_on_over, 0, 0);
}

static void sweep_on_probe_done(struct probe_job *job, void *arg)
{
	(void)job;
	struct sweep *s = arg;
	s->jobs_done++;
	if (s->opt->progress != NULL)
		s->opt->progress(s->opt->progress_arg, s->jobs_done,
				 s->jobs_total);
	sweep_maybe_end(s);
}

static void sweep_on_deadline(uv_timer_t *t)
{
	struct sweep *s = t->data;
	/* What the sweep did not finish is skipped, never a network
	 * verdict: lookups still pending, probes queued or running. */
	s->cut = true;
	resolve_close(s->resolver);
	s->resolver = NULL;
	probe_cancel_all(s->engine);
}

/* The deadline a sweep gets when none is given: every round of probes the
 * in-flight limits allow may take its timeout and a second more, after the
 * lookups had theirs. A safety net far above a healthy sweep's length. */
static uint64_t derived_deadline_ms(const struct sweep *s)
{
	const struct probe_options *p = &s->opt->probe;
	unsigned parallel =
	    p->parallel ? p->parallel : probe_parallel_default();
	unsigned tls = p->tls_parallel ? p->tls_parallel : 1;
	unsigned timeout =
	    p->timeout_ms ? p->timeout_ms : PROBE_TIMEOUT_DEFAULT_MS;
	uint64_t rounds = (s->jobs_total + parallel - 1) / parallel +
			  (s->tls_jobs + tls - 1) / tls;
	return (rounds + 1) * ((uint64_t)timeout + 1000) + 1000;
}

/* The names are resolved: the work is known, and so is its deadline. */
static void sweep_arm_deadline(struct sweep *s)
{
	if (s->opt->deadline_ms == 0 && !s->cut && !s->over)
		uv_timer_start(&s->deadline, sweep_on_deadline,
			       derived_deadline_ms(s), 0);
}

/* A responder stands at PI's target: not at the canary's. */
static bool responder_at(const struct sweep *s, const struct plan_item *pi)
{
	const struct sweep_options *o = s->opt;
	if (o->probe.responder_token == NULL ||
	    pi >= s->work.items + s->nplanned)
		return false;
	return o->responder_role == NULL ||
	       strcmp(s->catalog->roles[pi->channel->to].id,
		      o->responder_role) == 0;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* What -4/-6 adds to a DNS line: "" without them. */
static const char *family_only(int family)
{
	return family == AF_INET    ? " (IPv4 only: -4)"
	       : family == AF_INET6 ? " (IPv6 only: -6)"
				    : "";
}

/* HOST is an address of the family -4/-6 leaves out. */
static bool literal_of_other_family(const struct sweep *s, const char *host)
{
	unsigned char addr[16];
	int family = s->opt->probe.family;
	return family != AF_UNSPEC &&
	       inet_pton(family == AF_INET ? AF_INET6 : AF_INET, host, addr) ==
		   1;
}

/* Plan item I goes through the proxy: a planned channel (not a canary)
 * whose vendor row allows one, and a proxy is given. */
static bool via_proxy(const struct sweep *s, size_t i)
{
	const struct plan_proxy *px = s->opt->proxy;
	return px != NULL && px->host[0] != '\0' && i < s->nplanned &&
	       s->work.items[i].channel->proxy;
}

/* The name a plan item's probes need resolved here: the proxy's, when
 * the proxy resolves the target's. */
static const char *lookup_name(const struct sweep *s, size_t i)
{
	return via_proxy(s, i) ? s->opt->proxy->host : s->work.items[i].host;
}

static bool is_address(const char *host)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

/* The evidence of a probe through the proxy starts with the path. */
static void proxy_evidence(const struct sweep *s, const struct plan_item *pi,
			   struct evidence *ev, const char *proxy_address)
{
	const struct plan_proxy *px = s->opt->proxy;
	ev->proxy.used = true;
	snprintf(ev->proxy.host, sizeof ev->proxy.host, "%s", px->host);
	ev->proxy.port = px->port;
	snprintf(ev->proxy.address, sizeof ev->proxy.address, "%s",
		 proxy_address);
	if (is_address(pi->host))
		evidence_add(ev, "via proxy %s:%u: CONNECT %s port %u",
			     px->host, px->port, pi->host, pi->port);
	else
		evidence_add(ev,
			     "via proxy %s:%u: CONNECT %s port %u, the name "
			     "resolved by the proxy, not here",
			     px->host, px->port, pi->host, pi->port);
}

static void sweep_on_resolved(void *arg, const struct resolve_answer *a)
{
	struct host_state *h = arg;
	struct sweep *s = h->sweep;
	s->pending_names--;
	/* The DNS line lists the addresses as far as a line goes, and says
	 * how many there are in all when they do not fit. */
	char answer[EVIDENCE_LINE_LEN - 64] = "";
	size_t listed = 0;
	for (size_t i = 0; i < a->naddrs; i++) {
		char text[46];
		probe_address_text(&a->addrs[i], text, sizeof text, NULL);
		if (strlen(answer) + strlen(text) + 24 >= sizeof answer)
			break;
		snprintf(answer + strlen(answer),
			 sizeof answer - strlen(answer), "%s%s", i ? " " : "",
			 text);
		listed++;
	}
	if (listed < a->naddrs)
		snprintf(answer + strlen(answer),
			 sizeof answer - strlen(answer),
			 " ... (%zu addresses in all)", a->naddrs);
	const struct plan *plan = s->plan;
	for (size_t i = h->first; i != NO_ITEM; i = s->items[i].next) {
		const struct plan_item *pi = &plan->items[i];
		struct item_state *is = &s->items[i];
		bool proxied = via_proxy(s, i);
		if (a->status == EVIDENCE_DNS_CANCELLED || s->over || s->cut) {
			/* Cut short by the sweep, not answered by DNS. */
			evidence_init(&is->ev, pi->channel->transport,
				      pi->channel->check);
			is->ev.skipped = true;
			is->ev.skip_reason = REASON_DEADLINE;
			evidence_add(&is->ev,
				     "DNS %s: not answered before the sweep "
				     "deadline",
				     h->name);
			continue;
		}
		if (h->other_family) {
			/* Not a fact about the network: this run leaves the
			 * family out. */
			evidence_init(&is->ev, pi->channel->transport,
				      pi->channel->check);
			is->ev.skipped = true;
			is->ev.skip_reason = REASON_LOCAL_ERROR;
			evidence_add(&is->ev,
				     "%s is an %s address: not probed%s",
				     h->name,
				     family_name(s->opt->probe.family == AF_INET
						     ? AF_INET6
						     : AF_INET),
				     family_only(s->opt->probe.family));
			continue;
		}
		if (a->status != EVIDENCE_DNS_OK) {
			evidence_init(&is->ev, pi->channel->transport,
				      pi->channel->check);
			if (proxied)
				proxy_evidence(s, pi, &is->ev, "");
			is->ev.dns = a->status;
			evidence_add(&is->ev, "DNS %s: %s%s", h->name,
				     a->detail[0] ? a->detail : "no answer",
				     family_only(s->opt->probe.family));
			continue;
		}
		/* A client goes through one proxy, at its first address;
		 * the target's addresses are the proxy's to choose. */
		size_t n = proxied ? 1 : a->naddrs;
		is->jobs = xcalloc(n, sizeof *is->jobs);
		is->njobs = n;
		s->jobs_total += n;
		for (size_t j = 0; j < n; j++) {
			struct probe_job *job = &is->jobs[j];
			job->channel = pi->channel;
			job->host = pi->host;
			job->port = pi->port;
			job->tls_ctx = trust_of(s, pi->channel);
			job->addr = a->addrs[j];
			char text[46];
			probe_address_text(&job->addr, text, sizeof text, NULL);
			/* Through the proxy, the target's address is the
			 * proxy's business unless it was given as one. */
			snprintf(job->address, sizeof job->address, "%s",
				 !proxied               ? text
				 : is_address(pi->host) ? pi->host
							: "");
			evidence_init(&job->ev, pi->channel->transport,
				      pi->channel->check);
			job->ev.responder = responder_at(s, pi);
			if (proxied) {
				job->proxy = s->opt->proxy;
				proxy_evidence(s, pi, &job->ev, text);
			}
			if (strcmp(h->name, text) != 0)
				evidence_add(&job->ev, "DNS %s: %s%s", h->name,
					     answer,
					     family_only(s->opt->probe.family));
			/* A trust store read at the first handshake would
			 * keep that connection open and silent meanwhile. */
			if (catalog_check_has_tls(pi->channel->check)) {
				s->tls_jobs++;
				tlsio_ctx_prepare(job->tls_ctx);
			}
			probe_submit(s->engine, job);
		}
	}
	if (s->pending_names == 0)
		sweep_arm_deadline(s);
	sweep_maybe_end(s);
}

static uint64_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 1099511628211u;
	return h;
}

/* Each distinct name once, with its items chained in plan order: a
 * hash of the names keeps 20,000 items on 20,000 hosts linear. */
static void sweep_start_lookups(struct sweep *s)
{
	const struct plan *plan = s->plan;
	s->hosts = xcalloc(plan->nitems ? plan->nitems : 1, sizeof *s->hosts);
	size_t slots = 16;
	while (slots < 2 * plan->nitems)
		slots *= 2;
	size_t *table = xcalloc(slots, sizeof *table); /* host index + 1 */
	for (size_t i = 0; i < plan->nitems; i++) {
		const struct plan_item *pi = &plan->items[i];
		s->items[i].next = NO_ITEM;
		if (pi->kind != PLAN_PROBE)
			continue;
		const char *name = lookup_name(s, i);
		size_t at = (size_t)name_hash(name) & (slots - 1);
		while (table[at] != 0 &&
		       strcmp(s->hosts[table[at] - 1].name, name) != 0)
			at = (at + 1) & (slots - 1);
		if (table[at] == 0) {
			s->hosts[s->nhosts] =
			    (struct host_state){s, name, false, i, i};
			table[at] = ++s->nhosts;
			continue;
		}
		struct host_state *h = &s->hosts[table[at] - 1];
		s->items[h->last].next = i;
		h->last = i;
	}
	free(table);
	s->pending_names = s->nhosts;
	/* A literal address may answer inside resolve_host(); the count is
	 * set first so that cannot end the sweep early. */
	for (size_t j = 0; j < s->nhosts; j++) {
		struct host_state *h = &s->hosts[j];
		h->other_family = literal_of_other_family(s, h->name);
		if (h->other_family)
			sweep_on_resolved(h, &(struct resolve_answer){0});
		else
			resolve_host(s->resolver, h->name, sweep_on_resolved,
				     h);
	}
}

/* Results of plan items FIRST..LAST-1, in order, each probe's addresses
 * in DNS order. */
static struct result *sweep_collect(struct sweep *s, size_t first, size_t last,
				    size_t *count)
{
	const struct plan *plan = s->plan;
	size_t n = 0, cap = 0;
	for (size_t i = first; i < last; i++)
		cap += s->items[i].njobs ? s->items[i].njobs : 1;
	struct result *out = xcalloc(cap ? cap : 1, sizeof *out);
	for (size_t i = first; i < last; i++) {
		const struct plan_item *pi = &plan->items[i];
		struct item_state *is = &s->items[i];
		if (is->njobs == 0) {
			struct result *r = &out[n++];
			r->channel = pi->channel;
			r->host = pi->host;
			r->port = pi->port ? pi->port : pi->channel->port;
			r->ev = is->ev;
			continue;
		}
		for (size_t j = 0; j < is->njobs; j++) {
			struct result *r = &out[n++];
			r->channel = pi->channel;
			r->host = pi->host;
			r->port = pi->port ? pi->port : pi->channel->port;
			memcpy(r->address, is->jobs[j].address,
			       sizeof r->address);
			r->ev = is->jobs[j].ev;
		}
		free(is->jobs);
	}
	*count = n;
	return out;
}

/* The plan, plus one probe of the canary per (transport, port) the plan
 * probes: whatever answers there answers for every host. */
static struct plan with_canaries(const struct plan *plan, const char *canary)
{
	struct plan work = {
	    .items = xcalloc(2 * plan->nitems + 1, sizeof *work.items)};
	memcpy(work.items, plan->items, plan->nitems * sizeof *work.items);
	work.nitems = plan->nitems;
	for (size_t i = 0; canary != NULL && i < plan->nitems; i++) {
		const struct plan_item *pi = &plan->items[i];
		if (pi->kind != PLAN_PROBE)
			continue;
		bool seen = false;
		for (size_t j = plan->nitems; j < work.nitems && !seen; j++)
			seen = work.items[j].channel->transport ==
				   pi->channel->transport &&
			       work.items[j].port == pi->port;
		if (!seen)
			work.items[work.nitems++] = (struct plan_item){
			    pi->channel, PLAN_PROBE, 0, canary, pi->port};
	}
	return work;
}

/* The last handle of the sweep closed: the results are final. */
static void sweep_finish(uv_handle_t *h)
{
	struct sweep *s = h->data;
	struct results *out = xcalloc(1, sizeof *out);
	out->started = s->started;
	out->cert_warn_days = s->opt->cert_warn_days;
	out->duration_ms = (double)(uv_hrtime() - s->t0) / 1e6;
	out->catalog = s->catalog;
	out->role = s->role;
	out->items = sweep_collect(s, 0, s->nplanned, &out->nitems);
	out->canaries =
	    sweep_collect(s, s->nplanned, s->work.nitems, &out->ncanaries);
	struct correlate_policy policy = {
	    .declared = s->declared,
	    .interceptors = s->opt->interceptors,
	    .canaries = out->canaries,
	    .ncanaries = out->ncanaries,
	    .changed = s->opt->changed,
	    .changed_arg = s->opt->changed_arg,
	    .responder_token = s->opt->probe.responder_token,
	    .responder_spki = s->opt->responder_spki,
	};
	correlate_decide(out, &policy);
	trust_free(s);
	sweep_done_cb done = s->done;
	void *arg = s->done_arg;
	free(s->hosts);
	free(s->items);
	plan_free(&s->work);
	free(s);
	done(out, arg);
}

int sweep_start(uv_loop_t *loop, const struct catalog *cat, const char *role,
		const struct plan *plan, const struct sweep_options *o,
		sweep_done_cb done, void *arg, struct sweep **out, char *err,
		size_t errlen)
{
	*out = NULL;
	struct sweep *s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->catalog = cat;
	s->role = role;
	s->opt_copy = *o;
	s->opt = &s->opt_copy;
	int rc = trust_load(s, o, err, errlen);
	if (rc < 0) {
		trust_free(s);
		free(s);
		return rc;
	}
	s->done = done;
	s->done_arg = arg;
	s->work = with_canaries(plan, o->canary);
	s->nplanned = plan->nitems;
	s->plan = &s->work;
	s->items =
	    xcalloc(s->work.nitems ? s->work.nitems : 1, sizeof *s->items);
	rc = resolve_init(&s->resolver, loop, o->probe.timeout_ms, err, errlen);
	if (rc < 0) {
		trust_free(s);
		free(s->items);
		plan_free(&s->work);
		free(s);
		return rc;
	}
	if (o->probe.family != AF_UNSPEC)
		resolve_set_family(s->resolver, o->probe.family);
	s->started = time(NULL);
	s->t0 = uv_hrtime();
	for (size_t i = 0; i < s->work.nitems; i++) {
		const struct plan_item *pi = &s->work.items[i];
		struct item_state *is = &s->items[i];
		if (pi->kind == PLAN_SKIP) {
			evidence_init(&is->ev, pi->channel->transport,
				      pi->channel->check);
			is->ev.skipped = true;
			is->ev.skip_reason = pi->skip_reason;
		} else if (pi->kind == PLAN_LISTENER) {
			listener_check(pi->channel, &is->ev);
		}
	}
	struct probe_options popt = o->probe;
	popt.tls_ctx = s->tls_public;
	s->engine = probe_engine_new(loop, &popt, sweep_on_probe_done, s);
	uv_timer_init(loop, &s->deadline);
	s->deadline.data = s;
	/* An explicit deadline holds from the start; a derived one is set
	 * once the names are resolved, and until then the lookups have
	 * theirs. */
	uint64_t deadline =
	    o->deadline_ms
		? o->deadline_ms
		: (uint64_t)(o->probe.timeout_ms ? o->probe.timeout_ms
						 : PROBE_TIMEOUT_DEFAULT_MS) +
		      2000;
	uv_timer_start(&s->deadline, sweep_on_deadline, deadline, 0);
	sweep_start_lookups(s);
	sweep_maybe_end(s);
	*out = s;
	return 0;
}

void sweep_cancel(struct sweep *s)
{
	if (s->over)
		return;
	s->cut = true;
	resolve_close(s->resolver);
	s->resolver = NULL;
	probe_cancel_all(s->engine);
}

struct run_state {
	struct results *results;
};

static void sweep_run_on_done(struct results *r, void *arg)
{
	((struct run_state *)arg)->results = r;
}

int sweep_run(const struct catalog *cat, const char *role,
	      const struct plan *plan, const struct sweep_options *o,
	      struct results *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	uv_loop_t loop;
	int lrc = uv_loop_init(&loop);
	if (lrc < 0) {
		snprintf(err, errlen, "no event loop: %s", uv_strerror(lrc));
		return lrc;
	}
	struct run_state st = {0};
	struct sweep *s;
	int rc = sweep_start(&loop, cat, role, plan, o, sweep_run_on_done, &st,
			     &s, err, errlen);
	if (rc == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		fatalx("sweep loop closed with handles open");
	if (rc < 0)
		return rc;
	*out = *st.results;
	free(st.results);
	return 0;
}
