/* The probe engine: the one place that opens sockets. TCP connects and UDP
 * requests on the libuv loop, ICMP errors read from the socket's error
 * queue (IP_RECVERR / IPV6_RECVERR; no raw sockets, no root), dialogues
 * and TLS driven from here. It collects evidence and never decides a
 * verdict.
 *
 * What the engine cannot do is never a network fact: a probe's timeout
 * counts only the time the loop spent waiting for the network (not the
 * time it was busy, nor a wait for a TLS slot), a probe that finds no free
 * descriptor waits for one, and one the engine gives up on is skipped. */
#ifndef VERIPORT_PROBE_H
#define VERIPORT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "veriport/catalog.h"
#include "veriport/evidence.h"
#include "veriport/plan.h"
#include "veriport/tlsio.h"

/* One probe, connect to last byte: a few seconds is longer than any
 * healthy handshake across the Internet and short enough that a dropped
 * channel does not keep an admin waiting. */
#define PROBE_TIMEOUT_DEFAULT_MS 3000
#define PROBE_TIMEOUT_MIN_MS 50
#define PROBE_TIMEOUT_MAX_MS 300000
/* Sends of a UDP request within the timeout: three ride out one lost
 * datagram each way. */
#define PROBE_UDP_TRIES 3
/* Descriptors kept back from the in-flight limit for everything else
 * the process opens (resolver sockets, the status socket's clients, the
 * CA file, the state file). */
#define PROBE_FD_RESERVE 64
/* The largest in-flight limit (--parallel). */
#define PROBE_PARALLEL_MAX 65536
/* TLS handshakes computed at once per CPU: a handshake is CPU work on
 * both ends; more at once only makes each one slower. */
#define PROBE_TLS_PER_CPU 16
/* The longest responder token looked for. */
#define PROBE_TOKEN_MAX 64

struct probe_options {
	unsigned timeout_ms;   /* one probe's network wait; 0: the default */
	unsigned parallel;     /* probes at once; 0: probe_parallel_default() */
	unsigned tls_parallel; /* TLS handshakes at once; 0: from the CPUs */
	unsigned udp_tries;    /* sends of a UDP request; 0: the default */
	const char *snmp_community;
	struct tlsio_ctx *tls_ctx; /* trust, unless the job has its own */
	/* A `veriport respond` stands at the targets of the jobs whose
	 * evidence says responder: its token, looked for in what they send
	 * back, and its control port (0: none), asked whether our datagrams
	 * arrived. */
	const char *responder_token;
	unsigned responder_control_port;
	/* -4/-6: AF_INET or AF_INET6 to resolve and probe that family only;
	 * 0 (AF_UNSPEC): both. */
	int family;
	/* --source: every probe's socket is bound to this address (port 0)
	 * before it connects; NULL: the kernel chooses. A target of the
	 * other family is skipped (local-error), not probed. */
	const struct sockaddr_storage *source;
};

/* SS's address as text into BUF (LEN bytes) and, unless PORT is NULL,
 * its port. SS is AF_INET or AF_INET6. */
void probe_address_text(const struct sockaddr_storage *ss, char *buf,
			size_t len, unsigned *port);

/* --source ADDR: a numeric IPv4 or IPv6 address of this host (a socket
 * binds to it). Returns 0, or a negative errno with ERR saying why. */
int probe_parse_source(const char *arg, struct sockaddr_storage *out, char *err,
		       size_t errlen);

/* The in-flight limit that fits this process's descriptor limit. */
unsigned probe_parallel_default(void);

/* One probe of one channel at one address. The caller fills channel,
 * host and addr, and starts ev with evidence_init() (and any lines of its
 * own, such as the DNS answer); the engine adds what the probe saw. */
struct probe_job {
	const struct catalog_channel *channel;
	const char *host;
	uint16_t port;                /* the port to probe */
	struct sockaddr_storage addr; /* the engine sets the port */
	char address[46];             /* addr as text, for reports */
	struct tlsio_ctx *tls_ctx;    /* this target's trust, or NULL */
	/* A TCP channel probed through an HTTP proxy: ADDR is the proxy's
	 * (the engine sets its port), HOST and PORT go into the CONNECT.
	 * NULL: probed directly. */
	const struct plan_proxy *proxy;
	struct evidence ev;
	struct probe_state *state; /* engine-private while running */
	struct probe_job *next;    /* engine-private queue link */
	uint64_t seq;              /* engine-private: submission order */
};

typedef void (*probe_done_cb)(struct probe_job *job, void *arg);

struct probe_engine;

struct probe_engine *probe_engine_new(uv_loop_t *loop,
				      const struct probe_options *o,
				      probe_done_cb done, void *arg);
/* Queue JOB; it starts when a slot is free. DONE runs once per job, on
 * the loop, after all of the job's handles closed. */
void probe_submit(struct probe_engine *e, struct probe_job *job);
/* End every queued and running probe now: the sweep deadline passed, and
 * their evidence says they were not finished (skipped, reason deadline).
 * DONE still runs for each. */
void probe_cancel_all(struct probe_engine *e);
/* Close the engine's own handles; CLOSED runs when they have closed and
 * the engine is freed. Only when no job is queued or running. */
void probe_engine_close(struct probe_engine *e, void (*closed)(void *arg),
			void *arg);

#endif
