/* The status socket: every command's answer from one fixed set of results
 * (status_answer, no I/O), then the server on a real libuv loop with its
 * socket in a temporary folder: answers, deadlines, the client limit,
 * HTTP on the TCP listener, stale and live sockets. Every server test ends
 * with uv_loop_close() == 0, so a leaked handle fails it. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <http_parser.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/report.h"
#include "veriport/status.h"

#include "check_run.h"

static const char text[] =
    "profile demo\ntitle Demo\nsource S\n"
    "role appliance A\nrole internet I\nrole admin-pc P\n"
    "row smtp-out\n    vendor v\n    from appliance\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n"
    "    purpose p\n"
    "row dns\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/53 dns\n    purpose p\n"
    "row ntp\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/123 ntp\n    optional if used\n    purpose p\n";

static struct catalog *cat;
static struct results res;
static struct result items[4];

/* What the daemon would lend: the fixture, and probe/accept stubs that
 * record what they were asked. */
static const struct results *fx_results;
static int probe_rc, accept_rc, calls;
static char last_channel[64];

static const struct results *fx_get(void *arg)
{
	(void)arg;
	return fx_results;
}

static int fx_probe(void *arg, const char *channel)
{
	(void)arg;
	calls++;
	snprintf(last_channel, sizeof last_channel, "%s",
		 channel ? channel : "(all)");
	return probe_rc;
}

static int fx_accept(void *arg, const char *channel)
{
	(void)arg;
	calls++;
	snprintf(last_channel, sizeof last_channel, "%s",
		 channel ? channel : "(all)");
	return accept_rc;
}

static const struct status_source src = {
    .results = fx_get,
    .probe = fx_probe,
    .accept = fx_accept,
};

static void fx_daemon(void *arg, struct report_daemon *out)
{
	(void)arg;
	out->sweeps = 4;
	out->sweep_errors = 1;
	out->interval_s = 300;
	out->reload_ok = true;
	out->reload_ok_at = 1700000000;
	snprintf(out->waiting, sizeof out->waiting,
		 "the first sweep is running");
}

/* The daemon's source: with its own life. */
static const struct status_source dsrc = {
    .results = fx_get,
    .daemon = fx_daemon,
};

static void add(size_t i, const char *channel, const char *host,
		const char *address)
{
	struct result *r = &items[i];
	r->channel = catalog_channel_find(cat, channel);
	r->port = r->channel->port;
	r->host = host;
	snprintf(r->address, sizeof r->address, "%s", address);
	evidence_init(&r->ev, r->channel->transport, r->channel->check);
	r->ev.latency_ms = -1;
}

static void setup(void)
{
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &err),
			 0);
	add(0, "smtp-out", "mx.example.net", "192.0.2.10");
	items[0].ev.connected = true;
	items[0].ev.latency_ms = 41.7;
	evidence_add(&items[0].ev, "TCP connected in 41.7 ms");
	add(1, "smtp-out", "mx.example.net", "2001:db8::10");
	items[1].ev.icmp = items[1].ev.icmp_v6 = true;
	items[1].ev.icmp_type = 1;
	items[1].ev.icmp_code = 1;
	strcpy(items[1].ev.icmp_from, "2001:db8::1");
	add(2, "dns", "ns.example.net", "192.0.2.53");
	items[2].ev.udp_sent = items[2].ev.timed_out = true;
	items[2].ev.reply_expected = true;
	add(3, "ntp", NULL, "");
	items[3].ev.skipped = true;
	items[3].ev.skip_reason = REASON_OPTIONAL;
	for (size_t i = 0; i < 4; i++) {
		items[i].verdict = verdict_decide(&items[i].ev, NULL, NULL, 0);
		items[i].since = items[i].changed = 1795435200;
	}
	res = (struct results){.catalog = cat,
			       .role = "appliance",
			       .started = 1795435200,
			       .duration_ms = 3012.4,
			       .items = items,
			       .nitems = 4};
	fx_results = &res;
	probe_rc = accept_rc = calls = 0;
	last_channel[0] = '\0';
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		evidence_free(&items[i].ev);
	catalog_free(cat);
}

/* What report_*.c renders for the fixture, to compare answers with. */
enum { R_JSON, R_METRICS, R_NAGIOS, R_TABLE };

static char *render(int what, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	struct report_style style = {.width = 100};
	switch (what) {
	case R_JSON:
		ck_assert_int_eq(report_json(out, &res), 0);
		break;
	case R_METRICS:
		report_prometheus(out, &res, NULL);
		break;
	case R_NAGIOS:
		report_nagios(out, &res, NULL);
		break;
	default:
		report_table(out, &res, &style);
	}
	fclose(out);
	return buf;
}

/* ANSWER must be exactly WANT (a NUL-terminated string). */
#define ck_answer(line, want)                                                  \
	do {                                                                   \
		size_t len_;                                                   \
		char *got_ = status_answer(&src, (line), &len_);               \
		ck_assert_msg(len_ == strlen(want) &&                          \
				  memcmp(got_, (want), len_) == 0,             \
			      "'%s': got '%.*s', expected '%s'", (line),       \
			      (int)len_, got_, (want));                        \
		free(got_);                                                    \
	} while (0)

/* status_answer ------------------------------------------------------------ */

START_TEST(answer_status_is_report_json)
{
	size_t n;
	char *want = render(R_JSON, &n);
	ck_assert_ptr_nonnull(strstr(want, "\"since\""));
	ck_answer("status", want);
	ck_answer("status\r\n", want);
	ck_answer("status\n", want);
	free(want);
}
END_TEST

