/* What every dialogue uses to read and judge its peer's bytes: the
 * bounded line reader, input and output buffers, the ways an exchange
 * fails with its evidence text, and small tests on peer text (dlg_impl.h).
 * No I/O here. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dlg_impl.h"
#include "veriport/xalloc.h"

enum dlg_line dlg_line_take(struct dlg *d, char *line, size_t max, size_t *len)
{
	size_t look = d->inlen < max ? d->inlen : max;
	const uint8_t *lf = memchr(d->in, '\n', look);
	if (!lf)
		return d->inlen >= max ? DLG_LINE_TOO_LONG : DLG_LINE_PARTIAL;
	size_t n = (size_t)(lf - d->in);
	size_t take = n + 1;
	if (n > 0 && d->in[n - 1] == '\r')
		n--;
	/* n <= max - 1: the LF is within the first max bytes. */
	memcpy(line, d->in, n);
	line[n] = '\0';
	*len = n;
	dlg_consume(d, take);
	return DLG_LINE_OK;
}

void dlg_consume(struct dlg *d, size_t n)
{
	if (n > d->inlen)
		fatalx("consuming %zu of %zu bytes", n, d->inlen);
	memmove(d->in, d->in + n, d->inlen - n);
	d->inlen -= n;
}

void dlg_queue(struct dlg *d, const void *p, size_t n)
{
	if (n > DLG_OUT_MAX - d->outlen)
		fatalx("%zu bytes do not fit in the output", n);
	memcpy(d->out + d->outlen, p, n);
	d->outlen += n;
}

enum dlg_step dlg_fail(struct dlg *d, enum dlg_failure why)
{
	d->failure = why;
	return DLG_FAIL;
}

enum dlg_step dlg_fail_text(struct dlg *d, enum dlg_failure why,
			    const char *prefix, const void *p, size_t n)
{
	snprintf(d->detail, sizeof d->detail, "%s", prefix);
	text_append(d->detail, sizeof d->detail, p, n);
	return dlg_fail(d, why);
}

enum dlg_step dlg_fail_too_long(struct dlg *d, size_t max)
{
	char prefix[48];
	snprintf(prefix, sizeof prefix, "no line end in %zu bytes: ", max);
	return dlg_fail_text(d, DLG_FAIL_TOO_LONG, prefix, d->in,
			     d->inlen < DLG_QUOTE_MAX ? d->inlen
						      : DLG_QUOTE_MAX);
}

enum dlg_host_kind dlg_host_kind(const char *host)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, host, addr) == 1)
		return DLG_HOST_IPV4;
	if (inet_pton(AF_INET6, host, addr) == 1)
		return DLG_HOST_IPV6;
	size_t n = strlen(host);
	if (n == 0 || n > DLG_HOST_MAX)
		return DLG_HOST_BAD;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
		    host[i] != '.' && host[i] != '_')
			return DLG_HOST_BAD;
	return DLG_HOST_NAME;
}

bool dlg_word_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

bool dlg_has_control(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\r')
			return true;
	return false;
}

bool dlg_may_start(const void *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return memcmp(p, prefix, n < k ? n : k) == 0;
}
