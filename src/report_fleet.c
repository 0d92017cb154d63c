/* `veriport status` over several daemons: each source's JSON document (a
 * daemon's `status` answer, or a `--format json` file saved on another
 * host) read back and shown as one table, one JSON document or one Nagios
 * status. A document comes from another machine: its fields are checked
 * before use, and every string is escaped again for the terminal. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

/* The widest field a fleet table shows, escaped; longer ones are cut and
 * say so ("..."). */
#define FLEET_FIELD_MAX 256

struct report_fleet_source {
	char *label;
	json_t *doc;     /* NULL when the source could not be read */
	char *error;     /* why not */
	int status;      /* the document's status, 0..3 */
	size_t nresults; /* rows of doc's "results" that are objects */
};

struct report_fleet {
	struct report_fleet_source *sources;
	size_t nsources;
};

struct report_fleet *report_fleet_new(void)
{
	return xcalloc(1, sizeof(struct report_fleet));
}

static struct report_fleet_source *add(struct report_fleet *f,
				       const char *label)
{
	f->sources =
	    xreallocarray(f->sources, f->nsources + 1, sizeof *f->sources);
	struct report_fleet_source *s = &f->sources[f->nsources++];
	*s = (struct report_fleet_source){.label = xstrdup(label)};
	return s;
}

void report_fleet_add_error(struct report_fleet *f, const char *label,
			    const char *error)
{
	char safe[FLEET_FIELD_MAX * 2];
	text_copy(safe, sizeof safe, error, strlen(error));
	add(f, label)->error = xstrdup(safe);
}

/* A string member of O, or NULL when it is absent or not a string. */
static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int report_fleet_add(struct report_fleet *f, const char *label,
		     const char *text, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	char why[300] = "";
	const json_t *results = json_object_get(doc, "results");
	json_int_t status = json_integer_value(json_object_get(doc, "status"));
	if (doc == NULL)
		snprintf(why, sizeof why, "not JSON: line %d: %s", jerr.line,
			 jerr.text);
	else if (!json_is_object(doc) || str(doc, "schema") == NULL ||
		 strcmp(str(doc, "schema"), REPORT_JSON_SCHEMA) != 0)
		snprintf(why, sizeof why,
			 "not a veriport document (\"schema\": \"%s\" "
			 "expected)",
			 REPORT_JSON_SCHEMA);
	else if (!json_is_array(results) ||
		 !json_is_integer(json_object_get(doc, "status")) ||
		 status < 0 || status > 3)
		snprintf(why, sizeof why, "%s",
			 "a veriport document without results and status "
			 "(a check or status document expected)");
	if (why[0] != '\0') {
		json_decref(doc);
		report_fleet_add_error(f, label, why);
		return -1;
	}
	struct report_fleet_source *s = add(f, label);
	s->doc = doc;
	s->status = (int)status;
	size_t i;
	json_t *x;
	json_array_foreach(results, i, x) s->nresults += json_is_object(x);
	return 0;
}

enum results_status report_fleet_status(const struct report_fleet *f)
{
	int worst = f->nsources == 0 ? RESULTS_UNKNOWN : RESULTS_OK;
	for (size_t i = 0; i < f->nsources; i++) {
		int st =
		    f->sources[i].doc ? f->sources[i].status : RESULTS_UNKNOWN;
		worst = st > worst ? st : worst;
	}
	return (enum results_status)worst;
}

static const char *status_word(int s)
{
	static const char *const words[] = {"OK", "WARNING", "CRITICAL",
					    "UNKNOWN"};
	return s >= 0 && s <= 3 ? words[s] : "UNKNOWN";
}

/* A member of a result as terminal-safe text: strings escaped and cut,
 * numbers in decimal, anything else (absent, null) as "-". */
