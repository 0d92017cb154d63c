/* Evidence: the bounded evidence lines a probe leaves for people to read.
 * Facts only; the verdict is verdict.c's. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "veriport/evidence.h"

void evidence_init(struct evidence *ev, enum catalog_transport transport,
		   enum catalog_check check)
{
	memset(ev, 0, sizeof *ev);
	ev->transport = transport;
	ev->check = check;
	ev->latency_ms = -1;
}

void evidence_add(struct evidence *ev, const char *fmt, ...)
{
	if (ev->nlines == EVIDENCE_LINES_MAX) {
		snprintf(ev->lines[EVIDENCE_LINES_MAX - 1], EVIDENCE_LINE_LEN,
			 "(further evidence lines dropped)");
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->lines[ev->nlines++], EVIDENCE_LINE_LEN, fmt, ap);
	va_end(ap);
}
