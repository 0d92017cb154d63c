/* Probe engine on loopback, through a whole sweep: open and closed TCP
 * ports, a closed UDP port (ICMP port unreachable read from the error
 * queue), a UDP service that never answers, syslog's silence, and the
 * sweep bounded by about one timeout. Needs no root. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "veriport/listener.h"
#include "veriport/sweep.h"

#include "check_run.h"

#define TIMEOUT_MS 600

static const char text[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole there T\n"
    "row tcp-open\n    vendor v\n    from here\n    to there\n"
    "    port tcp/1 tcp\n    purpose p\n"
    "row tcp-closed\n    vendor v\n    from here\n    to there\n"
    "    port tcp/1 tcp\n    purpose p\n"
    "row udp-closed\n    vendor v\n    from here\n    to there\n"
    "    port udp/1 dns\n    purpose p\n"
    "row udp-silent\n    vendor v\n    from here\n    to there\n"
    "    port udp/1 dns\n    purpose p\n"
    "row syslog-silent\n    vendor v\n    from here\n    to there\n"
    "    port udp/1 syslog\n    purpose p\n"
    "row listener\n    vendor v\n    from there\n    to here\n"
    "    port tcp/1 tcp\n    purpose p\n";

/* A socket of the test's own, bound to an ephemeral loopback port. */
static int bound_socket(int type, uint16_t *port)
{
	int fd = socket(AF_INET, type, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int bound_any(int type, int family, uint16_t *port)
{
	int fd = socket(family, type, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_storage ss = {.ss_family = (sa_family_t)family};
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static uint16_t closed_port(int type)
{
	uint16_t port;
	close(bound_socket(type, &port));
	return port;
}

static const struct result *find(const struct results *r, const char *id)
{
	for (size_t i = 0; i < r->nitems; i++)
		if (strcmp(r->items[i].channel->id, id) == 0)
			return &r->items[i];
	ck_abort_msg("no result for %s", id);
	return NULL;
}

static void expect(const struct results *r, const char *id, enum verdict v,
		   enum reason why)
{
	const struct result *x = find(r, id);
	ck_assert_msg(x->verdict.verdict == v && x->verdict.reason == why,
		      "%s: %s/%s, expected %s/%s (%s)", id,
		      verdict_word(x->verdict.verdict),
		      reason_word(x->verdict.reason), verdict_word(v),
		      reason_word(why),
		      x->ev.nlines ? evidence_next(&x->ev, NULL) : "");
}

START_TEST(probe_sweep_classifies_loopback_channels)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &cerr),
			 0);
	uint16_t open_port, silent_port, syslog_port;
	int listener = bound_socket(SOCK_STREAM, &open_port);
	ck_assert_int_eq(listen(listener, 8), 0);
	int silent = bound_socket(SOCK_DGRAM, &silent_port);
	int syslog = bound_socket(SOCK_DGRAM, &syslog_port);
	catalog_set_port(cat, "tcp-open", open_port);
	catalog_set_port(cat, "tcp-closed", closed_port(SOCK_STREAM));
	catalog_set_port(cat, "udp-closed", closed_port(SOCK_DGRAM));
	catalog_set_port(cat, "udp-silent", silent_port);
	catalog_set_port(cat, "syslog-silent", syslog_port);
	catalog_set_port(cat, "listener", open_port);

	struct plan_map map;
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("there=127.0.0.1", &map, err, sizeof err), 0);
	struct plan_options po = {.role = "here", .maps = &map, .nmaps = 1};
	struct plan plan;
	ck_assert_int_eq(plan_build(cat, &po, &plan, err, sizeof err), 0);
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .parallel = 4, .udp_tries = 2},
	};
	struct results r;
	ck_assert_int_eq(
	    sweep_run(cat, "here", &plan, &so, &r, err, sizeof err), 0);

	ck_assert_uint_eq(r.nitems, 6);
	expect(&r, "tcp-open", VERDICT_OK, REASON_CONNECTED);
	ck_assert(find(&r, "tcp-open")->ev.latency_ms >= 0);
	ck_assert_str_eq(find(&r, "tcp-open")->address, "127.0.0.1");
	expect(&r, "tcp-closed", VERDICT_REFUSED, REASON_TCP_RESET);
	expect(&r, "udp-closed", VERDICT_REFUSED, REASON_ICMP_PORT_UNREACHABLE);
	const struct result *uc = find(&r, "udp-closed");
	ck_assert(uc->ev.icmp && !uc->ev.icmp_local && !uc->ev.icmp_v6);
	ck_assert_str_eq(uc->ev.icmp_from, "127.0.0.1");
	expect(&r, "udp-silent", VERDICT_FILTERED, REASON_NO_RESPONSE);
	expect(&r, "syslog-silent", VERDICT_UNVERIFIED,
	       REASON_NO_REPLY_EXPECTED);
	/* bound to 127.0.0.1: no other host reaches it */
	expect(&r, "listener", VERDICT_REFUSED, REASON_LOOPBACK_ONLY);
	ck_assert_int_eq(results_status(&r), RESULTS_CRITICAL);
	/* Concurrent: the two silent UDP probes each take a whole timeout,
	 * the sweep takes about one, not two. */
	ck_assert_msg(r.duration_ms < 1.8 * TIMEOUT_MS, "sweep took %.0f ms",
		      r.duration_ms);
	ck_assert_msg(r.duration_ms >= TIMEOUT_MS * 0.9, "sweep took %.0f ms",
		      r.duration_ms);

	results_free(&r);
	plan_free(&plan);
	plan_map_free(&map);
	catalog_free(cat);
	close(listener);
	close(silent);
	close(syslog);
}
END_TEST

