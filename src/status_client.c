/* The status socket's client side, for `veriport status`: one command
 * out, the whole answer back, bounded in time and size. Blocking I/O is
 * right here: the client does nothing else meanwhile. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/status.h"
#include "veriport/xalloc.h"

/* `status`: how long the client waits for the daemon, well inside the
 * timeout Nagios gives a plugin; and the largest answer it takes, far
 * above the JSON of any catalog, so a confused peer costs bounded memory. */
#define ASK_TIMEOUT_S 10
#define ASK_ANSWER_MAX (64u << 20)

int status_ask(const char *path, const char *command, char **answer,
	       size_t *len, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", path, strerror(errno));
		return -1;
	}
	/* SO_SNDTIMEO bounds connect() too, when the daemon's backlog is
	 * full: it then fails with EINPROGRESS (socket(7)). */
	struct timeval tv = {.tv_sec = ASK_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	char *line = xasprintf("%s\n", command);
	size_t sent = 0, n = strlen(line), cap = 0;
	char *buf = NULL;
	*len = 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		goto fail;
	/* A daemon past its client limit answers one line and closes
	 * without reading: our send may then fail, but its answer is there
	 * to read. */
	while (sent < n) {
		ssize_t w = send(fd, line + sent, n - sent, MSG_NOSIGNAL);
		if (w < 0 && errno == EPIPE)
			break;
		if (w < 0 && errno != EINTR)
			goto fail;
		sent += w > 0 ? (size_t)w : 0;
	}
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t r = recv(fd, buf + *len, cap - *len - 1, 0);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		/* ... and the kernel reports the unread command as a reset
		 * once its answer has been read. */
		if (r < 0 && errno == ECONNRESET && *len > 0)
			break;
		if (r < 0)
			goto fail;
		*len += (size_t)r;
		if (*len > ASK_ANSWER_MAX) {
			snprintf(err, errlen,
				 "%s: an answer longer than %u "
				 "bytes",
				 path, ASK_ANSWER_MAX);
			goto out;
		}
	}
	buf[*len] = '\0';
	close(fd);
	free(line);
	*answer = buf;
	return 0;
fail:
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS)
		snprintf(err, errlen, "%s: no answer within %d s", path,
			 ASK_TIMEOUT_S);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
out:
	close(fd);
	free(line);
	free(buf);
	return -1;
}
