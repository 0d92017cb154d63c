/* The daemon's remembered state (trust on first use, like ssh's
 * known_hosts): per (channel, host, address, port) the certificate, the
 * STARTTLS offer and the greeting first seen, kept in a JSON file written
 * atomically. No probing and no logging here: callers log what ERR says. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/pins.h"
#include "veriport/xalloc.h"

#include "pins_impl.h"

/* Old and new values are quoted in one evidence line (EVIDENCE_LINE_LEN
 * is 200), each cut to half the room left; never shorter than this. */
#define PINS_QUOTE_MIN 12
/* Hex digits of an SPKI hash shown in the evidence; enough to tell two
 * keys apart at a glance, the full hash is in the JSON report. */
#define PINS_SPKI_SHOWN 12
/* Bounds of one greeting's signature: the words compared. */
#define PINS_SIGNATURE_MAX DLG_DETAIL_MAX

struct pins *pins_new(void)
{
	return xcalloc(1, sizeof(struct pins));
}

static void entry_clear(struct pins_entry *e)
{
	free(e->channel);
	free(e->host);
}

void pins_free(struct pins *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nentries; i++)
		entry_clear(&st->entries[i]);
	free(st->entries);
	free(st);
}

/* Keys ---------------------------------------------------------------- */

/* The key: a channel moved to another port ([ports]) is another
 * target, not a changed one. */
struct key {
	const char *channel, *host, *address;
	uint16_t port;
};

static struct key key_of(const struct result *r, uint16_t port)
{
	return (struct key){r->channel->id, r->host, r->address, port};
}

static int key_cmp(const struct key *k, const struct pins_entry *e)
{
	int c = strcmp(k->channel, e->channel);
	if (c == 0)
		c = strcmp(k->host, e->host);
	if (c == 0)
		c = strcmp(k->address, e->address);
	if (c == 0)
		c = (int)k->port - (int)e->port;
	return c;
}

int pins_entry_cmp(const void *a, const void *b)
{
	const struct pins_entry *x = a;
	struct key k = {x->channel, x->host, x->address, x->port};
	return key_cmp(&k, b);
}

/* Index of the entry for the key, or where it would go (*FOUND false). */
static size_t find(const struct pins *st, const struct key *k, bool *found)
{
	size_t lo = 0, hi = st->nentries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(k, &st->entries[mid]);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

/* A result that names a target the daemon can remember: it was probed at
 * an address (skipped channels and local listener checks were not). */
static bool keyable(const struct result *r)
{
	return r->channel != NULL && r->channel->id != NULL &&
	       r->host != NULL && r->address[0] != '\0' && !r->ev.skipped &&
	       !r->ev.listener_check;
}

static bool result_has_tls(const struct result *r)
{
	return r->ev.tls_done && r->ev.tls->spki_sha256[0] != '\0';
}

static bool result_has_greeting(const struct result *r)
{
	return r->ev.dlg.greeting[0] != '\0';
}

static bool result_has_facts(const struct result *r)
{
	return result_has_tls(r) || r->ev.starttls_checked ||
	       result_has_greeting(r);
}

/* R's entry: the one of its port, else one read from a version 1 file
 * (port 0), which stands for any port until R's port takes it. */
static const struct pins_entry *lookup(const struct pins *st,
				       const struct result *r)
{
	bool found;
	struct key k = key_of(r, r->port);
	size_t i = find(st, &k, &found);
	if (!found) {
		k.port = 0;
		i = find(st, &k, &found);
	}
	return found ? &st->entries[i] : NULL;
}

/* A version 1 entry for R's key takes R's port: it moves to its place. */
static void adopt_legacy(struct pins *st, const struct result *r)
{
	bool found;
	struct key k = key_of(r, 0);
	size_t i = find(st, &k, &found);
	if (!found || r->port == 0)
		return;
	struct pins_entry e = st->entries[i];
	memmove(&st->entries[i], &st->entries[i + 1],
		(st->nentries - i - 1) * sizeof *st->entries);
	st->nentries--;
	e.port = r->port;
	k.port = r->port;
	size_t at = find(st, &k, &found);
	if (found) { /* the port has its own entry already */
		free(e.channel);
		free(e.host);
		return;
	}
	memmove(&st->entries[at + 1], &st->entries[at],
		(st->nentries - at) * sizeof *st->entries);
	st->entries[at] = e;
	st->nentries++;
}

/* Insert a new entry for R at its place; NULL when the state is full. */
static struct pins_entry *insert(struct pins *st, const struct result *r,
				 time_t now)
{
	bool found;
	adopt_legacy(st, r);
	struct key k = key_of(r, r->port);
	size_t at = find(st, &k, &found);
	if (found)
		return &st->entries[at];
	if (st->nentries >= PINS_ENTRIES_MAX)
		return NULL;
	if (st->nentries == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->entries =
		    xreallocarray(st->entries, st->cap, sizeof *st->entries);
	}
	memmove(&st->entries[at + 1], &st->entries[at],
		(st->nentries - at) * sizeof *st->entries);
	st->nentries++;
	struct pins_entry *e = &st->entries[at];
	memset(e, 0, sizeof *e);
	e->channel = xstrdup(r->channel->id);
	e->host = xstrdup(r->host);
	snprintf(e->address, sizeof e->address, "%s", r->address);
	e->port = r->port;
	e->first_seen = now;
	return e;
}

/* Greetings ------------------------------------------------------------ */

static bool has_digit(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)w[i]))
			return true;
	return false;
}

