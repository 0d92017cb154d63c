/* veriportd: the daemon. Reads the site configuration, sweeps on an
 * interval (with jitter, never two at once) on one libuv loop, keeps each
 * result's history, logs changes only, remembers what targets presented
 * (trust on first use) and serves it all on the status socket. SIGHUP
 * reloads (a bad configuration is refused and the old one keeps running),
 * SIGTERM stops cleanly. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "veriport/conf.h"
#include "veriport/intercept.h"
#include "veriport/notify.h"
#include "veriport/pins.h"
#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/sweep.h"
#include "veriport/xalloc.h"

/* One loaded configuration and everything derived from it. A reload
 * builds a new one and swaps only when all of it is valid; the old one
 * lives until the sweep that uses it has ended. */
struct generation {
	struct conf *cfg;
	struct catalog *cat;
	struct plan plan;
	const char **optional;         /* channel ids, pointing into cfg */
	struct sweep_role_ca *role_ca; /* [trust], pointing into cfg */
	struct intercept_list *known;
	struct sweep_options so;
	unsigned users; /* the daemon, and a running sweep */
};

struct daemon {
	uv_loop_t *loop;
	const char *config_path;
	bool foreground;
	struct generation *gen;
	struct sweep *running;
	struct generation *running_gen;
	const char *probe_only; /* channel of an on-demand sweep, or NULL */
	char probe_only_buf[CATALOG_ID_MAX + 1];
	struct results *current;
	struct generation *current_gen; /* the catalog current points into */
	struct pins *pins;
	char *pins_path;
	struct status_server *status;
	uv_timer_t interval;
	uv_timer_t watchdog;
	uv_signal_t sighup, sigterm, sigint;
	bool stopping;
	uint64_t watchdog_usec;
	int notify_err; /* of the last notify_send, logged when it changes */
	/* For the metrics and for answers before the first sweep. */
	unsigned long sweeps, sweep_errors;
	bool last_sweep_ok, reload_ok;
	time_t reload_ok_at, first_sweep_at;
	char sweep_error[160]; /* why the last sweep did not start */
};

static bool to_syslog;