START_TEST(probe_sweep_resolves_names_and_skips_unmapped)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(catalog_parse("demo", text, strlen(text), &cat, &cerr),
			 0);
	catalog_set_port(cat, "tcp-closed", closed_port(SOCK_STREAM));
	const char *only[] = {"tcp-closed", "udp-closed"};
	struct plan_map map;
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("tcp-closed=localhost", &map, err, sizeof err), 0);
	struct plan_options po = {
	    .role = "here", .maps = &map, .nmaps = 1, .only = only, .nonly = 2};
	struct plan plan;
	ck_assert_int_eq(plan_build(cat, &po, &plan, err, sizeof err), 0);
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .parallel = 1, .udp_tries = 1},
	};
	struct results r;
	ck_assert_int_eq(
	    sweep_run(cat, "here", &plan, &so, &r, err, sizeof err), 0);
	/* localhost comes from /etc/hosts: 127.0.0.1, and ::1 where the
	 * host lists it; every address gets its own result. */
	ck_assert_uint_ge(r.nitems, 2);
	for (size_t i = 0; i + 1 < r.nitems; i++) {
		ck_assert_str_eq(r.items[i].channel->id, "tcp-closed");
		ck_assert_str_eq(r.items[i].host, "localhost");
		ck_assert_ptr_nonnull(strstr(
		    evidence_next(&r.items[i].ev, NULL), "DNS localhost: "));
		ck_assert_int_eq(r.items[i].verdict.verdict, VERDICT_REFUSED);
	}
	expect(&r, "udp-closed", VERDICT_SKIPPED, REASON_NO_TARGET);
	results_free(&r);
	plan_free(&plan);
	plan_map_free(&map);
	catalog_free(cat);
}
END_TEST

