/* Remembered state (trust on first use): what counts as a change and what
 * the evidence line says, learn and accept, the greeting rule, and the
 * file: round trip, atomic save, corrupt files refused and set aside, a
 * folder that cannot be written. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "veriport/xalloc.h"
#include "veriport/pins.h"

#include "check_run.h"

/* 2026-11-20T10:00:00Z and three days later. */
#define T0 ((time_t)1795168800)
#define T1 ((time_t)1795426200)

#define SPKI_OLD                                                               \
	"3f2a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef"
#define SPKI_NEW                                                               \
	"91bc4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80910"

static struct catalog_channel chan_smtp = {.id = "smtp-out", .port = 25};
static struct catalog_channel chan_imap = {.id = "imap-in", .port = 143};

static struct result make(const struct catalog_channel *c, const char *addr)
{
	struct result r;
	memset(&r, 0, sizeof r);
	r.channel = c;
	r.host = "mx.example.net";
	r.port = c->port;
	snprintf(r.address, sizeof r.address, "%s", addr);
	r.ev.latency_ms = -1;
	return r;
}

/* The TLS facts the tests' results point to; results are copied by value
 * here, so the facts are freed once, when the test ends. */
static struct tlsio_facts *facts_made[16];
static size_t nfacts_made;

static struct tlsio_facts *facts_new(void)
{
	ck_assert_uint_lt(nfacts_made,
			  sizeof facts_made / sizeof facts_made[0]);
	return facts_made[nfacts_made++] =
		   xcalloc(1, sizeof(struct tlsio_facts));
}

static void facts_free_all(void)
{
	while (nfacts_made > 0)
		free(facts_made[--nfacts_made]);
}

static void with_tls(struct result *r, const char *spki, const char *issuer)
{
	r->ev.tls_attempted = true;
	r->ev.tls_done = true;
	if (r->ev.tls == NULL)
		r->ev.tls = facts_new();
	snprintf(r->ev.tls->spki_sha256, sizeof r->ev.tls->spki_sha256, "%s",
		 spki);
	snprintf(r->ev.tls->issuer, sizeof r->ev.tls->issuer, "%s", issuer);
}

static void with_starttls(struct result *r, bool offered)
{
	r->ev.starttls_checked = true;
	r->ev.dlg.starttls_offered = offered;
}

static void with_greeting(struct result *r, const char *g)
{
	snprintf(r->ev.dlg.greeting, sizeof r->ev.dlg.greeting, "%s", g);
}

static struct results one(struct result *r)
{
	struct results rs = {.items = r, .nitems = 1};
	return rs;
}

/* A result for smtp-out at 192.0.2.10 with every fact. */
static struct result full(const char *spki, const char *issuer, bool offered,
			  const char *greeting)
{
	struct result r = make(&chan_smtp, "192.0.2.10");
	with_tls(&r, spki, issuer);
	with_starttls(&r, offered);
	with_greeting(&r, greeting);
	return r;
}

#define GREETING "220 mx.example.net ESMTP Postfix (Debian/GNU)"

static struct pins *learned(struct result *r)
{
	struct pins *st = pins_new();
	struct results rs = one(r);
	ck_assert_uint_eq(pins_learn(st, &rs, T0), 1);
	return st;
}

START_TEST(pins_same_facts_are_not_changed)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	char what[200] = "";
	ck_assert(!pins_changed(st, &r, what, sizeof what));
	ck_assert_str_eq(what, "");
	struct results rs = one(&r);
	ck_assert_uint_eq(pins_learn(st, &rs, T1), 0);
	pins_free(st);
}
END_TEST

START_TEST(pins_new_spki_is_changed_naming_old_and_new)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result now = full(SPKI_NEW, "CN=New CA", true, GREETING);
	char what[200];
	ck_assert(pins_changed(st, &now, what, sizeof what));
	ck_assert_str_eq(what,
			 "certificate changed since 2026-11-20T10:00:00Z: was "
			 "SPKI 3f2a1b2c3d4e... issuer CN=Old CA, now SPKI "
			 "91bc4d5e6f70... issuer CN=New CA");
	/* The same key under another issuer is a change too. */
	now = full(SPKI_OLD, "CN=Other CA", true, GREETING);
	ck_assert(pins_changed(st, &now, NULL, 0));
	pins_free(st);
}
END_TEST

