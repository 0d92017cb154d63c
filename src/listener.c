/* The listener check (listener.h): /proc/net/{tcp,udp}[6] list the sockets
 * of this host's network namespace. A port bound only to a loopback
 * address (Debian's postfix binds 127.0.0.1 by default) is there, but no
 * remote source can reach it. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "veriport/listener.h"

/* What the tables say of one port. */
struct bound {
	bool any;    /* some socket is bound to it */
	bool remote; /* one of them to a non-loopback address */
	char address[INET6_ADDRSTRLEN]; /* the first loopback address seen */
};

/* The address column: 8 hex digits (IPv4) or 32 (IPv6), each 32-bit word
 * printed in host order. */
static bool parse_address(const char *hex, char *text, size_t len,
			  bool *loopback)
{
	if (strlen(hex) == 8) {
		struct in_addr a;
		unsigned v;
		if (sscanf(hex, "%8x", &v) != 1)
			return false;
		a.s_addr = v;
		*loopback = (ntohl(a.s_addr) >> 24) == 127;
		return inet_ntop(AF_INET, &a, text, (socklen_t)len) != NULL;
	}
	if (strlen(hex) != 32)
		return false;
	struct in6_addr a6;
	for (int i = 0; i < 4; i++) {
		unsigned w;
		if (sscanf(hex + 8 * i, "%8x", &w) != 1)
			return false;
		memcpy(&a6.s6_addr[4 * i], &w, 4);
	}
	*loopback = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return inet_ntop(AF_INET6, &a6, text, (socklen_t)len) != NULL;
}

/* /proc/net/{tcp,udp}[6] states (include/net/tcp_states.h): 0A is
 * TCP_LISTEN; a bound, unconnected UDP socket shows 07 (TCP_CLOSE). */
static void scan(const char *path, unsigned port, const char *state,
		 struct bound *b)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	char line[512];
	if (fgets(line, sizeof line, f) == NULL) { /* header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char local[40], st[8], text[INET6_ADDRSTRLEN];
		unsigned lport;
		bool loopback;
		if (sscanf(line, "%*d: %39[0-9A-Fa-f]:%x %*s %7s", local,
			   &lport, st) != 3 ||
		    lport != port || strcmp(st, state) != 0 ||
		    !parse_address(local, text, sizeof text, &loopback))
			continue;
		b->any = true;
		if (!loopback)
			b->remote = true;
		else if (b->address[0] == '\0')
			snprintf(b->address, sizeof b->address, "%s", text);
	}
	fclose(f);
}

void listener_check(const struct catalog_channel *ch, struct evidence *ev)
{
	evidence_init(ev, ch->transport, ch->check);
	ev->listener_check = true;
	bool tcp = ch->transport == CATALOG_TCP;
	const char *state = tcp ? "0A" : "07";
	struct bound b = {0};
	scan(tcp ? "/proc/net/tcp" : "/proc/net/udp", ch->port, state, &b);
	scan(tcp ? "/proc/net/tcp6" : "/proc/net/udp6", ch->port, state, &b);
	ev->listening = b.remote;
	ev->loopback_only = b.any && !b.remote;
	const char *proto = catalog_transport_name(ch->transport);
	if (b.remote)
		evidence_add(ev, "%s port %u on this host: a socket is bound",
			     proto, ch->port);
	else if (b.any)
		evidence_add(ev,
			     "%s port %u on this host: bound to %s only; a "
			     "remote source cannot reach it (bind the "
			     "service to an address of the network)",
			     proto, ch->port, b.address);
	else
		evidence_add(ev,
			     "%s port %u on this host: nothing is bound (the "
			     "service is not running here)",
			     proto, ch->port);
}
