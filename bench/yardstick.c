/* The benchmark's yardstick: the least a libuv + OpenSSL client must do to
 * probe a channel, so veriport's cost can be read against it. Reads
 * "ADDRESS PORT" lines on standard input, keeps at most PARALLEL probes in
 * flight, and prints "ADDRESS PORT VERDICT" per target, where VERDICT is
 * ok, refused, filtered (no answer to the SYN within the timeout), error,
 * or the step that timed out later (no-greeting, handshake-timeout, ...).
 *
 *   yardstick tcp|tls|smtp PARALLEL TIMEOUT_MS [CAFILE] <targets
 *
 * tcp: the connect only. tls: connect, then a TLS handshake over memory
 * BIOs with the chain verified against CAFILE and the address checked
 * against the certificate. smtp: connect, read the 220 greeting, EHLO,
 * STARTTLS, 220, the same handshake, then EHLO and QUIT over TLS (the
 * exchange veriport's smtp-starttls check makes). Not part of veriport; built
 * by bench/run.sh with `cc -O2 yardstick.c -luv -lssl -lcrypto`. */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum mode { M_TCP, M_TLS, M_SMTP };
enum stage {
	S_CONNECT,
	S_GREETING,
	S_EHLO,
	S_STARTTLS,
	S_TLS,
	S_EHLO_TLS,
	S_QUIT
};

struct probe {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t req;
	char addr[64];
	int port;
	enum stage stage;
	SSL *ssl;
	BIO *rbio, *wbio;
	char line[1024];
	size_t linelen;
	int handles;
	const char *verdict;
};

static enum mode mode;
static int parallel, timeout_ms, running;
static SSL_CTX *ctx;
static uv_loop_t *loop;

static void start_next(void);

static void on_closed(uv_handle_t *h)
{
	struct probe *p = h->data;
	if (--p->handles > 0)
		return;
	if (p->ssl != NULL)
		SSL_free(p->ssl);
	free(p);
	running--;
	start_next();
}

static void finish(struct probe *p, const char *verdict)
{
	if (p->verdict != NULL)
		return;
	p->verdict = verdict;
	printf("%s %d %s\n", p->addr, p->port, verdict);
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, on_closed);
	uv_close((uv_handle_t *)&p->tcp, on_closed);
}

/* No answer within the timeout: to the SYN (filtered), or later on. */
static void on_timeout(uv_timer_t *t)
{
	static const char *const stalled[] = {
	    [S_CONNECT] = "filtered",      [S_GREETING] = "no-greeting",
	    [S_EHLO] = "no-ehlo-reply",    [S_STARTTLS] = "no-starttls-reply",
	    [S_TLS] = "handshake-timeout",
	};
	struct probe *p = t->data;
	finish(p, stalled[p->stage]);
}

static void on_written(uv_write_t *w, int status)
{
	(void)status;
	free(w);
}

static void send_bytes(struct probe *p, const char *data, size_t len)
{
	uv_write_t *w = malloc(sizeof *w + len);
	uv_buf_t b = uv_buf_init((char *)(w + 1), (unsigned)len);
	memcpy(w + 1, data, len);
	if (uv_write(w, (uv_stream_t *)&p->tcp, &b, 1, on_written) != 0) {
		free(w);
		finish(p, "error");
	}
}

static void flush_tls(struct probe *p)
{
	char out[16384];
	int n;
	while ((n = BIO_read(p->wbio, out, sizeof out)) > 0)
		send_bytes(p, out, (size_t)n);
}

/* A command, in the clear or over TLS once it is up. */
static void send_line(struct probe *p, const char *line)
{
	if (p->stage < S_EHLO_TLS) {
		send_bytes(p, line, strlen(line));
		return;
	}
	SSL_write(p->ssl, line, (int)strlen(line));
	flush_tls(p);
}

static void handshake(struct probe *p)
{
	int r = SSL_do_handshake(p->ssl);
	flush_tls(p);
	if (p->verdict != NULL)
		return;
	if (r == 1) {
		if (SSL_get_verify_result(p->ssl) != X509_V_OK)
			return finish(p, "error");
		if (mode == M_TCP || mode == M_TLS)
			return finish(p, "ok");
		p->stage = S_EHLO_TLS;
		send_line(p, "EHLO yardstick.test\r\n");
		return;
	}
	if (SSL_get_error(p->ssl, r) != SSL_ERROR_WANT_READ)
		finish(p, "error");
}

static void start_tls(struct probe *p)
{
	p->stage = S_TLS;
	p->ssl = SSL_new(ctx);
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	SSL_set_connect_state(p->ssl);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), p->addr);
	handshake(p);
}