START_TEST(pins_starttls_withdrawn_is_changed)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result now = make(&chan_smtp, "192.0.2.10");
	with_starttls(&now, false);
	with_greeting(&now, GREETING);
	char what[200];
	ck_assert(pins_changed(st, &now, what, sizeof what));
	ck_assert_str_eq(what, "STARTTLS offer changed since "
			       "2026-11-20T10:00:00Z: was offered, now not "
			       "offered");
	pins_free(st);
}
END_TEST

/* Long issuers are cut, each to half the room, so the line says both. */
START_TEST(pins_long_values_fit_the_evidence_line)
{
	struct result r = full(SPKI_OLD,
			       "CN=Example Internal Issuing CA 2,OU=Public Key "
			       "Services,O=Example Corporation,C=US",
			       true, GREETING);
	struct pins *st = learned(&r);
	struct result now = full(SPKI_NEW,
				 "CN=FortiGate CA,OU=Certificate Authority,"
				 "O=Fortinet,L=Sunnyvale,ST=California,C=US",
				 false, GREETING);
	char what[EVIDENCE_LINE_LEN];
	ck_assert(pins_changed(st, &now, what, sizeof what));
	ck_assert_msg(strstr(what, "(STARTTLS offer too)") != NULL, "%s", what);
	ck_assert_msg(strstr(what, "issuer CN=Example Internal") != NULL, "%s",
		      what);
	ck_assert_msg(strstr(what, "now SPKI 91bc4d5e6f70... issuer "
				   "CN=FortiGate CA") != NULL,
		      "%s", what);
	ck_assert_msg(strcmp(what + strlen(what) - 3, "...") == 0, "%s", what);
	pins_free(st);

	/* A short value is kept whole; the long one takes the rest. */
	r = full(SPKI_OLD, "CN=R3,O=Let's Encrypt,C=US", true, GREETING);
	st = learned(&r);
	ck_assert(pins_changed(st, &now, what, sizeof what));
	ck_assert_msg(strstr(what, "issuer CN=R3,O=Let's Encrypt,C=US, now") !=
			  NULL,
		      "%s", what);
	ck_assert_msg(strstr(what, "CN=FortiGate CA,OU=Certificate Auth") !=
			  NULL,
		      "%s", what);
	pins_free(st);
}
END_TEST

/* The evidence line details the weightiest change and names the rest. */
START_TEST(pins_several_changes_name_the_others)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result now = full(SPKI_NEW, "CN=Proxy CA", false,
				 "220 proxy.example.net ESMTP ready");
	char what[200];
	ck_assert(pins_changed(st, &now, what, sizeof what));
	ck_assert_msg(strncmp(what,
			      "certificate changed since 2026-11-20T10:00:00Z "
			      "(STARTTLS offer and greeting too): was SPKI",
			      90) == 0,
		      "%s", what);
	/* A short buffer gets a cut line, never an overrun. */
	char small[16];
	ck_assert(pins_changed(st, &now, small, sizeof small));
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	pins_free(st);
}
END_TEST

START_TEST(pins_missing_fact_is_not_changed)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	/* Connected, greeted, STARTTLS offered, then the handshake failed:
	 * that is a verdict of its own, not a remembered fact changing. */
	struct result now = make(&chan_smtp, "192.0.2.10");
	with_starttls(&now, true);
	with_greeting(&now, GREETING);
	now.ev.tls_attempted = true;
	ck_assert(!pins_changed(st, &now, NULL, 0));
	/* Nothing answered at all. */
	now = make(&chan_smtp, "192.0.2.10");
	ck_assert(!pins_changed(st, &now, NULL, 0));
	pins_free(st);
}
END_TEST

