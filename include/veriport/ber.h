/* BER, bounded: the subset SNMP (RFC 3417 §8) and LDAP (RFC 4511 §5.1)
 * use. Low-tag-number identifiers and definite lengths only; no I/O and no
 * allocation: the writer fills a caller's buffer, the reader points into
 * one. */
#ifndef VERIPORT_BER_H
#define VERIPORT_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Identifier octets (X.690 §8.1.2). */
#define BER_BOOLEAN 0x01
#define BER_INTEGER 0x02
#define BER_OCTET_STRING 0x04
#define BER_NULL 0x05
#define BER_OID 0x06
#define BER_ENUMERATED 0x0a
#define BER_SEQUENCE 0x30
#define BER_SET 0x31
#define BER_CONSTRUCTED 0x20
#define BER_APPLICATION 0x40
#define BER_CONTEXT 0x80

/* Constructed values a writer holds open at once: an SNMP GetRequest
 * nests four deep, an LDAP searchRequest three. */
#define BER_NEST_MAX 8

struct ber_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t open[BER_NEST_MAX]; /* offset of each open length octet */
	unsigned depth;
	bool failed;    /* out of room */
	bool misnested; /* deeper than BER_NEST_MAX, or an end too many */
};

void ber_writer_init(struct ber_writer *w, uint8_t *buf, size_t cap);
/* Open a constructed value; ber_end() closes the innermost one. */
void ber_begin(struct ber_writer *w, uint8_t tag);
void ber_end(struct ber_writer *w);
void ber_put_int(struct ber_writer *w, uint8_t tag, int64_t v);
void ber_put_bytes(struct ber_writer *w, uint8_t tag, const void *p, size_t n);
void ber_put_string(struct ber_writer *w, uint8_t tag, const char *s);
void ber_put_bool(struct ber_writer *w, bool v);
void ber_put_null(struct ber_writer *w);
/* Returns 0 with the length written, -EINVAL when begins and ends do not
 * pair up (or nest deeper than BER_NEST_MAX), -EMSGSIZE when it did not
 * fit. */
int ber_finish(const struct ber_writer *w, size_t *len);

/* One decoded TLV; VAL points into the reader's buffer. */
struct ber_tlv {
	uint8_t tag;
	const uint8_t *val;
	size_t len;
};

struct ber_reader {
	const uint8_t *p;
	size_t left;
};

void ber_reader_init(struct ber_reader *r, const uint8_t *buf, size_t len);
/* A reader over the contents of the constructed value T. */
void ber_reader_enter(struct ber_reader *r, const struct ber_tlv *t);
bool ber_reader_empty(const struct ber_reader *r);
/* Take the next TLV. Returns 0, or -EBADMSG for a truncated value, a
 * high tag number, an indefinite or over-long length. */
int ber_read(struct ber_reader *r, struct ber_tlv *t);
/* As ber_read(), and -EBADMSG unless the tag is TAG. */
int ber_read_tag(struct ber_reader *r, uint8_t tag, struct ber_tlv *t);
/* The value of an INTEGER or ENUMERATED of 1 to 8 octets; -EBADMSG
 * otherwise. */
int ber_get_int(const struct ber_tlv *t, int64_t *v);

#endif