/* A weekday or month name, as dates in greetings start (RFC 5322 §3.3
 * date-time, which Sendmail, Exim and Exchange put there). */
static bool is_date_word(const char *w, size_t n)
{
	static const char *const names[] = {
	    "mon", "tue", "wed", "thu", "fri", "sat", "sun",
	    "jan", "feb", "mar", "apr", "may", "jun", "jul",
	    "aug", "sep", "oct", "nov", "dec",
	};
	while (n > 0 && ispunct((unsigned char)w[n - 1]))
		n--;
	if (n != 3)
		return false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strncasecmp(w, names[i], 3) == 0)
			return true;
	return false;
}

/* An SMTP reply code on its own ("220", "220-"): the host name follows. */
static bool is_reply_code(const char *w, size_t n)
{
	if (n == 4 && w[3] == '-')
		n = 3;
	return n == 3 && isdigit((unsigned char)w[0]) &&
	       isdigit((unsigned char)w[1]) && isdigit((unsigned char)w[2]);
}

static void append_word(char *out, size_t outlen, size_t *at, const char *w,
			size_t n, bool mask_digits)
{
	if (*at > 0 && *at + 1 < outlen)
		out[(*at)++] = ' ';
	for (size_t i = 0; i < n && *at + 1 < outlen; i++) {
		if (mask_digits && isdigit((unsigned char)w[i])) {
			while (i + 1 < n && isdigit((unsigned char)w[i + 1]))
				i++;
			out[(*at)++] = '#';
		} else {
			out[(*at)++] = w[i];
		}
	}
	out[*at] = '\0';
}

/* The part of a greeting that says who answers, without what changes
 * from one connection or one upgrade to the next:
 *   - a bracketed section ("[CAPABILITY ...]" in IMAP, Exchange's encoded
 *     server name) is left out: STARTTLS is compared on its own;
 *   - the first word is kept with its digits masked ("220", "+OK", "*",
 *     "SSH-2.0-OpenSSH_9.2p1" -> "SSH-#.#-OpenSSH_#.#p#");
 *   - after an SMTP reply code, the host name is kept, digits masked (mx1
 *     and mx2 behind one address);
 *   - the words after that are kept up to the first that holds a digit or
 *     names a weekday or month: there start versions, dates, session ids.
 * So "220 mx ESMTP Sendmail 8.15.2; Mon, 23 Nov 2026 10:00:00 +0100" is
 * "220 mx ESMTP Sendmail" on any day, and a product change still shows. */
static void greeting_signature(const char *g, char *out, size_t outlen)
{
	size_t at = 0, kept = 0;
	bool host_next = false, in_bracket = false;
	out[0] = '\0';
	for (const char *p = g; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t");
		const char *w = p;
		p += n;
		if (in_bracket || w[0] == '[') {
			in_bracket = w[n - 1] != ']';
			continue;
		}
		if (kept == 0) {
			append_word(out, outlen, &at, w, n, true);
			host_next = is_reply_code(w, n);
		} else if (kept == 1 && host_next) {
			append_word(out, outlen, &at, w, n, true);
		} else if (has_digit(w, n) || is_date_word(w, n)) {
			break;
		} else {
			append_word(out, outlen, &at, w, n, false);
		}
		kept++;
	}
}