static const char ssh_catalog[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole there T\n"
    "row banner\n    vendor v\n    from here\n    to there\n"
    "    port tcp/1 ssh\n    purpose p\n";

static const char tcp_catalog[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole there T\n"
    "row banner\n    vendor v\n    from here\n    to there\n"
    "    port tcp/1 tcp\n    purpose p\n";

/* A sweep of CAT from role "here", its role "there" mapped to
 * 127.0.0.1; the plan lives as long as the results that point into it. */
struct there_sweep {
	struct plan_map map;
	struct plan plan;
	struct results r;
};

static void sweep_there(const struct catalog *cat,
			const struct sweep_options *so, struct there_sweep *sw)
{
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("there=127.0.0.1", &sw->map, err, sizeof err), 0);
	struct plan_options po = {.role = "here", .maps = &sw->map, .nmaps = 1};
	ck_assert_int_eq(plan_build(cat, &po, &sw->plan, err, sizeof err), 0);
	ck_assert_int_eq(
	    sweep_run(cat, "here", &sw->plan, so, &sw->r, err, sizeof err), 0);
}

static void there_sweep_free(struct there_sweep *sw)
{
	results_free(&sw->r);
	plan_free(&sw->plan);
	plan_map_free(&sw->map);
}

/* One sweep of CATALOG_TEXT's channel "banner" to 127.0.0.1:PORT,
 * expected to end in V/WHY; returns its duration. */
static double sweep_one(const char *catalog_text, uint16_t port, enum verdict v,
			enum reason why)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(catalog_parse("demo", catalog_text,
				       strlen(catalog_text), &cat, &cerr),
			 0);
	catalog_set_port(cat, "banner", port);
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .parallel = 1},
	};
	struct there_sweep sw;
	sweep_there(cat, &so, &sw);
	expect(&sw.r, "banner", v, why);
	double ms = sw.r.duration_ms;
	there_sweep_free(&sw);
	catalog_free(cat);
	return ms;
}

static double sweep_banner(uint16_t port, enum verdict v, enum reason why)
{
	return sweep_one(ssh_catalog, port, v, why);
}

/* A listener whose accept queue (backlog 0) holds a connection never
 * accepted: the kernel drops every further SYN, as a firewall would.
 * Returns the listener; *FILLER is the queued connection. */
static int full_listener(uint16_t *port, int *filler)
{
	int listener = bound_socket(SOCK_STREAM, port);
	ck_assert_int_eq(listen(listener, 0), 0);
	*filler = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(*port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(connect(*filler, (struct sockaddr *)&a, sizeof a), 0);
	return listener;
}

/* Whether a connection to loopback PORT is in SYN-SENT (/proc/net/tcp:
 * "sl: local remote st", addresses and state in hex). */
static bool syn_sent_to(uint16_t port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	if (f == NULL)
		return false;
	char line[256];
	bool found = false;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		unsigned rport, st;
		found =
		    sscanf(line, " %*u: %*x:%*x %*x:%x %x", &rport, &st) == 2 &&
		    rport == port && st == 2;
	}
	fclose(f);
	return found;
}

/* The prober stopped for three timeouts, as soon as its connect is out,
 * to a far end that (ACCEPT) frees its queue while the prober is stopped,
 * so the kernel's SYN retransmission at 1 s is answered, or does not. */
static double sweep_connect_across_stop(bool accept_meanwhile, enum verdict v,
					enum reason why)
{
	uint16_t port;
	int filler;
	int listener = full_listener(&port, &filler);
	pid_t self = getpid(), peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0) {
		for (int i = 0; i < 5000 && !syn_sent_to(port); i++)
			usleep(1000);
		kill(self, SIGSTOP);
		int c = accept_meanwhile ? accept(listener, NULL, NULL) : 0;
		usleep(3 * TIMEOUT_MS * 1000);
		kill(self, SIGCONT);
		_exit(c >= 0 ? 0 : 1);
	}
	double ms = sweep_one(tcp_catalog, port, v, why);
	int status;
	ck_assert_int_eq(waitpid(peer, &status, 0), peer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(filler);
	close(listener);
	return ms;
}

/* A connect is the kernel's to answer, stopped prober or not: one still
 * unanswered when the prober runs again has had its timeout (and more)
 * and ends then, not a timeout later; one the kernel completed meanwhile
 * is read, never called filtered. */
START_TEST(probe_connect_times_out_on_the_clock)
{
	double ms = sweep_connect_across_stop(false, VERDICT_FILTERED,
					      REASON_NO_RESPONSE);
	ck_assert_msg(ms >= 3 * TIMEOUT_MS && ms < 3.7 * TIMEOUT_MS,
		      "sweep took %.0f ms", ms);
}
END_TEST

START_TEST(probe_connect_answered_while_stopped_is_read)
{
	sweep_connect_across_stop(true, VERDICT_OK, REASON_CONNECTED);
}
END_TEST

/* A peer that accepts and never greets gets one timeout, not more: the
 * engine's stall watch must not mistake its own waiting for a stall. */
