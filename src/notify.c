/* The service manager's notify protocol, without libsystemd. Reads only
 * the environment systemd sets; keeps no state between calls. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/notify.h"

int notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	if (name == NULL)
		return 0;
	if (name[0] != '/' && name[0] != '@')
		return -EAFNOSUPPORT;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	/* A path keeps room for its NUL; an abstract name has none, the
	 * address length says where it ends (unix(7)). */
	bool path = name[0] == '/';
	size_t n = strlen(name);
	if (n > sizeof addr.sun_path - path)
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, name, n);
	if (!path)
		addr.sun_path[0] = '\0';
	socklen_t len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A datagram goes whole or not at all. */
	ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			      (const struct sockaddr *)&addr, len);
	int rc = sent < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* S is a decimal number of 64 bits: digits only, no sign, no space. */
static bool decimal(const char *s, uint64_t *out)
{
	if (s == NULL || *s == '\0')
		return false;
	uint64_t v = 0;
	for (; *s != '\0'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (digit > 9 || v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec, pid;
	/* systemd's "infinity" is UINT64_MAX: no period, as 0 is. */
	if (!decimal(getenv("WATCHDOG_USEC"), &usec) || usec == 0 ||
	    usec == UINT64_MAX)
		return 0;
	/* Set for the service's main process: a child of it that inherited
	 * the variables is not the one watched. */
	const char *p = getenv("WATCHDOG_PID");
	if (p != NULL && (!decimal(p, &pid) || pid != (uint64_t)getpid()))
		return 0;
	return usec;
}
