/* The responder's token file: a few "KEY VALUE" lines, written whole at
 * the responder's start, read strictly by the checker; and the datagram
 * digest both ends of the control port compute. No sockets here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/catalog.h"
#include "veriport/respond_file.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

/* The shortest token hex we accept: 32 bits, below which a stale file
 * from another run could match by chance. */
#define TOKEN_HEX_MIN 8

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

bool respond_token_valid(const char *s)
{
	size_t k = strlen(RESPOND_TOKEN_PREFIX), n = strlen(s);
	if (n > RESPOND_TOKEN_MAX || n < k + TOKEN_HEX_MIN ||
	    strncmp(s, RESPOND_TOKEN_PREFIX, k) != 0)
		return false;
	return is_lower_hex(s + k, n - k);
}

int respond_token_generate(char token[RESPOND_TOKEN_MAX + 1])
{
	unsigned char raw[RESPOND_TOKEN_HEX / 2];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return -EIO;
	int n =
	    snprintf(token, RESPOND_TOKEN_MAX + 1, "%s", RESPOND_TOKEN_PREFIX);
	for (size_t i = 0; i < sizeof raw; i++)
		n += snprintf(token + n, RESPOND_TOKEN_MAX + 1 - (size_t)n,
			      "%02x", raw[i]);
	return 0;
}

void respond_control_digest(const void *payload, size_t len,
			    char hex[RESPOND_DIGEST_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (EVP_Digest(payload, len, md, &n, EVP_sha256(), NULL) != 1)
		fatalx("%s: SHA-256 failed", __func__);
	for (unsigned i = 0; i < RESPOND_DIGEST_HEX / 2; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[RESPOND_DIGEST_HEX] = '\0';
}

/* Why T cannot be written or was not read whole, or NULL. */
static const char *token_problem(const struct respond_token *t)
{
	if (!respond_token_valid(t->token))
		return "token: expected vpr- and lowercase hex";
	if (strlen(t->spki_sha256) != 64 || !is_lower_hex(t->spki_sha256, 64))
		return "spki-sha256: expected 64 lowercase hex digits";
	if (t->control_port < 1 || t->control_port > 65535)
		return "control-port: expected 1 to 65535";
	if (!catalog_id_valid(t->profile))
		return "profile: expected a catalog id";
	if (!catalog_id_valid(t->role))
		return "role: expected a role id";
	return NULL;
}

int respond_file_write(const char *path, const struct respond_token *t,
		       char *err, size_t errlen)
{
	const char *bad = token_problem(t);
	if (bad != NULL) {
		snprintf(err, errlen, "%s: not written: %s", path, bad);
		return -EINVAL;
	}
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path,
			     (long)getpid()) >= sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(e));
		return -e;
	}
	/* open(2)'s mode passes through the umask; the checker may run as
	 * another user, so the file is readable to all whatever it is. */
	(void)fchmod(fd, 0644);
	char text[RESPOND_FILE_MAX];
	int n = snprintf(text, sizeof text,
			 "# veriport respond: this run's token, "
			 "for check --responder-file\n"
			 "token %s\n"
			 "spki-sha256 %s\n"
			 "control-port %u\n"
			 "profile %s\n"
			 "role %s\n",
			 t->token, t->spki_sha256, t->control_port, t->profile,
			 t->role);
	int e = 0;
	size_t off = 0;
	while (e == 0 && off < (size_t)n) {
		ssize_t w = write(fd, text + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			e = errno;
		else
			off += (size_t)w;
	}
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		unlink(tmp);
		return -e;
	}
	return 0;
}

enum key { KEY_TOKEN, KEY_SPKI, KEY_PORT, KEY_PROFILE, KEY_ROLE, KEY_COUNT };

static const char *const key_names[KEY_COUNT] = {
    [KEY_TOKEN] = "token",       [KEY_SPKI] = "spki-sha256",
    [KEY_PORT] = "control-port", [KEY_PROFILE] = "profile",
    [KEY_ROLE] = "role",
};

