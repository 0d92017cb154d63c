/* Catalog reports: `veriport catalog list|show` as aligned tables for people
 * and as the JSON contract (DESIGN.md) for programs. Formatting only. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
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
	return dump(out, json_pack("{s:o}", "catalogs", list));
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int report_catalog_show_json(FILE *out, const struct catalog *cat)
{
	json_t *roles = json_array();
	for (size_t i = 0; i < cat->nroles; i++) {
		const struct catalog_role *r = &cat->roles[i];
		json_t *defaults = json_array();
		for (size_t j = 0; j < r->ndefaults; j++)
			json_array_append_new(defaults,
					      json_string(r->defaults[j]));
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
		json_array_append_new(
		    roles,
		    json_pack("{s:s, s:s, s:o, s:o}", "id", r->id, "name",
			      r->name, "default_target", string_or_null(joined),
			      "default_targets", defaults));
		free(joined);
	}
	json_t *channels = json_array();
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *c = &cat->channels[i];
		json_array_append_new(
		    channels,
		    json_pack(
			"{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:b, "
			"s:o, s:s, s:s, s:s, s:o, s:i}",
			"id", c->id, "transport",
			catalog_transport_name(c->transport), "port",
			(int)c->port, "from", cat->roles[c->from].id, "to",
			cat->roles[c->to].id, "check",
			catalog_check_name(c->check), "starttls",
			string_or_null(catalog_starttls_name(c->starttls)),
			"optional", c->optional, "condition",
			string_or_null(c->condition), "purpose", c->purpose,
			"row", c->row, "vendor", c->vendor, "host",
			string_or_null(c->host), "vendor_port",
			(int)c->vendor_port));
	}
	return dump(out, json_pack("{s:s, s:s, s:s, s:o, s:o}", "profile",
				   cat->profile, "title", cat->title, "source",
				   cat->source, "roles", roles, "channels",
				   channels));
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

	int iw = (int)strlen("CHANNEL"), fw = (int)strlen("FROM"),
	    tw = (int)strlen("TO"), cw = (int)strlen("CHECK");
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *c = &cat->channels[i];
		iw = max_int(iw, (int)strlen(c->id));
		fw = max_int(fw, (int)strlen(cat->roles[c->from].id));
		tw = max_int(tw, (int)strlen(cat->roles[c->to].id));
		cw = max_int(cw, (int)strlen(catalog_check_name(c->check)));
	}
	const int pw = (int)strlen("udp/65535"),
		  sw = (int)strlen("opportunistic"),
		  nw = (int)strlen("optional");
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
		/* With the purpose on its own lines, NEED ends the line and
		 * is not padded. */
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s", iw,
			c->id, pw, port, fw, cat->roles[c->from].id, tw,
			cat->roles[c->to].id, cw, catalog_check_name(c->check),
			sw, starttls ? starttls : "-", indent == 4 ? 0 : nw,
			c->optional ? "optional" : "required");
		char *text = xasprintf(
		    "%s%s%s%s%s%s", c->purpose, c->host ? " Host: " : "",
		    c->host ? c->host : "", c->host ? "." : "",
		    c->condition ? " Optional: " : "",
		    c->condition ? c->condition : "");
		fprintf(out, indent == 4 ? "\n%*s" : "%*s", indent == 4 ? 4 : 2,
			"");
		print_wrapped(out, text, indent, purpose_width);
		free(text);
	}
}
