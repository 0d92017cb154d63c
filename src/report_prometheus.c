/* `check --format prometheus` and the daemon's metrics: the Prometheus
 * text exposition format 0.0.4. A channel's series keep their identity
 * when its verdict changes: `veriport_channel_up` has no verdict or reason
 * label, the verdict is a state set (one 0/1 series per word) and the
 * reason an info series. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "veriport/report.h"

/* Label values escape backslash, double quote and newline (exposition
 * format, "Comments, help text, and type information"). */
static void label(FILE *out, const char *name, const char *value, bool last)
{
	fprintf(out, "%s=\"", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		if (*p == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*p, out);
	}
	fputs(last ? "\"" : "\",", out);
}

/* The labels that name one result: stable for as long as the channel,
 * its target and address are. A member of a catalog group also carries
 * the group's id, so an alert can leave out a failed member of a group
 * that another member satisfies (veriport_group_up), as the Nagios status
 * does. EXTRA, EXTRA_VALUE: one label more. */
static void series(FILE *out, const char *metric, const struct results *r,
		   const struct result *x, const char *extra,
		   const char *extra_value)
{
	const struct catalog *cat = r->catalog;
	const struct catalog_channel *c = x->channel;
	char port[8];
	snprintf(port, sizeof port, "%u", x->port ? x->port : c->port);
	fprintf(out, "%s{", metric);
	label(out, "profile", cat->profile, false);
	label(out, "role", r->role, false);
	label(out, "channel", c->id, false);
	label(out, "from", cat->roles[c->from].id, false);
	label(out, "to", cat->roles[c->to].id, false);
	label(out, "transport", catalog_transport_name(c->transport), false);
	label(out, "port", port, false);
	label(out, "target", x->host, false);
	label(out, "address", x->address, false);
	/* Only on the results probed through a proxy, so the direct ones
	 * keep their series. */
	if (x->ev.proxy.used) {
		char proxy[sizeof x->ev.proxy.host + 8];
		snprintf(proxy, sizeof proxy, "%s:%u", x->ev.proxy.host,
			 x->ev.proxy.port);
		label(out, "proxy", proxy, false);
	}
	bool grouped = c->group != CATALOG_NO_GROUP;
	label(out, "optional", c->optional ? "true" : "false",
	      extra == NULL && !grouped);
	if (grouped)
		label(out, "group", cat->groups[c->group].id, extra == NULL);
	if (extra != NULL)
		label(out, extra, extra_value, true);
	fputc('}', out);
}

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void channels(FILE *out, const struct results *r)
{
	family(out, "veriport_channel_up", "gauge",
	       "1 when the channel works end to end (verdict ok), else 0; "
	       "probed channels only.");
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->verdict.verdict == VERDICT_SKIPPED)
			continue;
		series(out, "veriport_channel_up", r, x, NULL, NULL);
		fprintf(out, " %d\n", x->verdict.verdict == VERDICT_OK);
	}
	family(out, "veriport_channel_verdict", "gauge",
	       "The channel's verdict as a state set: 1 for the verdict it "
	       "has, 0 for the others.");
	for (size_t i = 0; i < r->nitems; i++)
		for (int v = 0; v < VERDICT_COUNT; v++) {
			series(out, "veriport_channel_verdict", r, &r->items[i],
			       "verdict", verdict_word(v));
			fprintf(out, " %d\n",
				r->items[i].verdict.verdict == (enum verdict)v);
		}
	family(out, "veriport_channel_reason_info", "gauge",
	       "The reason of the channel's verdict (always 1).");
	for (size_t i = 0; i < r->nitems; i++) {
		series(out, "veriport_channel_reason_info", r, &r->items[i],
		       "reason", reason_word(r->items[i].verdict.reason));
		fputs(" 1\n", out);
	}
	family(out, "veriport_channel_latency_seconds", "gauge",
	       "Connect (TCP) or reply (UDP) time of the last probe.");
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->ev.latency_ms < 0)
			continue;
		series(out, "veriport_channel_latency_seconds", r, x, NULL,
		       NULL);
		fprintf(out, " %.6f\n", x->ev.latency_ms / 1000.0);
	}
	family(out, "veriport_tls_not_after_seconds", "gauge",
	       "End of validity of the certificate the channel presented "
	       "(Unix time).");
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (!x->ev.tls_done || x->ev.tls->not_after_unix == 0)
			continue;
		series(out, "veriport_tls_not_after_seconds", r, x, NULL, NULL);
		fprintf(out, " %lld\n", (long long)x->ev.tls->not_after_unix);
	}
}

