/* What the status server's parts share: the client (status.c: lifecycle,
 * budgets, cached answers), its HTTP front end (status_http.c) and the
 * listening sockets (status_listen.c). Private to them. */
#ifndef VERIPORT_STATUS_IMPL_H
#define VERIPORT_STATUS_IMPL_H

#include <http_parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "veriport/status.h"

/* Bytes taken per read: a command line or a request head arrives in a few
 * of these. */
#define STATUS_READ_CHUNK 1024
/* Connections the kernel queues before we accept them. */
#define STATUS_BACKLOG 128

/* An answer, rendered once and shared by every client that sends it. */
struct status_blob {
	unsigned refs;
	size_t len;
	char data[];
};

enum client_mode {
	CLIENT_UNDECIDED, /* TCP: a command line or an HTTP request? */
	CLIENT_LINE,
	CLIENT_HTTP,
	CLIENT_ANSWERING, /* input is over; the answer is being written */
};

struct status_client {
	struct status_server *server;
	struct status_client *next, *prev; /* the listener's, oldest first */
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} sock;
	uv_timer_t timer;
	bool has_timer;
	unsigned open_handles;
	bool closing;
	bool counted;      /* holds one of its listener's places */
	uint64_t since_ms; /* accepted at, on the loop's clock */
	bool tcp;
	struct sockaddr_storage peer; /* TCP: the source address */
	enum client_mode mode;
	uv_write_t write_req;
	uv_shutdown_t shutdown_req;
	bool written, peer_done; /* TCP: the lingering close */
	char *head;              /* HTTP response head, or NULL */
	struct status_blob *answer;
	/* A command line: STATUS_COMMAND_MAX bytes and its "\r". */
	char line[STATUS_COMMAND_MAX + 2];
	size_t linelen;
	/* TCP: what came before we knew whether it is HTTP. An HTTP method
	 * is a dozen bytes; a longer prefix is no request we serve. */
	char pending[STATUS_COMMAND_MAX + 2];
	size_t npending;
	/* HTTP: the request head goes through http_parser; we keep only the
	 * request target, as long as a command. */
	http_parser parser;
	size_t head_bytes;
	bool head_done;
	char url[STATUS_COMMAND_MAX + 1];
	size_t urllen;
	bool url_too_long;
	char readbuf[STATUS_READ_CHUNK];
};

/* The clients of one listener. */
struct status_list {
	struct status_client *oldest, *newest;
	unsigned count; /* clients holding a place */
	unsigned max;
};

/* A TCP source address and its request tokens (a token bucket). */
struct status_rate {
	struct sockaddr_storage addr;
	double tokens;
	uint64_t at_ms;
};

/* Cacheable answers: rendered once per sweep. */
enum status_cached {
	STATUS_CACHED_STATUS,
	STATUS_CACHED_METRICS,
	STATUS_CACHED_NAGIOS,
	STATUS_CACHED_TABLE,
	STATUS_CACHED_COUNT,
};

#define STATUS_RATE_SOURCES 256

/* The server on a thread of its own (status_options.own_thread), so that
 * nothing the daemon's loop does delays an answer: its loop, and what
 * the daemon's thread and it hand each other under MU. */
struct status_thread {
	uv_loop_t loop; /* the server's */
	uv_thread_t thread;
	bool running;    /* status_go() started it */
	uv_async_t wake; /* on the server's loop: new answers, or stop */
	uv_async_t call; /* on the daemon's loop: a command to answer */
	int ufd, tfd;    /* the listening sockets, until status_go() */
	uv_mutex_t mu;
	uv_cond_t answered;
	/* Under MU. Answers the daemon rendered for the server to take. */
	struct status_blob *next[STATUS_CACHED_COUNT];
	bool next_ready;
	bool stop;
	/* One command at a time from the server to the daemon's loop. */
	char call_line[STATUS_COMMAND_MAX + 2];
	bool call_pending;
	char *call_answer;
	size_t call_len;
};

struct status_server {
	uv_loop_t *loop;
	struct status_source src;
	char *socket_path;
	uv_pipe_t pipe;
	uv_tcp_t tcp;
	bool has_tcp;
	int tcp_port;
	struct status_list unix_clients, tcp_clients;
	struct status_blob *cache[STATUS_CACHED_COUNT];
	struct status_rate rates[STATUS_RATE_SOURCES];
	size_t nrates;
	unsigned open; /* listeners and clients not yet closed */
	bool stopping;
	void (*closed)(void *arg);
	void *closed_arg;
	struct status_thread *th; /* NULL: on the daemon's loop */
};

/* The answer to a command line, from the cache when it is one of the
 * report commands (a reference the caller drops with status_blob_drop). */
struct status_blob *status_blob_for(struct status_server *s, const char *line);
struct status_blob *status_blob_text(char *text, size_t len);
void status_blob_drop(struct status_blob *b);
/* Send HEAD (malloc'd, may be NULL) then BODY (a reference), then close. */
void status_client_send(struct status_client *c, char *head,
			struct status_blob *body);
void status_client_close(struct status_client *c);
/* TCP input before the kind of client is known, and HTTP requests. */
void status_http_feed(struct status_client *c, const char *p, size_t n);
void status_http_eof(struct status_client *c);
void status_line_feed(struct status_client *c, const char *p, size_t n);
/* One more request from C's source: false when over its rate. */
bool status_rate_take(struct status_server *s, struct status_client *c);

/* The report answers of the daemon's current results (none before the
 * first sweep), rendered into OUT; and dropping such a set. */
void status_render_cache(const struct status_server *s,
			 struct status_blob *out[STATUS_CACHED_COUNT]);
void status_cache_drop(struct status_blob *cache[STATUS_CACHED_COUNT]);

/* The server's own thread (status_thread.c). */
/* Answer LINE on the daemon's loop, waiting for it (the server's thread
 * only): what is not cached needs the daemon's results or actions. */
char *status_thread_call(struct status_server *s, const char *line,
			 size_t *len);
/* From the daemon's thread: render the cached answers there and hand
 * them to the server. */
void status_thread_publish(struct status_server *s);
/* Serve on the listeners with S->loop (the daemon's, or the thread's). */
void status_serve(struct status_server *s, int ufd, int tfd);
/* Close the listeners and every client (on the server's loop). */
void status_stop_now(struct status_server *s);
/* The server's last handle closed. */
void status_thread_release(struct status_server *s);
void status_thread_stop(struct status_server *s);
int status_thread_go(struct status_server *s);

/* Listening sockets (status_listen.c). */
int status_listen_unix(const char *path, mode_t mode, int *out, char *err,
		       size_t errlen);
int status_listen_tcp(const char *spec, int *out, int *port, char *err,
		      size_t errlen);

#endif