/* One "KEY VALUE" line (the N bytes at LINE, no LF) into T. Returns NULL
 * or what was expected. */
static const char *parse_line(const char *line, size_t n,
			      struct respond_token *t, bool seen[KEY_COUNT])
{
	const char *sp = memchr(line, ' ', n);
	if (sp == NULL)
		return "expected KEY VALUE";
	size_t klen = (size_t)(sp - line);
	const char *v = sp + 1;
	size_t vlen = n - klen - 1;
	int key = -1;
	for (int i = 0; i < KEY_COUNT; i++)
		if (strlen(key_names[i]) == klen &&
		    memcmp(line, key_names[i], klen) == 0)
			key = i;
	if (key < 0)
		return "unknown key (expected token, spki-sha256, "
		       "control-port, profile or role)";
	if (seen[key])
		return "key given twice";
	seen[key] = true;
	if (vlen == 0 || memchr(v, ' ', vlen) != NULL ||
	    memchr(v, '\t', vlen) != NULL || memchr(v, '\0', vlen) != NULL)
		return "expected one value after the key";
	char value[128];
	if (vlen >= sizeof value)
		return "value too long";
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	switch ((enum key)key) {
	case KEY_TOKEN:
		if (!respond_token_valid(value))
			return "token: expected vpr- and 8 to 59 lowercase hex "
			       "digits";
		memcpy(t->token, value, vlen + 1);
		break;
	case KEY_SPKI:
		if (vlen != 64 || !is_lower_hex(value, vlen))
			return "spki-sha256: expected 64 lowercase hex digits";
		memcpy(t->spki_sha256, value, vlen + 1);
		break;
	case KEY_PORT: {
		unsigned long p = 0;
		bool digits = vlen <= 5;
		for (size_t i = 0; digits && i < vlen; i++)
			digits = isdigit((unsigned char)value[i]);
		if (digits)
			p = strtoul(value, NULL, 10);
		if (!digits || value[0] == '0' || p < 1 || p > 65535)
			return "control-port: expected 1 to 65535";
		t->control_port = (unsigned)p;
		break;
	}
	case KEY_PROFILE:
	case KEY_ROLE:
		if (!catalog_id_valid(value))
			return key == KEY_PROFILE
				   ? "profile: expected a catalog id"
				   : "role: expected a role id";
		memcpy(key == KEY_PROFILE ? t->profile : t->role, value,
		       vlen + 1);
		break;
	case KEY_COUNT:
		break;
	}
	return NULL;
}

int respond_file_load(const char *path, struct respond_token *t, char *err,
		      size_t errlen)
{
	memset(t, 0, sizeof *t);
	char *text;
	size_t len;
	int rc =
	    textfile_read(path, RESPOND_FILE_MAX, &text, &len, err, errlen);
	if (rc != 0)
		return rc;
	if (len > RESPOND_FILE_MAX) {
		snprintf(err, errlen, "%s: over %d bytes: not a token file",
			 path, RESPOND_FILE_MAX);
		free(text);
		return -EINVAL;
	}
	bool seen[KEY_COUNT] = {false};
	unsigned lineno = 0;
	const char *p = text, *end = text + len;
	rc = 0;
	while (p < end && rc == 0) {
		lineno++;
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf ? (size_t)(lf - p) : (size_t)(end - p);
		const char *line = p;
		p = lf ? lf + 1 : end;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *why = parse_line(line, n, t, seen);
		if (why != NULL) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			rc = -EINVAL;
		}
	}
	for (int i = 0; i < KEY_COUNT && rc == 0; i++)
		if (!seen[i]) {
			snprintf(err, errlen, "%s:%u: no %s line", path, lineno,
				 key_names[i]);
			rc = -EINVAL;
		}
	free(text);
	if (rc != 0)
		memset(t, 0, sizeof *t);
	return rc;
}
