/* Allocation that cannot fail, and the one abort for "cannot happen".
 * Running out of memory or breaking an invariant ends the program with a
 * message naming the function; callers never check for NULL. */
#ifndef VERIPORT_XALLOC_H
#define VERIPORT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

_Noreturn void fatalx_at(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define fatalx(...) fatalx_at(__func__, __VA_ARGS__)

#endif