START_TEST(probe_silent_peer_gets_one_timeout)
{
	uint16_t port;
	int listener = bound_socket(SOCK_STREAM, &port);
	ck_assert_int_eq(listen(listener, 1), 0);
	double ms =
	    sweep_banner(port, VERDICT_PROTOCOL_ERROR, REASON_NO_GREETING);
	ck_assert_msg(ms >= 0.9 * TIMEOUT_MS && ms < 1.5 * TIMEOUT_MS,
		      "sweep took %.0f ms", ms);
	close(listener);
}
END_TEST

/* The process stopped (SIGSTOP) for three timeouts while a probe waits
 * for a banner that arrives meanwhile: the stall is not the network's,
 * so the probe reads the banner when the process runs again (issue 9:
 * a stalled loop must never become no-greeting). */
START_TEST(probe_stopped_process_is_not_a_network_verdict)
{
	uint16_t port;
	int listener = bound_socket(SOCK_STREAM, &port);
	ck_assert_int_eq(listen(listener, 1), 0);
	pid_t self = getpid(), peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0) {
		/* The far end: once connected, stop the prober, greet,
		 * and let it run again after three of its timeouts. */
		int c = accept(listener, NULL, NULL);
		kill(self, SIGSTOP);
		usleep(100 * 1000);
		static const char banner[] = "SSH-2.0-test\r\n";
		ssize_t n = c >= 0 ? write(c, banner, sizeof banner - 1) : -1;
		usleep(3 * TIMEOUT_MS * 1000);
		kill(self, SIGCONT);
		usleep(TIMEOUT_MS * 1000);
		_exit(n > 0 ? 0 : 1);
	}
	double ms = sweep_banner(port, VERDICT_OK, REASON_ANSWERED);
	int status;
	ck_assert_int_eq(waitpid(peer, &status, 0), peer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_msg(ms >= 3 * TIMEOUT_MS, "sweep took %.0f ms", ms);
	close(listener);
}
END_TEST

#define MANY_TLS 300

/* The far end of many TLS probes: it accepts everything, and closes a
 * connection when the client sends (its ClientHello) or closes. Writes the
 * most connections it held open at once to OUT once MANY_TLS have come
 * and gone. */
_Noreturn static void count_open(int listener, int out)
{
	struct pollfd p[MANY_TLS + 1] = {{.fd = listener, .events = POLLIN}};
	int open = 0, most = 0, seen = 0;
	while (seen < MANY_TLS || open > 0) {
		if (poll(p, (nfds_t)open + 1, 10000) <= 0)
			break;
		for (int i = open; i >= 1; i--) {
			if (p[i].revents == 0)
				continue;
			/* Read first: closing over unread bytes would send
			 * a reset. */
			char buf[4096];
			while (recv(p[i].fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
				;
			close(p[i].fd);
			p[i] = p[open--];
		}
		if ((p[0].revents & POLLIN) && open < MANY_TLS) {
			int c = accept(listener, NULL, NULL);
			if (c >= 0) {
				p[++open] =
				    (struct pollfd){.fd = c, .events = POLLIN};
				seen++;
				most = open > most ? open : most;
			}
		}
	}
	ssize_t n = write(out, &most, sizeof most);
	_exit(n == sizeof most && seen == MANY_TLS ? 0 : 1);
}

/* 300 TLS channels and one handshake slot: the probes waiting connected
 * for it stay at most what two turns of the loop start (64 each, before
 * their connects are seen) and 8 per slot, not all 300 at once (all 300
 * without the bound), so a server that reaps idle connections has few of
 * ours to reap; every probe still ends in what the server did. */
START_TEST(probe_tls_waits_unconnected_for_a_slot)
{
	char *many = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&many, &len);
	fputs("profile demo\ntitle T\nsource S\nrole here H\nrole there T\n",
	      f);
	for (int i = 0; i < MANY_TLS; i++)
		fprintf(f,
			"row t%d\n    vendor v\n    from here\n    to there\n"
			"    port tcp/1 tls\n    purpose p\n",
			i);
	fclose(f);
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(catalog_parse("demo", many, len, &cat, &cerr), 0);
	free(many);
	uint16_t port;
	int listener = bound_socket(SOCK_STREAM, &port);
	ck_assert_int_eq(listen(listener, MANY_TLS), 0);
	for (size_t i = 0; i < cat->nchannels; i++)
		catalog_set_port(cat, cat->channels[i].id, port);
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0)
		count_open(listener, pipefd[1]);
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .tls_parallel = 1},
	};
	struct there_sweep sw;
	sweep_there(cat, &so, &sw);
	ck_assert_uint_eq(sw.r.nitems, MANY_TLS);
	for (size_t i = 0; i < sw.r.nitems; i++)
		expect(&sw.r, sw.r.items[i].channel->id, VERDICT_TLS_ERROR,
		       REASON_HANDSHAKE_FAILED);
	int status, most = -1;
	ck_assert_int_eq(waitpid(peer, &status, 0), peer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(read(pipefd[0], &most, sizeof most), sizeof most);
	ck_assert_msg(most > 0 && most <= 2 * 64 + 2 * 8,
		      "%d connections open at once", most);
	close(pipefd[0]);
	close(pipefd[1]);
	close(listener);
	there_sweep_free(&sw);
	catalog_free(cat);
}
END_TEST

