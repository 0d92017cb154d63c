/* The status socket's listening sockets: the Unix socket (a stale one left
 * by a dead daemon replaced, a live one never), the optional TCP listener,
 * and the one grammar of its address. Plain descriptors: status.c hands
 * them to libuv. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "status_impl.h"

/* bind() said the path is taken. A socket nobody answers on was left by a
 * daemon that died: remove it. One a daemon answers on (or whose backlog
 * is full: EAGAIN) is in use; anything but a socket is not ours. */
static int unix_remove_stale(const struct sockaddr_un *sun, char *err,
			     size_t errlen)
{
	const char *path = sun->sun_path;
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: socket: %s", path, strerror(e));
		return -e;
	}
	int rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	int e = rc == 0 ? 0 : errno;
	close(fd);
	if (e == 0 || e == EAGAIN) {
		snprintf(err, errlen,
			 "%s: in use: another veriportd answers on it", path);
		return -EADDRINUSE;
	}
	if (e == ECONNREFUSED) {
		if (unlink(path) != 0 && errno != ENOENT) {
			e = errno;
			snprintf(err, errlen, "%s: removing a stale socket: %s",
				 path, strerror(e));
			return -e;
		}
		return 0;
	}
	if (e == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

/* The socket is bound, given its mode, then listens: no client can
 * connect before the mode is right. MODE 0 leaves what the umask gave. */
int status_listen_unix(const char *path, mode_t mode, int *out, char *err,
		       size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen,
			 "%s: longer than the %zu bytes of a "
			 "socket path",
			 path, sizeof sun.sun_path - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: socket: %s", path, strerror(e));
		return -e;
	}
	int rc = 0;
	for (int tries = 0;; tries++) {
		if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		int e = errno;
		if (e != EADDRINUSE || tries > 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			rc = -e;
			goto fail;
		}
		rc = unix_remove_stale(&sun, err, errlen);
		if (rc < 0)
			goto fail;
	}
	if (mode != 0 && chmod(path, mode) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(e));
		rc = -e;
		unlink(path);
		goto fail;
	}
	if (listen(fd, STATUS_BACKLOG) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s: listen: %s", path, strerror(e));
		rc = -e;
		unlink(path);
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

/* "127.0.0.1:9797" or "[::1]:9797": numeric addresses only, since the
 * listener is bound once, at start, before anything resolves names. */
int status_listen_parse(const char *spec, struct sockaddr_storage *ss)
{
	char host[64];
	const char *port;
	bool v6 = spec[0] == '[';
	if (v6) {
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':' ||
		    (size_t)(end - spec - 1) >= sizeof host)
			return -EINVAL;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
			return -EINVAL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof *ss);
	if (v6 ? uv_ip6_addr(host, atoi(port), (struct sockaddr_in6 *)ss)
	       : uv_ip4_addr(host, atoi(port), (struct sockaddr_in *)ss))
		return -EINVAL;
	return 0;
}

int status_listen_tcp(const char *spec, int *out, int *port, char *err,
		      size_t errlen)
{
	struct sockaddr_storage ss;
	if (status_listen_parse(spec, &ss) < 0) {
		snprintf(err, errlen,
			 "listen %s: expected ADDRESS:PORT with a numeric "
			 "address (127.0.0.1:9797, [::1]:9797)",
			 spec);
		return -EINVAL;
	}
	int fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "listen %s: socket: %s", spec,
			 strerror(e));
		return -e;
	}
	int on = 1;
	/* A restart must not wait for the last connections' TIME_WAIT;
	 * an IPv6 address means IPv6 only, as written. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	socklen_t len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, STATUS_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		int e = errno;
		snprintf(err, errlen, "listen %s: %s", spec, strerror(e));
		close(fd);
		return -e;
	}
	*port = ntohs(ss.ss_family == AF_INET6
			  ? ((struct sockaddr_in6 *)&ss)->sin6_port
			  : ((struct sockaddr_in *)&ss)->sin_port);
	*out = fd;
	return 0;
}