static bool greeting_differs(const char *old, const char *now)
{
	char a[PINS_SIGNATURE_MAX], b[PINS_SIGNATURE_MAX];
	greeting_signature(old, a, sizeof a);
	greeting_signature(now, b, sizeof b);
	return strcmp(a, b) != 0;
}

/* Changes -------------------------------------------------------------- */

static bool tls_differs(const struct pins_entry *e, const struct result *r)
{
	return strcmp(e->spki_sha256, r->ev.tls->spki_sha256) != 0 ||
	       strcmp(e->issuer, r->ev.tls->issuer) != 0;
}

void pins_format_time(time_t t, char buf[PINS_TIME_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, PINS_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* S cut to MAX characters, saying so with "...". */
static void quote(const char *s, size_t max, char *buf, size_t len)
{
	if (max < PINS_QUOTE_MIN)
		max = PINS_QUOTE_MIN;
	if (strlen(s) <= max)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%.*s...", (int)(max - 3), s);
}

/* Room for two quoted values A and B in a line that is FIXED characters
 * without them and must fit WHATLEN: a short value is kept whole and the
 * other takes what it leaves; two long ones get half each. */
static void value_room(size_t whatlen, int fixed, const char *a, const char *b,
		       size_t *room_a, size_t *room_b)
{
	size_t room = fixed >= 0 && whatlen > (size_t)fixed + 1
			  ? whatlen - 1 - (size_t)fixed
			  : 0;
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb <= room) {
		*room_a = la;
		*room_b = lb;
	} else if (la <= room / 2) {
		*room_a = la;
		*room_b = room - la;
	} else if (lb <= room / 2) {
		*room_a = room - lb;
		*room_b = lb;
	} else {
		*room_a = room / 2;
		*room_b = room - room / 2;
	}
}

/* Both values are cut to what the line has room for, so the sentence
 * ends with the new value, not halfway through the old one. */
static void what_tls(const struct pins_entry *e, const struct result *r,
		     const char *also, char *what, size_t whatlen)
{
	static const char fmt[] = "certificate changed since %s%s: was SPKI "
				  "%.*s... issuer %s, now SPKI %.*s... "
				  "issuer %s";
	char since[PINS_TIME_LEN], was[TLSIO_NAME_MAX], now[TLSIO_NAME_MAX];
	pins_format_time(e->tls_since, since);
	size_t room_was, room_now;
	value_room(whatlen,
		   snprintf(NULL, 0, fmt, since, also, PINS_SPKI_SHOWN,
			    e->spki_sha256, "", PINS_SPKI_SHOWN,
			    r->ev.tls->spki_sha256, ""),
		   e->issuer, r->ev.tls->issuer, &room_was, &room_now);
	quote(e->issuer, room_was, was, sizeof was);
	quote(r->ev.tls->issuer, room_now, now, sizeof now);
	snprintf(what, whatlen, fmt, since, also, PINS_SPKI_SHOWN,
		 e->spki_sha256, was, PINS_SPKI_SHOWN, r->ev.tls->spki_sha256,
		 now);
}

static void what_starttls(const struct pins_entry *e, const char *also,
			  char *what, size_t whatlen)
{
	char since[PINS_TIME_LEN];
	pins_format_time(e->starttls_since, since);
	snprintf(what, whatlen,
		 "STARTTLS offer changed since %s%s: was %s, now %s", since,
		 also, e->starttls_offered ? "offered" : "not offered",
		 e->starttls_offered ? "not offered" : "offered");
}

static void what_greeting(const struct pins_entry *e, const struct result *r,
			  char *what, size_t whatlen)
{
	static const char fmt[] = "greeting changed since %s: was \"%s\", "
				  "now \"%s\"";
	char since[PINS_TIME_LEN], was[DLG_DETAIL_MAX], now[DLG_DETAIL_MAX];
	pins_format_time(e->greeting_since, since);
	size_t room_was, room_now;
	value_room(whatlen, snprintf(NULL, 0, fmt, since, "", ""), e->greeting,
		   r->ev.dlg.greeting, &room_was, &room_now);
	quote(e->greeting, room_was, was, sizeof was);
	quote(r->ev.dlg.greeting, room_now, now, sizeof now);
	snprintf(what, whatlen, fmt, since, was, now);
}

bool pins_changed(const struct pins *st, const struct result *r, char *what,
		  size_t whatlen)
{
	if (st == NULL || !keyable(r))
		return false;
	const struct pins_entry *e = lookup(st, r);
	if (e == NULL)
		return false;
	/* A fact this result lacks (the handshake failed this time) is not
	 * a change: that failure is a verdict of its own. */
	bool tls = e->has_tls && result_has_tls(r) && tls_differs(e, r);
	bool starttls = e->has_starttls && r->ev.starttls_checked &&
			e->starttls_offered != r->ev.dlg.starttls_offered;
	bool greeting = e->has_greeting && result_has_greeting(r) &&
			greeting_differs(e->greeting, r->ev.dlg.greeting);
	if (!tls && !starttls && !greeting)
		return false;
	if (what == NULL || whatlen == 0)
		return true;
	/* One sentence: the weightiest change in detail, the others named
	 * up front where a cut line keeps them. */
	if (tls)
		what_tls(e, r,
			 starttls && greeting ? " (STARTTLS offer and greeting "
						"too)"
			 : starttls           ? " (STARTTLS offer too)"
			 : greeting           ? " (greeting too)"
					      : "",
			 what, whatlen);
	else if (starttls)
		what_starttls(e, greeting ? " (greeting too)" : "", what,
			      whatlen);
	else
		what_greeting(e, r, what, whatlen);
	return true;
}

/* Learning and accepting ----------------------------------------------- */

static void set_tls(struct pins_entry *e, const struct result *r, time_t now)
{
	e->has_tls = true;
	snprintf(e->spki_sha256, sizeof e->spki_sha256, "%s",
		 r->ev.tls->spki_sha256);
	snprintf(e->issuer, sizeof e->issuer, "%s", r->ev.tls->issuer);
	e->tls_since = now;
}

static void set_starttls(struct pins_entry *e, const struct result *r,
			 time_t now)
{
	e->has_starttls = true;
	e->starttls_offered = r->ev.dlg.starttls_offered;
	e->starttls_since = now;
}

static void set_greeting(struct pins_entry *e, const struct result *r,
			 time_t now)
{
	e->has_greeting = true;
	snprintf(e->greeting, sizeof e->greeting, "%s", r->ev.dlg.greeting);
	e->greeting_since = now;
}

/* First use: a new target, or a fact not seen before (a handshake that
 * failed the first time). What is remembered is never overwritten. */
size_t pins_learn(struct pins *st, const struct results *r, time_t now)
{
	size_t added = 0;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (!keyable(x) || !result_has_facts(x))
			continue;
		struct pins_entry *e = insert(st, x, now);
		if (e == NULL)
			break;
		bool grew = false;
		if (!e->has_tls && result_has_tls(x)) {
			set_tls(e, x, now);
			grew = true;
		}
		if (!e->has_starttls && x->ev.starttls_checked) {
			set_starttls(e, x, now);
			grew = true;
		}
		if (!e->has_greeting && result_has_greeting(x)) {
			set_greeting(e, x, now);
			grew = true;
		}
		if (grew)
			added++;
	}
	return added;
}

/* The admin's word: what the target presents now is what it should
 * present. A fact this result lacks keeps its remembered value, so a
 * failed handshake never clears a pin. */
size_t pins_accept(struct pins *st, const struct results *r,
		   const char *channel, time_t now)
{
	size_t changed = 0;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct result *x = &r->items[i];
		if (!keyable(x) || !result_has_facts(x))
			continue;
		if (channel != NULL && strcmp(channel, x->channel->id) != 0)
			continue;
		struct pins_entry *e = insert(st, x, now);
		if (e == NULL)
			break;
		bool differs = false;
		if (result_has_tls(x) && (!e->has_tls || tls_differs(e, x))) {
			set_tls(e, x, now);
			differs = true;
		}
		if (x->ev.starttls_checked &&
		    (!e->has_starttls ||
		     e->starttls_offered != x->ev.dlg.starttls_offered)) {
			set_starttls(e, x, now);
			differs = true;
		}
		if (result_has_greeting(x) &&
		    (!e->has_greeting ||
		     greeting_differs(e->greeting, x->ev.dlg.greeting))) {
			set_greeting(e, x, now);
			differs = true;
		}
		if (differs) {
			e->accepted = now;
			changed++;
		}
	}
	return changed;
}