__attribute__((format(printf, 2, 3))) static void log_line(int priority,
							   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog(priority, fmt, ap);
	} else {
		/* sd-daemon(3) prefixes: journald reads the priority. */
		fprintf(stderr, "<%d>", priority);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* A state the service manager did not get is logged once, not at every
 * keep-alive. */
static void daemon_notify(struct daemon *d, const char *state)
{
	int rc = notify_send(state);
	if (rc < 0 && rc != d->notify_err)
		log_line(LOG_WARNING, "NOTIFY_SOCKET: %s not sent: %s", state,
			 strerror(-rc));
	d->notify_err = rc;
}

/* Answers cached from the old results go; none once SIGTERM has stopped
 * the status server (a sweep it cut short still ends after). */
static void results_changed(struct daemon *d)
{
	if (d->status != NULL)
		status_results_changed(d->status);
}

static void generation_release(struct generation *g)
{
	if (g == NULL || --g->users > 0)
		return;
	plan_free(&g->plan);
	free(g->optional);
	free(g->role_ca);
	intercept_free(g->known);
	catalog_free(g->cat);
	conf_free(g->cfg);
	free(g);
}

static bool daemon_changed(void *arg, const struct result *r, char *what,
			   size_t whatlen)
{
	struct daemon *d = arg;
	return d->pins != NULL && pins_changed(d->pins, r, what, whatlen);
}

/* Load PATH and everything it implies; on error ERR says FILE:LINE. */
static struct generation *generation_load(struct daemon *d, const char *path,
					  char *err, size_t errlen)
{
	struct generation *g = xcalloc(1, sizeof *g);
	g->users = 1;
	if (conf_load(path, &g->cfg, err, errlen) < 0)
		goto fail;
	struct conf *c = g->cfg;
	struct catalog_error cerr;
	if (catalog_load_profile(catalog_dir(c->catalog_dir), c->profile.value,
				 &g->cat, &cerr) < 0) {
		snprintf(err, errlen, "%s:%u: profile %s: %.300s", path,
			 c->profile.line, c->profile.value, cerr.msg);
		goto fail;
	}
	if (conf_apply(c, g->cat, err, errlen) < 0)
		goto fail;
	g->role_ca = xcalloc(c->ntrust + 1, sizeof *g->role_ca);
	for (size_t i = 0; i < c->ntrust; i++)
		g->role_ca[i] =
		    (struct sweep_role_ca){c->trust[i].role, c->trust[i].file};
	g->optional = xcalloc(c->noptional + 1, sizeof *g->optional);
	for (size_t i = 0; i < c->noptional; i++)
		g->optional[i] = c->optional[i].value;
	struct plan_options po = {
	    .role = c->role.value,
	    .maps = c->maps,
	    .nmaps = c->nmaps,
	    .optional = c->optional_all,
	    .optional_in_use = g->optional,
	    .noptional_in_use = c->noptional,
	};
	if (plan_build(g->cat, &po, &g->plan, err, errlen) < 0)
		goto fail;
	char *list = c->interceptors ? xstrdup(c->interceptors)
				     : xasprintf("%s/interceptors.list",
						 catalog_dir(c->catalog_dir));
	int rc = 0;
	if (c->interceptors != NULL || access(list, F_OK) == 0)
		rc = intercept_load(list, &g->known, err, errlen);
	free(list);
	if (rc < 0)
		goto fail;
	g->so = (struct sweep_options){
	    .probe =
		{
		    .timeout_ms = (unsigned)(c->timeout_s * 1000),
		    .parallel = c->parallel,
		    .snmp_community = c->snmp_community,
		},
	    .ca_file = c->ca_file,
	    .role_ca = g->role_ca,
	    .nrole_ca = c->ntrust,
	    .canary = c->canary,
	    .proxy = c->proxy.host[0] ? &c->proxy : NULL,
	    .interceptors = g->known,
	    .deadline_ms = (unsigned)(c->deadline_s * 1000),
	    .cert_warn_days = c->cert_warn_days,
	    .changed = daemon_changed,
	    .changed_arg = d,
	};
	return g;
fail:
	generation_release(g);
	return NULL;
}

/* A verdict changed: one log line per change, never per sweep. */
static void daemon_on_change(void *arg, const struct result *x,
			     const struct result *o)
{
	(void)arg;
	enum verdict v = x->verdict.verdict;
	const char *last = evidence_last(&x->ev);
	char via[sizeof x->ev.proxy.host + 24] = "";
	if (x->ev.proxy.used)
		snprintf(via, sizeof via, " via proxy %s:%u", x->ev.proxy.host,
			 x->ev.proxy.port);
	log_line(verdict_failed(v) || v == VERDICT_INTERCEPTED ? LOG_WARNING
							       : LOG_NOTICE,
		 "%s %s/%u %s %s%s: %s%s%s/%s%s%s", x->channel->id,
		 catalog_transport_name(x->channel->transport), x->port,
		 x->host ? x->host : "-", x->address[0] ? x->address : "-", via,
		 o ? verdict_word(o->verdict.verdict) : "", o ? " -> " : "",
		 verdict_word(v), reason_word(x->verdict.reason),
		 last[0] ? ": " : "", last);
}

static void daemon_on_interval(uv_timer_t *t);

static void schedule_next(struct daemon *d)
{
	if (d->stopping)
		return;
	const struct conf *c = d->gen->cfg;
	uint64_t ms = (uint64_t)c->interval_s * 1000;
	/* Spread a fleet: +-jitter% around the interval. */
	uint64_t span = ms * c->jitter_pct / 100;
	uint32_t rnd = 0;
	if (span > 0 && uv_random(NULL, NULL, &rnd, sizeof rnd, 0, NULL) == 0)
		ms = ms - span + (uint64_t)rnd % (2 * span + 1);
	uv_timer_start(&d->interval, daemon_on_interval, ms, 0);
}

static void current_free(struct daemon *d)
{
	if (d->current != NULL) {
		results_free(d->current);
		free(d->current);
		d->current = NULL;
	}
	generation_release(d->current_gen);
	d->current_gen = NULL;
}

static int daemon_sweep(struct daemon *d, const char *only);

static void daemon_on_sweep_done(struct results *r, void *arg)
{
	struct daemon *d = arg;
	struct generation *g = d->running_gen;
	d->running = NULL;
	d->running_gen = NULL;
	if (g == d->gen && !d->stopping) {
		d->sweeps++;
		d->last_sweep_ok = results_complete(r);
		if (!d->last_sweep_ok)
			d->sweep_errors++;
		d->sweep_error[0] = '\0';
		results_carry(r, d->current, time(NULL), daemon_on_change, d);
		/* An on-demand sweep of one channel updates that channel
		 * only. */
		if (d->probe_only != NULL && d->current != NULL)
			results_merge_others(r, d->current, d->probe_only);
		current_free(d);
		d->current = r;
		d->current_gen = g;
		g->users++;
		results_changed(d);
		size_t learnt =
		    d->pins ? pins_learn(d->pins, r, time(NULL)) : 0;
		char err[512];
		if (learnt > 0 &&
		    pins_save(d->pins, d->pins_path, err, sizeof err) < 0)
			log_line(LOG_ERR, "%s", err);
	} else {
		/* Swept with a configuration since replaced (and cut short
		 * by the reload): its results may name channels that no
		 * longer exist. The new configuration sweeps at once. Or cut
		 * short by our own stop: what it did not finish says nothing
		 * of the network, so it is neither kept nor logged. */
		results_free(r);
		free(r);
	}
	bool replaced = g != d->gen;
	d->probe_only = NULL;
	generation_release(g);
	if (replaced && !d->stopping)
		daemon_sweep(d, NULL);
	else
		schedule_next(d);
}

static int daemon_sweep(struct daemon *d, const char *only)
{
	if (d->running != NULL)
		return -EBUSY;
	struct generation *g = d->gen;
	struct plan one = {0};
	const struct plan *plan = &g->plan;
	if (only != NULL) {
		one.items = xcalloc(g->plan.nitems + 1, sizeof *one.items);
		for (size_t i = 0; i < g->plan.nitems; i++)
			if (strcmp(g->plan.items[i].channel->id, only) == 0)
				one.items[one.nitems++] = g->plan.items[i];
		if (one.nitems == 0) {
			plan_free(&one);
			return -ENOENT;
		}
		plan = &one;
		snprintf(d->probe_only_buf, sizeof d->probe_only_buf, "%s",
			 only);
		d->probe_only = d->probe_only_buf;
	}
	char err[512];
	uv_timer_stop(&d->interval);
	int rc =
	    sweep_start(d->loop, g->cat, g->cfg->role.value, plan, &g->so,
			daemon_on_sweep_done, d, &d->running, err, sizeof err);
	/* sweep_start copies the plan's items it needs. */
	plan_free(&one);
	if (rc < 0) {
		log_line(LOG_ERR, "sweep not started: %s", err);
		d->sweep_errors++;
		d->last_sweep_ok = false;
		snprintf(d->sweep_error, sizeof d->sweep_error, "%.150s", err);
		results_changed(d);
		d->probe_only = NULL;
		schedule_next(d);
		return rc;
	}
	g->users++;
	d->running_gen = g;
	if (d->first_sweep_at == 0)
		d->first_sweep_at = time(NULL);
	return 0;
}

static void daemon_on_interval(uv_timer_t *t)
{
	daemon_sweep(t->data, NULL);
}

static const struct results *daemon_results(void *arg)
{
	return ((struct daemon *)arg)->current;
}

static void daemon_life(void *arg, struct report_daemon *out)
{
	struct daemon *d = arg;
	out->sweeps = d->sweeps;
	out->sweep_errors = d->sweep_errors;
	out->last_sweep_ok = d->last_sweep_ok;
	out->interval_s = d->gen->cfg->interval_s;
	out->reload_ok = d->reload_ok;
	out->reload_ok_at = d->reload_ok_at;
	if (d->sweep_error[0] != '\0') {
		snprintf(out->waiting, sizeof out->waiting,
			 "the sweep could not start: %s", d->sweep_error);
	} else if (d->running != NULL) {
		char at[32];
		struct tm tm;
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&d->first_sweep_at, &tm));
		snprintf(out->waiting, sizeof out->waiting,
			 "the first sweep (%zu probes planned) is running "
			 "since %s",
			 d->running_gen->plan.nitems, at);
	}
}