START_TEST(pins_unknown_target_is_not_changed)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result other = full(SPKI_NEW, "CN=New CA", true, GREETING);
	snprintf(other.address, sizeof other.address, "2001:db8::10");
	ck_assert(!pins_changed(st, &other, NULL, 0));
	other = full(SPKI_NEW, "CN=New CA", true, GREETING);
	other.channel = &chan_imap;
	ck_assert(!pins_changed(st, &other, NULL, 0));
	ck_assert(!pins_changed(NULL, &other, NULL, 0));
	pins_free(st);
}
END_TEST

/* Two addresses of one name may carry different certificates: each is
 * remembered on its own. */
/* A channel moved to another port ([ports]) is another target there,
 * not a changed one. */
START_TEST(pins_port_is_part_of_the_key)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result moved = full(SPKI_NEW, "CN=New CA", true, GREETING);
	moved.port = 2525;
	ck_assert(!pins_changed(st, &moved, NULL, 0));
	struct result same = full(SPKI_NEW, "CN=New CA", true, GREETING);
	ck_assert(pins_changed(st, &same, NULL, 0));
	pins_free(st);
}
END_TEST

START_TEST(pins_address_is_part_of_the_key)
{
	struct result rr[2] = {full(SPKI_OLD, "CN=CA", true, GREETING),
			       full(SPKI_NEW, "CN=CA", true, GREETING)};
	snprintf(rr[1].address, sizeof rr[1].address, "192.0.2.11");
	struct results rs = {.items = rr, .nitems = 2};
	struct pins *st = pins_new();
	ck_assert_uint_eq(pins_learn(st, &rs, T0), 2);
	ck_assert(!pins_changed(st, &rr[0], NULL, 0));
	ck_assert(!pins_changed(st, &rr[1], NULL, 0));
	pins_free(st);
}
END_TEST

START_TEST(pins_learn_skips_results_without_facts)
{
	struct result rr[3] = {make(&chan_smtp, "192.0.2.10"),
			       make(&chan_smtp, ""),
			       full(SPKI_OLD, "CN=CA", true, GREETING)};
	rr[2].host = NULL; /* a local listener check */
	rr[2].ev.listener_check = true;
	with_greeting(&rr[1], GREETING);
	struct results rs = {.items = rr, .nitems = 3};
	struct pins *st = pins_new();
	ck_assert_uint_eq(pins_learn(st, &rs, T0), 0);
	pins_free(st);
}
END_TEST

START_TEST(pins_learn_never_overwrites_but_completes)
{
	/* First sweep: the handshake failed, only the greeting is known. */
	struct result r = make(&chan_smtp, "192.0.2.10");
	with_greeting(&r, GREETING);
	struct pins *st = learned(&r);
	/* Next sweep: a certificate, first seen now. */
	struct result now = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct results rs = one(&now);
	ck_assert_uint_eq(pins_learn(st, &rs, T1), 1);
	/* A third sweep with another key is a change, not learned. */
	struct result later = full(SPKI_NEW, "CN=New CA", true, GREETING);
	rs = one(&later);
	ck_assert_uint_eq(pins_learn(st, &rs, T1 + 60), 0);
	char what[200];
	ck_assert(pins_changed(st, &later, what, sizeof what));
	ck_assert_msg(strstr(what, "since 2026-11-23T09:30:00Z") != NULL, "%s",
		      what);
	pins_free(st);
}
END_TEST

START_TEST(pins_learn_stops_at_the_limit)
{
	size_t n = PINS_ENTRIES_MAX + 1;
	struct result *rr = calloc(n, sizeof *rr);
	ck_assert_ptr_nonnull(rr);
	for (size_t i = 0; i < n; i++) {
		char addr[46];
		snprintf(addr, sizeof addr, "10.0.%zu.%zu", i / 256, i % 256);
		rr[i] = make(&chan_smtp, addr);
		with_greeting(&rr[i], GREETING);
	}
	struct results rs = {.items = rr, .nitems = n};
	struct pins *st = pins_new();
	ck_assert_uint_eq(pins_learn(st, &rs, T0), PINS_ENTRIES_MAX);
	free(rr);
	pins_free(st);
}
END_TEST

struct greeting_case {
	const char *name;
	const char *was;
	const char *now;
	bool changed;
};

