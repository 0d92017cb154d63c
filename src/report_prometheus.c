/* `check --format prometheus`: the Prometheus text exposition format
 * (0.0.4). One gauge per (channel, address) that is 1 when the verdict is
 * ok, with verdict and reason as labels, and a latency gauge. */
#include "config.h"

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

static void labels(FILE *out, const struct results *r, const struct result *x)
{
	const struct catalog_channel *c = x->channel;
	char port[8];
	snprintf(port, sizeof port, "%u", x->port);
	fputc('{', out);
	label(out, "profile", r->catalog->profile, false);
	label(out, "role", r->role, false);
	label(out, "channel", c->id, false);
	label(out, "transport", catalog_transport_name(c->transport), false);
	label(out, "port", port, false);
	label(out, "target", x->host, false);
	label(out, "address", x->address, false);
	label(out, "optional", c->optional ? "true" : "false", false);
	label(out, "verdict", verdict_word(x->verdict.verdict), false);
	label(out, "reason", reason_word(x->verdict.reason), true);
	fputc('}', out);
}

void report_prometheus(FILE *out, const struct results *r)
{
	fputs("# HELP veriport_channel_ok 1 when the channel works end to end "
	      "(verdict ok), else 0.\n"
	      "# TYPE veriport_channel_ok gauge\n",
	      out);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->verdict.verdict == VERDICT_SKIPPED)
			continue;
		fputs("veriport_channel_ok", out);
		labels(out, r, x);
		fprintf(out, " %d\n", x->verdict.verdict == VERDICT_OK);
	}
	/* Skipped channels get a gauge of their own, so an alert on
	 * veriport_channel_ok == 0 fires only for channels that were
	 * probed and failed. */
	fputs("# HELP veriport_channel_skipped 1 for a channel that was not "
	      "probed (reason: no-target, optional, not-this-role).\n"
	      "# TYPE veriport_channel_skipped gauge\n",
	      out);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->verdict.verdict != VERDICT_SKIPPED)
			continue;
		fputs("veriport_channel_skipped", out);
		labels(out, r, x);
		fputs(" 1\n", out);
	}
	fputs("# HELP veriport_channel_latency_seconds Connect (TCP) or reply "
	      "(UDP) time of the last probe.\n"
	      "# TYPE veriport_channel_latency_seconds gauge\n",
	      out);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->ev.latency_ms < 0)
			continue;
		fputs("veriport_channel_latency_seconds", out);
		labels(out, r, x);
		fprintf(out, " %.6f\n", x->ev.latency_ms / 1000.0);
	}
	size_t counts[VERDICT_COUNT];
	results_count(r, counts);
	fputs("# HELP veriport_results Results per verdict in the last sweep.\n"
	      "# TYPE veriport_results gauge\n",
	      out);
	for (int v = 0; v < VERDICT_COUNT; v++)
		fprintf(out, "veriport_results{verdict=\"%s\"} %zu\n",
			verdict_word(v), counts[v]);
	fprintf(out,
		"# HELP veriport_sweep_duration_seconds Duration of the last "
		"sweep.\n"
		"# TYPE veriport_sweep_duration_seconds gauge\n"
		"veriport_sweep_duration_seconds %.3f\n"
		"# HELP veriport_status Nagios-style status of the last sweep "
		"(0 ok, 1 warning, 2 critical).\n"
		"# TYPE veriport_status gauge\n"
		"veriport_status %d\n",
		r->duration_ms / 1000.0, (int)results_status(r));
}
