/* Evidence: what one probe saw, and the bounded lines that say it for
 * people to read. Facts only; the verdict is verdict.c's. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/evidence.h"
#include "veriport/xalloc.h"

static const char dropped[] = "(further evidence lines dropped)";

void evidence_init(struct evidence *ev, enum catalog_transport transport,
		   enum catalog_check check)
{
	memset(ev, 0, sizeof *ev);
	ev->transport = transport;
	ev->check = check;
	ev->latency_ms = -1;
}

void evidence_free(struct evidence *ev)
{
	free(ev->lines);
	free(ev->tls);
	ev->lines = NULL;
	ev->lines_len = ev->nlines = 0;
	ev->tls = NULL;
	ev->tls_done = false;
}

void evidence_copy(struct evidence *dst, const struct evidence *src)
{
	*dst = *src;
	if (src->lines != NULL) {
		dst->lines = xmalloc(src->lines_len);
		memcpy(dst->lines, src->lines, src->lines_len);
	}
	if (src->tls != NULL) {
		dst->tls = xmalloc(sizeof *dst->tls);
		*dst->tls = *src->tls;
	}
}

static void append_line(struct evidence *ev, const char *line, size_t n)
{
	ev->lines = xreallocarray(ev->lines, ev->lines_len + n + 1, 1);
	memcpy(ev->lines + ev->lines_len, line, n);
	ev->lines[ev->lines_len + n] = '\0';
	ev->lines_len += n + 1;
	ev->nlines++;
}

void evidence_add(struct evidence *ev, const char *fmt, ...)
{
	if (ev->nlines > EVIDENCE_LINES_MAX)
		return;
	char line[EVIDENCE_LINE_LEN];
	if (ev->nlines == EVIDENCE_LINES_MAX) {
		append_line(ev, dropped, sizeof dropped - 1);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A line cut to fit says so, as text_append() does. */
	if ((size_t)n >= sizeof line) {
		memcpy(line + sizeof line - 4, "...", 4);
		n = (int)sizeof line - 1;
	}
	append_line(ev, line, (size_t)n);
}

const char *evidence_next(const struct evidence *ev, const char *line)
{
	if (ev->lines == NULL)
		return NULL;
	if (line == NULL)
		return ev->lines;
	const char *next = line + strlen(line) + 1;
	return next < ev->lines + ev->lines_len ? next : NULL;
}

const char *evidence_last(const struct evidence *ev)
{
	const char *last = "";
	for (const char *l = NULL; (l = evidence_next(ev, l)) != NULL;)
		last = l;
	return last;
}

void evidence_dialogue(struct evidence *ev, enum dlg_step step,
		       const struct dlg *d)
{
	ev->dlg_step = step;
	ev->dlg_failure = d->failure;
	ev->starttls_checked = catalog_check_is_starttls(ev->check) &&
			       (step == DLG_DONE || ev->tls_attempted);
	ev->dlg = d->facts;
	if (d->detail[0] != '\0')
		evidence_add(ev, "%s", d->detail);
}

void evidence_tls(struct evidence *ev, const struct tlsio_facts *f)
{
	free(ev->tls);
	ev->tls = xmalloc(sizeof *ev->tls);
	*ev->tls = *f;
	ev->tls_done = true;
	evidence_add(ev, "TLS %s %s", f->version, f->cipher);
	evidence_add(ev, "certificate %s issued by %s, valid %s to %s",
		     f->subject, f->issuer, f->not_before, f->not_after);
	if (f->sans[0] != '\0')
		evidence_add(ev, "names: %s", f->sans);
	evidence_add(ev, "sha256 %s", f->sha256);
	if (f->chain_sent > f->nchain)
		evidence_add(ev,
			     "chain of %zu certificates; the first %zu kept",
			     f->chain_sent, f->nchain);
	if (f->verified)
		evidence_add(ev, "chain and name verified");
	else
		evidence_add(ev, "not verified: %s%s%s%s", f->verify_error,
			     f->untrusted ? " (no path to a trusted root)" : "",
			     f->expired ? " (outside its validity)" : "",
			     f->hostname_mismatch ? " (not for this name)"
						  : "");
}