START_TEST(answer_metrics_is_report_prometheus)
{
	size_t n;
	char *want = render(R_METRICS, &n);
	ck_answer("metrics", want);
	free(want);
}
END_TEST

START_TEST(answer_nagios_ends_with_exit_line)
{
	size_t n;
	char *plugin = render(R_NAGIOS, &n);
	char want[8192];
	snprintf(want, sizeof want, "%sexit=2\n", plugin);
	ck_answer("nagios", want);
	/* only the optional channel fails: WARNING */
	items[1].channel = items[2].channel = catalog_channel_find(cat, "ntp");
	free(plugin);
	plugin = render(R_NAGIOS, &n);
	snprintf(want, sizeof want, "%sexit=1\n", plugin);
	ck_answer("nagios", want);
	free(plugin);
}
END_TEST

START_TEST(answer_table_is_plain_at_width_100)
{
	size_t n;
	char *want = render(R_TABLE, &n);
	ck_assert_ptr_null(strchr(want, '\033'));
	ck_answer("table", want);
	free(want);
}
END_TEST

START_TEST(answer_show_keeps_only_the_channel)
{
	size_t len;
	char *got = status_answer(&src, "show smtp-out", &len);
	json_error_t jerr;
	json_t *doc = json_loadb(got, len, 0, &jerr);
	ck_assert_msg(doc != NULL, "not JSON: %s", got);
	json_t *results = json_object_get(doc, "results");
	ck_assert_int_eq(json_array_size(results), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *ch =
		    json_object_get(json_array_get(results, i), "channel");
		ck_assert_str_eq(json_string_value(ch), "smtp-out");
	}
	ck_assert_str_eq(json_string_value(json_object_get(doc, "profile")),
			 "demo");
	json_decref(doc);
	free(got);
	ck_answer("show nope", "error: unknown channel nope\n");
	ck_answer("show no\033[2Jpe", "error: unknown channel no?[2Jpe\n");
	ck_answer("show", "error: usage: show CHANNEL\n");
}
END_TEST

START_TEST(answer_probe_says_what_the_daemon_did)
{
	ck_answer("probe", "ok: sweep started\n");
	ck_assert_str_eq(last_channel, "(all)");
	ck_answer("probe dns\r\n", "ok: sweep started\n");
	ck_assert_str_eq(last_channel, "dns");
	probe_rc = -EBUSY;
	ck_answer("probe", "error: a sweep is running\n");
	probe_rc = -ENOENT;
	ck_answer("probe nope", "error: unknown channel nope\n");
	ck_assert_int_eq(calls, 4);
}
END_TEST

START_TEST(answer_accept_counts_entries)
{
	accept_rc = 3;
	ck_answer("accept", "ok: 3 entries accepted\n");
	ck_assert_str_eq(last_channel, "(all)");
	ck_answer("accept smtp-out", "ok: 3 entries accepted\n");
	ck_assert_str_eq(last_channel, "smtp-out");
	accept_rc = -ENOENT;
	ck_answer("accept nope", "error: unknown channel nope\n");
}
END_TEST

