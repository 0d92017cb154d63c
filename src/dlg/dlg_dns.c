/* DNS dialogues: one query for params.dns_qname, type SOA, recursion
 * desired, over UDP or over TCP with the two-byte length prefix of RFC 1035
 * §4.2.2; then a strict, bounded walk of the answer. Any well-formed answer
 * to our query proves a DNS server answered, whatever its rcode: a server
 * that refuses us still answered. No I/O here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

#define DNS_HEADER_LEN 12
/* RFC 1035 §3.1 and §2.3.4: a name is at most 255 octets in wire form,
 * a label at most 63. */
#define DNS_NAME_MAX 255
#define DNS_LABEL_MAX 63
/* RFC 1035 §4.1.1 header flags. */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags)&0xf)
/* RFC 1035 §3.2.2, §3.2.4: SOA of the name asked for, class IN. SOA
 * because every zone apex has one, so the default "." gets a real answer
 * from any resolver. */
#define DNS_TYPE_SOA 6
#define DNS_CLASS_IN 1
/* RFC 1035 §4.1.3: after a record's owner name come type, class, TTL and
 * RDLENGTH. */
#define DNS_RR_FIXED 10

/* Encode NAME ("." for the root, with or without a trailing dot) in wire
 * form. Escapes (RFC 1035 §5.1) are not supported: a name with spaces or
 * control characters is refused rather than guessed at. */
static int encode_name(const char *name, uint8_t *out, size_t *outlen)
{
	size_t n = 0;
	const char *p = name;
	if (strcmp(name, ".") == 0)
		p = "";
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > DNS_LABEL_MAX || n + 1 + l + 1 > DNS_NAME_MAX)
			return -EINVAL;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)p[i] <= 0x20 ||
			    (unsigned char)p[i] >= 0x7f)
				return -EINVAL;
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	*outlen = n;
	return 0;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Walk the name at *OFF of MSG, leaving *OFF after it, and when OUT is
 * not NULL store its uncompressed wire form (DNS_NAME_MAX bytes at most)
 * in lower case, for a case-insensitive compare. RFC 1035 §4.1.4: a
 * pointer names a prior occurrence, so each must point before the labels
 * it ends; that also makes every walk end. */
static int walk_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out,
		     size_t *outlen)
{
	size_t pos = *off;
	size_t limit = pos; /* a pointer must point before this */
	size_t resume = 0;  /* where the message goes on after a pointer */
	size_t n = 0;
	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (len - pos < 2)
				return -EBADMSG;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (resume == 0)
				resume = pos + 2;
			if (target >= limit)
				return -EBADMSG;
			limit = pos = target;
			continue;
		}
		/* 0x40 and 0x80: the extended label types RFC 6891 §5
		 * retired; nothing answers our query with them. */
		if (l & 0xc0)
			return -EBADMSG;
		if (n + 1 + l > DNS_NAME_MAX || len - pos < 1 + (size_t)l)
			return -EBADMSG;
		if (out) {
			out[n] = l;
			for (size_t i = 0; i < l; i++)
				out[n + 1 + i] = lower(msg[pos + 1 + i]);
		}
		n += 1 + (size_t)l;
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	*off = resume ? resume : pos;
	*outlen = n;
	return 0;
}

/* Our query: header and one question (RFC 1035 §4.1.1, §4.1.2). */
static int build_query(uint8_t *out, size_t cap, const struct dlg_params *p,
		       size_t *len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen;
	int rc = encode_name(p->dns_qname, name, &nlen);
	if (rc != 0)
		return rc;
	if (DNS_HEADER_LEN + nlen + 4 > cap)
		return -EMSGSIZE;
	memset(out, 0, DNS_HEADER_LEN);
	dlg_put16(out, p->id);
	dlg_put16(out + 2, DNS_FLAG_RD);
	dlg_put16(out + 4, 1); /* QDCOUNT */
	memcpy(out + DNS_HEADER_LEN, name, nlen);
	dlg_put16(out + DNS_HEADER_LEN + nlen, DNS_TYPE_SOA);
	dlg_put16(out + DNS_HEADER_LEN + nlen + 2, DNS_CLASS_IN);
	*len = DNS_HEADER_LEN + nlen + 4;
	return 0;
}

