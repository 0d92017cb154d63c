/* `check --format json`: the JSON contract of DESIGN.md, emitted with
 * Jansson so escaping and numbers are a library's job. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/xalloc.h"

static json_t *str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

static json_t *time_or_null(time_t t)
{
	if (t == 0)
		return json_null();
	char buf[32];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The TLS facts of DESIGN.md's "tls" object, and the rest of what the
 * handshake showed (names, validity, SPKI pin, chain). */
static json_t *tls_json(const struct results *rs, const struct result *r)
{
	const struct evidence *ev = &r->ev;
	const struct tlsio_facts *f = ev->tls;
	if (!ev->tls_done)
		return json_pack("{s:b, s:b}", "handshake", false, "verified",
				 false);
	json_t *chain = json_array();
	for (size_t i = 0; i < f->nchain; i++)
		json_array_append_new(chain,
				      json_pack("{s:s, s:s}", "subject",
						f->chain[i].subject, "issuer",
						f->chain[i].issuer));
	int64_t days;
	json_t *days_left = results_days_left(rs, r, &days)
				? json_integer((json_int_t)days)
				: json_null();
	return json_pack(
	    "{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, "
	    "s:b, s:o, s:o}",
	    "handshake", true, "version", f->version, "cipher", f->cipher,
	    "subject", f->subject, "issuer", f->issuer, "sans", f->sans,
	    "not_before", f->not_before, "not_after", f->not_after, "days_left",
	    days_left, "sha256", f->sha256, "spki_sha256", f->spki_sha256,
	    "verified", f->verified, "verify_error",
	    f->verified ? json_null() : json_string(f->verify_error), "chain",
	    chain);
}

static json_t *result_json(const struct results *rs, const struct result *r)
{
	const struct catalog_channel *c = r->channel;
	const struct catalog *cat = rs->catalog;
	json_t *evidence = json_array();
	for (const char *l = NULL; (l = evidence_next(&r->ev, l)) != NULL;)
		json_array_append_new(evidence, json_string(l));
	json_t *o = json_pack(
	    "{s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:o, s:o, s:s, s:s, s:o}",
	    "channel", c->id, "transport", catalog_transport_name(c->transport),
	    "port", (int)r->port, "from", cat->roles[c->from].id, "to",
	    cat->roles[c->to].id, "check", catalog_check_name(c->check),
	    "optional", c->optional, "target", str_or_null(r->host), "address",
	    str_or_null(r->address), "verdict",
	    verdict_word(r->verdict.verdict), "reason",
	    reason_word(r->verdict.reason), "evidence", evidence);
	json_object_set_new(
	    o, "because",
	    json_string(verdict_because_word(r->verdict.because)));
	json_object_set_new(o, "latency_ms",
			    r->ev.latency_ms >= 0 ? json_real(r->ev.latency_ms)
						  : json_null());
	/* The daemon's history (DESIGN.md: the status socket adds since and
	 * changed per result). */
	if (r->since != 0) {
		json_object_set_new(o, "since", time_or_null(r->since));
		json_object_set_new(o, "changed", time_or_null(r->changed));
		json_object_set_new(o, "failures", json_integer(r->failures));
		json_object_set_new(o, "last_ok", time_or_null(r->last_ok));
	}
	const struct evidence_proxy *px = &r->ev.proxy;
	if (px->used)
		json_object_set_new(
		    o, "proxy",
		    json_pack(
			"{s:s, s:i, s:o, s:b, s:o}", "host", px->host, "port",
			(int)px->port, "address", str_or_null(px->address),
			"tunnel", px->step == EVIDENCE_PROXY_OPEN, "status",
			px->status ? json_integer(px->status) : json_null()));
	if (r->ev.tls_attempted)
		json_object_set_new(o, "tls", tls_json(rs, r));
	if (r->ev.starttls_checked)
		json_object_set_new(
		    o, "starttls",
		    json_pack("{s:b, s:s}", "offered",
			      r->ev.dlg.starttls_offered, "policy",
			      catalog_starttls_name(c->starttls)));
	if (r->ev.dlg.http.status != 0)
		json_object_set_new(
		    o, "http",
		    json_pack("{s:i, s:o}", "status",
			      (int)r->ev.dlg.http.status, "server",
			      str_or_null(r->ev.dlg.http.server)));
	if (r->ev.dlg.greeting[0] != '\0')
		json_object_set_new(o, "greeting",
				    json_string(r->ev.dlg.greeting));
	if (r->ev.icmp)
		json_object_set_new(o, "icmp",
				    json_pack("{s:i, s:i, s:o, s:b}", "type",
					      (int)r->ev.icmp_type, "code",
					      (int)r->ev.icmp_code, "from",
					      str_or_null(r->ev.icmp_from),
					      "v6", r->ev.icmp_v6));
	return o;
}

#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(6))

/* One result as it sits in the results array: dumped alone into BUF
 * (grown as needed, reused from result to result), every line after the
 * first indented by the array's depth (4 spaces), so the bytes are those
 * of the whole document dumped at once. */