/* Longer than a first ClientHello takes under memcheck, shorter than
 * the hold (a timeout of the first probe's). */
#define REAP_MS 1500

/* The far end of probe_held_then_ended_is_not_a_network_verdict: a
 * server that ends every connection silent for REAP_MS (an idle timeout,
 * as every mail server has) and never answers one that spoke; killed by
 * the test. */
_Noreturn static void reaper(int listener)
{
	struct pollfd p[8] = {{.fd = listener, .events = POLLIN}};
	struct timespec at[8];
	bool spoke[8] = {false};
	nfds_t n = 1;
	for (;;) {
		poll(p, n, 20);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (nfds_t i = n - 1; i >= 1; i--) {
			char buf[4096];
			if (p[i].revents & POLLIN)
				spoke[i] = recv(p[i].fd, buf, sizeof buf,
						MSG_DONTWAIT) > 0;
			long ms = (now.tv_sec - at[i].tv_sec) * 1000 +
				  (now.tv_nsec - at[i].tv_nsec) / 1000000;
			if ((p[i].revents & POLLIN && !spoke[i]) ||
			    (!spoke[i] && ms >= REAP_MS)) {
				close(p[i].fd);
				n--;
				p[i] = p[n];
				at[i] = at[n];
				spoke[i] = spoke[n];
			}
		}
		if ((p[0].revents & POLLIN) && n < 8) {
			int c = accept(listener, NULL, NULL);
			if (c >= 0) {
				p[n] =
				    (struct pollfd){.fd = c, .events = POLLIN};
				at[n] = now;
				spoke[n++] = false;
			}
		}
	}
}

/* Two TLS channels to the reaper and one handshake slot: the first
 * probe's ClientHello gets silence, so it keeps the slot for a timeout,
 * while the second waits connected and silent, and is reaped. Probed
 * alone it would have been answered like the first: the reaping is
 * this host's doing, so it is skipped (local-error), never tls-error or
 * rejected, and the evidence says how long it waited. */
