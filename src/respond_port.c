/* The responder's listening sockets: one per address for each port, made
 * with plain socket(2) so a port that is taken or privileged is known at
 * once and said in words (who holds it, from /proc), then handed to
 * libuv. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "respond_impl.h"
#include "veriport/text.h"

/* A listening socket's backlog: the hostile tests open hundreds at once;
 * the kernel caps it at somaxconn. */
#define RESPOND_BACKLOG 511

/* The socket inode of a TRANSPORT/PORT bound socket, from /proc/net. */
static unsigned long bound_inode(enum catalog_transport transport,
				 uint16_t port)
{
	static const char *const tcp[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	static const char *const udp[] = {"/proc/net/udp", "/proc/net/udp6"};
	const char *const *paths = transport == CATALOG_TCP ? tcp : udp;
	/* include/net/tcp_states.h: 0A is LISTEN; a bound UDP socket is 07. */
	const char *state = transport == CATALOG_TCP ? "0A" : "07";
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(paths[i], "re");
		if (f == NULL)
			continue;
		char line[512];
		unsigned long inode = 0;
		if (fgets(line, sizeof line, f) != NULL)
			while (inode == 0 && fgets(line, sizeof line, f)) {
				unsigned lport;
				char st[8];
				unsigned long ino;
				if (sscanf(line,
					   "%*d: %*[0-9A-Fa-f]:%x %*s %7s %*s "
					   "%*s %*s %*s %*s %lu",
					   &lport, st, &ino) == 3 &&
				    lport == port && strcmp(st, state) == 0)
					inode = ino;
			}
		fclose(f);
		if (inode != 0)
			return inode;
	}
	return 0;
}

/* The process with a descriptor on socket INODE: its pid, or 0. */
static long inode_pid(unsigned long inode, char *comm, size_t commlen)
{
	char want[48];
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	DIR *proc = opendir("/proc");
	if (proc == NULL)
		return 0;
	long found = 0;
	struct dirent *e;
	while (found == 0 && (e = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300];
		snprintf(path, sizeof path, "/proc/%s/fd", e->d_name);
		DIR *fds = opendir(path);
		if (fds == NULL)
			continue;
		struct dirent *fd;
		while (found == 0 && (fd = readdir(fds)) != NULL) {
			char link[600], target[64];
			snprintf(link, sizeof link, "%s/%s", path, fd->d_name);
			ssize_t n = readlink(link, target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, want) == 0)
				found = strtol(e->d_name, NULL, 10);
		}
		closedir(fds);
	}
	closedir(proc);
	if (found != 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/comm", found);
		FILE *f = fopen(path, "re");
		comm[0] = '\0';
		if (f != NULL) {
			char raw[64] = "";
			if (fgets(raw, sizeof raw, f) != NULL) {
				raw[strcspn(raw, "\n")] = '\0';
				text_append(comm, commlen, raw, strlen(raw));
			}
			fclose(f);
		}
	}
	return found;
}

void respond_port_holder(enum catalog_transport transport, uint16_t port,
			 char *buf, size_t len)
{
	buf[0] = '\0';
	unsigned long inode = bound_inode(transport, port);
	if (inode == 0)
		return;
	char comm[64] = "";
	long pid = inode_pid(inode, comm, sizeof comm);
	if (pid > 0)
		snprintf(buf, len, "%s (pid %ld)", comm[0] ? comm : "?", pid);
	else
		snprintf(buf, len, "a process this user cannot see");
}

/* A bound, listening (TCP) socket for ADDR:PORT, or a negative errno. */
static int open_socket(enum catalog_transport transport, const char *addr,
		       uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		sl = sizeof *in4;
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		sl = sizeof *in6;
	} else {
		return -EINVAL;
	}
	int type = transport == CATALOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	/* 0.0.0.0 and :: side by side: the v6 socket takes v6 only. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (transport == CATALOG_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    (transport == CATALOG_TCP && listen(fd, RESPOND_BACKLOG) != 0)) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void port_error(struct respond_port *p, const char *addr, int e)
{
	char why[128];
	const char *proto = catalog_transport_name(p->transport);
	if (e == EADDRINUSE) {
		char holder[96];
		respond_port_holder(p->transport, p->port, holder,
				    sizeof holder);
		if (holder[0] != '\0')
			snprintf(why, sizeof why, "port %u is taken by %s",
				 p->port, holder);
		else
			snprintf(why, sizeof why, "port %u is taken", p->port);
	} else if (e == EACCES || e == EPERM) {
		snprintf(why, sizeof why,
			 "port %u needs root or CAP_NET_BIND_SERVICE", p->port);
	} else if (e == EADDRNOTAVAIL) {
		snprintf(why, sizeof why, "%s is not an address of this host",
			 addr);
	} else {
		snprintf(why, sizeof why, "%s/%u on %s: %s", proto, p->port,
			 addr, strerror(e));
	}
	if (strstr(p->status, why) == NULL) {
		if (p->status[0] != '\0')
			text_appendf(p->status, sizeof p->status, "; ");
		text_appendf(p->status, sizeof p->status, "%s", why);
	}
	if (p->rs->o->err != NULL)
		fprintf(p->rs->o->err, "veriport respond: %s/%u on %s: %s\n",
			proto, p->port, addr, why);
}

/* Datagrams are handled as they come, one at a time: one buffer does,
 * the size of the largest datagram a check sends and then some. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char dgram[2048];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(dgram, sizeof dgram);
}

void respond_port_open(struct respond *rs, struct respond_port *p,
		       const char *const *binds, size_t nbinds,
		       bool explicit_binds)
{
	p->rs = rs;
	char where[128] = "";
	for (size_t i = 0; i < nbinds && p->nsockets < RESPOND_BINDS_MAX; i++) {
		int fd = open_socket(p->transport, binds[i], p->port);
		/* A host without IPv6 cannot take the default ::. */
		if (fd == -EAFNOSUPPORT && !explicit_binds)
			continue;
		if (fd < 0) {
			port_error(p, binds[i], -fd);
			continue;
		}
		unsigned k = p->nsockets;
		int rc;
		if (p->transport == CATALOG_TCP) {
			uv_tcp_init(rs->loop, &p->sock[k].tcp);
			rc = uv_tcp_open(&p->sock[k].tcp, fd);
			if (rc == 0)
				rc = uv_listen((uv_stream_t *)&p->sock[k].tcp,
					       RESPOND_BACKLOG,
					       respond_on_connection);
		} else {
			uv_udp_init(rs->loop, &p->sock[k].udp);
			rc = uv_udp_open(&p->sock[k].udp, fd);
			if (rc == 0)
				rc =
				    uv_udp_recv_start(&p->sock[k].udp, on_alloc,
						      respond_on_datagram);
		}
		p->sock[k].handle.data = p;
		p->nsockets++;
		if (rc < 0) {
			port_error(p, binds[i], -rc);
			continue;
		}
		p->nopen++;
		if (where[0] != '\0')
			text_appendf(where, sizeof where, ", ");
		text_appendf(where, sizeof where, "%s", binds[i]);
	}
	if (where[0] != '\0') {
		char err[160];
		snprintf(err, sizeof err, "%s", p->status);
		snprintf(p->status, sizeof p->status, "listening on %s", where);
		if (err[0] != '\0')
			text_appendf(p->status, sizeof p->status, " (%s)", err);
	}
}

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

void respond_port_close(struct respond_port *p)
{
	for (unsigned i = 0; i < p->nsockets; i++)
		if (!uv_is_closing(&p->sock[i].handle))
			uv_close(&p->sock[i].handle, on_closed);
	respond_conns_close(p);
}