static const struct greeting_case greeting_cases[] = {
    {"sendmail date",
     "220 mx.example.net ESMTP Sendmail 8.15.2/8.15.2; "
     "Mon, 23 Nov 2026 10:00:00 +0100",
     "220 mx.example.net ESMTP Sendmail 8.15.2/8.15.2; Tue, 24 Nov 2026 "
     "11:12:13 +0100",
     false},
    {"exim upgrade and date",
     "220 mx.example.net ESMTP Exim 4.96 Mon, 23 Nov 2026 10:00:00 +0100",
     "220 mx.example.net ESMTP Exim 4.97 Wed, 02 Dec 2026 08:00:00 +0100",
     false},
    {"exchange date",
     "220 mail.example.net Microsoft ESMTP MAIL Service "
     "ready at Mon, 23 Nov 2026 10:00:00 +0100",
     "220 mail.example.net Microsoft ESMTP MAIL Service ready at Sat, 28 "
     "Nov 2026 23:59:59 +0100",
     false},
    {"session id", "220 mx.example.net ESMTP 5b1f17b1804b1-42f0c1ef - gsmtp",
     "220 mx.example.net ESMTP a8e0c2d4f6b1-9c3e5a7b - gsmtp", false},
    {"numbered pool host", "220 mx1.example.net ESMTP Postfix",
     "220 mx2.example.net ESMTP Postfix", false},
    {"apop timestamp", "+OK POP3 ready <1896.697170952@mx.example.net>",
     "+OK POP3 ready <2001.697170999@mx.example.net>", false},
    {"imap capabilities",
     "* OK [CAPABILITY IMAP4rev1 STARTTLS ID IDLE] "
     "Dovecot (Debian) ready.",
     "* OK [CAPABILITY IMAP4rev1 ID IDLE] Dovecot (Debian) ready.", false},
    {"ssh security update", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
     "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u4", false},
    {"sendmail to postfix",
     "220 mx.example.net ESMTP Sendmail 8.15.2; "
     "Mon, 23 Nov 2026 10:00:00 +0100",
     "220 mx.example.net ESMTP Postfix (Debian/GNU)", true},
    {"postfix to exchange", "220 mx.example.net ESMTP Postfix",
     "220 mx.example.net Microsoft ESMTP MAIL Service ready at Mon, 23 Nov "
     "2026 10:00:00 +0100",
     true},
    {"proxy host name", "220 mx.example.net ESMTP Postfix",
     "220 fw.example.net ESMTP Postfix", true},
    {"pix fixup", "220 mx.example.net ESMTP Postfix",
     "220 ******************************", true},
    {"dovecot to exchange", "* OK Dovecot (Debian) ready.",
     "* OK The Microsoft Exchange IMAP4 service is ready.", true},
    {"ssh product", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
     "SSH-2.0-dropbear_2022.83", true},
};

START_TEST(pins_greeting_rule)
{
	const struct greeting_case *c = &greeting_cases[_i];
	struct result r = make(&chan_smtp, "192.0.2.10");
	with_greeting(&r, c->was);
	struct pins *st = learned(&r);
	struct result now = make(&chan_smtp, "192.0.2.10");
	with_greeting(&now, c->now);
	char what[200] = "";
	ck_assert_msg(pins_changed(st, &now, what, sizeof what) == c->changed,
		      "%s: expected %s", c->name,
		      c->changed ? "changed" : "unchanged");
	if (c->changed)
		ck_assert_msg(strncmp(what,
				      "greeting changed since "
				      "2026-11-20T10:00:00Z: was \"",
				      50) == 0,
			      "%s: %s", c->name, what);
	pins_free(st);
}
END_TEST

