/* What the engine's parts share: the engine (probe.c: queue, slots, the
 * probe's clock, the ICMP error queue), streams (probe_tcp.c: connect,
 * dialogue, TLS) and datagrams (probe_udp.c). Private to them. */
#ifndef VERIPORT_PROBE_IMPL_H
#define VERIPORT_PROBE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "veriport/dlg.h"
#include "veriport/probe.h"
#include "veriport/tlsio.h"

/* One read: a UDP datagram can be 64 KiB (a CLDAP rootDSE with many
 * attributes is legitimately large); stream reads are copied into the
 * dialogue or the TLS layer at once, so one buffer serves every probe. */
#define PROBE_READ_MAX 65536

struct probe_state {
	struct probe_engine *engine;
	struct probe_job *job;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_udp_t udp;
	} sock;
	bool sock_open;
	uv_timer_t timer;
	uv_connect_t connect_req;
	unsigned open_handles;
	bool finished;
	size_t active_at; /* index in engine->active */

	/* The probe's clock: the engine's listening time since it started
	 * (probe_listened_ns), less the time it waited for a TLS slot. */
	uint64_t started_ns;
	uint64_t idle_at_start_ns;
	uint64_t paused_ns;
	uint64_t pause_began_ns;

	/* TLS: a slot held while the handshake computes, or a place in the
	 * queue for one. */
	bool tls_slot;
	bool tls_waiting;
	uint64_t held_began_ns; /* uv_hrtime() when the wait began */
	uint64_t slot_began_ns; /* and when the slot came */
	struct probe_state *tls_next, *tls_prev;
	/* Connected, and not yet holding a TLS slot: counted in the
	 * engine's tls_connected. */
	bool tls_connected;
	void (*tls_start)(struct probe_state *s);
	struct tlsio *tls;      /* once TLS started on the stream */
	size_t sent_before_tls; /* the flow's bytes when TLS began */
	bool tls_handshaking;

	/* A stalled TLS handshake tried again with a small MSS: the first
	 * attempt's evidence, kept while the second runs. */
	struct evidence *first;
	unsigned mss;

	/* The responder's token may straddle two reads: the last bytes of
	 * the one before. */
	uint8_t token_tail[PROBE_TOKEN_MAX];
	size_t token_taillen;
	struct probe_control *control; /* UDP to a responder */
	bool finish_on_control;        /* a reply came; waiting for it */

	/* Through a proxy: the CONNECT exchange until the tunnel opens
	 * (then NULL), and the target's bytes that came with the proxy's
	 * reply, kept for TLS when it starts. */
	struct dlg_proxy *proxy_dlg;
	uint8_t *early;
	size_t earlylen;

	unsigned sends;          /* UDP */
	struct dlg *dlg;         /* stream checks with a dialogue */
	struct dlg_udp *udp_dlg; /* datagram checks */
};

struct probe_queue {
	struct probe_job *head, *tail;
};

struct probe_engine {
	uv_loop_t *loop;
	struct probe_options opt;
	probe_done_cb done;
	void *arg;
	/* Jobs not started: TLS ones (implicit or STARTTLS) apart, so they
	 * can wait while the others start; SEQ numbers them all. */
	struct probe_queue queue, tls_queue;
	uint64_t seq;
	unsigned inflight;
	/* The in-flight limit now: opt.parallel, lowered to what the process
	 * could open when it ran out of descriptors. */
	unsigned limit;
	struct probe_state **active;
	size_t nactive, active_cap;
	unsigned tls_active;
	/* TLS probes connected and waiting for (or about to ask for) a
	 * slot: no TLS job starts while they are what the slots work off
	 * in TLS_HOLD_BUDGET_MS (tls_connected_max). */
	unsigned tls_connected;
	/* How long a probe keeps a TLS slot (wall nanoseconds, a moving
	 * average of the slots given back): the CPU the handshakes take
	 * and the round trips they wait for. 0 before the first. */
	uint64_t tls_turn_ns;
	struct probe_state *tls_wait_head, *tls_wait_tail;
	/* A job that found no descriptor while nothing else ran waits for
	 * this timer; SHORTAGES counts such waits in a row. */
	uv_timer_t retry;
	bool retry_armed;
	unsigned shortages;
	/* The idle time of the polls that did not sleep far past the tick
	 * (a stopped process), and where the current poll began. */
	uv_prepare_t stall_prepare;
	uv_check_t stall_check;
	uv_timer_t stall_tick;
	uint64_t poll_began_ns, idle_seen_ns;
	uint64_t listened_ns;
	/* Probes started in this turn of the loop; at START_PER_TURN the
	 * rest wait for the next turn, which BATCH keeps from sleeping. */
	unsigned turn_starts;
	uv_idle_t batch;
	unsigned handles_open; /* retry, batch and the three stall_ handles */
	bool closing;
	void (*closed)(void *arg);
	void *closed_arg;
	char helo[256]; /* this host's name, for EHLO */
	uint8_t readbuf[PROBE_READ_MAX];
};

