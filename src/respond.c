/* `veriport respond`: which ports a role's channels need, a token and a
 * certificate for this run, the loop that answers probes until the
 * duration ends or a signal comes, the control port's answers, and the
 * two tables (what listens; what came). Connections: respond_conn.c;
 * sockets: respond_port.c; the protocols: src/rsp/. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "respond_impl.h"
#include "veriport/text.h"
#include "veriport/xalloc.h"

static const char *const default_binds[] = {"0.0.0.0", "::"};

uint64_t respond_now_ms(const struct respond *rs)
{
	return uv_now(rs->loop) - rs->started_ms;
}

void respond_address_text(const struct sockaddr *sa, char *addr, size_t len,
			  uint16_t *port)
{
	addr[0] = '\0';
	*port = 0;
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)len);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)len);
		*port = ntohs(in6->sin6_port);
	}
}

void respond_record(struct respond *rs, const struct sockaddr *from,
		    const struct respond_port *p, const char *asked)
{
	if (rs->nrecords == RESPOND_RECORDS_MAX) {
		rs->records_dropped++;
		return;
	}
	struct respond_record *r = &rs->records[rs->nrecords++];
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
	respond_address_text(from, addr, sizeof addr, &port);
	if (from != NULL && from->sa_family == AF_INET6)
		snprintf(r->source, sizeof r->source, "[%s]:%u", addr, port);
	else
		snprintf(r->source, sizeof r->source, "%s:%u", addr, port);
	r->at_ms = respond_now_ms(rs);
	r->port = p->port;
	r->transport = p->transport;
	snprintf(r->asked, sizeof r->asked, "%s", asked);
}

void respond_on_datagram(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
			 const struct sockaddr *from, unsigned flags)
{
	struct respond_port *p = udp->data;
	struct respond *rs = p->rs;
	(void)flags;
	if (nread < 0 || from == NULL || rs->stopping)
		return;
	p->reached++;
	const uint8_t *in = (const uint8_t *)buf->base;
	size_t len = (size_t)nread;
	/* Remembered for the control port: the digest, who sent it, where
	 * it came in. A ring: the oldest goes first. */
	struct respond_datagram *d = &rs->datagrams[rs->next_datagram];
	respond_control_digest(in, len, d->digest);
	uint16_t sport;
	respond_address_text(from, d->address, sizeof d->address, &sport);
	d->port = p->port;
	rs->next_datagram = (rs->next_datagram + 1) % RESPOND_DATAGRAMS_MAX;
	if (rs->ndatagrams < RESPOND_DATAGRAMS_MAX)
		rs->ndatagrams++;
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	struct rsp_params params = {.token = rs->token.token,
				    .now_ms = (uint64_t)time(NULL) * 1000};
	size_t n = rsp_udp_answer(p->check, &params, in, len, out, sizeof out,
				  asked, sizeof asked);
	char note[RSP_ASKED_MAX + 64];
	snprintf(note, sizeof note, "%s (%zd bytes%s)", asked, nread,
		 n > 0 ? ", answered" : "");
	respond_record(rs, from, p, note);
	/* A responder answers probes, it must not be a reflector: at most
	 * RESPOND_UDP_ANSWERS_PER_S answers a second on one port. */
	uint64_t second = uv_now(rs->loop) / 1000;
	if (second != p->answer_second) {
		p->answer_second = second;
		p->answers = 0;
	}
	if (n > 0 && ++p->answers > RESPOND_UDP_ANSWERS_PER_S)
		n = 0;
	if (n > 0) {
		uv_buf_t b = uv_buf_init((char *)out, (unsigned)n);
		/* A reply that does not go at once is dropped: UDP. */
		(void)uv_udp_try_send(udp, &b, 1, from);
	}
}