START_TEST(pins_accept_clears_the_change)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result now = full(SPKI_NEW, "CN=New CA", true, GREETING);
	ck_assert(pins_changed(st, &now, NULL, 0));
	struct results rs = one(&now);
	ck_assert_uint_eq(pins_accept(st, &rs, NULL, T1), 1);
	char what[200];
	ck_assert(!pins_changed(st, &now, what, sizeof what));
	/* The old certificate is now the change, dated by the accept. */
	ck_assert(pins_changed(st, &r, what, sizeof what));
	ck_assert_msg(strstr(what, "since 2026-11-23T09:30:00Z: was SPKI "
				   "91bc") != NULL,
		      "%s", what);
	/* Accepting what is already remembered changes nothing. */
	ck_assert_uint_eq(pins_accept(st, &rs, NULL, T1 + 60), 0);
	pins_free(st);
}
END_TEST

START_TEST(pins_accept_only_the_named_channel)
{
	struct result rr[2] = {full(SPKI_OLD, "CN=Old CA", true, GREETING),
			       full(SPKI_OLD, "CN=Old CA", true, GREETING)};
	rr[1].channel = &chan_imap;
	struct results rs = {.items = rr, .nitems = 2};
	struct pins *st = pins_new();
	ck_assert_uint_eq(pins_learn(st, &rs, T0), 2);
	with_tls(&rr[0], SPKI_NEW, "CN=New CA");
	with_tls(&rr[1], SPKI_NEW, "CN=New CA");
	ck_assert_uint_eq(pins_accept(st, &rs, "imap-in", T1), 1);
	ck_assert(pins_changed(st, &rr[0], NULL, 0));
	ck_assert(!pins_changed(st, &rr[1], NULL, 0));
	ck_assert_uint_eq(pins_accept(st, &rs, "no-such-channel", T1), 0);
	ck_assert(pins_changed(st, &rr[0], NULL, 0));
	pins_free(st);
}
END_TEST

/* A failed handshake at accept time leaves the pin as it was. */
START_TEST(pins_accept_keeps_facts_the_result_lacks)
{
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	struct pins *st = learned(&r);
	struct result now = make(&chan_smtp, "192.0.2.10");
	with_starttls(&now, false);
	struct results rs = one(&now);
	ck_assert_uint_eq(pins_accept(st, &rs, "smtp-out", T1), 1);
	ck_assert(!pins_changed(st, &now, NULL, 0));
	struct result later = full(SPKI_NEW, "CN=New CA", false, GREETING);
	ck_assert(pins_changed(st, &later, NULL, 0));
	pins_free(st);
}
END_TEST

/* Files ---------------------------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove the temporary folder and what the test left in it. */
static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

