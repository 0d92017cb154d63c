/* BER encoder and decoder for the SNMP and LDAP dialogues. Every read is
 * checked against the bytes that are left, so a hostile datagram costs a
 * bounded walk and never a read past its buffer. No I/O here. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "veriport/ber.h"

/* Length octets we accept after 0x80|n: four cover any datagram, and
 * Active Directory always writes four (0x84) even for short values. */
#define BER_LENGTH_OCTETS_MAX 4

void ber_writer_init(struct ber_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
}

static void put(struct ber_writer *w, const void *p, size_t n)
{
	if (w->failed || n > w->cap - w->len) {
		w->failed = true;
		return;
	}
	if (n == 0)
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_byte(struct ber_writer *w, uint8_t b)
{
	put(w, &b, 1);
}

/* X.690 §8.1.3: short form below 128, else 0x80|n and n big-endian
 * octets. Returns the octets needed for LEN. */
static size_t length_size(size_t len)
{
	size_t n = 1;
	if (len >= 0x80)
		for (size_t v = len; v > 0; v >>= 8)
			n++;
	return n;
}

static void encode_length(uint8_t *out, size_t len)
{
	size_t n = length_size(len);
	if (n == 1) {
		out[0] = (uint8_t)len;
		return;
	}
	out[0] = (uint8_t)(0x80 | (n - 1));
	for (size_t i = n - 1; i >= 1; i--, len >>= 8)
		out[i] = (uint8_t)(len & 0xff);
}

static void put_header(struct ber_writer *w, uint8_t tag, size_t len)
{
	uint8_t hdr[1 + 1 + sizeof(size_t)];
	hdr[0] = tag;
	encode_length(hdr + 1, len);
	put(w, hdr, 1 + length_size(len));
}

void ber_begin(struct ber_writer *w, uint8_t tag)
{
	if (w->depth == BER_NEST_MAX) {
		w->misnested = true;
		return;
	}
	put_byte(w, tag);
	/* One length octet for now; ber_end() widens it when needed. */
	w->open[w->depth++] = w->len;
	put_byte(w, 0);
}

void ber_end(struct ber_writer *w)
{
	if (w->depth == 0) {
		w->misnested = true;
		return;
	}
	size_t at = w->open[--w->depth];
	if (w->failed)
		return;
	size_t content = w->len - at - 1;
	size_t extra = length_size(content) - 1;
	if (extra > w->cap - w->len) {
		w->failed = true;
		return;
	}
	memmove(w->buf + at + 1 + extra, w->buf + at + 1, content);
	encode_length(w->buf + at, content);
	w->len += extra;
}

void ber_put_int(struct ber_writer *w, uint8_t tag, int64_t v)
{
	/* X.690 §8.3.2: two's complement in the fewest octets, so drop a
	 * leading octet while the next one's top bit repeats it. */
	uint8_t be[8];
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		be[i] = (uint8_t)(u & 0xff);
	size_t skip = 0;
	while (skip < 7 && ((be[skip] == 0x00 && !(be[skip + 1] & 0x80)) ||
			    (be[skip] == 0xff && (be[skip + 1] & 0x80))))
		skip++;
	ber_put_bytes(w, tag, be + skip, 8 - skip);
}

void ber_put_bytes(struct ber_writer *w, uint8_t tag, const void *p, size_t n)
{
	put_header(w, tag, n);
	put(w, p, n);
}

void ber_put_string(struct ber_writer *w, uint8_t tag, const char *s)
{
	ber_put_bytes(w, tag, s, strlen(s));
}

void ber_put_bool(struct ber_writer *w, bool v)
{
	/* X.690 §11.1 (DER, which LDAP asks for in RFC 4511 §5.1): TRUE is
	 * 0xff. */
	uint8_t b = v ? 0xff : 0x00;
	ber_put_bytes(w, BER_BOOLEAN, &b, 1);
}

void ber_put_null(struct ber_writer *w)
{
	ber_put_bytes(w, BER_NULL, NULL, 0);
}

int ber_finish(const struct ber_writer *w, size_t *len)
{
	if (w->misnested || w->depth != 0)
		return -EINVAL;
	if (w->failed)
		return -EMSGSIZE;
	*len = w->len;
	return 0;
}

void ber_reader_init(struct ber_reader *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->left = len;
}

void ber_reader_enter(struct ber_reader *r, const struct ber_tlv *t)
{
	ber_reader_init(r, t->val, t->len);
}

bool ber_reader_empty(const struct ber_reader *r)
{
	return r->left == 0;
}

int ber_read(struct ber_reader *r, struct ber_tlv *t)
{
	const uint8_t *p = r->p;
	size_t left = r->left;
	if (left < 2)
		return -EBADMSG;
	uint8_t tag = p[0];
	/* X.690 §8.1.2.4: tag numbers above 30 take more octets; neither
	 * SNMP nor LDAP defines one. */
	if ((tag & 0x1f) == 0x1f)
		return -EBADMSG;
	size_t len = p[1];
	p += 2;
	left -= 2;
	if (len & 0x80) {
		/* RFC 3417 §8 and RFC 4511 §5.1: definite form only, so
		 * 0x80 (indefinite) is refused, and 0xff is reserved. */
		size_t n = len & 0x7f;
		if (n == 0 || n > BER_LENGTH_OCTETS_MAX || n > left)
			return -EBADMSG;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | p[i];
		p += n;
		left -= n;
	}
	if (len > left)
		return -EBADMSG;
	t->tag = tag;
	t->val = p;
	t->len = len;
	r->p = p + len;
	r->left = left - len;
	return 0;
}

int ber_read_tag(struct ber_reader *r, uint8_t tag, struct ber_tlv *t)
{
	struct ber_reader save = *r;
	int rc = ber_read(r, t);
	if (rc == 0 && t->tag != tag) {
		*r = save;
		return -EBADMSG;
	}
	return rc;
}

int ber_get_int(const struct ber_tlv *t, int64_t *v)
{
	if (t->len == 0 || t->len > 8)
		return -EBADMSG;
	/* Sign-extend from the first octet, then shift in the rest. */
	uint64_t u = (t->val[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t i = 0; i < t->len; i++)
		u = (u << 8) | t->val[i];
	*v = (int64_t)u;
	return 0;
}