static const char *rcode_name(unsigned rcode)
{
	/* RFC 1035 §4.1.1 (0-5), RFC 2136 §2.2 (6-10). */
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
	};
	return rcode < sizeof names / sizeof names[0] ? names[rcode] : NULL;
}

/* Judge MSG as the answer to QUERY (our own, well-formed, QLEN bytes). */
static enum dlg_udp_match judge(const uint8_t *query, size_t qlen,
				const uint8_t *msg, size_t len, char *detail,
				size_t size)
{
	uint16_t want = dlg_get16(query);
	if (len < DNS_HEADER_LEN) {
		snprintf(detail, size, "%zu bytes, shorter than a DNS header",
			 len);
		return DLG_UDP_BAD;
	}
	uint16_t id = dlg_get16(msg);
	uint16_t flags = dlg_get16(msg + 2);
	if (id != want) {
		snprintf(detail, size, "DNS id 0x%04x, expected 0x%04x", id,
			 want);
		return DLG_UDP_FOREIGN;
	}
	if (!(flags & DNS_FLAG_QR)) {
		snprintf(detail, size, "a DNS query, not an answer (echoed?)");
		return DLG_UDP_BAD;
	}
	if (DNS_OPCODE(flags) != 0) {
		snprintf(detail, size, "DNS opcode %u in the answer",
			 (unsigned)DNS_OPCODE(flags));
		return DLG_UDP_BAD;
	}
	unsigned qd = dlg_get16(msg + 4), an = dlg_get16(msg + 6);
	unsigned ns = dlg_get16(msg + 8), ar = dlg_get16(msg + 10);
	unsigned rcode = DNS_RCODE(flags);
	size_t off = DNS_HEADER_LEN;
	if (qd > 1) {
		snprintf(detail, size, "%u questions in the answer", qd);
		return DLG_UDP_BAD;
	}
	if (qd == 1) {
		uint8_t name[DNS_NAME_MAX], ours[DNS_NAME_MAX];
		size_t nlen, olen, qoff = DNS_HEADER_LEN;
		if (walk_name(msg, len, &off, name, &nlen) != 0 ||
		    len - off < 4) {
			snprintf(detail, size, "malformed question section");
			return DLG_UDP_BAD;
		}
		walk_name(query, qlen, &qoff, ours, &olen);
		if (nlen != olen || memcmp(name, ours, nlen) != 0 ||
		    memcmp(msg + off, query + qoff, 4) != 0) {
			snprintf(detail, size, "an answer to another question");
			return DLG_UDP_FOREIGN;
		}
		off += 4;
	} else if (rcode == 0) {
		/* RFC 1035 §4.1.2: an answer repeats the question; only an
		 * error answer (FORMERR, NOTIMP) may go without. */
		snprintf(detail, size, "a NOERROR answer without a question");
		return DLG_UDP_BAD;
	}
	/* RFC 2181 §9: a truncated answer may end anywhere after the
	 * header, so its records are not walked. */
	if (!(flags & DNS_FLAG_TC)) {
		unsigned records = an + ns + ar;
		for (unsigned i = 0; i < records; i++) {
			size_t nlen;
			if (walk_name(msg, len, &off, NULL, &nlen) != 0 ||
			    len - off < DNS_RR_FIXED ||
			    dlg_get16(msg + off + 8) >
				len - off - DNS_RR_FIXED) {
				snprintf(detail, size,
					 "malformed record %u of %u", i + 1,
					 records);
				return DLG_UDP_BAD;
			}
			off += DNS_RR_FIXED + dlg_get16(msg + off + 8);
		}
	}
	const char *name = rcode_name(rcode);
	if (name)
		snprintf(detail, size, "rcode %s", name);
	else
		snprintf(detail, size, "rcode %u", rcode);
	if (rcode == 0)
		text_appendf(detail, size, ", %u answer%s", an,
			     an == 1 ? "" : "s");
	if (flags & DNS_FLAG_TC)
		text_appendf(detail, size, ", truncated");
	return DLG_UDP_MATCH;
}