static void field(char *dst, size_t size, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		text_copy(dst, size, json_string_value(v),
			  json_string_length(v));
	else if (json_is_integer(v))
		snprintf(dst, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else
		snprintf(dst, size, "-");
	if (dst[0] == '\0')
		snprintf(dst, size, "-");
}

static bool failed_word(const char *verdict)
{
	return strcmp(verdict, "ok") != 0 && strcmp(verdict, "skipped") != 0;
}

/* One row of the fleet table, its fields escaped. */
struct row {
	char source[FLEET_FIELD_MAX], channel[FLEET_FIELD_MAX], port[40],
	    target[FLEET_FIELD_MAX], verdict[40], reason[40];
};

static void row_of(struct row *w, const char *label, const json_t *x)
{
	char transport[16], port[16];
	text_copy(w->source, sizeof w->source, label, strlen(label));
	field(w->channel, sizeof w->channel, x, "channel");
	field(transport, sizeof transport, x, "transport");
	field(port, sizeof port, x, "port");
	snprintf(w->port, sizeof w->port, "%s/%s", transport, port);
	/* The address a probe used says most; the name when there was
	 * none. */
	field(w->target, sizeof w->target, x, "address");
	if (strcmp(w->target, "-") == 0)
		field(w->target, sizeof w->target, x, "target");
	/* Which path was tested: through a proxy, it says so. */
	const json_t *proxy = json_object_get(x, "proxy");
	if (json_is_object(proxy)) {
		char host[FLEET_FIELD_MAX], pport[16];
		field(host, sizeof host, proxy, "host");
		field(pport, sizeof pport, proxy, "port");
		text_appendf(w->target, sizeof w->target, " via %s:%s", host,
			     pport);
	}
	field(w->verdict, sizeof w->verdict, x, "verdict");
	field(w->reason, sizeof w->reason, x, "reason");
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Call FN for each result of every source that the table shows (each
 * result, or the failed ones only), with its row; the number of them.
 * FN may be NULL: the count alone. */
typedef void row_fn(void *arg, const json_t *x, const struct row *w);
static size_t each_row(const struct report_fleet *f, bool failed_only,
		       row_fn *fn, void *arg)
{
	size_t rows = 0;
	for (size_t i = 0; i < f->nsources; i++) {
		const struct report_fleet_source *s = &f->sources[i];
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(s->doc, "results"), k, x)
		{
			struct row w;
			if (!json_is_object(x))
				continue;
			row_of(&w, s->label, x);
			if (failed_only && !failed_word(w.verdict))
				continue;
			rows++;
			if (fn != NULL)
				fn(arg, x, &w);
		}
	}
	return rows;
}

/* The table's column widths, and what it prints with. */
struct layout {
	int sw, cw, pw, tw, vw;
	FILE *out;
	const struct report_style *style;
};

static void widen(void *arg, const json_t *x, const struct row *w)
{
	struct layout *l = arg;
	(void)x;
	l->sw = max_int(l->sw, (int)strlen(w->source));
	l->cw = max_int(l->cw, (int)strlen(w->channel));
	l->pw = max_int(l->pw, (int)strlen(w->port));
	l->tw = max_int(l->tw, (int)strlen(w->target));
	l->vw = max_int(l->vw, (int)strlen(w->verdict));
}

static void print_row(void *arg, const json_t *x, const struct row *w)
{
	const struct layout *l = arg;
	bool failed = failed_word(w->verdict);
	const char *on = "", *off = "";
	if (l->style->colour && failed) {
		on = "\033[1;31m";
		off = "\033[0m";
	} else if (l->style->colour && strcmp(w->verdict, "ok") == 0) {
		on = "\033[32m";
		off = "\033[0m";
	}
	fprintf(l->out, "%-*s  %-*s  %-*s  %-*s  %s%-*s%s  %s\n", l->sw,
		w->source, l->cw, w->channel, l->pw, w->port, l->tw, w->target,
		on, l->vw, w->verdict, off, w->reason);
	if (!failed && !l->style->verbose)
		return;
	size_t e;
	json_t *line;
	json_array_foreach(json_object_get(x, "evidence"), e, line)
	{
		char text[FLEET_FIELD_MAX * 2];
		if (!json_is_string(line))
			continue;
		text_copy(text, sizeof text, json_string_value(line),
			  json_string_length(line));
		fputs("    ", l->out);
		report_wrap(l->out, text, 4, 6, l->style->width);
	}
}

void report_fleet_table(FILE *out, const struct report_fleet *f,
			const struct report_style *style)
{
	struct layout l = {
	    .sw = (int)strlen("SOURCE"),
	    .cw = (int)strlen("CHANNEL"),
	    .pw = (int)strlen("udp/65535"),
	    .tw = (int)strlen("TARGET"),
	    .vw = (int)strlen("VERDICT"),
	    .out = out,
	    .style = style,
	};
	size_t unread = 0;
	for (size_t i = 0; i < f->nsources; i++)
		unread += f->sources[i].doc == NULL;
	size_t rows = each_row(f, style->failed_only, widen, &l);
	fprintf(out, "%zu source%s, %zu result%s shown", f->nsources,
		f->nsources == 1 ? "" : "s", rows, rows == 1 ? "" : "s");
	if (unread > 0)
		fprintf(out, ", %zu source%s unread", unread,
			unread == 1 ? "" : "s");
	fputs("\n\n", out);
	if (rows > 0)
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", l.sw,
			"SOURCE", l.cw, "CHANNEL", l.pw, "PORT", l.tw, "TARGET",
			l.vw, "VERDICT", "REASON");
	each_row(f, style->failed_only, print_row, &l);
	if (rows > 0)
		fputc('\n', out);
	for (size_t i = 0; i < f->nsources; i++) {
		const struct report_fleet_source *s = &f->sources[i];
		char label[FLEET_FIELD_MAX], line[FLEET_FIELD_MAX * 4];
		text_copy(label, sizeof label, s->label, strlen(s->label));
		if (s->doc == NULL) {
			snprintf(line, sizeof line, "%s: %s: UNKNOWN", label,
				 s->error);
			report_wrap(out, line, 0, 4, style->width);
			continue;
		}
		char profile[64], role[64], started[40];
		field(profile, sizeof profile, s->doc, "profile");
		field(role, sizeof role, s->doc, "role");
		field(started, sizeof started, s->doc, "started");
		snprintf(line, sizeof line, "%s (%s as %s, %s):", label,
			 profile, role, started);
		/* The counts of its verdict words, in the order they first
		 * appear. */
		const json_t *results = json_object_get(s->doc, "results");
		json_t *seen = json_object();
		size_t k;
		json_t *x;
		json_array_foreach(results, k, x)
		{
			char v[40];
			field(v, sizeof v, x, "verdict");
			json_t *n = json_object_get(seen, v);
			json_object_set_new(
			    seen, v, json_integer(json_integer_value(n) + 1));
		}
		const char *sep = " ";
		const char *word;
		json_t *n;
		json_object_foreach(seen, word, n)
		{
			text_appendf(line, sizeof line,
				     "%s%" JSON_INTEGER_FORMAT " %s", sep,
				     json_integer_value(n), word);
			sep = ", ";
		}
		json_decref(seen);
		text_appendf(line, sizeof line, "%s%s",
			     s->nresults ? ": " : " no results: ",
			     status_word(s->status));
		report_wrap(out, line, 0, 4, style->width);
	}
	enum results_status st = report_fleet_status(f);
	fprintf(out, "fleet: %s (exit %d)\n", status_word((int)st), (int)st);
}