void respond_control_answer(struct respond *rs, const char *line, size_t len,
			    char *out, size_t outlen)
{
	/* "seen TOKEN DIGEST" */
	char verb[8], token[RSP_TOKEN_MAX + 1], digest[RESPOND_DIGEST_HEX + 2];
	char extra[2];
	if (len > RESPOND_CONTROL_LINE_MAX ||
	    sscanf(line, "%7s %64s %33s %1s", verb, token, digest, extra) !=
		3 ||
	    strcmp(verb, "seen") != 0) {
		snprintf(out, outlen, "error: usage: seen TOKEN DIGEST\n");
		return;
	}
	if (strcmp(token, rs->token.token) != 0) {
		snprintf(out, outlen, "error: token\n");
		return;
	}
	bool hex = strlen(digest) == RESPOND_DIGEST_HEX;
	for (size_t i = 0; hex && digest[i] != '\0'; i++)
		hex = (digest[i] >= '0' && digest[i] <= '9') ||
		      (digest[i] >= 'a' && digest[i] <= 'f');
	if (!hex) {
		snprintf(out, outlen,
			 "error: digest: expected %d lowercase hex digits\n",
			 RESPOND_DIGEST_HEX);
		return;
	}
	for (size_t i = 0; i < rs->ndatagrams; i++) {
		/* Newest first: the latest arrival of the same bytes. */
		size_t k = (rs->next_datagram + RESPOND_DATAGRAMS_MAX - 1 - i) %
			   RESPOND_DATAGRAMS_MAX;
		const struct respond_datagram *d = &rs->datagrams[k];
		if (strcmp(d->digest, digest) == 0) {
			snprintf(out, outlen, "yes %s %u\n", d->address,
				 d->port);
			return;
		}
	}
	snprintf(out, outlen, "no\n");
}

/* The channels of the run, one port entry per (transport, port). */
static int choose_ports(struct respond *rs, char *err, size_t errlen)
{
	const struct respond_options *o = rs->o;
	const struct catalog *cat = o->cat;
	const struct catalog_role *role = catalog_role_find(cat, o->role);
	if (role == NULL) {
		char roles[512];
		catalog_role_list(cat, roles, sizeof roles);
		snprintf(err, errlen,
			 "unknown role '%s' in profile %s (roles: ", o->role,
			 cat->profile);
		text_appendf(err, errlen, "%s)", roles);
		return -EINVAL;
	}
	size_t ri = (size_t)(role - cat->roles);
	for (size_t i = 0; i < o->nonly; i++) {
		const struct catalog_channel *ch =
		    catalog_channel_find(cat, o->only[i]);
		if (ch == NULL) {
			snprintf(err, errlen, "--only %s: no such channel",
				 o->only[i]);
			return -EINVAL;
		}
		if (ch->to != ri) {
			snprintf(err, errlen,
				 "channel %s goes to %s, not to %s: its "
				 "responder runs there",
				 ch->id, cat->roles[ch->to].id, o->role);
			return -EINVAL;
		}
	}
	rs->ports = xcalloc(cat->nchannels, sizeof *rs->ports);
	for (size_t i = 0; i < cat->nchannels; i++) {
		const struct catalog_channel *ch = &cat->channels[i];
		bool wanted = o->nonly == 0;
		for (size_t k = 0; k < o->nonly; k++)
			wanted = wanted || strcmp(o->only[k], ch->id) == 0;
		if (ch->to != ri || !wanted)
			continue;
		/* An --only names a channel outright; otherwise optional
		 * ones wait for --optional. Group members are required. */
		if (ch->optional && !o->optional && o->nonly == 0)
			continue;
		struct respond_port *p = NULL;
		for (size_t k = 0; k < rs->nports; k++)
			if (rs->ports[k].port == ch->port &&
			    rs->ports[k].transport == ch->transport)
				p = &rs->ports[k];
		if (p == NULL) {
			p = &rs->ports[rs->nports++];
			p->transport = ch->transport;
			p->port = ch->port;
			p->check = ch->check;
		} else if (p->check != ch->check && o->err != NULL) {
			/* One port speaks one protocol: the first row's. */
			fprintf(o->err,
				"veriport respond: %s/%u: %s is a %s check; "
				"answered as %s\n",
				catalog_transport_name(ch->transport), ch->port,
				ch->id, catalog_check_name(ch->check),
				catalog_check_name(p->check));
		}
		if (p->channels[0] != '\0')
			text_appendf(p->channels, sizeof p->channels, ", ");
		text_appendf(p->channels, sizeof p->channels, "%s", ch->id);
	}
	if (rs->nports == 0) {
		snprintf(err, errlen,
			 "no channel of profile %s has the target role %s%s",
			 cat->profile, o->role,
			 o->optional || o->nonly ? "" : " (try --optional)");
		return -ENOENT;
	}
	return 0;
}