static size_t count_files(void)
{
	DIR *d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(pins_missing_file_is_empty)
{
	make_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	struct pins *st = NULL;
	char err[256] = "";
	ck_assert_int_eq(pins_load(path, &st, err, sizeof err), 0);
	ck_assert_ptr_nonnull(st);
	struct result r = full(SPKI_NEW, "CN=New CA", true, GREETING);
	ck_assert(!pins_changed(st, &r, NULL, 0));
	pins_free(st);
	remove_tmpdir();
}
END_TEST

/* A version 1 file knew no port: its entries stand for any port until
 * the first result for their key, whose port they then take. */
START_TEST(pins_version_1_file_is_migrated)
{
	make_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	static const char v1[] =
	    "{\"version\": 1, \"entries\": [{\"channel\": \"smtp-out\", "
	    "\"host\": \"mx.example.net\", \"address\": \"192.0.2.10\", "
	    "\"first_seen\": \"2026-11-20T10:00:00Z\", \"tls\": "
	    "{\"spki_sha256\": \"" SPKI_OLD "\", \"issuer\": \"CN=Old CA\", "
	    "\"since\": \"2026-11-20T10:00:00Z\"}}]}\n";
	write_text(path, v1, sizeof v1 - 1);
	struct pins *st;
	char err[256] = "";
	ck_assert_msg(pins_load(path, &st, err, sizeof err) == 0, "%s", err);
	struct result now = full(SPKI_NEW, "CN=New CA", true, GREETING);
	ck_assert(pins_changed(st, &now, NULL, 0));
	struct result same = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	ck_assert(!pins_changed(st, &same, NULL, 0));
	struct results rs = one(&same);
	ck_assert_uint_ge(pins_learn(st, &rs, T1), 1);
	ck_assert_msg(pins_save(st, path, err, sizeof err) == 0, "%s", err);
	pins_free(st);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_ptr_nonnull(strstr(text, "\"version\": 2"));
	ck_assert_ptr_nonnull(strstr(text, "\"port\": 25"));
	ck_assert_ptr_null(strstr(text, "\"port\": null"));
	/* the migrated entry holds for port 25 only */
	ck_assert_int_eq(pins_load(path, &st, err, sizeof err), 0);
	struct result moved = full(SPKI_NEW, "CN=New CA", true, GREETING);
	moved.port = 2525;
	ck_assert(!pins_changed(st, &moved, NULL, 0));
	ck_assert(pins_changed(st, &now, NULL, 0));
	pins_free(st);
}
END_TEST

START_TEST(pins_save_load_round_trip)
{
	make_tmpdir();
	char path[128], tmp[160];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	/* A stale temporary file from a crash is replaced, not followed. */
	write_text(tmp, "stale", 5);

	struct result rr[3] = {
	    full(SPKI_OLD, "CN=Old CA,O=Example \\\"Q\\\"", true, GREETING),
	    make(&chan_imap, "2001:db8::10"), make(&chan_smtp, "192.0.2.11")};
	with_starttls(&rr[1], false);
	with_greeting(&rr[1], "* OK Dovecot ready.");
	with_greeting(&rr[2], "220 mx.example.net ESMTP \"quoted\" \\ text");
	struct results rs = {.items = rr, .nitems = 3};
	struct pins *st = pins_new();
	ck_assert_uint_eq(pins_learn(st, &rs, T0), 3);
	struct result accepted = full(SPKI_NEW, "CN=New CA", true, GREETING);
	rs = one(&accepted);
	ck_assert_uint_eq(pins_accept(st, &rs, NULL, T1), 1);
	char err[256] = "";
	ck_assert_msg(pins_save(st, path, err, sizeof err) == 0, "%s", err);
	pins_free(st);

	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_uint_eq(count_files(), 1);

	ck_assert_msg(pins_load(path, &st, err, sizeof err) == 0, "%s", err);
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(
		    !pins_changed(st, i == 0 ? &accepted : &rr[i], NULL, 0),
		    "entry %zu", i);
	char what[200];
	ck_assert(pins_changed(st, &rr[0], what, sizeof what));
	ck_assert_msg(strstr(what, "since 2026-11-23T09:30:00Z") != NULL, "%s",
		      what);
	struct result imap = make(&chan_imap, "2001:db8::10");
	with_starttls(&imap, true);
	ck_assert(pins_changed(st, &imap, what, sizeof what));
	ck_assert_msg(strstr(what, "since 2026-11-20T10:00:00Z: was not "
				   "offered, now offered") != NULL,
		      "%s", what);

	/* Saving the loaded state gives the same file. */
	char path2[128];
	snprintf(path2, sizeof path2, "%s/again.json", tmpdir);
	ck_assert_msg(pins_save(st, path2, err, sizeof err) == 0, "%s", err);
	pins_free(st);
	char a[8192], b[8192];
	FILE *fa = fopen(path, "r"), *fb = fopen(path2, "r");
	size_t na = fread(a, 1, sizeof a, fa), nb = fread(b, 1, sizeof b, fb);
	fclose(fa);
	fclose(fb);
	ck_assert_uint_eq(na, nb);
	ck_assert(memcmp(a, b, na) == 0);
	ck_assert(strstr(a, "\"version\": 2") != NULL);
	remove_tmpdir();
}
END_TEST

struct corrupt_case {
	const char *name;
	const char *text; /* NULL: larger than PINS_FILE_MAX */
	const char *expect;
};

static const struct corrupt_case corrupt_cases[] = {
    {"truncated", "{\"version\": 1, \"entries\": [\n  {\"channel\": \"a\"",
     "state.json:2:"},
    {"wrong version", "{\"version\": 3, \"entries\": []}\n", "version 3"},
    {"bad port",
     "{\"version\": 2, \"entries\": [{\"channel\": \"a\", \"host\": \"h\", "
     "\"address\": \"192.0.2.1\", \"port\": 70000, \"first_seen\": "
     "\"2026-11-20T10:00:00Z\"}]}\n",
     "port"},
    {"no version", "{\"entries\": []}\n", "version"},
    {"entries not array", "{\"version\": 1, \"entries\": {}}\n", "entries"},
    {"entry lacks host",
     "{\"version\": 1, \"entries\": [{\"channel\": \"a\", \"address\": "
     "\"192.0.2.1\", \"first_seen\": \"2026-11-20T10:00:00Z\"}]}\n",
     "entry 1: "},
    {"bad time",
     "{\"version\": 1, \"entries\": [{\"channel\": \"a\", \"host\": \"h\", "
     "\"address\": \"192.0.2.1\", \"first_seen\": \"yesterday\"}]}\n",
     "first_seen"},
    {"bad spki",
     "{\"version\": 1, \"entries\": [{\"channel\": \"a\", \"host\": \"h\", "
     "\"address\": \"192.0.2.1\", \"first_seen\": "
     "\"2026-11-20T10:00:00Z\", \"tls\": {\"spki_sha256\": \"xyz\", "
     "\"issuer\": \"CN=A\", \"since\": \"2026-11-20T10:00:00Z\"}}]}\n",
     "spki_sha256"},
    {"control bytes in a remembered greeting",
     "{\"version\": 1, \"entries\": [{\"channel\": \"a\", \"host\": \"h\", "
     "\"address\": \"192.0.2.1\", \"first_seen\": "
     "\"2026-11-20T10:00:00Z\", \"greeting\": {\"text\": \"220 \\u001b[2J\", "
     "\"since\": \"2026-11-20T10:00:00Z\"}}]}\n",
     "greeting"},
    {"duplicate entry",
     "{\"version\": 1, \"entries\": ["
     "{\"channel\": \"a\", \"host\": \"h\", \"address\": \"192.0.2.1\", "
     "\"first_seen\": \"2026-11-20T10:00:00Z\"},"
     "{\"channel\": \"a\", \"host\": \"h\", \"address\": \"192.0.2.1\", "
     "\"first_seen\": \"2026-11-20T10:00:00Z\"}]}\n",
     "twice"},
    {"oversized", NULL, "larger than"},
};

START_TEST(pins_corrupt_file_is_refused_and_set_aside)
{
	const struct corrupt_case *c = &corrupt_cases[_i];
	make_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	if (c->text != NULL) {
		write_text(path, c->text, strlen(c->text));
	} else {
		size_t n = PINS_FILE_MAX + 1;
		char *big = malloc(n);
		ck_assert_ptr_nonnull(big);
		memset(big, ' ', n);
		memcpy(big, "{\"version\": 1, \"entries\": []}", 29);
		write_text(path, big, n);
		free(big);
	}
	struct pins *st = (struct pins *)1;
	char err[256] = "";
	ck_assert_int_eq(pins_load(path, &st, err, sizeof err), -EINVAL);
	ck_assert_ptr_null(st);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
		      "%s: '%s' does not name the file", c->name, err);
	ck_assert_msg(strstr(err, c->expect) != NULL, "%s: '%s' lacks '%s'",
		      c->name, err, c->expect);

	ck_assert_msg(pins_set_aside(path, T1, err, sizeof err) == 0, "%s",
		      err);
	char aside[160];
	snprintf(aside, sizeof aside, "%s.corrupt-20261123T093000Z", path);
	ck_assert_msg(strstr(err, aside) != NULL, "%s", err);
	ck_assert_int_eq(access(aside, F_OK), 0);
	ck_assert_int_eq(access(path, F_OK), -1);

	ck_assert_int_eq(pins_load(path, &st, err, sizeof err), 0);
	struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
	ck_assert(!pins_changed(st, &r, NULL, 0));
	pins_free(st);
	remove_tmpdir();
}
END_TEST

