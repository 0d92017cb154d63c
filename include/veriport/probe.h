/* The probe engine: the one place that opens sockets. TCP connects and UDP
 * requests on the libuv loop, every probe bounded by a timer, ICMP errors
 * read from the socket's error queue (IP_RECVERR / IPV6_RECVERR; no raw
 * sockets, no root), dialogues driven from here. It collects evidence and
 * never decides a verdict. */
#ifndef VERIPORT_PROBE_H
#define VERIPORT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "veriport/catalog.h"
#include "veriport/evidence.h"
#include "veriport/tlsio.h"

struct probe_options {
	unsigned timeout_ms;   /* one probe, connect to last byte */
	unsigned max_inflight; /* probes running at once */
	unsigned udp_tries;    /* sends of a UDP request within timeout_ms */
	const char *snmp_community;
	struct tlsio_ctx *tls_ctx; /* trust for every TLS handshake */
};

/* One probe of one channel at one address. The caller fills channel,
 * host and addr, and starts ev with evidence_init() (and any lines of its
 * own, such as the DNS answer); the engine adds what the probe saw. */
struct probe_job {
	const struct catalog_channel *channel;
	const char *host;
	struct sockaddr_storage addr; /* the engine sets the port */
	char address[46];             /* addr as text, for reports */
	struct evidence ev;
	struct probe_state *state; /* engine-private while running */
	struct probe_job *next;    /* engine-private queue link */
};

typedef void (*probe_done_cb)(struct probe_job *job, void *arg);

struct probe_engine;

struct probe_engine *probe_engine_new(uv_loop_t *loop,
				      const struct probe_options *o,
				      probe_done_cb done, void *arg);
/* Queue JOB; it starts when fewer than max_inflight probes run. DONE runs
 * once per job, on the loop, after all of the job's handles closed. */
void probe_submit(struct probe_engine *e, struct probe_job *job);
/* End every queued and running probe now (their evidence says the sweep
 * deadline cut them short); DONE still runs for each. */
void probe_cancel_all(struct probe_engine *e);
/* Free the engine; only when no job is queued or running. */
void probe_engine_free(struct probe_engine *e);

/* Is something on this host bound to the channel's port (a listening TCP
 * socket, a bound UDP socket)? Reads /proc/net; fills EV. */
void probe_listener(const struct catalog_channel *ch, struct evidence *ev);

#endif
