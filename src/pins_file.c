/* The daemon's state file: JSON read with every field checked (a corrupt
 * file is refused whole and set aside), written atomically (a temporary
 * file, fsync, rename, fsync of the folder). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/text.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

#include "pins_impl.h"

/* The file: reading -------------------------------------------------- */

static bool parse_time(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return false;
	*out = timegm(&tm);
	return true;
}

static bool is_hex64(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == 64;
}

/* Copy S into DST of SIZE bytes; false when it does not fit. */
/* A remembered value goes back into evidence lines: it must be text as
 * the probe kept it (escaped, valid UTF-8), whoever edited the file. */
static bool copy_field(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n >= size || !text_is_safe(s))
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

/* One entry of the file into E; false with WHY set. */
static bool entry_from_json(json_t *o, json_int_t version, struct pins_entry *e,
			    char *why, size_t whylen)
{
	const char *channel, *host, *address, *first_seen;
	json_t *accepted = NULL, *tls = NULL, *starttls = NULL,
	       *greeting = NULL, *port = NULL;
	json_error_t jerr;
	if (json_unpack_ex(
		o, &jerr, 0, "{s:s, s:s, s:s, s?o, s:s, s?o, s?o, s?o, s?o}",
		"channel", &channel, "host", &host, "address", &address, "port",
		&port, "first_seen", &first_seen, "accepted", &accepted, "tls",
		&tls, "starttls", &starttls, "greeting", &greeting) != 0) {
		snprintf(why, whylen, "%s", jerr.text);
		return false;
	}
	/* Version 1 knew no port: 0 (null) stands for any, until a
	 * result for the key is seen again. */
	if (version >= 2 && port != NULL && !json_is_null(port)) {
		json_int_t p =
		    json_is_integer(port) ? json_integer_value(port) : 0;
		if (p < 1 || p > 65535) {
			snprintf(why, whylen,
				 "port: expected 1 to 65535, or null");
			return false;
		}
		e->port = (uint16_t)p;
	}
	if (*channel == '\0' || *host == '\0' || !text_is_safe(channel) ||
	    !text_is_safe(host) ||
	    !copy_field(e->address, sizeof e->address, address) ||
	    *address == '\0') {
		snprintf(why, whylen, "empty or overlong key");
		return false;
	}
	if (!parse_time(first_seen, &e->first_seen)) {
		snprintf(why, whylen, "first_seen \"%s\" is not a UTC time",
			 first_seen);
		return false;
	}
	if (accepted != NULL && !json_is_null(accepted) &&
	    (!json_is_string(accepted) ||
	     !parse_time(json_string_value(accepted), &e->accepted))) {
		snprintf(why, whylen, "accepted is not a UTC time or null");
		return false;
	}
	const char *since, *spki, *issuer, *text;
	int offered;
	if (tls != NULL) {
		if (json_unpack_ex(tls, &jerr, 0, "{s:s, s:s, s:s}",
				   "spki_sha256", &spki, "issuer", &issuer,
				   "since", &since) != 0) {
			snprintf(why, whylen, "tls: %s", jerr.text);
			return false;
		}
		if (!is_hex64(spki) ||
		    !copy_field(e->spki_sha256, sizeof e->spki_sha256, spki) ||
		    !copy_field(e->issuer, sizeof e->issuer, issuer) ||
		    !parse_time(since, &e->tls_since)) {
			snprintf(why, whylen,
				 "tls: bad spki_sha256, issuer "
				 "or since");
			return false;
		}
		e->has_tls = true;
	}
	if (starttls != NULL) {
		if (json_unpack_ex(starttls, &jerr, 0, "{s:b, s:s}", "offered",
				   &offered, "since", &since) != 0) {
			snprintf(why, whylen, "starttls: %s", jerr.text);
			return false;
		}
		if (!parse_time(since, &e->starttls_since)) {
			snprintf(why, whylen, "starttls: bad since");
			return false;
		}
		e->has_starttls = true;
		e->starttls_offered = offered != 0;
	}
	if (greeting != NULL) {
		if (json_unpack_ex(greeting, &jerr, 0, "{s:s, s:s}", "text",
				   &text, "since", &since) != 0) {
			snprintf(why, whylen, "greeting: %s", jerr.text);
			return false;
		}
		if (*text == '\0' ||
		    !copy_field(e->greeting, sizeof e->greeting, text) ||
		    !parse_time(since, &e->greeting_since)) {
			snprintf(why, whylen, "greeting: bad text or since");
			return false;
		}
		e->has_greeting = true;
	}
	e->channel = xstrdup(channel);
	e->host = xstrdup(host);
	return true;
}