/* Hundreds of clients per port: the descriptor limit goes as high as it
 * may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void print_start(const struct respond *rs)
{
	FILE *f = rs->o->out;
	fprintf(f, "veriport respond: profile %s, role %s\n",
		rs->o->cat->profile, rs->o->role);
	fprintf(f, "token %s\n", rs->token.token);
	fprintf(f, "certificate spki-sha256 %s\n", rs->token.spki_sha256);
	fprintf(f, "\n%-10s %-14s %s\n", "PORT", "CHECK", "CHANNELS");
	for (size_t i = 0; i <= rs->nports; i++) {
		const struct respond_port *p =
		    i < rs->nports ? &rs->ports[i] : &rs->control;
		char port[16];
		snprintf(port, sizeof port, "%s/%u",
			 catalog_transport_name(p->transport), p->port);
		fprintf(f, "%-10s %-14s %s\n", port,
			p->control ? "-" : catalog_check_name(p->check),
			p->channels);
		fprintf(f, "%-10s %-14s %s\n", "", "", p->status);
	}
	fprintf(f, "\n");
	fflush(f);
}

static void print_end(const struct respond *rs)
{
	FILE *f = rs->o->out;
	fprintf(f, "\n%-9s %-28s %-10s %s\n", "TIME", "SOURCE", "PORT",
		"ASKED");
	for (size_t i = 0; i < rs->nrecords; i++) {
		const struct respond_record *r = &rs->records[i];
		char port[16];
		snprintf(port, sizeof port, "%s/%u",
			 catalog_transport_name(r->transport), r->port);
		fprintf(f, "%8.3fs %-28s %-10s %s\n", (double)r->at_ms / 1000,
			r->source, port, r->asked);
	}
	if (rs->records_dropped > 0)
		fprintf(f, "(%lu more probes not kept)\n", rs->records_dropped);
	if (rs->evicted > 0)
		fprintf(f,
			"(%lu connections closed at the bound of %u "
			"clients)\n",
			rs->evicted, rs->o->max_clients);
	fprintf(f, "\n");
	unsigned open = 0, reached = 0;
	for (size_t i = 0; i < rs->nports; i++) {
		const struct respond_port *p = &rs->ports[i];
		if (p->nopen == 0)
			continue;
		open++;
		if (p->reached > 0)
			reached++;
		else
			fprintf(f, "not reached: %s/%u (%s)\n",
				catalog_transport_name(p->transport), p->port,
				p->channels);
	}
	fprintf(f, "%u of %u port%s reached\n", reached, open,
		open == 1 ? "" : "s");
	fflush(f);
}

static void stop(struct respond *rs)
{
	if (rs->stopping)
		return;
	rs->stopping = true;
	for (size_t i = 0; i < rs->nports; i++)
		respond_port_close(&rs->ports[i]);
	respond_port_close(&rs->control);
	uv_close((uv_handle_t *)&rs->stop_timer, NULL);
	uv_close((uv_handle_t *)&rs->sigint, NULL);
	uv_close((uv_handle_t *)&rs->sigterm, NULL);
}

static void on_stop_timer(uv_timer_t *t)
{
	stop(t->data);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)signum;
	stop(s->data);
}

int respond_run(const struct respond_options *o)
{
	struct respond rs;
	memset(&rs, 0, sizeof rs);
	rs.o = o;
	char err[512];
	if (choose_ports(&rs, err, sizeof err) != 0) {
		fprintf(o->err, "veriport respond: %s\n", err);
		free(rs.ports);
		return RESPOND_EXIT_ERROR;
	}
	if (respond_token_generate(rs.token.token) != 0) {
		fprintf(o->err,
			"veriport respond: no random bytes for a token\n");
		free(rs.ports);
		return RESPOND_EXIT_ERROR;
	}
	char cn[RSP_TOKEN_MAX + 32];
	snprintf(cn, sizeof cn, "veriport-respond %s", rs.token.token);
	if (tlsio_server_ctx_new(&rs.tls, o->cert_file, o->key_file, cn,
				 rs.token.spki_sha256, err, sizeof err) != 0) {
		fprintf(o->err, "veriport respond: %s\n", err);
		free(rs.ports);
		return RESPOND_EXIT_ERROR;
	}
	rs.token.control_port = o->control_port;
	snprintf(rs.token.profile, sizeof rs.token.profile, "%s",
		 o->cat->profile);
	snprintf(rs.token.role, sizeof rs.token.role, "%s", o->role);
	raise_fd_limit();
	uv_loop_t loop;
	int lrc = uv_loop_init(&loop);
	if (lrc < 0) {
		/* An epoll descriptor and an eventfd are the loop's: without
		 * them (EMFILE under a tiny ulimit -n) nothing can run. */
		fprintf(o->err, "veriport respond: no event loop: %s\n",
			uv_strerror(lrc));
		tlsio_ctx_free(rs.tls);
		free(rs.ports);
		return RESPOND_EXIT_ERROR;
	}
	rs.records = xcalloc(RESPOND_RECORDS_MAX, sizeof *rs.records);
	rs.datagrams = xcalloc(RESPOND_DATAGRAMS_MAX, sizeof *rs.datagrams);
	rs.loop = &loop;
	rs.started_ms = uv_now(&loop);
	const char *const *binds = o->nbinds ? o->binds : default_binds;
	size_t nbinds = o->nbinds ? o->nbinds : 2;
	unsigned opened = 0;
	for (size_t i = 0; i < rs.nports; i++) {
		respond_port_open(&rs, &rs.ports[i], binds, nbinds,
				  o->nbinds > 0);
		if (rs.ports[i].nopen > 0)
			opened++;
	}
	rs.control.transport = CATALOG_TCP;
	rs.control.port = (uint16_t)o->control_port;
	rs.control.control = true;
	snprintf(rs.control.channels, sizeof rs.control.channels, "(control)");
	respond_port_open(&rs, &rs.control, binds, nbinds, o->nbinds > 0);
	int status = RESPOND_EXIT_ERROR;
	if (opened == 0) {
		fprintf(o->err, "veriport respond: no port could be opened\n");
		print_start(&rs);
		rs.stopping = false;
		for (size_t i = 0; i < rs.nports; i++)
			respond_port_close(&rs.ports[i]);
		respond_port_close(&rs.control);
		uv_run(&loop, UV_RUN_DEFAULT);
		goto out;
	}
	if (o->token_file != NULL &&
	    respond_file_write(o->token_file, &rs.token, err, sizeof err) != 0)
		fprintf(o->err, "veriport respond: %s\n", err);
	print_start(&rs);
	uv_timer_init(&loop, &rs.stop_timer);
	rs.stop_timer.data = &rs;
	uv_timer_start(&rs.stop_timer, on_stop_timer,
		       (uint64_t)(o->duration_s * 1000), 0);
	uv_signal_init(&loop, &rs.sigint);
	uv_signal_init(&loop, &rs.sigterm);
	rs.sigint.data = rs.sigterm.data = &rs;
	uv_signal_start(&rs.sigint, on_signal, SIGINT);
	uv_signal_start(&rs.sigterm, on_signal, SIGTERM);
	uv_run(&loop, UV_RUN_DEFAULT);
	print_end(&rs);
	status = RESPOND_EXIT_ALL_REACHED;
	for (size_t i = 0; i < rs.nports; i++)
		if (rs.ports[i].nopen > 0 && rs.ports[i].reached == 0)
			status = RESPOND_EXIT_SOME_UNREACHED;
out:
	if (uv_loop_close(&loop) != 0)
		fatalx("a handle outlived the responder");
	tlsio_ctx_free(rs.tls);
	free(rs.records);
	free(rs.datagrams);
	free(rs.ports);
	return status;
}
