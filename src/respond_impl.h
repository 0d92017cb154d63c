/* What the responder's engine files share: the listeners, the
 * connections, the records. Private to respond*.c. */
#ifndef VERIPORT_RESPOND_IMPL_H
#define VERIPORT_RESPOND_IMPL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "veriport/respond.h"
#include "veriport/respond_file.h"
#include "veriport/rsp.h"
#include "veriport/tlsio.h"

/* Addresses given with --bind, and sockets opened on each. */
#define RESPOND_BINDS_MAX 16
#define RESPOND_ADDR_MAX 64 /* "[v6]:port" text */

struct respond;
struct respond_conn;

/* One (transport, port) of the role's channels, on every address. */
struct respond_port {
	enum catalog_transport transport;
	uint16_t port;
	enum catalog_check check;
	char channels[256]; /* "smtp-from-internet, smtp-from-smarthost" */
	char status[160];   /* where it listens, or why it does not */
	unsigned nsockets;  /* handles made (to close) */
	unsigned nopen;     /* of them, listening */
	unsigned long reached;
	bool control; /* the control port */
	struct respond *rs;
	union {
		uv_tcp_t tcp;
		uv_udp_t udp;
		uv_handle_t handle;
	} sock[RESPOND_BINDS_MAX];
	/* Datagram answers in the current second (a reflector's bound). */
	uint64_t answer_second;
	unsigned answers;
	/* Open connections, oldest first: at the bound the oldest goes. */
	struct respond_conn *first, *last;
	unsigned nconns;
};

struct respond_record {
	uint64_t at_ms; /* since the start */
	char source[RESPOND_ADDR_MAX];
	uint16_t port;
	enum catalog_transport transport;
	char asked[RSP_ASKED_MAX];
};

/* A datagram as the control port answers for it. */
struct respond_datagram {
	char digest[RESPOND_DIGEST_HEX + 1];
	char address[INET6_ADDRSTRLEN];
	uint16_t port;
};

struct respond {
	const struct respond_options *o;
	uv_loop_t *loop;
	uint64_t started_ms;
	struct respond_token token;
	struct tlsio_ctx *tls;
	struct respond_port *ports;
	size_t nports;
	struct respond_port control;
	struct respond_record *records;
	size_t nrecords;
	unsigned long records_dropped;
	struct respond_datagram *datagrams;
	size_t ndatagrams, next_datagram;
	unsigned long evicted; /* connections closed at the bound */
	uv_timer_t stop_timer;
	uv_signal_t sigint, sigterm;
	bool stopping;
};

/* Open sockets for P on every address; its status says the outcome.
 * respond_port.c. */
void respond_port_open(struct respond *rs, struct respond_port *p,
		       const char *const *binds, size_t nbinds,
		       bool explicit_binds);
void respond_port_close(struct respond_port *p);
/* Who holds TRANSPORT/PORT on this host: "master (pid 1234)", or "". */
void respond_port_holder(enum catalog_transport transport, uint16_t port,
			 char *buf, size_t len);

/* A TCP listener's new connection (respond_conn.c); the control port's
 * the same way. */
void respond_on_connection(uv_stream_t *server, int status);
/* Close every open connection of P. */
void respond_conns_close(struct respond_port *p);
/* A datagram for P (respond.c). */
void respond_on_datagram(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
			 const struct sockaddr *from, unsigned flags);

/* Keep one probe in the record; the text of an address. */
void respond_record(struct respond *rs, const struct sockaddr *from,
		    const struct respond_port *p, const char *asked);
void respond_address_text(const struct sockaddr *sa, char *addr, size_t len,
			  uint16_t *port);
uint64_t respond_now_ms(const struct respond *rs);
/* The control port's answer to one line (respond.c). */
void respond_control_answer(struct respond *rs, const char *line, size_t len,
			    char *out, size_t outlen);

#endif