static int pins_from_json(json_t *doc, const char *path, struct pins *st,
			  char *err, size_t errlen)
{
	json_t *entries;
	json_int_t version;
	json_error_t jerr;
	if (json_unpack_ex(doc, &jerr, 0, "{s:I, s:o}", "version", &version,
			   "entries", &entries) != 0) {
		snprintf(err, errlen, "%s: %s", path, jerr.text);
		return -EINVAL;
	}
	if (version < 1 || version > PINS_VERSION) {
		snprintf(err, errlen,
			 "%s: version %lld, this veriportd reads "
			 "versions 1 to %d",
			 path, (long long)version, PINS_VERSION);
		return -EINVAL;
	}
	if (!json_is_array(entries)) {
		snprintf(err, errlen, "%s: \"entries\" is not an array", path);
		return -EINVAL;
	}
	size_t n = json_array_size(entries);
	if (n > PINS_ENTRIES_MAX) {
		snprintf(err, errlen, "%s: %zu entries, more than %d", path, n,
			 PINS_ENTRIES_MAX);
		return -EINVAL;
	}
	st->entries = xcalloc(n ? n : 1, sizeof *st->entries);
	st->cap = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		char why[JSON_ERROR_TEXT_LENGTH + 32];
		if (!entry_from_json(json_array_get(entries, i), version,
				     &st->entries[i], why, sizeof why)) {
			snprintf(err, errlen, "%s: entry %zu: %s", path, i + 1,
				 why);
			return -EINVAL;
		}
		st->nentries++;
	}
	qsort(st->entries, st->nentries, sizeof *st->entries, pins_entry_cmp);
	for (size_t i = 1; i < st->nentries; i++) {
		const struct pins_entry *e = &st->entries[i];
		if (pins_entry_cmp(e - 1, e) == 0) {
			snprintf(err, errlen,
				 "%s: %s %s %s port %u is there twice", path,
				 e->channel, e->host, e->address, e->port);
			return -EINVAL;
		}
	}
	return 0;
}

/* Read PATH into a buffer, refusing more than PINS_FILE_MAX bytes.
 * -ENOENT for a missing file, else -EINVAL with ERR set. */
static int read_file(const char *path, char **buf, size_t *len, char *err,
		     size_t errlen)
{
	int rc = textfile_read(path, PINS_FILE_MAX, buf, len, err, errlen);
	if (rc == -ENOENT)
		return rc;
	if (rc < 0)
		return -EINVAL;
	if (*len > PINS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
			 PINS_FILE_MAX);
		free(*buf);
		*buf = NULL;
		return -EINVAL;
	}
	return 0;
}

int pins_load(const char *path, struct pins **out, char *err, size_t errlen)
{
	*out = NULL;
	char *buf;
	size_t len;
	int rc = read_file(path, &buf, &len, err, errlen);
	if (rc == -ENOENT) {
		*out = pins_new();
		return 0;
	}
	if (rc < 0)
		return rc;
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (doc == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line,
			 jerr.column, jerr.text);
		return -EINVAL;
	}
	struct pins *st = pins_new();
	rc = pins_from_json(doc, path, st, err, errlen);
	json_decref(doc);
	if (rc < 0) {
		pins_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

int pins_set_aside(const char *path, time_t now, char *err, size_t errlen)
{
	char stamp[32];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	/* Two corrupt files within one second keep both: the second gets a
	 * number. */
	char *aside = xasprintf("%s.corrupt-%s", path, stamp);
	for (int n = 1; access(aside, F_OK) == 0 && n < 100; n++) {
		free(aside);
		aside = xasprintf("%s.corrupt-%s-%d", path, stamp, n);
	}
	int rc = 0;
	if (rename(path, aside) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set %s aside as %s: %s", path,
			 aside, strerror(errno));
	} else {
		snprintf(err, errlen, "%s set aside as %s", path, aside);
	}
	free(aside);
	return rc;
}