START_TEST(answer_help_lists_every_command)
{
	size_t len;
	char *got = status_answer(&src, "help", &len);
	static const char *const words[] = {
	    "status",       "metrics",         "nagios",           "table",
	    "show CHANNEL", "probe [CHANNEL]", "accept [CHANNEL]", "help"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		ck_assert_msg(strstr(got, words[i]) != NULL, "help lacks %s",
			      words[i]);
	ck_assert_int_eq(got[len - 1], '\n');
	free(got);
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(answer_before_the_first_sweep)
{
	fx_results = NULL;
	ck_answer("status", "error: no sweep has finished yet\n");
	ck_answer("table", "error: no sweep has finished yet\n");
	ck_answer("show dns", "error: no sweep has finished yet\n");
	ck_answer("nagios", "VERIPORT UNKNOWN - no sweep has finished yet\n"
			    "exit=3\n");
	/* a sweep can be started before one has finished */
	ck_answer("probe", "ok: sweep started\n");
	/* the metrics answer, and say no sweep succeeded */
	size_t len;
	char *got = status_answer(&src, "metrics", &len);
	ck_assert_ptr_nonnull(strstr(got, "\nveriport_last_sweep_success 0\n"));
	ck_assert_ptr_null(strstr(got, "veriport_channel_up{"));
	free(got);
}
END_TEST

START_TEST(answer_says_why_no_sweep_has_finished)
{
	fx_results = NULL;
	size_t len;
	char *got = status_answer(&dsrc, "status", &len);
	ck_assert_str_eq(got, "error: no sweep has finished yet: the first "
			      "sweep is running\n");
	free(got);
	got = status_answer(&dsrc, "nagios", &len);
	ck_assert_str_eq(got, "VERIPORT UNKNOWN - no sweep has finished yet: "
			      "the first sweep is running\nexit=3\n");
	free(got);
	got = status_answer(&dsrc, "metrics", &len);
	ck_assert_ptr_nonnull(strstr(got, "\nveriport_sweeps_total 4\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nveriport_sweep_errors_total 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(got, "\nveriport_config_last_reload_successful 1\n"));
	free(got);
}
END_TEST

START_TEST(answer_nagios_takes_thresholds)
{
	size_t n;
	char *plugin = NULL;
	FILE *out = open_memstream(&plugin, &n);
	struct report_nagios_opts o = {.warn_s = 0.01, .crit_s = 2};
	enum results_status st = report_nagios(out, &res, &o);
	fclose(out);
	char want[8192];
	snprintf(want, sizeof want, "%sexit=%d\n", plugin, (int)st);
	ck_answer("nagios -w 0.01 -c 2", want);
	ck_answer("nagios -c 2 -w 0.01", want);
	free(plugin);
	ck_answer("nagios -w", "error: usage: nagios [-w SECONDS] [-c "
			       "SECONDS]\n");
	ck_answer("nagios -w x", "error: usage: nagios [-w SECONDS] [-c "
				 "SECONDS]\n");
	ck_answer("nagios -x 1", "error: usage: nagios [-w SECONDS] [-c "
				 "SECONDS]\n");
	ck_answer("status -w 1", "error: unknown command 'status -w 1' (try "
				 "help)\n");
}
END_TEST

START_TEST(answer_unknown_command_is_one_error_line)
{
	ck_answer("frob", "error: unknown command 'frob' (try help)\n");
	ck_answer("status now", "error: unknown command 'status now' (try "
				"help)\n");
	ck_answer("", "error: unknown command '' (try help)\n");
	ck_answer("\r\n", "error: unknown command '' (try help)\n");
	ck_answer("a\tb\x01", "error: unknown command 'a?b?' (try help)\n");
	char line[STATUS_COMMAND_MAX + 3];
	memset(line, 'x', STATUS_COMMAND_MAX + 1);
	strcpy(line + STATUS_COMMAND_MAX + 1, "\n");
	ck_answer(line, "error: command longer than 256 bytes\n");
	ck_assert_int_eq(calls, 0);
}
END_TEST

/* The server, with clients on the same loop -------------------------------- */

static uv_loop_t loop;
static char dir[64], path[128];
static struct status_server *server;
static int left; /* test clients not yet closed */
static bool stopped;
static uint64_t t0; /* ms, when the test's clients started */

static uint64_t now_ms(void)
{
	return uv_hrtime() / 1000000;
}

struct tclient {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} sock;
	uv_connect_t connect;
	uv_write_t write;
	const char *send; /* sent once connected, unless held */
	bool hold;
	bool shut; /* shut the write side down once sent */
	uv_shutdown_t shutdown;
	bool connected, done, eof;
	int error;
	char *got;
	size_t len;
	uint64_t closed_ms; /* since t0 */
};

static void tclient_on_close(uv_handle_t *h)
{
	(void)h;
	left--;
}

static void tclient_on_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct tclient *c = h->data;
	c->got = realloc(c->got, c->len + n);
	*buf = uv_buf_init(c->got + c->len, (unsigned)n);
}

static void tclient_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct tclient *c = s->data;
	(void)buf;
	if (n > 0) {
		c->len += (size_t)n;
		return;
	}
	if (n == 0)
		return;
	c->done = true;
	c->eof = n == UV_EOF;
	c->error = n == UV_EOF ? 0 : (int)n;
	c->closed_ms = now_ms() - t0;
	uv_close(&c->sock.handle, tclient_on_close);
}

static void tclient_on_shutdown(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status;
}

static void tclient_on_write(uv_write_t *req, int status)
{
	struct tclient *c = req->data;
	/* a rejected client may find the socket closed */
	if (status == 0 && c->shut)
		uv_shutdown(&c->shutdown, &c->sock.stream, tclient_on_shutdown);
}

static void tclient_send(struct tclient *c, const char *what)
{
	uv_buf_t buf = uv_buf_init((char *)what, (unsigned)strlen(what));
	c->write.data = c;
	ck_assert_int_eq(
	    uv_write(&c->write, &c->sock.stream, &buf, 1, tclient_on_write), 0);
}

static void tclient_on_connect(uv_connect_t *req, int status)
{
	struct tclient *c = req->data;
	if (status < 0) {
		c->done = true;
		c->error = status;
		c->closed_ms = now_ms() - t0;
		uv_close(&c->sock.handle, tclient_on_close);
		return;
	}
	c->connected = true;
	uv_read_start(&c->sock.stream, tclient_on_alloc, tclient_on_read);
	if (c->send != NULL && !c->hold)
		tclient_send(c, c->send);
}

static void tclient_unix(struct tclient *c, const char *send)
{
	memset(c, 0, sizeof *c);
	c->send = send;
	uv_pipe_init(&loop, &c->sock.pipe, 0);
	c->sock.handle.data = c;
	c->connect.data = c;
	uv_pipe_connect(&c->connect, &c->sock.pipe, path, tclient_on_connect);
	left++;
}

static void tclient_tcp_from(struct tclient *c, const char *send,
			     const char *from)
{
	struct sockaddr_in sin;
	memset(c, 0, sizeof *c);
	c->send = send;
	uv_tcp_init(&loop, &c->sock.tcp);
	if (from != NULL) {
		uv_ip4_addr(from, 0, &sin);
		ck_assert_int_eq(
		    uv_tcp_bind(&c->sock.tcp, (struct sockaddr *)&sin, 0), 0);
	}
	c->sock.handle.data = c;
	c->connect.data = c;
	uv_ip4_addr("127.0.0.1", status_tcp_port(server), &sin);
	ck_assert_int_eq(uv_tcp_connect(&c->connect, &c->sock.tcp,
					(struct sockaddr *)&sin,
					tclient_on_connect),
			 0);
	left++;
}

static void tclient_tcp(struct tclient *c, const char *send)
{
	tclient_tcp_from(c, send, NULL);
}

static void run_until_closed(int want_left)
{
	while (left > want_left)
		uv_run(&loop, UV_RUN_ONCE);
}

/* CLIENT got exactly WANT, then EOF. */
static void ck_got_text(const struct tclient *c, const char *want)
{
	ck_assert_msg(c->eof, "no EOF (error %d)", c->error);
	ck_assert_msg(c->len == strlen(want) &&
			  memcmp(c->got, want, c->len) == 0,
		      "got '%.*s', expected '%s'", (int)c->len, c->got, want);
}

/* CLIENT got exactly the answer to COMMAND. */
static void ck_got(const struct tclient *c, const char *command)
{
	size_t len;
	char *want = status_answer(&src, command, &len);
	ck_assert_msg(c->eof, "'%s': no EOF (error %d)", command, c->error);
	ck_assert_msg(c->len == len && memcmp(c->got, want, len) == 0,
		      "'%s': got '%.*s'", command, (int)c->len, c->got);
	free(want);
}

/* The folder is made and removed in the parent process (an unchecked
 * fixture), so a test that fails half-way leaves nothing behind. */
static void dir_create(void)
{
	strcpy(dir, "/tmp/veriport-status-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/status.sock", dir);
}

static void dir_remove(void)
{
	unlink(path);
	rmdir(dir);
}

static void server_setup(void)
{
	setup();
	unlink(path);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	server = NULL;
	left = 0;
	stopped = false;
	t0 = now_ms();
}

static void server_teardown(void)
{
	teardown();
}

static void start(const char *listen)
{
	char err[256];
	struct status_options o = {
	    .socket_path = path, .socket_mode = 0600, .listen = listen};
	int rc = status_start(&loop, &o, &src, &server, err, sizeof err);
	ck_assert_msg(rc == 0, "status_start: %s", err);
}

static void on_stopped(void *arg)
{
	*(bool *)arg = true;
}

/* Stop the server, run the loop dry, and close it: every handle must be
 * gone. */
static void stop(void)
{
	status_stop(server, on_stopped, &stopped);
	server = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert(stopped);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

START_TEST(server_answers_status_metrics_nagios)
{
	start(NULL);
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(status_tcp_port(server), -1);
	static struct tclient c[4];
	tclient_unix(&c[0], "status\n");
	tclient_unix(&c[1], "metrics\r\n");
	tclient_unix(&c[2], "nagios\n");
	tclient_unix(&c[3], "table"); /* no newline: EOF ends it */
	uv_shutdown_t sd;
	run_until_closed(4);
	while (!c[3].connected)
		uv_run(&loop, UV_RUN_ONCE);
	uv_shutdown(&sd, &c[3].sock.stream, NULL);
	run_until_closed(0);
	ck_got(&c[0], "status");
	ck_got(&c[1], "metrics");
	ck_got(&c[2], "nagios");
	ck_got(&c[3], "table");
	for (int i = 0; i < 4; i++)
		free(c[i].got);
	stop();
}
END_TEST

START_TEST(server_stop_unlinks_the_socket)
{
	start(NULL);
	ck_assert_int_eq(access(path, F_OK), 0);
	static struct tclient idle;
	tclient_unix(&idle, NULL);
	while (!idle.connected)
		uv_run(&loop, UV_RUN_ONCE);
	/* a connected client is closed by the stop, not left behind */
	stop();
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(left, 0);
	free(idle.got);
}
END_TEST

START_TEST(server_closes_idle_clients_and_serves_others)
{
	start(NULL);
	static struct tclient idle, slow, prompt;
	tclient_unix(&idle, NULL);
	tclient_unix(&slow, "sta"); /* and never the rest */
	while (!idle.connected || !slow.connected)
		uv_run(&loop, UV_RUN_ONCE);
	tclient_unix(&prompt, "status\n");
	run_until_closed(2);
	ck_got(&prompt, "status");
	ck_assert_msg(prompt.closed_ms < 1000, "answer after %llu ms",
		      (unsigned long long)prompt.closed_ms);
	ck_assert(!idle.eof && !slow.eof);
	run_until_closed(0);
	struct tclient *waited[] = {&idle, &slow};
	for (size_t i = 0; i < 2; i++) {
		const struct tclient *c = waited[i];
		ck_assert(c->eof);
		ck_assert_uint_eq(c->len, 0);
		uint64_t ms = c->closed_ms;
		ck_assert_msg(ms + 50 >= STATUS_COMMAND_TIMEOUT_MS &&
				  ms < STATUS_COMMAND_TIMEOUT_MS + 2000,
			      "closed after %llu ms",
			      (unsigned long long)c->closed_ms);
	}
	free(prompt.got);
	free(slow.got);
	free(idle.got);
	stop();
}
END_TEST

/* A full listener makes room: its oldest client that has not sent a
 * whole command is closed for each newcomer, so idle clients cannot keep
 * anyone out. */
START_TEST(server_full_listener_drops_its_oldest_idle_client)
{
	enum { N = STATUS_UNIX_CLIENTS_MAX + 10 };
	static struct tclient c[N];
	start(NULL);
	for (int i = 0; i < N; i++) {
		tclient_unix(&c[i], "status\n");
		c[i].hold = true;
		while (!c[i].connected && !c[i].done)
			uv_run(&loop, UV_RUN_ONCE);
		/* idle long enough to make room for a newcomer */
		if (i + 1 == STATUS_UNIX_CLIENTS_MAX)
			usleep(1000 * (STATUS_IDLE_EVICT_MS + 50));
	}
	run_until_closed(STATUS_UNIX_CLIENTS_MAX);
	for (int i = 0; i < N; i++)
		ck_assert_msg(c[i].done == (i < 10), "client %d %s", i,
			      c[i].done ? "closed" : "held");
	for (int i = 10; i < N; i++)
		tclient_send(&c[i], c[i].send);
	run_until_closed(0);
	for (int i = 10; i < N; i++)
		ck_got(&c[i], "status");
	for (int i = 0; i < N; i++)
		free(c[i].got);
	stop();
}
END_TEST

/* The Unix socket's places are its own: a flood of idle TCP clients does
 * not delay a local operator's answer. */
START_TEST(server_idle_tcp_clients_never_keep_the_unix_socket_out)
{
	enum { N = 4 * STATUS_TCP_CLIENTS_MAX };
	static struct tclient idle[N], local;
	start("127.0.0.1:0");
	for (int i = 0; i < N; i++) {
		tclient_tcp(&idle[i], NULL);
		while (!idle[i].connected && !idle[i].done)
			uv_run(&loop, UV_RUN_ONCE);
	}
	uint64_t asked = now_ms();
	tclient_unix(&local, "status\n");
	while (!local.done)
		uv_run(&loop, UV_RUN_ONCE);
	ck_got(&local, "status");
	ck_assert_uint_lt(now_ms() - asked, 1000);
	run_until_closed(0);
	for (int i = 0; i < N; i++)
		free(idle[i].got);
	free(local.got);
	stop();
}
END_TEST

/* One address fills the TCP listener with clients too young to be
 * evicted as idle: a client from another address still gets its answer
 * (one of the flood's places is taken), and the flood's own newcomers are
 * turned away. */
START_TEST(server_tcp_flood_from_one_address_leaves_room_for_others)
{
	enum { N = STATUS_TCP_CLIENTS_MAX + 4 };
	static struct tclient flood[N], other;
	start("127.0.0.1:0");
	for (int i = 0; i < N; i++) {
		tclient_tcp(&flood[i], NULL);
		while (!flood[i].connected && !flood[i].done)
			uv_run(&loop, UV_RUN_ONCE);
	}
	uint64_t asked = now_ms();
	tclient_tcp_from(&other, "status\n", "127.0.0.2");
	while (!other.done)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_uint_lt(now_ms() - asked, STATUS_IDLE_EVICT_MS);
	ck_got(&other, "status");
	run_until_closed(0);
	int turned_away = 0;
	for (int i = 0; i < N; i++) {
		if (flood[i].len > 0 &&
		    strncmp(flood[i].got, "error: too many", 15) == 0)
			turned_away++;
		free(flood[i].got);
	}
	ck_assert_int_eq(turned_away, N - STATUS_TCP_CLIENTS_MAX);
	free(other.got);
	stop();
}
END_TEST

/* One TCP source gets STATUS_RATE_BURST requests at once, then one in
 * STATUS_RATE_PER_S a second; the Unix socket is not limited. */
START_TEST(server_rate_limits_a_tcp_source)
{
	enum { N = STATUS_RATE_BURST + 20 };
	static struct tclient c[N];
	start("127.0.0.1:0");
	for (int i = 0; i < N; i++)
		tclient_tcp(&c[i], "status\n");
	run_until_closed(0);
	int limited = 0;
	for (int i = 0; i < N; i++) {
		if (c[i].len > 0 &&
		    strncmp(c[i].got, "error: too many", 15) == 0)
			limited++;
		else
			ck_got(&c[i], "status");
		free(c[i].got);
	}
	ck_assert_int_ge(limited, 10);
	ck_assert_int_le(limited, 20);
	static struct tclient u[N];
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < N / 2; i++)
			tclient_unix(&u[i], "status\n");
		run_until_closed(0);
		for (int i = 0; i < N / 2; i++) {
			ck_got(&u[i], "status");
			free(u[i].got);
		}
	}
	stop();
}
END_TEST