/* UDP ----------------------------------------------------------------- */

static int dns_udp_start(struct dlg_udp *d)
{
	return build_query(d->req, sizeof d->req, &d->params, &d->reqlen);
}

static enum dlg_udp_match dns_udp_reply(struct dlg_udp *d, const uint8_t *buf,
					size_t len)
{
	return judge(d->req, d->reqlen, buf, len, d->detail, sizeof d->detail);
}

const struct dlg_udp_ops dlg_dns_udp_ops = {
    .expects_reply = true,
    .start = dns_udp_start,
    .reply = dns_udp_reply,
};

/* TCP: RFC 1035 §4.2.2, each message after a two-byte length ----------- */

static int dns_tcp_start(struct dlg *d)
{
	uint8_t msg[DLG_OUT_MAX - 2];
	size_t len;
	int rc = build_query(msg, sizeof msg, &d->params, &len);
	if (rc != 0)
		return rc;
	uint8_t prefix[2];
	dlg_put16(prefix, (uint16_t)len);
	dlg_queue(d, prefix, 2);
	dlg_queue(d, msg, len);
	return 0;
}

/* The prefix and header we judged go into the evidence. */
static enum dlg_step unexpected(struct dlg *d, const char *why)
{
	snprintf(d->detail, sizeof d->detail, "%s: ", why);
	text_append(d->detail, sizeof d->detail, d->in, 2 + DNS_HEADER_LEN);
	return dlg_fail(d, DLG_FAIL_UNEXPECTED);
}

static enum dlg_step dns_tcp_input(struct dlg *d)
{
	/* dlg_sent() leaves the query in out[]: it is what we match. */
	const uint8_t *query = d->out + 2;
	if (d->inlen < 2 + DNS_HEADER_LEN)
		return DLG_MORE;
	/* Judge the header before the length, so a peer speaking another
	 * protocol (whose first bytes read as a huge length) is called
	 * unexpected rather than over-long. */
	uint16_t flags = dlg_get16(d->in + 4);
	if (dlg_get16(d->in + 2) != dlg_get16(query) || !(flags & DNS_FLAG_QR))
		return unexpected(d, "not a DNS answer to our query");
	size_t mlen = dlg_get16(d->in);
	if (mlen > DLG_IN_MAX - 2) {
		snprintf(d->detail, sizeof d->detail,
			 "a %zu-byte DNS answer, over our %d-byte bound", mlen,
			 DLG_IN_MAX - 2);
		return dlg_fail(d, DLG_FAIL_TOO_LONG);
	}
	if (d->inlen < 2 + mlen)
		return DLG_MORE;
	/* Over TCP nothing else shares the connection: an answer to
	 * another question is as wrong as one that is not DNS. */
	if (judge(query, dlg_get16(d->out), d->in + 2, mlen, d->detail,
		  sizeof d->detail) != DLG_UDP_MATCH)
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	return DLG_DONE;
}

static enum dlg_step dns_tcp_eof(struct dlg *d)
{
	if (d->inlen == 0)
		snprintf(d->detail, sizeof d->detail,
			 "closed without answering");
	else
		snprintf(d->detail, sizeof d->detail,
			 "closed after %zu bytes of the answer", d->inlen);
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

const struct dlg_stream_ops dlg_dns_tcp_ops = {
    .start = dns_tcp_start,
    .input = dns_tcp_input,
    .eof = dns_tcp_eof,
};
