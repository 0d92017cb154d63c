/* `check --format table`: one aligned line per result, coloured verdicts on
 * a terminal, evidence under failures (under all with --verbose), and a
 * summary a person reads first. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "veriport/plan.h"
#include "veriport/report.h"
#include "veriport/xalloc.h"

static const char *const format_names[] = {
    [REPORT_TABLE] = "table",
    [REPORT_JSON] = "json",
    [REPORT_NAGIOS] = "nagios",
    [REPORT_PROMETHEUS] = "prometheus",
};

int report_format_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0];
	     i++)
		if (strcmp(format_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *colour_of(enum verdict v)
{
	switch (v) {
	case VERDICT_OK:
		return "\033[32m"; /* green */
	case VERDICT_SKIPPED:
		return "\033[2m"; /* dim */
	case VERDICT_UNVERIFIED:
		return "\033[33m"; /* yellow */
	case VERDICT_INTERCEPTED:
		return "\033[1;35m"; /* bold magenta */
	default:
		return "\033[1;31m"; /* bold red */
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static const char *status_word(enum results_status s)
{
	switch (s) {
	case RESULTS_OK:
		return "OK";
	case RESULTS_WARNING:
		return "WARNING";
	case RESULTS_CRITICAL:
		return "CRITICAL";
	case RESULTS_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

void report_wrap(FILE *out, const char *text, int at, int indent, int width)
{
	if (width < REPORT_WIDTH_MIN)
		width = REPORT_WIDTH_MIN;
	const char *p = text;
	while (*p != '\0') {
		int room = width - at;
		int len = (int)strlen(p);
		if (len <= room) {
			fputs(p, out);
			break;
		}
		int cut = room;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0 && at > indent) {
			/* The first word does not fit here: it starts the
			 * next line. */
			fprintf(out, "\n%*s", indent, "");
			at = indent;
			continue;
		}
		if (cut == 0) {
			/* A word longer than the line is cut, between two
			 * characters: never inside a UTF-8 sequence, which
			 * would leave both lines invalid text. */
			cut = room > 0 ? room : 1;
			while (cut > 0 &&
			       ((unsigned char)p[cut] & 0xc0) == 0x80)
				cut--;
			if (cut == 0)
				while (((unsigned char)p[++cut] & 0xc0) == 0x80)
					;
		}
		int end = cut;
		while (end > 0 && p[end - 1] == ' ')
			end--;
		fprintf(out, "%.*s\n%*s", end, p, indent, "");
		p += cut;
		while (*p == ' ')
			p++;
		at = indent;
	}
	fputc('\n', out);
}

/* The ADDRESS column says which path was tested: through a proxy, its
 * name and port (and the target's address when it was given as one). */
enum { REPORT_ADDRESS_MAX = 46 + 12 + PLAN_HOST_MAX + 8 };

static const char *address_of(const struct result *x, char *buf, size_t len)
{
	if (!x->ev.proxy.used)
		return x->address[0] ? x->address : "-";
	snprintf(buf, len, "%s%svia %s:%u", x->address,
		 x->address[0] ? " " : "", x->ev.proxy.host, x->ev.proxy.port);
	return buf;
}

static bool shown(const struct report_style *style, const struct result *x)
{
	enum verdict v = x->verdict.verdict;
	return !style->failed_only || (v != VERDICT_OK && v != VERDICT_SKIPPED);
}

/* The lines under the table: counts, status, what was left out, groups,
 * the canary, hints. */
static void summary(FILE *out, const struct results *r, bool no_target,
		    bool optional, const size_t *left_out, size_t nleft_out)
{
	const struct catalog *cat = r->catalog;
	size_t counts[VERDICT_COUNT];
	results_count(r, counts);
	fputs("summary:", out);
	const char *sep = " ";
	for (int v = 0; v < VERDICT_COUNT; v++)
		if (counts[v] > 0) {
			fprintf(out, "%s%zu %s", sep, counts[v],
				verdict_word(v));
			sep = ", ";
		}
	enum results_status st = results_status(r);
	fprintf(out, " in %.1f s: %s (exit %d)\n", r->duration_ms / 1000.0,
		status_word(st), (int)st);
	if (nleft_out > 0) {
		fprintf(out, "--failed-only: %zu result%s not shown (",
			nleft_out, nleft_out == 1 ? "" : "s");
		sep = "";
		for (int v = 0; v < VERDICT_COUNT; v++)
			if (left_out[v] > 0) {
				fprintf(out, "%s%zu %s", sep, left_out[v],
					verdict_word(v));
				sep = ", ";
			}
		fputs(")\n", out);
	}
	/* Groups: one of their channels must work. */
	for (size_t g = 0; g < cat->ngroups; g++) {
		const struct catalog_channel *which = NULL;
		enum results_group fares = results_group(r, g, &which);
		bool planned = false;
		for (size_t i = 0; i < r->nitems && !planned; i++)
			planned = r->items[i].channel->group == g;
		if (!planned)
			continue;
		fprintf(out, "group %s (%s): %s%s\n", cat->groups[g].id,
			cat->groups[g].title,
			fares == RESULTS_GROUP_OK       ? "works, by "
			: fares == RESULTS_GROUP_FAILED ? "no channel works"
							: "not probed",
			which ? which->id : "");
	}
	/* The canary says nothing when it is silent; say when it could not
	 * even be asked. */
	size_t canary_answers = 0, canary_unasked = 0;
	for (size_t i = 0; i < r->ncanaries; i++) {
		const struct evidence *ev = &r->canaries[i].ev;
		canary_answers += ev->connected || ev->udp_reply;
		canary_unasked += ev->dns != EVIDENCE_DNS_OK;
	}
	if (r->ncanaries > 0 && canary_unasked > 0)
		fprintf(out, "canary %s: %s, so the canary check is off\n",
			r->canaries[0].host,
			r->canaries[0].ev.nlines
			    ? evidence_next(&r->canaries[0].ev, NULL)
			    : "did not resolve");
	else if (r->ncanaries > 0)
		fprintf(out,
			"canary %s: answered on %zu of %zu port%s probed\n",
			r->canaries[0].host, canary_answers, r->ncanaries,
			r->ncanaries == 1 ? "" : "s");
	/* What this run could not finish: how many, and why. */
	size_t deadline = results_skipped(r, REASON_DEADLINE);
	size_t local = results_skipped(r, REASON_LOCAL_ERROR);
	if (deadline > 0)
		fprintf(out,
			"deadline: %zu not finished when the sweep's deadline "
			"passed (--deadline); not a network verdict\n",
			deadline);
	if (local > 0)
		fprintf(out,
			"local-error: %zu not probed to the end for want of "
			"something on this host (descriptors, ports, CPU time, "
			"an address family: --verbose says which); not a "
			"network verdict\n",
			local);
	if (no_target)
		fprintf(out, "no-target: name the hosts of those roles with "
			     "--map ROLE=HOST to probe them\n");
	if (optional)
		fprintf(out, "optional: such channels are probed with "
			     "--optional\n");
}

void report_table(FILE *out, const struct results *r,
		  const struct report_style *style)
{
	const struct catalog *cat = r->catalog;
	int cw = (int)strlen("CHANNEL"), tw = (int)strlen("TARGET"),
	    aw = (int)strlen("ADDRESS"), vw = (int)strlen("VERDICT"),
	    rw = (int)strlen("REASON");
	size_t left_out[VERDICT_COUNT] = {0}, nleft_out = 0;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (!shown(style, x)) {
			left_out[x->verdict.verdict]++;
			nleft_out++;
			continue;
		}
		cw = max_int(cw, (int)strlen(x->channel->id));
		tw = max_int(tw, x->host ? (int)strlen(x->host)
				 : x->ev.listener_check
				     ? (int)strlen("(this host)")
				     : 1);
		char addr[REPORT_ADDRESS_MAX];
		aw = max_int(aw, (int)strlen(address_of(x, addr, sizeof addr)));
		vw = max_int(vw, (int)strlen(verdict_word(x->verdict.verdict)));
		rw = max_int(rw, (int)strlen(reason_word(x->verdict.reason)));
	}
	const int pw = (int)strlen("udp/65535");
	/* REASON keeps the width of the longest reason word there is, so
	 * LATENCY stands in one place from one run to the next. */
	rw = max_int(rw, 22);
	const int lw = (int)strlen("LATENCY");
	bool narrow =
	    cw + pw + tw + aw + vw + rw + lw + 2 * 4 + 1 > style->width;
	fprintf(out, "%s as %s: %zu result%s\n\n", cat->profile, r->role,
		r->nitems, r->nitems == 1 ? "" : "s");
	if (narrow)
		fprintf(out, "%-*s  %s\n    %-*s  %-*s %-*s  %s\n", cw,
			"CHANNEL", "PORT", vw, "VERDICT", rw, "REASON", lw + 3,
			"LATENCY", "TARGET ADDRESS");
	else
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s %s\n", cw,
			"CHANNEL", pw, "PORT", tw, "TARGET", aw, "ADDRESS", vw,
			"VERDICT", rw, "REASON", "LATENCY");
	bool no_target = false, optional = false;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		const struct catalog_channel *c = x->channel;
		enum verdict v = x->verdict.verdict;
		no_target |= x->verdict.reason == REASON_NO_TARGET;
		optional |= x->verdict.reason == REASON_OPTIONAL;
		if (!shown(style, x))
			continue;
		char port[16], latency[24] = "";
		snprintf(port, sizeof port, "%s/%u",
			 catalog_transport_name(c->transport), x->port);
		if (x->ev.latency_ms >= 0)
			snprintf(latency, sizeof latency, "%.1f ms",
				 x->ev.latency_ms);
		const char *target = x->host                ? x->host
				     : x->ev.listener_check ? "(this host)"
							    : "-";
		char addr[REPORT_ADDRESS_MAX];
		const char *address = address_of(x, addr, sizeof addr);
		const char *on = style->colour ? colour_of(v) : "",
			   *off = style->colour ? "\033[0m" : "";
		if (narrow) {
			fprintf(out, "%-*s  %s\n    %s%-*s%s  %-*s ", cw, c->id,
				port, on, vw, verdict_word(v), off, rw,
				reason_word(x->verdict.reason));
			char rest[PLAN_HOST_MAX + REPORT_ADDRESS_MAX + 40];
			snprintf(rest, sizeof rest, "%-*s  %s %s", lw + 3,
				 latency, target, address);
			report_wrap(out, rest, 4 + vw + 2 + rw + 1, 8,
				    style->width);
		} else {
			fprintf(
			    out, "%-*s  %-*s  %-*s  %-*s  %s%-*s%s  %-*s%s%s\n",
			    cw, c->id, pw, port, tw, target, aw, address, on,
			    vw, verdict_word(v), off, latency[0] ? rw : 0,
			    reason_word(x->verdict.reason),
			    latency[0] ? " " : "", latency);
		}
		bool failed = v != VERDICT_OK && v != VERDICT_SKIPPED;
		if (style->verbose || failed)
			for (const char *l = NULL;
			     (l = evidence_next(&x->ev, l)) != NULL;) {
				fputs("    ", out);
				report_wrap(out, l, 4, 6, style->width);
			}
	}
	/* The summary's lines are wrapped like the rest. */
	char *text = NULL;
	size_t len = 0;
	FILE *sum = open_memstream(&text, &len);
	if (sum == NULL)
		fatalx("%s: open_memstream: out of memory", __func__);
	summary(sum, r, no_target, optional, left_out, nleft_out);
	fclose(sum);
	fputc('\n', out);
	for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL;
	     line = nl + 1) {
		*nl = '\0';
		report_wrap(out, line, 0, 4, style->width);
	}
	free(text);
}