START_TEST(probe_held_then_ended_is_not_a_network_verdict)
{
	static const char two[] =
	    "profile demo\ntitle T\nsource S\nrole here H\nrole there T\n"
	    "row first\n    vendor v\n    from here\n    to there\n"
	    "    port tcp/1 tls\n    purpose p\n"
	    "row second\n    vendor v\n    from here\n    to there\n"
	    "    port tcp/1 tls\n    purpose p\n";
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(catalog_parse("demo", two, strlen(two), &cat, &cerr),
			 0);
	uint16_t port;
	int listener = bound_socket(SOCK_STREAM, &port);
	ck_assert_int_eq(listen(listener, 8), 0);
	catalog_set_port(cat, "first", port);
	catalog_set_port(cat, "second", port);
	pid_t peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0)
		reaper(listener);
	/* The test CA, not the system store, which a first session would
	 * take seconds to read under memcheck, with the connection open. */
	char ca[4096];
	const char *top = getenv("top_srcdir");
	snprintf(ca, sizeof ca, "%s/tests/unit/tls/ca.pem", top ? top : ".");
	struct sweep_options so = {
	    .probe = {.timeout_ms = 2 * REAP_MS, .tls_parallel = 1},
	    .ca_file = ca,
	};
	struct there_sweep sw;
	sweep_there(cat, &so, &sw);
	kill(peer, SIGKILL);
	ck_assert_int_eq(waitpid(peer, NULL, 0), peer);
	int held = 0;
	for (size_t i = 0; i < sw.r.nitems; i++) {
		const struct result *x = &sw.r.items[i];
		if (x->verdict.verdict != VERDICT_SKIPPED)
			continue;
		held++;
		expect(&sw.r, x->channel->id, VERDICT_SKIPPED,
		       REASON_LOCAL_ERROR);
		ck_assert_str_eq(verdict_because_word(x->verdict.because),
				 "held");
		ck_assert_msg(x->ev.held_ms >= EVIDENCE_HELD_MS, "held %.0f ms",
			      x->ev.held_ms);
		bool said = false;
		for (const char *l = evidence_next(&x->ev, NULL); l != NULL;
		     l = evidence_next(&x->ev, l))
			said |= strstr(l, "connected for a TLS slot") != NULL;
		ck_assert_msg(said, "no evidence line on the wait");
	}
	ck_assert_msg(held == 1, "%d skipped: first %s/%s, second %s/%s", held,
		      verdict_word(find(&sw.r, "first")->verdict.verdict),
		      reason_word(find(&sw.r, "first")->verdict.reason),
		      verdict_word(find(&sw.r, "second")->verdict.verdict),
		      reason_word(find(&sw.r, "second")->verdict.reason));
	close(listener);
	there_sweep_free(&sw);
	catalog_free(cat);
}
END_TEST

/* A service bound to every address, to loopback only, or not at all:
 * what a remote source of the channel would find. */
START_TEST(listener_tells_reachable_from_loopback_only)
{
	struct catalog_channel ch = {
	    .id = "x", .transport = CATALOG_TCP, .check = CATALOG_CHECK_TCP};
	struct evidence ev;
	uint16_t port;
	int any = bound_any(SOCK_STREAM, AF_INET6, &port);
	ck_assert_int_eq(listen(any, 1), 0);
	ch.port = port;
	listener_check(&ch, &ev);
	ck_assert(ev.listening && !ev.loopback_only);
	evidence_free(&ev);
	close(any);
	int lo = bound_socket(SOCK_STREAM, &port);
	ck_assert_int_eq(listen(lo, 1), 0);
	ch.port = port;
	listener_check(&ch, &ev);
	ck_assert(!ev.listening && ev.loopback_only);
	ck_assert_ptr_nonnull(strstr(evidence_last(&ev), "127.0.0.1 only"));
	struct verdict_result v = verdict_decide(&ev, NULL, NULL, 0);
	ck_assert_int_eq(v.reason, REASON_LOOPBACK_ONLY);
	evidence_free(&ev);
	close(lo);
	ch.port = closed_port(SOCK_STREAM);
	listener_check(&ch, &ev);
	ck_assert(!ev.listening && !ev.loopback_only);
	evidence_free(&ev);
	int u = bound_any(SOCK_DGRAM, AF_INET, &port);
	ch.transport = CATALOG_UDP;
	ch.check = CATALOG_CHECK_SYSLOG;
	ch.port = port;
	listener_check(&ch, &ev);
	ck_assert(ev.listening);
	evidence_free(&ev);
	close(u);
}
END_TEST

/* Through --proxy: a fake proxy on loopback (a child process) answers
 * each CONNECT by the target's port; rows without the proxy attribute
 * are probed directly in the same sweep. The target's name does not
 * resolve anywhere (.invalid): only the proxy sees it. */
