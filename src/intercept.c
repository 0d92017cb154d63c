/* Known interception products: parse catalogs/interceptors.list and match
 * certificate names and greetings against it. The file is read once;
 * matching does no I/O. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "veriport/intercept.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

/* The list is a small text file; a larger one is a mistake. */
#define INTERCEPT_FILE_MAX (256 * 1024)
#define INTERCEPT_LINE_MAX 512

enum intercept_kind { INTERCEPT_ISSUER, INTERCEPT_GREETING };

struct intercept_entry {
	enum intercept_kind kind;
	char *pattern;
	char *product;
};

struct intercept_list {
	struct intercept_entry *entries;
	size_t n;
};

__attribute__((format(printf, 4, 5))) static int
fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	int n = snprintf(err, errlen, "%u: ", line);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_line(struct intercept_list *l, char *line, unsigned lineno,
		      char *err, size_t errlen)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	size_t kw = strcspn(s, " \t");
	enum intercept_kind kind;
	if (kw == 6 && strncmp(s, "issuer", 6) == 0)
		kind = INTERCEPT_ISSUER;
	else if (kw == 8 && strncmp(s, "greeting", 8) == 0)
		kind = INTERCEPT_GREETING;
	else
		return fail(err, errlen, lineno,
			    "expected 'issuer' or 'greeting' at the start of "
			    "the line");
	char *rest = s + kw;
	char *sep = strstr(rest, " -- ");
	if (sep == NULL)
		return fail(err, errlen, lineno,
			    "expected 'KIND PATTERN -- PRODUCT'");
	*sep = '\0';
	char *pattern = trim(rest), *product = trim(sep + 4);
	if (*pattern == '\0' || *product == '\0')
		return fail(err, errlen, lineno,
			    "expected a pattern and a product name around "
			    "' -- '");
	if (l->n == INTERCEPT_ENTRIES_MAX)
		return fail(err, errlen, lineno, "more than %d entries",
			    INTERCEPT_ENTRIES_MAX);
	l->entries[l->n++] =
	    (struct intercept_entry){kind, xstrdup(pattern), xstrdup(product)};
	return 0;
}

int intercept_parse(const char *name, const char *text, size_t len,
		    struct intercept_list **out, char *err, size_t errlen)
{
	*out = NULL;
	char msg[256];
	struct intercept_list *l = xcalloc(1, sizeof *l);
	l->entries = xcalloc(INTERCEPT_ENTRIES_MAX, sizeof *l->entries);
	unsigned lineno = 0;
	int rc = 0;
	size_t pos = 0;
	if (len > INTERCEPT_FILE_MAX)
		rc = fail(msg, sizeof msg, 0, "larger than %d bytes",
			  INTERCEPT_FILE_MAX);
	while (rc == 0 && pos < len) {
		lineno++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[INTERCEPT_LINE_MAX + 1];
		if (n > INTERCEPT_LINE_MAX)
			rc = fail(msg, sizeof msg, lineno,
				  "line longer than %d bytes",
				  INTERCEPT_LINE_MAX);
		else if (memchr(text + pos, '\0', n) != NULL)
			rc = fail(msg, sizeof msg, lineno, "NUL byte");
		if (rc == 0) {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			rc = parse_line(l, line, lineno, msg, sizeof msg);
		}
		pos += n + (nl != NULL);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%s", name, msg);
		intercept_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int intercept_load(const char *path, struct intercept_list **out, char *err,
		   size_t errlen)
{
	*out = NULL;
	char *text;
	size_t len;
	int rc =
	    textfile_read(path, INTERCEPT_FILE_MAX, &text, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = intercept_parse(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

void intercept_free(struct intercept_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->entries[i].pattern);
		free(l->entries[i].product);
	}
	free(l->entries);
	free(l);
}

static const char *match(const struct intercept_list *l,
			 enum intercept_kind kind, const char *text)
{
	if (l == NULL || text == NULL || *text == '\0')
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (l->entries[i].kind == kind &&
		    strcasestr(text, l->entries[i].pattern) != NULL)
			return l->entries[i].product;
	return NULL;
}

const char *intercept_match_chain(const struct intercept_list *l,
				  const struct tlsio_facts *f)
{
	const char *p = match(l, INTERCEPT_ISSUER, f->issuer);
	if (p == NULL)
		p = match(l, INTERCEPT_ISSUER, f->subject);
	for (size_t i = 0; p == NULL && i < f->nchain; i++) {
		p = match(l, INTERCEPT_ISSUER, f->chain[i].issuer);
		if (p == NULL)
			p = match(l, INTERCEPT_ISSUER, f->chain[i].subject);
	}
	return p;
}

const char *intercept_match_greeting(const struct intercept_list *l,
				     const char *greeting)
{
	return match(l, INTERCEPT_GREETING, greeting);
}