/* One SMTP reply line: "NNN-" continues, "NNN " ends the reply. */
static void smtp_line(struct probe *p)
{
	if (p->linelen < 4 || p->line[3] == '-')
		return;
	switch (p->stage) {
	case S_GREETING:
		if (strncmp(p->line, "220", 3) != 0)
			return finish(p, "error");
		p->stage = S_EHLO;
		send_line(p, "EHLO yardstick.test\r\n");
		break;
	case S_EHLO:
		if (strncmp(p->line, "250", 3) != 0)
			return finish(p, "error");
		p->stage = S_STARTTLS;
		send_line(p, "STARTTLS\r\n");
		break;
	case S_STARTTLS:
		if (strncmp(p->line, "220", 3) != 0)
			return finish(p, "error");
		start_tls(p);
		break;
	case S_EHLO_TLS:
		if (strncmp(p->line, "250", 3) != 0)
			return finish(p, "error");
		p->stage = S_QUIT;
		send_line(p, "QUIT\r\n");
		break;
	case S_QUIT:
		finish(p, strncmp(p->line, "221", 3) == 0 ? "ok" : "error");
		break;
	default:
		break;
	}
}

static void feed_lines(struct probe *p, const char *data, size_t n)
{
	for (size_t i = 0; i < n && p->verdict == NULL; i++) {
		if (data[i] == '\n') {
			p->line[p->linelen] = '\0';
			enum stage before = p->stage;
			smtp_line(p);
			p->linelen = 0;
			/* The bytes after STARTTLS's 220 belong to TLS. */
			if (before == S_STARTTLS && p->stage == S_TLS)
				return;
		} else if (p->linelen + 1 < sizeof p->line) {
			p->line[p->linelen++] = data[i];
		}
	}
}

/* One read buffer for every probe: a read is consumed before the next. */
static void alloc_cb(uv_handle_t *h, size_t want, uv_buf_t *b)
{
	static char buf[65536];
	(void)h;
	(void)want;
	*b = uv_buf_init(buf, sizeof buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct probe *p = s->data;
	if (p->verdict != NULL || n == 0)
		return;
	if (n < 0)
		return finish(p, "error");
	if (p->stage < S_TLS) {
		feed_lines(p, b->base, (size_t)n);
		return;
	}
	BIO_write(p->rbio, b->base, (int)n);
	if (p->stage == S_TLS) {
		handshake(p);
		return;
	}
	char plain[4096];
	int got;
	while (p->verdict == NULL &&
	       (got = SSL_read(p->ssl, plain, sizeof plain)) > 0)
		feed_lines(p, plain, (size_t)got);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct probe *p = req->data;
	if (p->verdict != NULL)
		return;
	if (status == UV_ECONNREFUSED)
		return finish(p, "refused");
	if (status == UV_ETIMEDOUT)
		return finish(p, "filtered");
	if (status != 0)
		return finish(p, "error");
	if (mode == M_TCP)
		return finish(p, "ok");
	uv_read_start((uv_stream_t *)&p->tcp, alloc_cb, on_read);
	if (mode == M_TLS)
		start_tls(p);
	else
		p->stage = S_GREETING;
}

static void start_next(void)
{
	char addr[64];
	int port;
	while (running < parallel && scanf("%63s %d", addr, &port) == 2) {
		struct probe *p = calloc(1, sizeof *p);
		struct sockaddr_in sa;
		snprintf(p->addr, sizeof p->addr, "%s", addr);
		p->port = port;
		p->handles = 2;
		uv_tcp_init(loop, &p->tcp);
		uv_timer_init(loop, &p->timer);
		p->tcp.data = p->timer.data = p->req.data = p;
		running++;
		uv_ip4_addr(addr, port, &sa);
		uv_timer_start(&p->timer, on_timeout, (uint64_t)timeout_ms, 0);
		if (uv_tcp_connect(&p->req, &p->tcp, (struct sockaddr *)&sa,
				   on_connect) != 0)
			finish(p, "error");
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: yardstick tcp|tls|smtp PARALLEL "
				"TIMEOUT_MS [CAFILE] <targets\n");
		return 2;
	}
	mode = strcmp(argv[1], "tcp") == 0   ? M_TCP
	       : strcmp(argv[1], "tls") == 0 ? M_TLS
					     : M_SMTP;
	parallel = atoi(argv[2]);
	timeout_ms = atoi(argv[3]);
	if (mode != M_TCP) {
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		if (argc < 5 ||
		    SSL_CTX_load_verify_locations(ctx, argv[4], NULL) != 1) {
			fprintf(stderr, "yardstick: a CA file is needed\n");
			return 2;
		}
	}
	loop = uv_default_loop();
	start_next();
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