START_TEST(pins_set_aside_twice_keeps_both)
{
	make_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	char err[256];
	write_text(path, "x", 1);
	ck_assert_int_eq(pins_set_aside(path, T1, err, sizeof err), 0);
	write_text(path, "y", 1);
	ck_assert_int_eq(pins_set_aside(path, T1, err, sizeof err), 0);
	ck_assert_msg(strstr(err, ".corrupt-20261123T093000Z-1") != NULL, "%s",
		      err);
	ck_assert_uint_eq(count_files(), 2);
	ck_assert_int_lt(pins_set_aside(path, T1, err, sizeof err), 0);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	remove_tmpdir();
}
END_TEST

/* Save into a folder this process cannot write. As root (containers, CI)
 * permissions do not stop a write, so a child drops to nobody first. */
START_TEST(pins_read_only_folder_is_an_error)
{
	make_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	ck_assert_int_eq(chmod(tmpdir, 0555), 0);
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		if (geteuid() == 0 &&
		    (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		struct pins *st = pins_new();
		struct result r = full(SPKI_OLD, "CN=Old CA", true, GREETING);
		struct results rs = one(&r);
		pins_learn(st, &rs, T0);
		char err[256] = "";
		int rc = pins_save(st, path, err, sizeof err);
		pins_free(st);
		ssize_t w = write(pipefd[1], err, strlen(err));
		(void)w;
		_exit(rc < 0 ? 0 : 1);
	}
	close(pipefd[1]);
	char err[256] = "";
	ssize_t n = read(pipefd[0], err, sizeof err - 1);
	close(pipefd[0]);
	err[n > 0 ? n : 0] = '\0';
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "save did not fail (status %d): %s", status, err);
	ck_assert_msg(strstr(err, path) != NULL, "'%s' does not name %s", err,
		      path);
	ck_assert_uint_eq(count_files(), 0);
	remove_tmpdir();
}
END_TEST