static void groups(FILE *out, const struct results *r)
{
	const struct catalog *cat = r->catalog;
	family(out, "veriport_group_up", "gauge",
	       "1 when at least one channel of the catalog group works, 0 "
	       "when none does (groups nobody probed are left out).");
	for (size_t g = 0; g < cat->ngroups; g++) {
		enum results_group fares = results_group(r, g, NULL);
		if (fares == RESULTS_GROUP_UNPROBED)
			continue;
		fputs("veriport_group_up{", out);
		label(out, "profile", cat->profile, false);
		label(out, "role", r->role, false);
		label(out, "group", cat->groups[g].id, true);
		fprintf(out, "} %d\n", fares == RESULTS_GROUP_OK);
	}
}

static void summary(FILE *out, const struct results *r)
{
	size_t counts[VERDICT_COUNT];
	results_count(r, counts);
	family(out, "veriport_results", "gauge",
	       "Results per verdict in the last sweep.");
	for (int v = 0; v < VERDICT_COUNT; v++)
		fprintf(out, "veriport_results{verdict=\"%s\"} %zu\n",
			verdict_word(v), counts[v]);
	family(out, "veriport_sweep_duration_seconds", "gauge",
	       "Duration of the last sweep.");
	fprintf(out, "veriport_sweep_duration_seconds %.3f\n",
		r->duration_ms / 1000.0);
	family(out, "veriport_status", "gauge",
	       "Nagios-style status of the last sweep (0 ok, 1 warning, 2 "
	       "critical, 3 unknown).");
	fprintf(out, "veriport_status %d\n", (int)results_status(r));
}

void report_prometheus(FILE *out, const struct results *r,
		       const struct report_daemon *d)
{
	if (r != NULL) {
		channels(out, r);
		groups(out, r);
		summary(out, r);
	}
	family(out, "veriport_last_sweep_timestamp_seconds", "gauge",
	       "When the last sweep ended (Unix time; 0 before the first).");
	fprintf(out, "veriport_last_sweep_timestamp_seconds %lld\n",
		r ? (long long)r->started + (long long)(r->duration_ms / 1000)
		  : 0LL);
	family(out, "veriport_last_sweep_success", "gauge",
	       "1 when the last sweep ran and finished every probe, else 0.");
	fprintf(out, "veriport_last_sweep_success %d\n",
		r != NULL && results_complete(r) &&
		    (d == NULL || d->last_sweep_ok));
	if (d != NULL) {
		family(out, "veriport_sweeps_total", "counter",
		       "Sweeps finished since the daemon started.");
		fprintf(out, "veriport_sweeps_total %lu\n", d->sweeps);
		family(out, "veriport_sweep_errors_total", "counter",
		       "Sweeps that could not start or were cut short.");
		fprintf(out, "veriport_sweep_errors_total %lu\n",
			d->sweep_errors);
		family(out, "veriport_sweep_interval_seconds", "gauge",
		       "Seconds between sweeps (before jitter).");
		fprintf(out, "veriport_sweep_interval_seconds %u\n",
			d->interval_s);
		family(out, "veriport_config_last_reload_successful", "gauge",
		       "1 when the configuration last read (at start or on "
		       "SIGHUP) was taken, 0 when it was refused.");
		fprintf(out, "veriport_config_last_reload_successful %d\n",
			d->reload_ok);
		family(out,
		       "veriport_config_last_reload_success_timestamp_"
		       "seconds",
		       "gauge", "When a configuration was last taken.");
		fprintf(out,
			"veriport_config_last_reload_success_timestamp_seconds "
			"%lld\n",
			(long long)d->reload_ok_at);
	}
	family(out, "veriport_build_info", "gauge",
	       "The veriport version (always 1).");
	fprintf(out, "veriport_build_info{version=\"%s\"} 1\n",
		PACKAGE_VERSION);
}
