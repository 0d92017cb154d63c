/* Reading a small file whole, with a bound: catalogs, the configuration,
 * the interceptors list, the daemon's state. */
#ifndef VERIPORT_TEXTFILE_H
#define VERIPORT_TEXTFILE_H

#include <stddef.h>

/* Read at most MAX + 1 bytes of PATH into *TEXT (malloc'd, NUL-terminated;
 * *LEN bytes), so a caller tells a file over MAX from one at MAX without
 * reading all of it. Returns 0, or a negative errno (-ENOENT for a missing
 * file, -EINVAL for a path that is not a regular file) with ERR
 * "PATH: reason". */
int textfile_read(const char *path, size_t max, char **text, size_t *len,
		  char *err, size_t errlen);

#endif
