/* Status answers: one command line in, the text the socket sends out.
 * Rendered by report_*.c from the daemon's results; no I/O here, so the
 * unit tests call status_answer() directly. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/xalloc.h"

/* `table` answers: whoever asks has a terminal we cannot measure; 100
 * columns is what `check` uses when stdout is not a terminal. */
#define STATUS_TABLE_WIDTH 100

static const char no_sweep[] = "no sweep has finished yet";

char *status_vtext(size_t *len, const char *fmt, va_list ap)
{
	char *s;
	int n = vasprintf(&s, fmt, ap);
	if (n < 0)
		fatalx("vasprintf: out of memory");
	*len = (size_t)n;
	return s;
}

char *status_text(size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = status_vtext(len, fmt, ap);
	va_end(ap);
	return s;
}

/* A command echoed in an error line: the client may have sent any bytes,
 * and its terminal should not interpret them. */
static void printable(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;
	for (; src[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* What a render gets: the results (NULL before the first sweep), the
 * daemon's own life (NULL when the source has none) and the command's
 * options. */
struct render_in {
	const struct results *r;
	const struct report_daemon *d;
	struct report_nagios_opts nagios;
};

static int render_json(FILE *out, const struct render_in *in)
{
	return report_json(out, in->r);
}

static int render_metrics(FILE *out, const struct render_in *in)
{
	report_prometheus(out, in->r, in->d);
	return 0;
}

/* The plugin's exit code travels on a last line, since a socket has no
 * exit status; `veriport status --format nagios` turns it back into one. */
static int render_nagios(FILE *out, const struct render_in *in)
{
	enum results_status st = report_nagios(out, in->r, &in->nagios);
	fprintf(out, "exit=%d\n", (int)st);
	return 0;
}

static int render_table(FILE *out, const struct render_in *in)
{
	struct report_style style = {.width = STATUS_TABLE_WIDTH};
	report_table(out, in->r, &style);
	return 0;
}

typedef int render_fn(FILE *out, const struct render_in *in);

static const struct {
	const char *name;
	render_fn *render;
	bool without_results; /* answers before the first sweep too */
} report_commands[] = {
    {"status", render_json, false},
    {"metrics", render_metrics, true},
    {"nagios", render_nagios, false},
    {"table", render_table, false},
};

static char *rendered(render_fn *render, const struct render_in *in,
		      size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	if (out == NULL)
		fatalx("open_memstream: %s", strerror(errno));
	int rc = render(out, in);
	if (fclose(out) != 0)
		fatalx("open_memstream: %s", strerror(errno));
	if (rc < 0) {
		free(buf);
		return status_text(len,
				   "error: cannot render the results: "
				   "%s\n",
				   strerror(-rc));
	}
	*len = n;
	return buf;
}

/* `show CHANNEL`: the JSON of a copy of the results that holds only this
 * channel's results, and the canary probes of its (transport, port). */
static char *answer_show(const struct results *r, const char *id, size_t *len)
{
	char what[STATUS_COMMAND_MAX + 1];
	const struct catalog_channel *c = catalog_channel_find(r->catalog, id);
	if (c == NULL) {
		printable(what, sizeof what, id);
		return status_text(len, "error: unknown channel %s\n", what);
	}
	struct results only = *r;
	only.items = xcalloc(r->nitems + 1, sizeof *only.items);
	only.nitems = 0;
	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].channel == c)
			only.items[only.nitems++] = r->items[i];
	only.canaries = xcalloc(r->ncanaries + 1, sizeof *only.canaries);
	only.ncanaries = 0;
	for (size_t i = 0; i < r->ncanaries; i++)
		if (r->canaries[i].channel->transport == c->transport &&
		    r->canaries[i].port == c->port)
			only.canaries[only.ncanaries++] = r->canaries[i];
	struct render_in in = {.r = &only};
	char *a = rendered(render_json, &in, len);
	free(only.items);
	free(only.canaries);
	return a;
}

static char *answer_probe(const struct status_source *src, const char *arg,
			  size_t *len)
{
	char what[STATUS_COMMAND_MAX + 1];
	printable(what, sizeof what, arg ? arg : "");
	int rc = src->probe ? src->probe(src->arg, arg) : -ENOTSUP;
	switch (rc) {
	case 0:
		return status_text(len, "ok: sweep started\n");
	case -EBUSY:
		return status_text(len, "error: a sweep is running\n");
	case -ENOENT:
		if (arg != NULL)
			return status_text(len, "error: unknown channel %s\n",
					   what);
		/* fall through */
	default:
		return status_text(len, "error: probe: %s\n",
				   strerror(rc < 0 ? -rc : EINVAL));
	}
}

static char *answer_accept(const struct status_source *src, const char *arg,
			   size_t *len)
{
	char what[STATUS_COMMAND_MAX + 1];
	printable(what, sizeof what, arg ? arg : "");
	int rc = src->accept ? src->accept(src->arg, arg) : -ENOTSUP;
	if (rc >= 0)
		return status_text(len, "ok: %d entries accepted\n", rc);
	if (rc == -ENOENT && arg != NULL)
		return status_text(len, "error: unknown channel %s\n", what);
	if (rc == -EBUSY)
		return status_text(len, "error: a sweep is running\n");
	return status_text(len, "error: accept: %s\n", strerror(-rc));
}

/* "-w S -c S" (either, any order): the thresholds of a nagios answer.
 * False for anything else. */
static bool nagios_args(char *arg, struct report_nagios_opts *o)
{
	for (char *save, *flag = strtok_r(arg, " ", &save); flag != NULL;
	     flag = strtok_r(NULL, " ", &save)) {
		char *v = strtok_r(NULL, " ", &save), *end;
		if (v == NULL ||
		    (strcmp(flag, "-w") != 0 && strcmp(flag, "-c") != 0))
			return false;
		errno = 0;
		double s = strtod(v, &end);
		if (errno != 0 || *end != '\0' || end == v || !(s > 0) ||
		    s > STATUS_THRESHOLD_MAX_S)
			return false;
		*(flag[1] == 'w' ? &o->warn_s : &o->crit_s) = s;
	}
	return true;
}

static const char help_answer[] =
    "status            the latest results as JSON\n"
    "metrics           the latest results as Prometheus text\n"
    "nagios [-w S] [-c S]\n"
    "                  a Nagios plugin answer, then a line exit=N; -w and\n"
    "                  -c: warning and critical above S seconds\n"
    "table             the latest results as a table\n"
    "show CHANNEL      one channel's results as JSON\n"
    "probe [CHANNEL]   start a sweep now, of CHANNEL or of all\n"
    "accept [CHANNEL]  accept what the targets present now as what they\n"
    "                  should present (trust on first use)\n"
    "help              this list\n"
    "probe and accept are answered on the Unix socket only.\n";

char *status_answer(const struct status_source *src, const char *line,
		    size_t *len)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n > STATUS_COMMAND_MAX)
		return status_text(len,
				   "error: command longer than %d "
				   "bytes\n",
				   STATUS_COMMAND_MAX);
	char cmd[STATUS_COMMAND_MAX + 1], whole[STATUS_COMMAND_MAX + 1];
	memcpy(cmd, line, n);
	cmd[n] = '\0';
	printable(whole, sizeof whole, cmd);
	char *arg = strchr(cmd, ' ');
	if (arg != NULL)
		*arg++ = '\0';
	const struct results *r = src->results ? src->results(src->arg) : NULL;
	struct report_daemon life;
	struct render_in in = {.r = r};
	if (src->daemon != NULL) {
		memset(&life, 0, sizeof life);
		src->daemon(src->arg, &life);
		in.d = &life;
	}
	char why[sizeof life.waiting + 40];
	snprintf(why, sizeof why, "%s%s%s", no_sweep,
		 in.d && in.d->waiting[0] ? ": " : "",
		 in.d ? in.d->waiting : "");

	for (size_t i = 0;
	     i < sizeof report_commands / sizeof report_commands[0]; i++) {
		if (strcmp(cmd, report_commands[i].name) != 0)
			continue;
		bool nagios = report_commands[i].render == render_nagios;
		if (arg != NULL && !nagios)
			break;
		if (arg != NULL && !nagios_args(arg, &in.nagios))
			return status_text(len, "error: usage: nagios [-w "
						"SECONDS] [-c SECONDS]\n");
		if (r != NULL || report_commands[i].without_results)
			return rendered(report_commands[i].render, &in, len);
		if (nagios)
			return status_text(len,
					   "VERIPORT UNKNOWN - %s\nexit=%d\n",
					   why, (int)RESULTS_UNKNOWN);
		return status_text(len, "error: %s\n", why);
	}
	if (strcmp(cmd, "show") == 0) {
		if (arg == NULL || *arg == '\0')
			return status_text(len, "error: usage: show "
						"CHANNEL\n");
		if (r == NULL)
			return status_text(len, "error: %s\n", why);
		return answer_show(r, arg, len);
	}
	if (strcmp(cmd, "probe") == 0)
		return answer_probe(src, arg, len);
	if (strcmp(cmd, "accept") == 0)
		return answer_accept(src, arg, len);
	if (strcmp(cmd, "help") == 0 && arg == NULL)
		return status_text(len, "%s", help_answer);
	return status_text(len, "error: unknown command '%s' (try help)\n",
			   whole);
}