static const char proxy_text[] =
    "profile demo\ntitle T\nsource S\nrole here H\nrole there T\n"
    "row via-ssh\n    vendor v\n    from here\n    to there\n"
    "    port tcp/22 ssh\n    proxy\n    purpose p\n"
    "row via-denied\n    vendor v\n    from here\n    to there\n"
    "    port tcp/23 tcp\n    proxy\n    purpose p\n"
    "row via-silent\n    vendor v\n    from here\n    to there\n"
    "    port tcp/24 tcp\n    proxy\n    purpose p\n"
    "row via-502\n    vendor v\n    from here\n    to there\n"
    "    port tcp/25 tcp\n    proxy\n    purpose p\n"
    "row direct-closed\n    vendor v\n    from here\n    to there\n"
    "    port tcp/1 tcp\n    purpose p\n";

/* The fake proxy: one reply per CONNECT, by the target's port, the
 * connections kept open until it is killed. The tunnel's reply and the
 * target's first bytes come in one segment. */
static void fake_proxy(int lfd)
{
	int conns[16];
	size_t n = 0;
	while (n < sizeof conns / sizeof conns[0]) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(1);
		conns[n++] = c;
		char req[512];
		ssize_t got = 0, r;
		while (got < (ssize_t)sizeof req - 1 &&
		       (r = read(c, req + got, sizeof req - 1 - (size_t)got)) >
			   0) {
			got += r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		req[got > 0 ? got : 0] = '\0';
		const char *reply =
		    strncmp(req, "CONNECT target.invalid:", 23) != 0
			? "HTTP/1.1 400 Not what the test sent\r\n\r\n"
		    : strstr(req, ":22 HTTP/1.1\r\nHost: target.invalid:22\r\n")
			? "HTTP/1.1 200 Connection established\r\n"
			  "Proxy-Agent: fake\r\n\r\nSSH-2.0-test\r\n"
		    : strstr(req, ":23 ") ? "HTTP/1.1 407 Proxy Authentication "
					    "Required\r\n\r\n"
		    : strstr(req, ":25 ") ? "HTTP/1.0 502 Bad Gateway\r\n\r\n"
					  : NULL;
		if (reply != NULL && write(c, reply, strlen(reply)) < 0)
			_exit(1);
	}
	pause();
	_exit(0);
}

START_TEST(probe_sweep_through_a_proxy)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(
	    catalog_parse("demo", proxy_text, strlen(proxy_text), &cat, &cerr),
	    0);
	catalog_set_port(cat, "direct-closed", closed_port(SOCK_STREAM));
	uint16_t proxy_port;
	int lfd = bound_socket(SOCK_STREAM, &proxy_port);
	ck_assert_int_eq(listen(lfd, 16), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		fake_proxy(lfd);
	close(lfd);

	struct plan_map maps[2];
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("there=target.invalid", &maps[0], err, sizeof err),
	    0);
	ck_assert_int_eq(plan_parse_map("direct-closed=127.0.0.1", &maps[1],
					err, sizeof err),
			 0);
	struct plan_options po = {.role = "here", .maps = maps, .nmaps = 2};
	struct plan plan;
	ck_assert_int_eq(plan_build(cat, &po, &plan, err, sizeof err), 0);
	struct plan_proxy px = {.host = "127.0.0.1", .port = proxy_port};
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .parallel = 8},
	    .proxy = &px,
	};
	struct results r;
	ck_assert_int_eq(
	    sweep_run(cat, "here", &plan, &so, &r, err, sizeof err), 0);
	/* SIGKILL: the child inherited Check's SIGTERM handler, which ends
	 * the whole process group. */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* One result per channel: the proxy at its one address. */
	ck_assert_uint_eq(r.nitems, 5);
	expect(&r, "via-ssh", VERDICT_OK, REASON_ANSWERED);
	const struct result *ssh = find(&r, "via-ssh");
	ck_assert_str_eq(ssh->ev.dlg.greeting, "SSH-2.0-test");
	ck_assert(ssh->ev.proxy.used);
	ck_assert_int_eq(ssh->ev.proxy.step, EVIDENCE_PROXY_OPEN);
	ck_assert_uint_eq(ssh->ev.proxy.status, 200);
	ck_assert_str_eq(ssh->ev.proxy.address, "127.0.0.1");
	ck_assert_str_eq(ssh->address, "");
	ck_assert_str_eq(ssh->host, "target.invalid");
	ck_assert_ptr_nonnull(
	    strstr(evidence_next(&ssh->ev, NULL),
		   "CONNECT target.invalid port 22, the name resolved by the "
		   "proxy, not here"));
	expect(&r, "via-denied", VERDICT_REJECTED, REASON_PROXY_DENIED);
	ck_assert_uint_eq(find(&r, "via-denied")->ev.proxy.status, 407);
	expect(&r, "via-silent", VERDICT_UNREACHABLE,
	       REASON_PROXY_CANNOT_REACH);
	expect(&r, "via-502", VERDICT_UNREACHABLE, REASON_PROXY_CANNOT_REACH);
	ck_assert_uint_eq(find(&r, "via-502")->ev.proxy.status, 502);
	expect(&r, "direct-closed", VERDICT_REFUSED, REASON_TCP_RESET);
	ck_assert(!find(&r, "direct-closed")->ev.proxy.used);
	ck_assert_str_eq(find(&r, "direct-closed")->address, "127.0.0.1");
	/* The silent proxy costs one probe timeout, from the probe's own
	 * connect. */
	ck_assert_msg(r.duration_ms < 1.8 * TIMEOUT_MS, "sweep took %.0f ms",
		      r.duration_ms);

	results_free(&r);
	plan_free(&plan);
	plan_map_free(&maps[0]);
	plan_map_free(&maps[1]);
	catalog_free(cat);
}
END_TEST