START_TEST(pins_save_into_missing_folder_names_the_path)
{
	struct pins *st = pins_new();
	char err[256] = "";
	const char *path = "/nonexistent-veriport-test/state.json";
	ck_assert_int_eq(pins_save(st, path, err, sizeof err), -ENOENT);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	pins_free(st);
}
END_TEST

static Suite *pins_suite(void)
{
	Suite *s = suite_create("pins");
	TCase *tc = tcase_create("facts");
	tcase_add_checked_fixture(tc, NULL, facts_free_all);
	tcase_add_test(tc, pins_same_facts_are_not_changed);
	tcase_add_test(tc, pins_new_spki_is_changed_naming_old_and_new);
	tcase_add_test(tc, pins_starttls_withdrawn_is_changed);
	tcase_add_test(tc, pins_several_changes_name_the_others);
	tcase_add_test(tc, pins_long_values_fit_the_evidence_line);
	tcase_add_test(tc, pins_missing_fact_is_not_changed);
	tcase_add_test(tc, pins_unknown_target_is_not_changed);
	tcase_add_test(tc, pins_address_is_part_of_the_key);
	tcase_add_test(tc, pins_port_is_part_of_the_key);
	tcase_add_test(tc, pins_learn_skips_results_without_facts);
	tcase_add_test(tc, pins_learn_never_overwrites_but_completes);
	tcase_add_test(tc, pins_learn_stops_at_the_limit);
	tcase_add_loop_test(tc, pins_greeting_rule, 0,
			    sizeof greeting_cases / sizeof greeting_cases[0]);
	tcase_add_test(tc, pins_accept_clears_the_change);
	tcase_add_test(tc, pins_accept_only_the_named_channel);
	tcase_add_test(tc, pins_accept_keeps_facts_the_result_lacks);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, NULL, facts_free_all);
	tcase_add_test(tc, pins_missing_file_is_empty);
	tcase_add_test(tc, pins_save_load_round_trip);
	tcase_add_test(tc, pins_version_1_file_is_migrated);
	tcase_add_loop_test(tc, pins_corrupt_file_is_refused_and_set_aside, 0,
			    sizeof corrupt_cases / sizeof corrupt_cases[0]);
	tcase_add_test(tc, pins_set_aside_twice_keeps_both);
	tcase_add_test(tc, pins_read_only_folder_is_an_error);
	tcase_add_test(tc, pins_save_into_missing_folder_names_the_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(pins_suite());
}
