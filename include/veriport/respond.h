/* `veriport respond`: the stand-in at the far end of a channel. Listens
 * on the ports of the channels whose target is a role, answers each probe
 * with its responder dialogue (rsp.h), over TLS where the kind has it,
 * records what came, and serves the control port that tells a checker
 * whether its one-way datagrams arrived. The engine: sockets and the
 * loop live here, the protocols in src/rsp/. */
#ifndef VERIPORT_RESPOND_H
#define VERIPORT_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "veriport/catalog.h"

/* Defaults (veriport(1), respond). */
#define RESPOND_DURATION_S 600
#define RESPOND_MAX_CLIENTS 256
/* A client's whole connection: a probe takes well under a second. */
#define RESPOND_CLIENT_MS 10000
/* The control port: its line, its clock, its clients. */
#define RESPOND_CONTROL_LINE_MAX 200
#define RESPOND_CONTROL_MS 2000
#define RESPOND_CONTROL_CLIENTS 32
/* Probes kept for the end table, and datagrams remembered for the
 * control port; older ones are counted, not kept. */
#define RESPOND_RECORDS_MAX 4096
#define RESPOND_DATAGRAMS_MAX 4096
/* Datagram answers per port and second: a checker sends a handful. */
#define RESPOND_UDP_ANSWERS_PER_S 100

enum respond_exit {
	RESPOND_EXIT_ALL_REACHED = 0,
	RESPOND_EXIT_SOME_UNREACHED = 1,
	RESPOND_EXIT_ERROR = 3, /* usage, catalog, or no port opened */
};

struct respond_options {
	const struct catalog *cat;
	const char *role;
	const char *const *binds; /* addresses; none: 0.0.0.0 and :: */
	size_t nbinds;
	const char *const *only; /* channel ids; none: all of the role */
	size_t nonly;
	bool optional;
	double duration_s;
	unsigned control_port;
	const char *cert_file, *key_file; /* NULL: generate */
	const char *token_file;           /* NULL: none */
	unsigned max_clients;             /* per listener */
	FILE *out;                        /* tables */
	FILE *err;                        /* problems */
};

/* Run until the duration ends or SIGINT/SIGTERM; the start table and the
 * end table go to O->out. Returns an enum respond_exit. */
int respond_run(const struct respond_options *o);

#endif