static int put_result(FILE *out, const struct results *rs,
		      const struct result *r, char **buf, size_t *cap)
{
	json_t *o = result_json(rs, r);
	size_t n = json_dumpb(o, *buf, *cap, JSON_FLAGS);
	if (n > *cap) {
		*cap = 2 * n;
		*buf = xreallocarray(*buf, *cap, 1);
		n = json_dumpb(o, *buf, *cap, JSON_FLAGS);
	}
	json_decref(o);
	if (n == 0)
		return -EIO;
	for (const char *line = *buf, *end = *buf + n; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len =
		    nl != NULL ? (size_t)(nl - line) + 1 : (size_t)(end - line);
		if (fwrite(line, 1, len, out) != len ||
		    (nl != NULL && fputs("    ", out) == EOF))
			return -EIO;
		line += len;
	}
	return 0;
}

/* The document is dumped with an empty results array; the results are
 * then written one at a time where its "[]" is, so no tree of every
 * result is ever held (at N=5,000 TLS results it was ~17 MB). The "[]"
 * is found after a newline and the member's indentation: a newline
 * inside a JSON string is always escaped. */
int report_json(FILE *out, const struct results *r)
{
	json_t *started = time_or_null(r->started);
	json_t *results = json_array();
	size_t counts[VERDICT_COUNT];
	results_count(r, counts);
	json_t *summary = json_object();
	for (int v = 0; v < VERDICT_COUNT; v++)
		if (counts[v] > 0)
			json_object_set_new(
			    summary, verdict_word(v),
			    json_integer((json_int_t)counts[v]));
	json_t *canaries = json_array();
	for (size_t i = 0; i < r->ncanaries; i++) {
		const struct result *c = &r->canaries[i];
		json_t *ev = json_array();
		for (const char *l = NULL;
		     (l = evidence_next(&c->ev, l)) != NULL;)
			json_array_append_new(ev, json_string(l));
		json_array_append_new(
		    canaries,
		    json_pack("{s:s, s:s, s:i, s:o, s:b, s:o}", "target",
			      c->host, "transport",
			      catalog_transport_name(c->channel->transport),
			      "port", (int)c->port, "address",
			      str_or_null(c->address), "answered",
			      c->ev.connected || c->ev.udp_reply, "evidence",
			      ev));
	}
	json_t *groups = json_array();
	for (size_t g = 0; g < r->catalog->ngroups; g++) {
		const struct catalog_channel *which = NULL;
		enum results_group fares = results_group(r, g, &which);
		json_t *members = json_array();
		for (size_t i = 0; i < r->catalog->nchannels; i++)
			if (r->catalog->channels[i].group == g)
				json_array_append_new(
				    members,
				    json_string(r->catalog->channels[i].id));
		static const char *const words[] = {
		    [RESULTS_GROUP_OK] = "ok",
		    [RESULTS_GROUP_FAILED] = "failed",
		    [RESULTS_GROUP_UNPROBED] = "unprobed",
		};
		json_array_append_new(
		    groups,
		    json_pack("{s:s, s:s, s:s, s:o, s:o}", "id",
			      r->catalog->groups[g].id, "title",
			      r->catalog->groups[g].title, "state",
			      words[fares], "satisfied_by",
			      which ? json_string(which->id) : json_null(),
			      "channels", members));
	}
	json_t *doc =
	    json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:i}", "schema",
		      REPORT_JSON_SCHEMA, "profile", r->catalog->profile,
		      "role", r->role, "started", started, "duration_ms",
		      (json_int_t)(r->duration_ms + 0.5), "results", results,
		      "summary", summary, "status", (int)results_status(r));
	/* Six significant digits: latencies in ms to the microsecond,
	 * without binary floating-point noise. */
	json_object_set_new(doc, "groups", groups);
	if (r->ncanaries > 0)
		json_object_set_new(doc, "canary", canaries);
	else
		json_decref(canaries);
	char *text = json_dumps(doc, JSON_FLAGS);
	json_decref(doc);
	static const char mark[] = "\n  \"results\": []";
	char *at = text != NULL ? strstr(text, mark) : NULL;
	if (at == NULL) {
		free(text);
		return -EIO;
	}
	at += sizeof mark - 3; /* at the "[]" */
	fwrite(text, 1, (size_t)(at - text), out);
	int rc = 0;
	if (r->nitems == 0) {
		fputs("[]", out);
	} else {
		char *buf = NULL;
		size_t cap = 0;
		fputs("[\n    ", out);
		for (size_t i = 0; i < r->nitems && rc == 0; i++) {
			if (i > 0)
				fputs(",\n    ", out);
			rc = put_result(out, r, &r->items[i], &buf, &cap);
		}
		fputs("\n  ]", out);
		free(buf);
	}
	fputs(at + 2, out);
	free(text);
	if (rc == 0)
		fputc('\n', out);
	return rc;
}