/* The loop's idle time since the engine began, less the polls that
 * overslept: nanoseconds the engine could hear the network (take the
 * difference of two readings as at least 0). */
uint64_t probe_listened_ns(const struct probe_engine *e);
/* The milliseconds of network wait the probe has had. */
double probe_clock_ms(const struct probe_state *s);
/* Wall-clock milliseconds since the probe started: the latency reported,
 * as a user would time it. */
double probe_latency_ms(const struct probe_state *s);
/* (Re)arm the probe's timer for when its clock reaches AT_MS. */
void probe_timer_at(struct probe_state *s, double at_ms);
/* The stream to the target is up: a TLS probe now waits connected for
 * its handshake, and counts against the TLS jobs that may start. */
void probe_tls_connected(struct probe_state *s);
/* The job is over: stop its I/O and close its handles. */
void probe_finish(struct probe_state *s);
/* A socket handle exists: it is closed with the probe, and ICMP errors
 * for it are queued where probe_read_errqueue() finds them. */
void probe_socket_opened(struct probe_state *s);
/* Bind the opened socket to --source, if any. False when the probe ended
 * here (a target of the other family, or the bind failed): skipped,
 * local-error, with its reason. */
bool probe_bind_source(struct probe_state *s);
/* The evidence line naming the local address and port the probe uses,
 * once the socket is connected. */
void probe_note_source(struct probe_state *s);
void probe_read_errqueue(struct probe_state *s);
/* A failed connect, send or receive: the evidence says what and how. */
void probe_transport_error(struct probe_state *s, int uverr, const char *what);
/* Opening or connecting a socket failed for want of a local resource
 * (descriptors, ports, buffers): the job goes back to the queue. True
 * when UVERR is such a shortage and the job was requeued. */
bool probe_shortage(struct probe_state *s, int uverr);
uint16_t probe_random_id(const struct probe_job *job);
/* The close callback of every handle of a probe. */
void probe_handle_closed(uv_handle_t *h);
/* Look for the responder's token in bytes the peer sent. */
void probe_token_scan(struct probe_state *s, const uint8_t *p, size_t n);

/* The responder's control port (probe_control.c): ask whether the
 * probe's datagram arrived, unless an answer is on its way or came;
 * the answer goes into the evidence, and ends the probe when it is all
 * the probe waits for. Closed with the probe. */
void probe_control_ask(struct probe_state *s);
void probe_control_close(struct probe_state *s);
/* The probe's last word on the control port, as an evidence line. */
void probe_control_summary(struct probe_state *s);
void probe_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

/* A TLS slot: START runs at once or when one frees, the probe's clock
 * stopped meanwhile; released when the handshake ends. */
void probe_tls_slot(struct probe_state *s, void (*start)(struct probe_state *));
void probe_tls_slot_release(struct probe_state *s);

/* Streams (probe_tcp.c) and datagrams (probe_udp.c). */
int probe_tcp_start(struct probe_state *s);
void probe_tcp_timeout(struct probe_state *s);
/* The second attempt of a retried handshake ended: the job's evidence
 * becomes the first attempt's, with what the retry showed. */
void probe_tcp_retry_end(struct probe_state *s);
int probe_udp_start(struct probe_state *s);
/* The UDP timer: send again, or end with the evidence of silence. */
void probe_udp_tick(struct probe_state *s);

#endif
