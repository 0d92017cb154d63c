/* `check --format nagios` and the daemon's `nagios` answer: the Nagios
 * plugin output format — a status line naming the first failure, with
 * performance data (counts, the sweep's duration and each channel's time
 * against the -w/-c thresholds), then one line per result that is not ok.
 * Nothing here comes from a peer unescaped: channel ids and hosts are
 * checked where they are read (plan_host_valid), reasons are our words,
 * and the text is written through put_text() all the same, so no '|' can
 * end the text early and no control byte start a line. */
#include "config.h"

#include <string.h>

#include "veriport/report.h"

static const char *const words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* The state a result adds: its verdict, a certificate near its end, and
 * its time against the thresholds. */
static enum results_status state_of(const struct results *r,
				    const struct result *x,
				    const struct report_nagios_opts *o,
				    bool satisfied_group)
{
	enum verdict v = x->verdict.verdict;
	if (verdict_failed(v) && !x->channel->optional && !satisfied_group)
		return RESULTS_CRITICAL;
	if (verdict_failed(v) && !satisfied_group)
		return RESULTS_WARNING;
	if (v == VERDICT_UNVERIFIED || results_cert_expiring(r, x))
		return RESULTS_WARNING;
	if (v == VERDICT_OK && x->ev.latency_ms >= 0) {
		double s = x->ev.latency_ms / 1000.0;
		if (o->crit_s > 0 && s > o->crit_s)
			return RESULTS_CRITICAL;
		if (o->warn_s > 0 && s > o->warn_s)
			return RESULTS_WARNING;
	}
	return RESULTS_OK;
}

static bool in_satisfied_group(const struct results *r, const struct result *x)
{
	return x->channel->group != CATALOG_NO_GROUP &&
	       x->verdict.verdict != VERDICT_OK &&
	       results_group(r, x->channel->group, NULL) == RESULTS_GROUP_OK;
}

/* Text in the plugin output: a '|' would start the perfdata and a line
 * break a new line, so neither gets through, whatever a check let in. */
static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '|' || c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

void report_nagios_unknown(FILE *out, const char *msg)
{
	fprintf(out, "VERIPORT %s - ", words[RESULTS_UNKNOWN]);
	put_text(out, msg);
	fputc('\n', out);
}

static void describe(FILE *out, const struct results *r, const struct result *x)
{
	put_text(out, x->channel->id);
	fprintf(out, " %s/%u ", catalog_transport_name(x->channel->transport),
		x->port);
	put_text(out, x->host ? x->host : "-");
	fputc(' ', out);
	put_text(out, x->address[0] ? x->address : "-");
	if (x->ev.proxy.used) {
		fputs(" via proxy ", out);
		put_text(out, x->ev.proxy.host);
		fprintf(out, ":%u", x->ev.proxy.port);
	}
	fprintf(out, ": %s/%s", verdict_word(x->verdict.verdict),
		reason_word(x->verdict.reason));
	int64_t days;
	if (results_cert_expiring(r, x) && results_days_left(r, x, &days))
		fprintf(out, ", certificate ends in %lld day%s",
			(long long)days, days == 1 || days == -1 ? "" : "s");
	else if (x->verdict.verdict == VERDICT_OK && x->ev.latency_ms >= 0)
		fprintf(out, ", %.3f s", x->ev.latency_ms / 1000.0);
	if (x->channel->optional)
		fputs(" (optional)", out);
}

/* A perfdata label: quoted, and without the quote or '=' it may not
 * hold. */
static void perf_label(FILE *out, const struct result *x)
{
	fputs("'time ", out);
	for (const char *p = x->channel->id; *p; p++)
		fputc(*p == '\'' || *p == '=' ? '_' : *p, out);
	fputc(' ', out);
	for (const char *p = x->address; *p; p++)
		fputc(*p == '\'' || *p == '=' ? '_' : *p, out);
	fputc('\'', out);
}

static void threshold(FILE *out, double s)
{
	if (s > 0)
		fprintf(out, "%.3f", s);
}

enum results_status report_nagios(FILE *out, const struct results *r,
				  const struct report_nagios_opts *o)
{
	static const struct report_nagios_opts none;
	if (o == NULL)
		o = &none;
	enum results_status st = results_status(r);
	size_t counts[VERDICT_COUNT], probed = 0, failed_required = 0,
				      failed_optional = 0;
	results_count(r, counts);
	const struct result *first = NULL;
	enum results_status first_state = RESULTS_OK;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		enum verdict v = x->verdict.verdict;
		if (v == VERDICT_SKIPPED)
			continue;
		probed++;
		bool excused = in_satisfied_group(r, x);
		if (verdict_failed(v) && !excused)
			(*(x->channel->optional ? &failed_optional
						: &failed_required))++;
		enum results_status s = state_of(r, x, o, excused);
		if (s > st)
			st = s;
		if (s > first_state) {
			first_state = s;
			first = x;
		}
	}
	/* Nothing probed is nothing verified: the plugin cannot say. */
	if (probed == 0)
		st = RESULTS_UNKNOWN;
	fprintf(out, "VERIPORT %s - ", words[st]);
	if (first != NULL) {
		describe(out, r, first);
		fputs("; ", out);
	} else if (probed == 0 && r->nitems > 0) {
		fprintf(out, "nothing was probed (%s: skipped/%s); ",
			r->items[0].channel->id,
			reason_word(r->items[0].verdict.reason));
	} else if (probed == 0) {
		fputs("nothing was probed; ", out);
	}
	fprintf(out,
		"%s as %s: %zu probed, %zu ok, %zu required failed, %zu "
		"optional failed, %zu unverified |",
		r->catalog->profile, r->role, probed, counts[VERDICT_OK],
		failed_required, failed_optional, counts[VERDICT_UNVERIFIED]);
	for (int v = 0; v < VERDICT_COUNT; v++)
		fprintf(out, " %s=%zu", verdict_word(v), counts[v]);
	fprintf(out, " duration=%.3fs", r->duration_ms / 1000.0);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->ev.latency_ms < 0 || x->ev.listener_check)
			continue;
		fputc(' ', out);
		perf_label(out, x);
		fprintf(out, "=%.6fs;", x->ev.latency_ms / 1000.0);
		threshold(out, o->warn_s);
		fputc(';', out);
		threshold(out, o->crit_s);
		fputs(";0;", out);
		threshold(out, o->timeout_s);
	}
	fputc('\n', out);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (x->verdict.verdict == VERDICT_SKIPPED ||
		    state_of(r, x, o, in_satisfied_group(r, x)) == RESULTS_OK)
			continue;
		describe(out, r, x);
		fputc('\n', out);
	}
	for (size_t g = 0; g < r->catalog->ngroups; g++)
		if (results_group(r, g, NULL) == RESULTS_GROUP_FAILED)
			fprintf(out, "group %s: no channel works\n",
				r->catalog->groups[g].id);
	return st;
}
