/* The token file `veriport respond --token-file` writes at start and
 * `veriport check --responder-file` reads: which run of the responder a
 * check talks to (its token, its certificate's key, its control port).
 * Also the digest both sides compute over a one-way datagram. Used by the
 * checker: nothing of the responder's engine here. */
#ifndef VERIPORT_RESPOND_FILE_H
#define VERIPORT_RESPOND_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* "vpr-" and 16 lowercase hex digits: 64 random bits per run. */
#define RESPOND_TOKEN_PREFIX "vpr-"
#define RESPOND_TOKEN_HEX 16
/* A token the file may hold: the prefix, then 8 to 59 lowercase hex
 * digits (a later responder may use longer ones). */
#define RESPOND_TOKEN_MAX 63
/* The default control port (DESIGN: respond's control port). */
#define RESPOND_CONTROL_PORT 7979
/* A token file is a handful of short lines. */
#define RESPOND_FILE_MAX 4096
/* The digest of a datagram on the control port: the first 16 bytes of
 * its SHA-256, in lowercase hex. */
#define RESPOND_DIGEST_HEX 32

struct respond_token {
	char token[RESPOND_TOKEN_MAX + 1];
	char spki_sha256[65]; /* SHA-256 of the DER SubjectPublicKeyInfo */
	unsigned control_port;
	char profile[64]; /* catalog ids (CATALOG_ID_MAX) */
	char role[64];
};

/* True when S is a token as the file may hold it. */
bool respond_token_valid(const char *s);
/* A fresh token from the system's random source: "vpr-" and 16 hex.
 * Returns 0, or -EIO when no random bytes could be had. */
int respond_token_generate(char token[RESPOND_TOKEN_MAX + 1]);

/* Write T to PATH (mode 0644, through a temporary file and a rename, so a
 * reader never sees half a file). Returns 0, or a negative errno with ERR
 * naming the file and why. -EINVAL when T itself is not valid. */
int respond_file_write(const char *path, const struct respond_token *t,
		       char *err, size_t errlen);
/* Read PATH into *T. Every key must be there once and valid; a wrong line
 * is refused with ERR "PATH:LINE: what was expected". Returns 0 or a
 * negative errno (-ENOENT, -EINVAL for a malformed file). */
int respond_file_load(const char *path, struct respond_token *t, char *err,
		      size_t errlen);

/* HEX (RESPOND_DIGEST_HEX digits and a NUL) of the first 16 bytes of the
 * SHA-256 of the LEN bytes at PAYLOAD. */
void respond_control_digest(const void *payload, size_t len,
			    char hex[RESPOND_DIGEST_HEX + 1]);

#endif
