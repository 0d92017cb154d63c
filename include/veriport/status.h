/* The status socket (DESIGN.md contract): a Unix stream socket, and an
 * optional TCP listener that also speaks just enough HTTP for
 * `GET /metrics` and `GET /status`. A client writes one command line; the
 * daemon answers and closes. Bounded: a budget of clients per listener,
 * a short deadline for the command and one for the answer, a command
 * length limit, a request rate per TCP source; bad commands get one error
 * line. */
#ifndef VERIPORT_STATUS_H
#define VERIPORT_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include "veriport/results.h"

struct report_daemon;

/* Longest command line a client may send ("show " + a channel id). */
#define STATUS_COMMAND_MAX 256
/* The largest -w/-c of a nagios command, seconds. */
#define STATUS_THRESHOLD_MAX_S 3600
/* Longest HTTP request head we read on the TCP listener. */
#define STATUS_HTTP_HEAD_MAX 4096
/* Clients each listener holds at once. The Unix socket's are the local
 * operators' (veriport status, NRPE, check_by_ssh): no TCP client can
 * take their places. When a listener is full, its oldest client that has
 * not sent a whole command yet is closed to make room. */
#define STATUS_UNIX_CLIENTS_MAX 32
#define STATUS_TCP_CLIENTS_MAX 64
/* A TCP source address holding this many places is a flood: when the
 * listener is full, a newcomer from any other address takes the place of
 * the flood's oldest client without a whole command, however young, so
 * one host churning connections cannot keep Prometheus or NRPE out. */
#define STATUS_TCP_PER_SOURCE_MAX 16
/* A client has this long to send its whole command (a slowloris gets no
 * more), and this long to read its answer. */
#define STATUS_COMMAND_TIMEOUT_MS 2000
/* A client without its command for this long may be closed to make room;
 * a younger one is not (a burst of real clients all get their answer). */
#define STATUS_IDLE_EVICT_MS 200
#define STATUS_ANSWER_TIMEOUT_MS 5000
/* Requests a second one TCP source address may make, and at once: a
 * Prometheus scrape every few seconds is far below. */
#define STATUS_RATE_PER_S 20
#define STATUS_RATE_BURST 40

/* What the daemon lends the status server. */
struct status_source {
	/* The latest results, or NULL before the first sweep ended. */
	const struct results *(*results)(void *arg);
	/* Run a sweep now, of CHANNEL only or of all when NULL. Returns 0,
	 * -EBUSY while one runs, -ENOENT for an unknown channel. */
	int (*probe)(void *arg, const char *channel);
	/* Accept what the targets present now as what they should present
	 * (trust on first use, like ssh's known_hosts), for CHANNEL or all
	 * when NULL. Returns the number of entries accepted, or -ENOENT. */
	int (*accept)(void *arg, const char *channel);
	/* The daemon's own life (sweeps, reloads, why no results yet) for
	 * the metrics and for answers before the first sweep; may be NULL. */
	void (*daemon)(void *arg, struct report_daemon *out);
	void *arg;
};

struct status_options {
	const char *socket_path;
	mode_t socket_mode;
	const char *listen; /* "ADDRESS:PORT", or NULL for no TCP listener */
	/* Serve on a thread and loop of its own, from status_go() on: the
	 * report answers (status, metrics, nagios, table) are rendered on
	 * the daemon's loop once per sweep and served by the thread, so a
	 * busy or stalled daemon loop never delays them; other commands
	 * are answered on the daemon's loop. Without it, the server runs
	 * on the loop status_start() is given. */
	bool own_thread;
};

struct status_server;

/* Bind and listen. Returns 0, or a negative errno with ERR naming the
 * path or address. A stale socket file left by a dead daemon is
 * replaced; one a live daemon answers on is not. */
int status_start(uv_loop_t *loop, const struct status_options *o,
		 const struct status_source *src, struct status_server **out,
		 char *err, size_t errlen);
/* With own_thread: start serving (after any fork, daemon(3): a thread
 * does not survive one). Returns 0, or a negative errno. Without it, the
 * server serves from status_start() on and this does nothing. */
int status_go(struct status_server *s);
/* The results changed (a sweep ended, the configuration was reloaded):
 * answers rendered from the old ones are dropped, the next request
 * renders them again, once; with own_thread, they are rendered now, on
 * the caller's (the daemon's) loop, and handed to the server's thread. */
void status_results_changed(struct status_server *s);
/* The one grammar of the TCP listener's address: "127.0.0.1:9797" or
 * "[::1]:9797", numeric addresses only, since the listener is bound once,
 * at start, before anything resolves names. Returns 0 or -EINVAL. */
int status_listen_parse(const char *spec, struct sockaddr_storage *ss);
/* The port the TCP listener is bound to (useful when `listen` asked for
 * port 0), or -1 when there is none. */
int status_tcp_port(const struct status_server *s);
/* Close the listeners and every client, unlink the socket file; CLOSED
 * runs (on the loop) when every handle has closed and S is freed. With
 * own_thread, this waits for the server's thread to end. */
void status_stop(struct status_server *s, void (*closed)(void *arg), void *arg);

/* The answer to one command line, exactly as the socket sends it
 * (malloc'd, *LEN bytes). Commands: status, metrics, nagios, table,
 * show CHANNEL, probe [CHANNEL], accept [CHANNEL], help. No I/O: the
 * unit tests call it directly. */
char *status_answer(const struct status_source *src, const char *line,
		    size_t *len);
/* Client: send COMMAND on the status socket at PATH and read the answer
 * until the daemon closes. Returns 0 with *ANSWER (malloc'd,
 * NUL-terminated, *LEN bytes), or -1 with ERR saying why, PATH first. */
int status_ask(const char *path, const char *command, char **answer,
	       size_t *len, char *err, size_t errlen);

/* A malloc'd printf, its length in *LEN: the answers' text, for both
 * halves of the module. */
char *status_text(size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *status_vtext(size_t *len, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
