/* Escaping peer text (see text.h). UTF-8 is decoded by hand (RFC 3629 §3:
 * no overlong forms, no surrogates, nothing past U+10FFFF) because the
 * point is to judge bytes that may be anything. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "veriport/text.h"

/* Code points a terminal or a reader could be fooled by: C1 controls,
 * zero-width and bidirectional format characters (Unicode TR #9: the
 * embeddings, overrides and isolates), line and paragraph separators,
 * the byte-order mark. */
static bool unsafe_code_point(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x2069) || c == 0xfeff ||
	       (c >= 0xfff9 && c <= 0xfffb);
}

/* Length of the well-formed, safe UTF-8 character at P (N bytes left), or
 * 0 when the byte at P must be escaped. */
static size_t safe_char(const uint8_t *p, size_t n)
{
	uint32_t c;
	size_t len;
	if (p[0] < 0x80) {
		if (p[0] == '\\')
			return 0;
		return unsafe_code_point(p[0]) ? 0 : 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return unsafe_code_point(c) ? 0 : len;
}

/* The text for the character at P: either the bytes themselves (*LEN of
 * them, returned as P) or their escape written to PIECE. */
static const char *piece_at(const uint8_t *p, size_t n, size_t *take,
			    char piece[5], size_t *len)
{
	size_t k = safe_char(p, n);
	if (k > 0) {
		*take = *len = k;
		return (const char *)p;
	}
	*take = 1;
	if (p[0] == '\\') {
		memcpy(piece, "\\\\", 2);
		*len = 2;
	} else {
		snprintf(piece, 5, "\\x%02x", p[0]);
		*len = 4;
	}
	return piece;
}

/* A text cut once stays cut: what came after the cut would read as if it
 * followed the part that was kept. A cut leaves less than a piece and
 * "..." of room. */
static bool already_cut(const char *dst, size_t at, size_t size)
{
	return at + 8 >= size && at >= 3 && memcmp(dst + at - 3, "...", 3) == 0;
}

void text_append(char *dst, size_t size, const void *src, size_t n)
{
	if (size == 0)
		return;
	const uint8_t *b = src;
	size_t at = strnlen(dst, size - 1);
	if (already_cut(dst, at, size))
		return;
	size_t total = 0, take, len;
	char piece[5];
	for (size_t i = 0; i < n; i += take) {
		piece_at(b + i, n - i, &take, piece, &len);
		total += len;
	}
	bool cut = at + total >= size;
	for (size_t i = 0; i < n; i += take) {
		const char *s = piece_at(b + i, n - i, &take, piece, &len);
		/* Keep room for "..." when it will not all fit. */
		if (cut && at + len + 3 >= size) {
			if (at + 3 < size) {
				memcpy(dst + at, "...", 3);
				at += 3;
			}
			break;
		}
		memcpy(dst + at, s, len);
		at += len;
	}
	dst[at < size ? at : size - 1] = '\0';
}

void text_copy(char *dst, size_t size, const void *src, size_t n)
{
	if (size == 0)
		return;
	dst[0] = '\0';
	text_append(dst, size, src, n);
}

void text_appendf(char *dst, size_t size, const char *fmt, ...)
{
	size_t at = strnlen(dst, size);
	if (at + 1 >= size || already_cut(dst, at, size))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst + at, size - at, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= size - at && size >= 4) {
		/* Cut where a character starts, never inside a UTF-8 one. */
		size_t cut = size - 4;
		while (cut > at && ((uint8_t)dst[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(dst + cut, "...", 4);
	}
}

bool text_is_safe(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		size_t k = safe_char(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}
