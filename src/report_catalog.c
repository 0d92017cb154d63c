/* Catalog reports: `veriport catalog list|show` as aligned tables for people
 * and as the JSON contract (DESIGN.md) for programs. Formatting only. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/xalloc.h"

/* Narrowest purpose column worth wrapping into; below it the purpose goes
 * on its own indented lines. */
#define PURPOSE_MIN_WIDTH 24

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

void report_catalog_list_table(FILE *out, struct catalog *const *cats,
			       size_t ncats)
{
	int w = (int)strlen("PROFILE");
	for (size_t i = 0; i < ncats; i++)
		w = max_int(w, (int)strlen(cats[i]->profile));
	fprintf(out, "%-*s  %8s  %s\n", w, "PROFILE", "CHANNELS", "TITLE");
	for (size_t i = 0; i < ncats; i++)
		fprintf(out, "%-*s  %8zu  %s\n", w, cats[i]->profile,
			cats[i]->nchannels, cats[i]->title);
}

static int dump(FILE *out, json_t *doc)
{
	int rc = json_dumpf(doc, out, JSON_INDENT(2)) == 0 ? 0 : -EIO;
	json_decref(doc);
	if (rc == 0)
		fputc('\n', out);
	return rc;
}

int report_catalog_list_json(FILE *out, struct catalog *const *cats,
			     size_t ncats)
{
	json_t *list = json_array();
	for (size_t i = 0; i < ncats; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:I, s:I}", "profile",
				    cats[i]->profile, "title", cats[i]->title,
				    "source", cats[i]->source, "roles",
				    (json_int_t)cats[i]->nroles, "channels",
				    (json_int_t)cats[i]->nchannels));
	return dump(out, json_pack("{s:s, s:o}", "schema", REPORT_JSON_SCHEMA,
				   "catalogs", list));
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *group_id(const struct catalog *cat,
			    const struct catalog_channel *c)
{
	return c->group == CATALOG_NO_GROUP ? NULL : cat->groups[c->group].id;
}

/* The NEED column: "required", "optional", or "group ID" for a member of
 * a group of alternatives (the group is required, not the member). */
static void need_text(const struct catalog *cat,
		      const struct catalog_channel *c, char *buf, size_t len)
{
	if (c->group != CATALOG_NO_GROUP)
		snprintf(buf, len, "group %s", cat->groups[c->group].id);
	else
		snprintf(buf, len, "%s", c->optional ? "optional" : "required");
}

/* Append V to ARRAY; a value Jansson could not build (text that is not
 * UTF-8, which the catalog parser refuses) sets *LOST instead of being
 * dropped without a word (issue 13). */
static void append(bool *lost, json_t *array, json_t *v)
{
	if (json_array_append_new(array, v) < 0)
		*lost = true;
}

int report_catalog_show_json(FILE *out, const struct catalog *cat)
{
	bool lost = false;
	json_t *roles = json_array();
	for (size_t i = 0; i < cat->nroles; i++) {
		const struct catalog_role *r = &cat->roles[i];
		json_t *defaults = json_array();
		for (size_t j = 0; j < r->ndefaults; j++)
			append(&lost, defaults, json_string(r->defaults[j]));
		/* default_target keeps the contract's single value, written
		 * the way --map takes several hosts; default_targets lists
		 * them. */
		char *joined = NULL;
		for (size_t j = 0; j < r->ndefaults; j++) {
			char *next =
			    joined ? xasprintf("%s,%s", joined, r->defaults[j])
				   : xstrdup(r->defaults[j]);
			free(joined);
			joined = next;
		}
		append(&lost, roles,
		       json_pack("{s:s, s:s, s:o, s:o}", "id", r->id, "name",
				 r->name, "default_target",
				 string_or_null(joined), "default_targets",
				 defaults));
		free(joined);
	}
	json_t *channels = json_array();
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *c = &cat->channels[i];
		append(&lost, channels,
		       json_pack(
			   "{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:b, s:b, "
			   "s:o, s:o, s:s, s:s, s:s, s:o, s:i}",
			   "id", c->id, "transport",
			   catalog_transport_name(c->transport), "port",
			   (int)c->port, "from", cat->roles[c->from].id, "to",
			   cat->roles[c->to].id, "check",
			   catalog_check_name(c->check), "starttls",
			   string_or_null(catalog_starttls_name(c->starttls)),
			   "optional", c->optional, "proxy", c->proxy,
			   "condition", string_or_null(c->condition), "group",
			   string_or_null(group_id(cat, c)), "purpose",
			   c->purpose, "row", c->row, "vendor", c->vendor,
			   "host", string_or_null(c->host), "vendor_port",
			   (int)c->vendor_port));
	}
	json_t *groups = json_array();
	for (size_t g = 0; g < cat->ngroups; g++) {
		json_t *members = json_array();
		for (size_t i = 0; i < cat->nchannels; i++)
			if (cat->channels[i].group == g)
				append(&lost, members,
				       json_string(cat->channels[i].id));
		append(&lost, groups,
		       json_pack("{s:s, s:s, s:o}", "id", cat->groups[g].id,
				 "title", cat->groups[g].title, "channels",
				 members));
	}
	json_t *doc = json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "schema", REPORT_JSON_SCHEMA,
	    "profile", cat->profile, "title", cat->title, "source", cat->source,
	    "roles", roles, "groups", groups, "channels", channels);
	if (lost || doc == NULL) {
		json_decref(doc);
		return -EILSEQ;
	}
	return dump(out, doc);
}