static int daemon_probe(void *arg, const char *channel)
{
	return daemon_sweep(arg, channel);
}

static int daemon_accept(void *arg, const char *channel)
{
	struct daemon *d = arg;
	if (channel != NULL) {
		/* A channel the configuration does not probe is an error, not
		 * "0 accepted". */
		const struct plan *p = &d->gen->plan;
		size_t i = 0;
		while (i < p->nitems &&
		       strcmp(p->items[i].channel->id, channel))
			i++;
		if (i == p->nitems)
			return -ENOENT;
	}
	if (d->current == NULL || d->pins == NULL)
		return 0;
	size_t n = pins_accept(d->pins, d->current, channel, time(NULL));
	char err[512];
	if (n > 0 && pins_save(d->pins, d->pins_path, err, sizeof err) < 0)
		log_line(LOG_ERR, "%s", err);
	if (n > 0)
		log_line(LOG_NOTICE,
			 "accepted the current state of %zu target%s", n,
			 n == 1 ? "" : "s");
	return (int)n;
}

static void daemon_on_sighup(uv_signal_t *h, int signum)
{
	(void)signum;
	struct daemon *d = h->data;
	char err[512];
	struct generation *g =
	    generation_load(d, d->config_path, err, sizeof err);
	if (g == NULL) {
		log_line(LOG_ERR,
			 "reload refused, the running configuration "
			 "stays: %s",
			 err);
		d->reload_ok = false;
		results_changed(d);
		return;
	}
	d->reload_ok = true;
	d->reload_ok_at = time(NULL);
	results_changed(d);
	const struct conf *old = d->gen->cfg, *c = g->cfg;
	if (strcmp(old->socket_path, c->socket_path) != 0 ||
	    (old->listen == NULL) != (c->listen == NULL) ||
	    (old->listen && strcmp(old->listen, c->listen) != 0) ||
	    strcmp(old->state_dir, c->state_dir) != 0)
		log_line(LOG_WARNING, "reload: the [status] settings take "
				      "effect at the next restart");
	/* The old results stay served, and keep the old catalog alive,
	 * until the first sweep of the new configuration replaces them; it
	 * carries their history over by channel id, target and address. */
	generation_release(d->gen);
	d->gen = g;
	log_line(LOG_NOTICE, "reloaded %s: profile %s, role %s, %zu planned",
		 d->config_path, c->profile.value, c->role.value,
		 g->plan.nitems);
	/* A sweep of the old configuration ends now; its end starts one of
	 * the new. */
	if (d->running != NULL)
		sweep_cancel(d->running);
	else
		daemon_sweep(d, NULL);
}

