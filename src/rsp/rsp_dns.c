/* The DNS responder, over UDP and TCP (RFC 1035 §4.2): the question
 * echoed, authoritative, no data for it, and a TXT record with the token:
 * in the answer when the client asked TXT, else in the additional
 * section. No recursion, no other name. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rsp_impl.h"
#include "veriport/text.h"

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_RD 0x0100
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NOTIMP 4
#define DNS_TYPE_TXT 16
#define DNS_CLASS_IN 1
/* A compression pointer to the question's name, right after the header
 * (RFC 1035 §4.1.4). */
#define DNS_POINTER_QNAME 0xc00c

static const char *type_name(unsigned t)
{
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 12:
		return "PTR";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	case 33:
		return "SRV";
	case 255:
		return "ANY";
	default:
		return NULL;
	}
}

/* The question's name at IN + DNS_HEADER_LEN, uncompressed as a query's
 * is: its wire length, or 0 when malformed. TEXT gets it as text. */
static size_t question_name(const uint8_t *in, size_t len, char *text,
			    size_t size)
{
	size_t off = DNS_HEADER_LEN, n = 0;
	text[0] = '\0';
	for (;;) {
		if (off >= len)
			return 0;
		uint8_t l = in[off];
		if (l & 0xc0 || n + 1 + l > DNS_NAME_MAX || len - off < 1u + l)
			return 0;
		n += 1 + (size_t)l;
		if (l == 0)
			break;
		text_append(text, size, in + off + 1, l);
		text_appendf(text, size, ".");
		off += 1 + (size_t)l;
	}
	if (text[0] == '\0')
		text_appendf(text, size, ".");
	return n;
}

/* Answer the LEN-byte message IN into OUT: its length, or 0 for none. */
static size_t answer(const struct rsp_params *p, const uint8_t *in, size_t len,
		     uint8_t *out, size_t cap, char *asked, size_t asklen)
{
	if (len < DNS_HEADER_LEN || cap < DNS_HEADER_LEN) {
		snprintf(asked, asklen, "(not DNS: %zu bytes)", len);
		return 0;
	}
	uint16_t flags = rsp_get16(in + 2);
	if (flags & DNS_FLAG_QR) {
		/* An answer is never answered: no loops with another
		 * responder. */
		snprintf(asked, asklen, "(a DNS answer, not a query)");
		return 0;
	}
	memset(out, 0, DNS_HEADER_LEN);
	memcpy(out, in, 2);
	uint16_t rflags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA |
				     (flags & (0x7800 | DNS_FLAG_RD)));
	char name[DNS_NAME_MAX * 4 + 8];
	size_t nlen = 0;
	if (DNS_OPCODE(flags) != 0) {
		snprintf(asked, asklen, "DNS opcode %u", DNS_OPCODE(flags));
		rsp_put16(out + 2, rflags | DNS_RCODE_NOTIMP);
		return DNS_HEADER_LEN;
	}
	if (rsp_get16(in + 4) != 1 ||
	    (nlen = question_name(in, len, name, sizeof name)) == 0 ||
	    len < DNS_HEADER_LEN + nlen + 4) {
		snprintf(asked, asklen, "(malformed DNS query)");
		rsp_put16(out + 2, rflags | DNS_RCODE_FORMERR);
		return DNS_HEADER_LEN;
	}
	size_t qlen = nlen + 4;
	unsigned qtype = rsp_get16(in + DNS_HEADER_LEN + nlen);
	unsigned qclass = rsp_get16(in + DNS_HEADER_LEN + nlen + 2);
	const char *tn = type_name(qtype);
	char tbuf[16];
	if (tn == NULL) {
		snprintf(tbuf, sizeof tbuf, "TYPE%u", qtype);
		tn = tbuf;
	}
	snprintf(asked, asklen, "DNS %s? ", tn);
	text_append(asked, asklen, name, strlen(name) < 80 ? strlen(name) : 80);
	char txt[RSP_TOKEN_MAX + 32];
	int tl =
	    snprintf(txt, sizeof txt, RSP_NAME " %s", p->token ? p->token : "");
	/* The TXT record: owner (pointer), type, class, TTL 0, RDLENGTH,
	 * one character-string (RFC 1035 §3.3.14). */
	size_t rr = 2 + 10 + 1 + (size_t)tl;
	if (DNS_HEADER_LEN + qlen + rr > cap) {
		rsp_put16(out + 2, rflags | DNS_RCODE_FORMERR);
		return DNS_HEADER_LEN;
	}
	rsp_put16(out + 2, rflags);
	rsp_put16(out + 4, 1);
	memcpy(out + DNS_HEADER_LEN, in + DNS_HEADER_LEN, qlen);
	uint8_t *q = out + DNS_HEADER_LEN + qlen;
	bool in_answer = qtype == DNS_TYPE_TXT || qtype == 255;
	rsp_put16(out + (in_answer ? 6 : 10), 1);
	rsp_put16(q, DNS_POINTER_QNAME);
	rsp_put16(q + 2, DNS_TYPE_TXT);
	rsp_put16(q + 4,
		  qclass == DNS_CLASS_IN ? DNS_CLASS_IN : (uint16_t)qclass);
	rsp_put32(q + 6, 0);
	rsp_put16(q + 10, (uint16_t)(1 + tl));
	q[12] = (uint8_t)tl;
	memcpy(q + 13, txt, (size_t)tl);
	return DNS_HEADER_LEN + qlen + rr;
}

size_t rsp_dns_answer(const struct rsp_params *p, const uint8_t *in, size_t len,
		      uint8_t *out, size_t cap, char *asked, size_t asklen)
{
	return answer(p, in, len, out, cap, asked, asklen);
}

/* TCP: each message after a two-byte length ------------------------------ */

static enum rsp_step dns_tcp_input(struct rsp *r)
{
	while (r->inlen >= 2) {
		if (r->outlen > RSP_OUT_MAX - RSP_REPLY_MAX)
			return RSP_CLOSE;
		size_t mlen = rsp_get16(r->in);
		if (mlen + 2 > RSP_IN_MAX) {
			rsp_asked(r, "(DNS message over the bound)");
			return RSP_CLOSE;
		}
		if (r->inlen < 2 + mlen)
			return RSP_MORE;
		uint8_t out[RSP_REPLY_MAX];
		char asked[RSP_ASKED_MAX];
		struct rsp_params p = {.token = r->token};
		size_t n = answer(&p, r->in + 2, mlen, out + 2, sizeof out - 2,
				  asked, sizeof asked);
		rsp_asked(r, asked);
		rsp_consume(r, 2 + mlen);
		if (n == 0)
			return RSP_CLOSE;
		rsp_put16(out, (uint16_t)n);
		rsp_queue(r, out, n + 2);
		if (++r->errors >= 8) /* queries per connection */
			return RSP_CLOSE;
	}
	return RSP_MORE;
}

const struct rsp_ops rsp_dns_tcp_ops = {.input = dns_tcp_input};