int report_fleet_json(FILE *out, const struct report_fleet *f)
{
	json_t *sources = json_array();
	for (size_t i = 0; i < f->nsources; i++) {
		const struct report_fleet_source *s = &f->sources[i];
		char label[FLEET_FIELD_MAX];
		text_copy(label, sizeof label, s->label, strlen(s->label));
		json_t *o = json_pack("{s:s}", "source", label);
		if (s->doc != NULL)
			json_object_set(o, "document", s->doc);
		else
			json_object_set_new(o, "error", json_string(s->error));
		json_array_append_new(sources, o);
	}
	json_t *doc = json_pack("{s:s, s:s, s:o, s:i}", "schema",
				REPORT_JSON_SCHEMA, "kind", "fleet", "sources",
				sources, "status", (int)report_fleet_status(f));
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(doc);
	return rc == 0 ? 0 : -1;
}

/* The Nagios line may not hold '|' (perfdata starts there) nor control
 * bytes. */
static void nagios_safe(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '|')
			*s = '/';
}

/* The Nagios line's count of failures, and the first of them. */
struct failures {
	size_t n;
	char first[FLEET_FIELD_MAX * 3];
};

static void count_failure(void *arg, const json_t *x, const struct row *w)
{
	struct failures *fl = arg;
	(void)x;
	if (fl->n++ == 0)
		snprintf(fl->first, sizeof fl->first, "%s %s %s: %s/%s",
			 w->source, w->channel, w->port, w->verdict, w->reason);
}

enum results_status report_fleet_nagios(FILE *out, const struct report_fleet *f)
{
	enum results_status st = report_fleet_status(f);
	struct failures fl = {0};
	size_t total = each_row(f, false, NULL, NULL),
	       failed = each_row(f, true, count_failure, &fl), unread = 0;
	/* An unread source comes first: it is what made the status
	 * UNKNOWN. */
	for (size_t i = 0; i < f->nsources; i++) {
		const struct report_fleet_source *s = &f->sources[i];
		if (s->doc != NULL || unread++ > 0)
			continue;
		char label[FLEET_FIELD_MAX];
		text_copy(label, sizeof label, s->label, strlen(s->label));
		snprintf(fl.first, sizeof fl.first, "%s: %s", label, s->error);
	}
	nagios_safe(fl.first);
	fprintf(out, "VERIPORT %s - %zu source%s", status_word((int)st),
		f->nsources, f->nsources == 1 ? "" : "s");
	if (unread > 0)
		fprintf(out, " (%zu unread)", unread);
	fprintf(out, ", %zu of %zu results failed", failed, total);
	if (fl.first[0] != '\0')
		fprintf(out, ", first: %s", fl.first);
	fprintf(out, " | failed=%zu;;;0;%zu unread=%zu;;;0;%zu\n", failed,
		total, unread, f->nsources);
	return st;
}

void report_fleet_free(struct report_fleet *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nsources; i++) {
		free(f->sources[i].label);
		free(f->sources[i].error);
		json_decref(f->sources[i].doc);
	}
	free(f->sources);
	free(f);
}