/* The file: writing -------------------------------------------------- */

static json_t *time_json(time_t t)
{
	char buf[PINS_TIME_LEN];
	pins_format_time(t, buf);
	return json_string(buf);
}

static json_t *entry_json(const struct pins_entry *e)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "channel", e->channel,
		      "host", e->host, "address", e->address, "port",
		      e->port ? json_integer(e->port) : json_null(),
		      "first_seen", time_json(e->first_seen), "accepted",
		      e->accepted ? time_json(e->accepted) : json_null());
	if (o == NULL)
		return NULL;
	json_t *f;
	if (e->has_tls) {
		f = json_pack("{s:s, s:s, s:o}", "spki_sha256", e->spki_sha256,
			      "issuer", e->issuer, "since",
			      time_json(e->tls_since));
		if (f == NULL || json_object_set_new(o, "tls", f) != 0)
			goto fail;
	}
	if (e->has_starttls) {
		f = json_pack("{s:b, s:o}", "offered", e->starttls_offered,
			      "since", time_json(e->starttls_since));
		if (f == NULL || json_object_set_new(o, "starttls", f) != 0)
			goto fail;
	}
	if (e->has_greeting) {
		f = json_pack("{s:s, s:o}", "text", e->greeting, "since",
			      time_json(e->greeting_since));
		if (f == NULL || json_object_set_new(o, "greeting", f) != 0)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The folder PATH is in, so its rename can be made durable. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int write_tmp(const char *tmp, const char *text, size_t len, char *err,
		     size_t errlen)
{
	if (unlink(tmp) != 0 && errno != ENOENT) {
		int rc = -errno;
		snprintf(err, errlen, "cannot remove stale %s: %s", tmp,
			 strerror(errno));
		return rc;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		      0600);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp,
			 strerror(errno));
		return rc;
	}
	int rc = write_all(fd, text, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

int pins_save(const struct pins *st, const char *path, char *err, size_t errlen)
{
	json_t *entries = json_array();
	for (size_t i = 0; i < st->nentries; i++) {
		json_t *e = entry_json(&st->entries[i]);
		if (e == NULL) {
			/* Jansson refuses strings that are not UTF-8; the
			 * dialogues and tlsio escape what they copy, so
			 * this is a value from elsewhere. */
			snprintf(err, errlen, "%s: cannot encode %s %s %s",
				 path, st->entries[i].channel,
				 st->entries[i].host, st->entries[i].address);
			json_decref(entries);
			return -EINVAL;
		}
		json_array_append_new(entries, e);
	}
	json_t *doc = json_pack("{s:i, s:o}", "version", PINS_VERSION,
				"entries", entries);
	char *text = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	if (text == NULL)
		fatalx("cannot serialise the state");
	size_t len = strlen(text);
	if (len + 1 > PINS_FILE_MAX) {
		/* pins_load would refuse what was written. */
		snprintf(err, errlen, "%s: %zu bytes, more than %d", path,
			 len + 1, PINS_FILE_MAX);
		free(text);
		return -EFBIG;
	}
	text[len++] = '\n';
	char *tmp = xasprintf("%s.tmp", path);
	int rc = write_tmp(tmp, text, len, err, errlen);
	free(text);
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	if (rc < 0)
		return rc;
	/* The rename is durable once the folder's entry is on disk. */
	char *dir = folder_of(path);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot sync folder %s: %s", dir,
			 strerror(errno));
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}
