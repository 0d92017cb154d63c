/* `check --format nagios`: the Nagios plugin output format — one status
 * line with performance data, then one line per result that is not ok.
 * The exit code is the caller's (results_status()). */
#include "config.h"

#include "veriport/report.h"

void report_nagios(FILE *out, const struct results *r)
{
	static const char *const words[] = {"OK", "WARNING", "CRITICAL",
					    "UNKNOWN"};
	enum results_status st = results_status(r);
	size_t counts[VERDICT_COUNT], probed = 0, failed_required = 0,
				      failed_optional = 0;
	results_count(r, counts);
	for (size_t i = 0; i < r->nitems; i++) {
		enum verdict v = r->items[i].verdict.verdict;
		if (v == VERDICT_SKIPPED)
			continue;
		probed++;
		if (verdict_failed(v))
			(*(r->items[i].channel->optional ? &failed_optional
							 : &failed_required))++;
	}
	fprintf(out,
		"VERIPORT %s - %s as %s: %zu probed, %zu ok, %zu required "
		"failed, %zu optional failed, %zu unverified |",
		words[st], r->catalog->profile, r->role, probed,
		counts[VERDICT_OK], failed_required, failed_optional,
		counts[VERDICT_UNVERIFIED]);
	for (int v = 0; v < VERDICT_COUNT; v++)
		fprintf(out, " %s=%zu", verdict_word(v), counts[v]);
	fprintf(out, " duration=%.3fs\n", r->duration_ms / 1000.0);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		enum verdict v = x->verdict.verdict;
		if (v == VERDICT_OK || v == VERDICT_SKIPPED)
			continue;
		fprintf(out, "%s %s/%u %s %s: %s/%s%s\n", x->channel->id,
			catalog_transport_name(x->channel->transport), x->port,
			x->host ? x->host : "-",
			x->address[0] ? x->address : "-", verdict_word(v),
			reason_word(x->verdict.reason),
			x->channel->optional ? " (optional)" : "");
	}
}