static void daemon_on_status_closed(void *arg)
{
	(void)arg;
}

static void daemon_on_sigterm(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	log_line(LOG_NOTICE, "signal %d: stopping", signum);
	d->stopping = true;
	daemon_notify(d, "STOPPING=1");
	if (d->running != NULL)
		sweep_cancel(d->running);
	uv_timer_stop(&d->interval);
	uv_close((uv_handle_t *)&d->interval, NULL);
	uv_timer_stop(&d->watchdog);
	uv_close((uv_handle_t *)&d->watchdog, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	status_stop(d->status, daemon_on_status_closed, d);
	d->status = NULL;
}

static void daemon_on_watchdog(uv_timer_t *t)
{
	daemon_notify(t->data, "WATCHDOG=1");
}

static const char usage[] = "usage: veriportd [-c FILE] [--foreground]\n"
			    "       veriportd --check-config [-c FILE]\n"
			    "       veriportd --help | --version\n";

static const char help[] =
    "\n"
    "The veriport daemon: sweeps the channels of its configuration on an\n"
    "interval and serves the results on its status socket.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   the configuration (default " CONF_PATH_DEFAULT ")\n"
    "  --foreground        stay in the foreground, log to standard error\n"
    "  --check-config      load everything the daemon would, say what was\n"
    "                      checked, and exit (3 on the first error)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "Exit status: 0, or 3 on a usage or configuration error. See "
    "veriportd(8).\n";

/* FILE can be opened for reading; else ERR says why, prefixed by WHERE. */
static bool readable(const char *file, const char *where, char *err,
		     size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%.250s %.200s: %s", where, file,
			 strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

/* DIR is a directory; with WRITE, one we may create files in. */
static bool usable_dir(const char *dir, bool write, const char *where,
		       char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "%.250s %.200s: %s", where, dir,
			 strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%.250s %.200s: not a directory", where,
			 dir);
		return false;
	}
	if (write && access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%.250s %.200s: %s", where, dir,
			 strerror(errno));
		return false;
	}
	return true;
}

/* DIR is the unit's own directory (DEFAULT), not there yet: systemd
 * makes it when it starts the daemon, so its absence is no error. */
