/* Reading a small file whole, with a bound. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/textfile.h"
#include "veriport/xalloc.h"

int textfile_read(const char *path, size_t max, char **text, size_t *len,
		  char *err, size_t errlen)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int e = 0;
	if (fd < 0)
		e = errno;
	else if (fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	if (e != 0) {
		snprintf(err, errlen, "%s: %s", path,
			 e == EINVAL ? "not a regular file" : strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	char *buf = xmalloc(max + 2);
	size_t n = 0;
	while (n <= max) {
		ssize_t got = read(fd, buf + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			close(fd);
			free(buf);
			return -e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}