/* Answers are rendered once per sweep: a new sweep's results are seen
 * once the daemon says they changed, and not before. */
START_TEST(server_renders_once_per_sweep)
{
	start(NULL);
	static struct tclient a, b, c;
	tclient_unix(&a, "nagios\n");
	run_until_closed(0);
	ck_got(&a, "nagios");
	enum verdict was = items[0].verdict.verdict;
	items[0].verdict.verdict = VERDICT_FILTERED;
	tclient_unix(&b, "nagios\n");
	run_until_closed(0);
	ck_assert(b.len == a.len && memcmp(a.got, b.got, a.len) == 0);
	status_results_changed(server);
	tclient_unix(&c, "nagios\n");
	run_until_closed(0);
	ck_got(&c, "nagios");
	ck_assert(c.len != a.len || memcmp(a.got, c.got, a.len) != 0);
	items[0].verdict.verdict = was;
	free(a.got);
	free(b.got);
	free(c.got);
	stop();
}
END_TEST

/* A client on a thread of its own: `veriport status` while the daemon's
 * loop is run (or not) by the test's thread. */
struct asker {
	const char *command;
	char *answer;
	size_t len;
	int rc;
	volatile int done;
};

static void *ask_thread(void *arg)
{
	struct asker *q = arg;
	char err[256];
	q->rc =
	    status_ask(path, q->command, &q->answer, &q->len, err, sizeof err);
	__atomic_store_n(&q->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* With its own thread, the server answers the report commands while the
 * daemon's loop does not run at all (a stalled loop delays no monitor),
 * and takes every other command to that loop. */
START_TEST(server_own_thread_answers_while_the_loop_stalls)
{
	char err[256];
	struct status_options o = {
	    .socket_path = path, .socket_mode = 0600, .own_thread = true};
	ck_assert_int_eq(
	    status_start(&loop, &o, &src, &server, err, sizeof err), 0);
	status_results_changed(server);
	ck_assert_int_eq(status_go(server), 0);
	static const char *const reports[] = {"status", "metrics", "nagios",
					      "table"};
	for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
		char *a, *want;
		size_t len, wlen;
		/* Nobody runs the daemon's loop meanwhile. */
		ck_assert_msg(status_ask(path, reports[i], &a, &len, err,
					 sizeof err) == 0,
			      "%s: %s", reports[i], err);
		want = status_answer(&src, reports[i], &wlen);
		ck_assert_msg(len == wlen && memcmp(a, want, len) == 0,
			      "%s: another answer", reports[i]);
		free(a);
		free(want);
	}
	/* A new sweep's answers are handed over: served from then on. */
	enum verdict was = items[0].verdict.verdict;
	items[0].verdict.verdict = VERDICT_FILTERED;
	status_results_changed(server);
	char *a, *want;
	size_t len, wlen;
	want = status_answer(&src, "nagios", &wlen);
	for (int tries = 0; tries < 100; tries++) {
		ck_assert_int_eq(
		    status_ask(path, "nagios", &a, &len, err, sizeof err), 0);
		if (len == wlen && memcmp(a, want, len) == 0)
			break;
		free(a);
		a = NULL;
		usleep(10000);
	}
	ck_assert_msg(a != NULL, "the new sweep's answer never came");
	free(a);
	free(want);
	items[0].verdict.verdict = was;
	status_results_changed(server);
	/* `help` is answered on the daemon's loop: it comes once that loop
	 * runs. */
	struct asker q = {.command = "help"};
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, ask_thread, &q), 0);
	for (int i = 0; i < 5000 && !__atomic_load_n(&q.done, __ATOMIC_ACQUIRE);
	     i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(q.rc, 0);
	want = status_answer(&src, "help", &wlen);
	ck_assert(q.len == wlen && memcmp(q.answer, want, wlen) == 0);
	free(q.answer);
	free(want);
	stop();
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* A server with its own thread stopped before it served (the daemon
 * failed between start and go) leaves nothing behind. */
START_TEST(server_own_thread_stopped_before_go)
{
	char err[256];
	struct status_options o = {
	    .socket_path = path, .socket_mode = 0600, .own_thread = true};
	ck_assert_int_eq(
	    status_start(&loop, &o, &src, &server, err, sizeof err), 0);
	status_results_changed(server);
	stop();
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(server_overlong_command_gets_one_error_line)
{
	static char longest[STATUS_COMMAND_MAX + 2];
	static char over[STATUS_COMMAND_MAX + 51];
	memset(longest, 'x', STATUS_COMMAND_MAX);
	longest[STATUS_COMMAND_MAX] = '\n';
	memset(over, 'x', STATUS_COMMAND_MAX + 50);
	start(NULL);
	static struct tclient c[2];
	tclient_unix(&c[0], over); /* no newline: answered without one */
	tclient_unix(&c[1], longest);
	run_until_closed(0);
	ck_got_text(&c[0], "error: command longer than 256 bytes\n");
	ck_assert_uint_lt(c[0].closed_ms, 1000);
	ck_got(&c[1], longest);
	ck_assert_int_eq(strncmp(c[1].got, "error: unknown command 'x", 25), 0);
	free(c[0].got);
	free(c[1].got);
	stop();
}
END_TEST

/* Blank lines are allowed before an HTTP request line, so they are held
 * until the TCP listener knows what it reads; at the end of input they are
 * a command line, bounded like any other. */
START_TEST(server_blank_lines_then_eof_on_tcp_stay_in_bounds)
{
	static char blank[STATUS_COMMAND_MAX + 3];
	memset(blank, '\n', STATUS_COMMAND_MAX + 2);
	start("127.0.0.1:0");
	static struct tclient c;
	tclient_tcp(&c, blank);
	c.shut = true;
	run_until_closed(0);
	ck_assert(c.eof);
	ck_assert_int_eq(strncmp(c.got, "error: ", 7), 0);
	free(c.got);
	stop();
}
END_TEST

/* An HTTP response, read with http_parser. */
struct tresponse {
	int code;
	char body[65536];
	size_t bodylen;
	bool complete;
};

static int tresponse_on_body(http_parser *p, const char *at, size_t n)
{
	struct tresponse *r = p->data;
	ck_assert_uint_le(r->bodylen + n, sizeof r->body);
	memcpy(r->body + r->bodylen, at, n);
	r->bodylen += n;
	return 0;
}

static int tresponse_on_complete(http_parser *p)
{
	((struct tresponse *)p->data)->complete = true;
	return 0;
}

static void ck_http(const struct tclient *c, int code, const char *type,
		    const char *command)
{
	static struct tresponse r;
	memset(&r, 0, sizeof r);
	http_parser p;
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &r;
	http_parser_settings s = {.on_body = tresponse_on_body,
				  .on_message_complete = tresponse_on_complete};
	ck_assert_msg(c->eof, "no EOF (error %d)", c->error);
	http_parser_execute(&p, &s, c->got, c->len);
	http_parser_execute(&p, &s, NULL, 0);
	ck_assert_msg(r.complete, "incomplete response: '%.*s'", (int)c->len,
		      c->got);
	ck_assert_int_eq(p.status_code, code);
	char head[256];
	snprintf(head, sizeof head, "\r\nContent-Type: %s\r\n", type);
	ck_assert_ptr_nonnull(memmem(c->got, c->len, head, strlen(head)));
	static const char conn[] = "\r\nConnection: close\r\n";
	ck_assert_ptr_nonnull(memmem(c->got, c->len, conn, strlen(conn)));
	if (command != NULL) {
		size_t len;
		char *want = status_answer(&src, command, &len);
		ck_assert_msg(r.bodylen == len &&
				  memcmp(r.body, want, len) == 0,
			      "body '%.*s'", (int)r.bodylen, r.body);
		free(want);
	}
}

START_TEST(server_http_on_the_tcp_listener)
{
	static const char prometheus[] =
	    "GET /metrics HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n"
	    "User-Agent: Prometheus/2.45.0\r\n"
	    "Accept: application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
	    "Accept-Encoding: gzip\r\n"
	    "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";
	start("127.0.0.1:0");
	ck_assert_int_gt(status_tcp_port(server), 0);
	enum { METRICS, STATUS, NOPE, POST, BAD, HEAD, LINE, ACCEPT, N };
	static struct tclient c[N];
	tclient_tcp(&c[METRICS], prometheus);
	tclient_tcp(&c[STATUS], "GET /status?pretty HTTP/1.0\r\n\r\n");
	tclient_tcp(&c[NOPE], "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
	tclient_tcp(&c[POST], "POST /metrics HTTP/1.1\r\nHost: x\r\n"
			      "Content-Length: 0\r\n\r\n");
	tclient_tcp(&c[BAD], "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n");
	tclient_tcp(&c[HEAD], "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	tclient_tcp(&c[LINE], "metrics\n");
	tclient_tcp(&c[ACCEPT], "accept\n");
	run_until_closed(0);
	const char *prom = "text/plain; version=0.0.4; charset=utf-8";
	ck_http(&c[METRICS], 200, prom, "metrics");
	ck_http(&c[STATUS], 200, "application/json", "status");
	ck_http(&c[NOPE], 404, "text/plain; charset=utf-8", NULL);
	ck_http(&c[POST], 405, "text/plain; charset=utf-8", NULL);
	ck_assert_ptr_nonnull(strstr(c[POST].got, "\r\nAllow: GET, HEAD\r\n"));
	ck_http(&c[BAD], 400, "text/plain; charset=utf-8", NULL);
	/* HEAD: the head of GET /metrics, without its body */
	size_t len;
	char *metrics = status_answer(&src, "metrics", &len);
	char cl[64];
	snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n", len);
	c[HEAD].got[c[HEAD].len - 1] = '\0';
	ck_assert_ptr_nonnull(strstr(c[HEAD].got, cl));
	ck_assert_int_eq(strncmp(c[HEAD].got, "HTTP/1.1 200 OK\r\n", 17), 0);
	ck_assert_int_eq(c[HEAD].got[c[HEAD].len - 2], '\r');
	ck_got(&c[LINE], "metrics");
	ck_assert_int_eq(calls, 0);
	ck_got_text(&c[ACCEPT],
		    "error: 'accept' is taken on the Unix socket only\n");
	free(metrics);
	for (int i = 0; i < N; i++)
		free(c[i].got);
	/* before the first sweep: 200 with veriport_last_sweep_success 0,
	 * so the scrape is up and the alert says what is missing */
	fx_results = NULL;
	status_results_changed(server);
	static struct tclient early;
	tclient_tcp(&early, "GET /metrics HTTP/1.1\r\n\r\n");
	run_until_closed(0);
	ck_http(&early, 200, prom, "metrics");
	ck_assert_ptr_nonnull(memmem(early.got, early.len,
				     "\nveriport_last_sweep_success 0\n", 31));
	free(early.got);
	stop();
}
END_TEST

/* A client with plain blocking calls, in a thread, while the loop runs
 * the server: it sends all it has, then reads to the end. */
struct blocking {
	int port;
	const char *send;
	char got[4096];
	size_t len;
	int error; /* errno of the read that ended it; 0 for EOF */
	uv_async_t done;
	bool finished;
};

static void *blocking_run(void *arg)
{
	struct blocking *b = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin;
	uv_ip4_addr("127.0.0.1", b->port, &sin);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		b->error = errno;
	} else {
		send(fd, b->send, strlen(b->send), MSG_NOSIGNAL);
		ssize_t n;
		while ((n = recv(fd, b->got + b->len,
				 sizeof b->got - 1 - b->len, 0)) > 0)
			b->len += (size_t)n;
		b->error = n < 0 ? errno : 0;
	}
	close(fd);
	uv_async_send(&b->done);
	return NULL;
}

static void blocking_on_done(uv_async_t *a)
{
	struct blocking *b = a->data;
	b->finished = true;
	uv_close((uv_handle_t *)a, NULL);
}

START_TEST(server_http_error_reaches_a_client_still_sending)
{
	/* A head far past STATUS_HTTP_HEAD_MAX: the server answers 431 with
	 * input still unread. Closing then would reset the connection and
	 * could destroy the answer; the client must read it, then EOF. */
	static char huge[4 * STATUS_HTTP_HEAD_MAX];
	snprintf(huge, sizeof huge,
		 "GET /metrics HTTP/1.1\r\nX-Pad: %0*d\r\n\r\n",
		 3 * STATUS_HTTP_HEAD_MAX, 0);
	start("127.0.0.1:0");
	static struct blocking b;
	b.port = status_tcp_port(server);
	b.send = huge;
	b.done.data = &b;
	ck_assert_int_eq(uv_async_init(&loop, &b.done, blocking_on_done), 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, blocking_run, &b), 0);
	while (!b.finished)
		uv_run(&loop, UV_RUN_ONCE);
	pthread_join(t, NULL);
	ck_assert_msg(b.error == 0, "read: %s", strerror(b.error));
	ck_assert_int_eq(strncmp(b.got, "HTTP/1.1 431 ", 13), 0);
	stop();
}
END_TEST

START_TEST(server_replaces_a_stale_socket_not_a_live_one)
{
	/* a socket file left by a process that died */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	start(NULL);
	/* the one now listening is live: a second server must not take it */
	char err[256];
	struct status_server *other = NULL;
	struct status_options o = {.socket_path = path};
	ck_assert_int_eq(status_start(&loop, &o, &src, &other, err, sizeof err),
			 -EADDRINUSE);
	ck_assert_ptr_null(other);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	static struct tclient c;
	tclient_unix(&c, "status\n");
	run_until_closed(0);
	ck_got(&c, "status");
	free(c.got);
	stop();
}
END_TEST

START_TEST(server_start_errors_name_the_path)
{
	char err[256];
	struct status_server *s = NULL;
	/* not a socket: left alone */
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct status_options o = {.socket_path = path};
	ck_assert_int_lt(status_start(&loop, &o, &src, &s, err, sizeof err), 0);
	ck_assert_msg(strstr(err, path) && strstr(err, "not a socket"), "%s",
		      err);
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
	/* no such folder */
	char missing[192];
	snprintf(missing, sizeof missing, "%s/none/status.sock", dir);
	o.socket_path = missing;
	ck_assert_int_eq(status_start(&loop, &o, &src, &s, err, sizeof err),
			 -ENOENT);
	ck_assert_msg(strstr(err, missing) != NULL, "%s", err);
	/* a TCP address that is no address: the socket file is not left */
	o.socket_path = path;
	o.listen = "localhost:9797";
	ck_assert_int_eq(status_start(&loop, &o, &src, &s, err, sizeof err),
			 -EINVAL);
	ck_assert_msg(strstr(err, "localhost:9797") != NULL, "%s", err);
	ck_assert_int_eq(access(path, F_OK), -1);
	o.listen = "[::1]9797";
	ck_assert_int_eq(status_start(&loop, &o, &src, &s, err, sizeof err),
			 -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

int main(void)
{
	/* A client that leaves before its answer is written must not kill
	 * the writer (the daemon ignores SIGPIPE the same way). */
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("answer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answer_status_is_report_json);
	tcase_add_test(tc, answer_metrics_is_report_prometheus);
	tcase_add_test(tc, answer_says_why_no_sweep_has_finished);
	tcase_add_test(tc, answer_nagios_takes_thresholds);
	tcase_add_test(tc, answer_nagios_ends_with_exit_line);
	tcase_add_test(tc, answer_table_is_plain_at_width_100);
	tcase_add_test(tc, answer_show_keeps_only_the_channel);
	tcase_add_test(tc, answer_probe_says_what_the_daemon_did);
	tcase_add_test(tc, answer_accept_counts_entries);
	tcase_add_test(tc, answer_help_lists_every_command);
	tcase_add_test(tc, answer_before_the_first_sweep);
	tcase_add_test(tc, answer_unknown_command_is_one_error_line);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("server");
	tcase_add_unchecked_fixture(ts, dir_create, dir_remove);
	tcase_add_checked_fixture(ts, server_setup, server_teardown);
	/* the idle-client test waits out STATUS_READ_TIMEOUT_MS */
	tcase_set_timeout(ts, 30);
	tcase_add_test(ts, server_answers_status_metrics_nagios);
	tcase_add_test(ts, server_stop_unlinks_the_socket);
	tcase_add_test(ts, server_closes_idle_clients_and_serves_others);
	tcase_add_test(ts, server_full_listener_drops_its_oldest_idle_client);
	tcase_add_test(
	    ts, server_tcp_flood_from_one_address_leaves_room_for_others);
	tcase_add_test(ts,
		       server_idle_tcp_clients_never_keep_the_unix_socket_out);
	tcase_add_test(ts, server_rate_limits_a_tcp_source);
	tcase_add_test(ts, server_renders_once_per_sweep);
	tcase_add_test(ts, server_own_thread_answers_while_the_loop_stalls);
	tcase_add_test(ts, server_own_thread_stopped_before_go);
	tcase_add_test(ts, server_overlong_command_gets_one_error_line);
	tcase_add_test(ts, server_blank_lines_then_eof_on_tcp_stay_in_bounds);
	tcase_add_test(ts, server_http_on_the_tcp_listener);
	tcase_add_test(ts, server_http_error_reaches_a_client_still_sending);
	tcase_add_test(ts, server_replaces_a_stale_socket_not_a_live_one);
	tcase_add_test(ts, server_start_errors_name_the_path);
	suite_add_tcase(s, ts);
	return check_run(s);
}
