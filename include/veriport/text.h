/* Text a peer sent, made safe for every place it goes: a terminal, JSON
 * (valid UTF-8), a Nagios line, a log. Bytes in, safe text out; no I/O.
 * Peer text is escaped once, where it is captured, so every output can
 * print evidence as it is. */
#ifndef VERIPORT_TEXT_H
#define VERIPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Append the N bytes at SRC to the string DST (of SIZE bytes). Printable
 * ASCII and well-formed UTF-8 of printable characters are kept, a
 * backslash is doubled, every other byte (controls, DEL, C1 controls,
 * bidirectional and zero-width format characters, invalid UTF-8, NUL)
 * becomes \xNN. What does not fit is cut at a character boundary and the
 * text ends in "...", so a cut text always says so. */
void text_append(char *dst, size_t size, const void *src, size_t n);
/* As text_append() into DST emptied first. */
void text_copy(char *dst, size_t size, const void *src, size_t n);
/* Append printf output (of our own words and safe text) to DST, cut to
 * fit. */
void text_appendf(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True when S holds only what text_append() keeps as it is: safe on a
 * terminal and valid UTF-8. */
bool text_is_safe(const char *s);

#endif