/* Print TEXT word-wrapped into WIDTH columns; every line after the first
 * starts with INDENT spaces. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
	int col = 0;
	const char *p = text;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == 0)
			break;
		if (col > 0 && col + 1 + (int)n > width) {
			fprintf(out, "\n%*s", indent, "");
			col = 0;
		} else if (col > 0) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, n, out);
		col += (int)n;
		p += n;
	}
	fputc('\n', out);
}

/* The groups of alternatives, after the channels they name: id, then the
 * title and the member channels, wrapped. */
static void show_groups(FILE *out, const struct catalog *cat, int width)
{
	if (cat->ngroups == 0)
		return;
	int gw = (int)strlen("GROUP");
	for (size_t g = 0; g < cat->ngroups; g++)
		gw = max_int(gw, (int)strlen(cat->groups[g].id));
	int text_width = max_int(width - gw - 2, PURPOSE_MIN_WIDTH);
	fprintf(out, "\n%-*s  %s\n", gw, "GROUP",
		"TITLE (at least one channel of the group must work)");
	for (size_t g = 0; g < cat->ngroups; g++) {
		char *text = xasprintf("%s. Channels:", cat->groups[g].title);
		for (size_t i = 0, n = 0; i < cat->nchannels; i++)
			if (cat->channels[i].group == g) {
				char *next =
				    xasprintf("%s%s %s", text, n++ ? "," : "",
					      cat->channels[i].id);
				free(text);
				text = next;
			}
		fprintf(out, "%-*s  ", gw, cat->groups[g].id);
		print_wrapped(out, text, gw + 2, text_width);
		free(text);
	}
}

void report_catalog_show_table(FILE *out, const struct catalog *cat, int width)
{
	fprintf(out, "%s: %s\n", cat->profile, cat->title);
	fputs("source: ", out);
	print_wrapped(out, cat->source, 8, width - 8);
	fputc('\n', out);
	int rw = (int)strlen("ROLE");
	for (size_t i = 0; i < cat->nroles; i++)
		rw = max_int(rw, (int)strlen(cat->roles[i].id));
	fprintf(out, "%-*s  %s\n", rw, "ROLE", "NAME");
	for (size_t i = 0; i < cat->nroles; i++) {
		const struct catalog_role *r = &cat->roles[i];
		fprintf(out, "%-*s  %s", rw, r->id, r->name);
		for (size_t j = 0; j < r->ndefaults; j++)
			fprintf(out, "%s%s", j ? ", " : " (default target: ",
				r->defaults[j]);
		fputs(r->ndefaults ? ")\n" : "\n", out);
	}
	fputc('\n', out);

	char need[CATALOG_ID_MAX + 8];
	int iw = (int)strlen("CHANNEL"), fw = (int)strlen("FROM"),
	    tw = (int)strlen("TO"), cw = (int)strlen("CHECK"),
	    nw = (int)strlen("optional");
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *c = &cat->channels[i];
		iw = max_int(iw, (int)strlen(c->id));
		fw = max_int(fw, (int)strlen(cat->roles[c->from].id));
		tw = max_int(tw, (int)strlen(cat->roles[c->to].id));
		cw = max_int(cw, (int)strlen(catalog_check_name(c->check)));
		need_text(cat, c, need, sizeof need);
		nw = max_int(nw, (int)strlen(need));
	}
	const int pw = (int)strlen("udp/65535"),
		  sw = (int)strlen("opportunistic");
	int indent =
	    iw + 2 + pw + 2 + fw + 2 + tw + 2 + cw + 2 + sw + 2 + nw + 2;
	int purpose_width = width - indent;
	if (purpose_width < PURPOSE_MIN_WIDTH) {
		indent = 4;
		purpose_width = max_int(width - indent, PURPOSE_MIN_WIDTH);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", iw,
		"CHANNEL", pw, "PORT", fw, "FROM", tw, "TO", cw, "CHECK", sw,
		"STARTTLS", nw, "NEED", "PURPOSE");
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *c = &cat->channels[i];
		char port[16];
		snprintf(port, sizeof port, "%s/%u",
			 catalog_transport_name(c->transport), c->port);
		const char *starttls = catalog_starttls_name(c->starttls);
		need_text(cat, c, need, sizeof need);
		/* With the purpose on its own lines, NEED ends the line and
		 * is not padded. */
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s", iw,
			c->id, pw, port, fw, cat->roles[c->from].id, tw,
			cat->roles[c->to].id, cw, catalog_check_name(c->check),
			sw, starttls ? starttls : "-", indent == 4 ? 0 : nw,
			need);
		const char *cond = c->condition == NULL ? ""
				   : c->optional        ? " Optional: "
							: " Condition: ";
		char *text = xasprintf(
		    "%s%s%s%s%s%s%s", c->purpose, c->host ? " Host: " : "",
		    c->host ? c->host : "", c->host ? "." : "", cond,
		    c->condition ? c->condition : "",
		    c->proxy ? " Proxy: the vendor allows an HTTP proxy." : "");
		fprintf(out, indent == 4 ? "\n%*s" : "%*s", indent == 4 ? 4 : 2,
			"");
		print_wrapped(out, text, indent, purpose_width);
		free(text);
	}
	show_groups(out, cat, width);
}