static bool unit_creates(const char *dir, const char *unit_dir)
{
	struct stat st;
	return strcmp(dir, unit_dir) == 0 && stat(dir, &st) != 0 &&
	       errno == ENOENT;
}

/* --check-config past generation_load: what the daemon opens only later
 * (the CA files at the first sweep, the state and socket directories at
 * the start). Prints each thing checked; false with ERR on the first
 * that would fail. */
static bool check_config(const struct generation *g, const char *path,
			 char *err, size_t errlen)
{
	const struct conf *c = g->cfg;
	char where[512];
	printf("catalog %s: profile %s, role %s, %zu planned\n",
	       catalog_dir(c->catalog_dir), c->profile.value, c->role.value,
	       g->plan.nitems);
	if (c->ca_file != NULL) {
		snprintf(where, sizeof where, "%.200s: ca-file", path);
		if (!readable(c->ca_file, where, err, errlen))
			return false;
		printf("ca-file %s: readable\n", c->ca_file);
	}
	for (size_t i = 0; i < c->ntrust; i++) {
		snprintf(where, sizeof where, "%.200s:%u: [trust] %.100s", path,
			 c->trust[i].line, c->trust[i].role);
		if (!readable(c->trust[i].file, where, err, errlen))
			return false;
		printf("trust %s = %s: readable\n", c->trust[i].role,
		       c->trust[i].file);
	}
	if (g->known != NULL)
		printf("interceptors: loaded\n");
	if (c->listen != NULL) {
		struct sockaddr_storage ss;
		if (status_listen_parse(c->listen, &ss) < 0) {
			snprintf(err, errlen,
				 "%.200s: [status] listen %.200s: expected "
				 "ADDRESS:PORT",
				 path, c->listen);
			return false;
		}
		printf("listen %s: ok\n", c->listen);
	}
	snprintf(where, sizeof where, "%.200s: [status] state-dir", path);
	if (unit_creates(c->state_dir, CONF_STATE_DIR_DEFAULT))
		printf("state-dir %s: absent; the unit's StateDirectory= "
		       "creates it\n",
		       c->state_dir);
	else if (!usable_dir(c->state_dir, true, where, err, errlen))
		return false;
	else
		printf("state-dir %s: writable\n", c->state_dir);
	char *dir = xstrdup(c->socket_path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	snprintf(where, sizeof where,
		 "%.200s: [status] socket %.200s: directory", path,
		 c->socket_path);
	bool ok = true;
	if (strcmp(c->socket_path, CONF_SOCKET_DEFAULT) == 0 &&
	    unit_creates(dir, dir))
		printf("socket %s: directory %s absent; the unit's "
		       "RuntimeDirectory= creates it\n",
		       c->socket_path, dir);
	else if ((ok = usable_dir(dir, true, where, err, errlen)))
		printf("socket %s: directory %s exists\n", c->socket_path, dir);
	free(dir);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct daemon d = {.config_path = CONF_PATH_DEFAULT};
	bool check_only = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'C':
			check_only = true;
			break;
		case 'h':
			fputs(usage, stdout);
			fputs(help, stdout);
			return 0;
		case 'V':
			printf("veriportd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fprintf(
			    stderr,
			    "veriportd: unknown or incomplete option '%s'\n%s",
			    argv[optind - 1], usage);
			return 3;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "veriportd: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return 3;
	}
	/* libuv writes with write(2): a peer that hangs up must cost an
	 * EPIPE, not the daemon. */
	signal(SIGPIPE, SIG_IGN);
	char err[512];
	/* The loop takes descriptors (epoll, an eventfd): under a tiny
	 * ulimit -n there is none, and the daemon says so. */
	static uv_loop_t loop;
	int lrc = uv_loop_init(&loop);
	if (lrc < 0) {
		fprintf(stderr, "veriportd: no event loop: %s\n",
			uv_strerror(lrc));
		return 3;
	}
	d.loop = &loop;
	d.gen = generation_load(&d, d.config_path, err, sizeof err);
	if (d.gen == NULL) {
		fprintf(stderr, "veriportd: %s\n", err);
		return 3;
	}
	const struct conf *cfg = d.gen->cfg;
	if (check_only) {
		if (!check_config(d.gen, d.config_path, err, sizeof err)) {
			fprintf(stderr, "veriportd: %s\n", err);
			generation_release(d.gen);
			return 3;
		}
		size_t proxied = 0;
		for (size_t i = 0; cfg->proxy.host[0] && i < d.gen->plan.nitems;
		     i++)
			proxied += d.gen->plan.items[i].kind == PLAN_PROBE &&
				   d.gen->plan.items[i].channel->proxy;
		char via[sizeof cfg->proxy.host + 48] = "";
		if (cfg->proxy.host[0])
			snprintf(via, sizeof via, ", %zu through proxy %s:%u",
				 proxied, cfg->proxy.host, cfg->proxy.port);
		printf("%s: ok (profile %s, role %s, %zu planned%s)\n",
		       d.config_path, cfg->profile.value, cfg->role.value,
		       d.gen->plan.nitems, via);
		generation_release(d.gen);
		return 0;
	}
	d.reload_ok = true;
	d.reload_ok_at = time(NULL);
	d.pins_path = xasprintf("%s/state.json", cfg->state_dir);
	if (pins_load(d.pins_path, &d.pins, err, sizeof err) < 0) {
		fprintf(stderr, "veriportd: %s: set aside, starting afresh\n",
			err);
		if (pins_set_aside(d.pins_path, time(NULL), err, sizeof err) <
		    0)
			fprintf(stderr, "veriportd: %s\n", err);
		d.pins = pins_new();
	}
	struct status_source src = {
	    .results = daemon_results,
	    .probe = daemon_probe,
	    .accept = daemon_accept,
	    .daemon = daemon_life,
	    .arg = &d,
	};
	struct status_options so = {
	    .socket_path = cfg->socket_path,
	    .socket_mode = cfg->socket_mode,
	    .listen = cfg->listen,
	    .own_thread = true,
	};
	if (status_start(d.loop, &so, &src, &d.status, err, sizeof err) < 0) {
		fprintf(stderr, "veriportd: %s\n", err);
		return 3;
	}
	if (!d.foreground) {
		/* Errors so far went to the terminal; from here on to syslog.
		 */
		if (daemon(0, 0) < 0) {
			fprintf(stderr, "veriportd: daemon: %s\n",
				strerror(errno));
			return 3;
		}
		if (uv_loop_fork(d.loop) != 0)
			return 3;
		openlog("veriportd", LOG_PID, LOG_DAEMON);
		to_syslog = true;
	}
	/* The status server's thread, once there is no fork to come. */
	int go = status_go(d.status);
	if (go < 0) {
		log_line(LOG_ERR, "the status server cannot start: %s",
			 uv_strerror(go));
		return 3;
	}
	uv_timer_init(d.loop, &d.interval);
	d.interval.data = &d;
	uv_timer_init(d.loop, &d.watchdog);
	d.watchdog.data = &d;
	uv_signal_init(d.loop, &d.sighup);
	d.sighup.data = &d;
	uv_signal_start(&d.sighup, daemon_on_sighup, SIGHUP);
	uv_signal_init(d.loop, &d.sigterm);
	d.sigterm.data = &d;
	uv_signal_start(&d.sigterm, daemon_on_sigterm, SIGTERM);
	uv_signal_init(d.loop, &d.sigint);
	d.sigint.data = &d;
	uv_signal_start(&d.sigint, daemon_on_sigterm, SIGINT);
	/* Keep-alives from the loop itself, twice per watchdog period: a
	 * stuck loop stops them and systemd restarts us. */
	d.watchdog_usec = notify_watchdog_usec();
	if (d.watchdog_usec > 0)
		uv_timer_start(&d.watchdog, daemon_on_watchdog,
			       d.watchdog_usec / 2000, d.watchdog_usec / 2000);
	log_line(LOG_NOTICE,
		 "started: %s, profile %s, role %s, %zu planned, "
		 "every %u s",
		 d.config_path, cfg->profile.value, cfg->role.value,
		 d.gen->plan.nitems, cfg->interval_s);
	daemon_sweep(&d, NULL);
	daemon_notify(&d, "READY=1");
	uv_run(d.loop, UV_RUN_DEFAULT);
	current_free(&d);
	generation_release(d.gen);
	pins_free(d.pins);
	free(d.pins_path);
	int rc = uv_loop_close(d.loop) == 0 ? 0 : 1;
	if (rc != 0)
		log_line(LOG_ERR, "stopped with handles still open");
	return rc;
}