/* The proxy down: every proxied channel is proxy-failed, never the
 * target's refused. */
START_TEST(probe_sweep_proxy_down_is_the_proxy_failing)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_int_eq(
	    catalog_parse("demo", proxy_text, strlen(proxy_text), &cat, &cerr),
	    0);
	catalog_set_port(cat, "direct-closed", closed_port(SOCK_STREAM));
	struct plan_map map;
	char err[256];
	ck_assert_int_eq(
	    plan_parse_map("there=127.0.0.1", &map, err, sizeof err), 0);
	struct plan_options po = {.role = "here", .maps = &map, .nmaps = 1};
	struct plan plan;
	ck_assert_int_eq(plan_build(cat, &po, &plan, err, sizeof err), 0);
	struct plan_proxy px = {.host = "127.0.0.1",
				.port = closed_port(SOCK_STREAM)};
	struct sweep_options so = {
	    .probe = {.timeout_ms = TIMEOUT_MS, .parallel = 8},
	    .proxy = &px,
	};
	struct results r;
	ck_assert_int_eq(
	    sweep_run(cat, "here", &plan, &so, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.nitems, 5);
	expect(&r, "via-ssh", VERDICT_UNREACHABLE, REASON_PROXY_FAILED);
	/* a literal target keeps its address */
	ck_assert_str_eq(find(&r, "via-ssh")->address, "127.0.0.1");
	expect(&r, "via-denied", VERDICT_UNREACHABLE, REASON_PROXY_FAILED);
	expect(&r, "direct-closed", VERDICT_REFUSED, REASON_TCP_RESET);
	results_free(&r);
	plan_free(&plan);
	plan_map_free(&map);
	catalog_free(cat);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("loopback");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, probe_sweep_classifies_loopback_channels);
	tcase_add_test(tc, listener_tells_reachable_from_loopback_only);
	tcase_add_test(tc, probe_sweep_resolves_names_and_skips_unmapped);
	tcase_add_test(tc, probe_sweep_through_a_proxy);
	tcase_add_test(tc, probe_sweep_proxy_down_is_the_proxy_failing);
	tcase_add_test(tc, probe_silent_peer_gets_one_timeout);
	tcase_add_test(tc, probe_stopped_process_is_not_a_network_verdict);
	tcase_add_test(tc, probe_connect_times_out_on_the_clock);
	tcase_add_test(tc, probe_connect_answered_while_stopped_is_read);
	tcase_add_test(tc, probe_tls_waits_unconnected_for_a_slot);
	tcase_add_test(tc, probe_held_then_ended_is_not_a_network_verdict);
	suite_add_tcase(s, tc);
	return check_run(s);
}
