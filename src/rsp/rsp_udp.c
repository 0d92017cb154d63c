/* The datagram responders: one answer per request for NTP (RFC 5905),
 * SNMP GetRequest (RFC 3416), Pyzor ping, DCC NOP, CLDAP and DNS (their
 * own files); syslog (RFC 5426) is recorded and never answered. Garbage
 * gets no answer: a responder must not be a reflector. No I/O here. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsp_impl.h"
#include "veriport/ber.h"
#include "veriport/text.h"

/* NTP: RFC 5905 §7.3. */
#define NTP_PACKET_LEN 48
#define NTP_MODE_CLIENT 3
#define NTP_MODE_SERVER 4
#define NTP_STRATUM_UNSYNC 16
#define NTP_LEAP_ALARM 3
/* RFC 5905 §6: seconds from 1900 to 1970. */
#define NTP_UNIX_OFFSET 2208988800ull
/* SNMP: RFC 3416 §3. */
#define SNMP_PDU_GET (BER_CONTEXT | BER_CONSTRUCTED | 0)
#define SNMP_PDU_RESPONSE (BER_CONTEXT | BER_CONSTRUCTED | 2)
#define SNMP_NO_SUCH_OBJECT (BER_CONTEXT | 0)
#define SNMP_NO_SUCH_NAME 2
#define SNMP_VARBINDS_MAX 8
/* DCC (dcc_proto.h): header, the OK body, the signature. */
#define DCC_HDR_LEN 24
#define DCC_OP_NUMS 8
#define DCC_SIGNATURE_LEN 16
#define DCC_NOP_LEN (DCC_HDR_LEN + DCC_SIGNATURE_LEN)
#define DCC_BRAND_LEN 64
#define DCC_OK_LEN (DCC_HDR_LEN + 4 + DCC_BRAND_LEN + DCC_SIGNATURE_LEN)
#define DCC_OP_NOP 1
#define DCC_OP_OK 6
#define DCC_PKT_VERS_MIN 4
#define DCC_PKT_VERS_MAX 32
/* Our server-ID in DCC answers: in dccd's range for servers. */
#define DCC_OUR_SERVER_ID 32702
/* A Pyzor header value we copy (Thread). */
#define PYZOR_VALUE_MAX 16

static const uint8_t sys_descr[] = {0x2b, 6, 1, 2, 1, 1, 1, 0};

static size_t ntp_answer(const struct rsp_params *p, const uint8_t *in,
			 size_t len, uint8_t *out, size_t cap, char *asked,
			 size_t asklen)
{
	unsigned version = (in[0] >> 3) & 7, mode = in[0] & 7;
	if (len < NTP_PACKET_LEN || mode != NTP_MODE_CLIENT || version < 1 ||
	    version > 4 || cap < NTP_PACKET_LEN) {
		snprintf(asked, asklen, "(not an NTP client request)");
		return 0;
	}
	snprintf(asked, asklen, "NTPv%u client request", version);
	memset(out, 0, NTP_PACKET_LEN);
	/* A stand-in keeps no time of its own worth serving: it says so
	 * (leap alarm, stratum 16) as an unsynchronized ntpd does, with
	 * the host's clock in the timestamps. */
	out[0] =
	    (uint8_t)(NTP_LEAP_ALARM << 6 | version << 3 | NTP_MODE_SERVER);
	out[1] = NTP_STRATUM_UNSYNC;
	out[2] = in[2];
	out[3] = 0xec; /* precision 2^-20 s */
	memcpy(out + 12, "VPRT", 4);
	memcpy(out + 24, in + 40, 8); /* origin = the client's transmit */
	uint64_t secs = p->now_ms / 1000 + NTP_UNIX_OFFSET;
	uint32_t frac = (uint32_t)(((p->now_ms % 1000) << 32) / 1000);
	for (int at = 32; at <= 40; at += 8) {
		rsp_put32(out + at, (uint32_t)secs);
		rsp_put32(out + at + 4, frac);
	}
	return NTP_PACKET_LEN;
}

static size_t snmp_answer(const struct rsp_params *p, const uint8_t *in,
			  size_t len, uint8_t *out, size_t cap, char *asked,
			  size_t asklen)
{
	struct ber_reader r, msg, pdu, list, vb;
	struct ber_tlv t, version, community, body, reqid, st, ix, vbs, one,
	    name[SNMP_VARBINDS_MAX], value;
	int64_t v, id;
	ber_reader_init(&r, in, len);
	if (ber_read_tag(&r, BER_SEQUENCE, &t) != 0)
		goto bad;
	ber_reader_enter(&msg, &t);
	if (ber_read_tag(&msg, BER_INTEGER, &version) != 0 ||
	    ber_get_int(&version, &v) != 0 || (v != 0 && v != 1) ||
	    ber_read_tag(&msg, BER_OCTET_STRING, &community) != 0 ||
	    ber_read(&msg, &body) != 0 || body.tag != SNMP_PDU_GET)
		goto bad;
	ber_reader_enter(&pdu, &body);
	if (ber_read_tag(&pdu, BER_INTEGER, &reqid) != 0 ||
	    ber_get_int(&reqid, &id) != 0 ||
	    ber_read_tag(&pdu, BER_INTEGER, &st) != 0 ||
	    ber_read_tag(&pdu, BER_INTEGER, &ix) != 0 ||
	    ber_read_tag(&pdu, BER_SEQUENCE, &vbs) != 0)
		goto bad;
	ber_reader_enter(&list, &vbs);
	size_t n = 0;
	bool descr = false;
	int64_t missing = 0;
	while (!ber_reader_empty(&list)) {
		if (n == SNMP_VARBINDS_MAX ||
		    ber_read_tag(&list, BER_SEQUENCE, &one) != 0)
			goto bad;
		ber_reader_enter(&vb, &one);
		if (ber_read_tag(&vb, BER_OID, &name[n]) != 0 ||
		    ber_read(&vb, &value) != 0)
			goto bad;
		bool is_descr =
		    name[n].len == sizeof sys_descr &&
		    memcmp(name[n].val, sys_descr, sizeof sys_descr) == 0;
		descr = descr || is_descr;
		if (!is_descr && missing == 0)
			missing = (int64_t)n + 1;
		n++;
	}
	/* The community is a password of sorts: it stays out of the
	 * record. */
	snprintf(asked, asklen, "SNMPv%s get %s%s", v == 0 ? "1" : "2c",
		 descr ? "sysDescr.0" : "other", n > 1 ? " and more" : "");
	char text[RSP_TOKEN_MAX + 32];
	snprintf(text, sizeof text, RSP_NAME " %s", p->token ? p->token : "");
	struct ber_writer w;
	ber_writer_init(&w, out, cap);
	ber_begin(&w, BER_SEQUENCE);
	ber_put_int(&w, BER_INTEGER, v);
	ber_put_bytes(&w, BER_OCTET_STRING, community.val, community.len);
	ber_begin(&w, SNMP_PDU_RESPONSE);
	ber_put_int(&w, BER_INTEGER, id);
	/* RFC 1157 §4.1.2 (v1): noSuchName and its index; RFC 3416 §4.2.1
	 * (v2c): noSuchObject in the varbind. */
	bool v1_error = v == 0 && missing != 0;
	ber_put_int(&w, BER_INTEGER, v1_error ? SNMP_NO_SUCH_NAME : 0);
	ber_put_int(&w, BER_INTEGER, v1_error ? missing : 0);
	ber_begin(&w, BER_SEQUENCE);
	for (size_t i = 0; i < n; i++) {
		ber_begin(&w, BER_SEQUENCE);
		ber_put_bytes(&w, BER_OID, name[i].val, name[i].len);
		if (name[i].len == sizeof sys_descr &&
		    memcmp(name[i].val, sys_descr, sizeof sys_descr) == 0)
			ber_put_string(&w, BER_OCTET_STRING, text);
		else if (v1_error)
			ber_put_null(&w);
		else
			ber_put_bytes(&w, SNMP_NO_SUCH_OBJECT, "", 0);
		ber_end(&w);
	}
	ber_end(&w);
	ber_end(&w);
	ber_end(&w);
	size_t outlen;
	return ber_finish(&w, &outlen) == 0 ? outlen : 0;
bad:
	snprintf(asked, asklen, "(not an SNMP GetRequest)");
	return 0;
}

/* The value of header NAME in the Pyzor request (text up to a blank
 * line), copied to VALUE; false when absent. */
static bool pyzor_header(const uint8_t *in, size_t len, const char *name,
			 char *value, size_t size)
{
	size_t k = strlen(name), pos = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(in + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - in) : len;
		size_t n = end - pos;
		const char *line = (const char *)in + pos;
		pos = end + 1;
		if (n == 0)
			break;
		if (n > k + 1 && strncmp(line, name, k) == 0 &&
		    line[k] == ':') {
			size_t v = k + 1;
			while (v < n && line[v] == ' ')
				v++;
			size_t vl = n - v;
			if (vl > 0 && line[v + vl - 1] == '\r')
				vl--;
			if (vl == 0 || vl >= size)
				return false;
			memcpy(value, line + v, vl);
			value[vl] = '\0';
			return true;
		}
	}
	return false;
}

static size_t pyzor_answer(const struct rsp_params *p, const uint8_t *in,
			   size_t len, uint8_t *out, size_t cap, char *asked,
			   size_t asklen)
{
	char op[PYZOR_VALUE_MAX], thread[PYZOR_VALUE_MAX];
	bool digits = pyzor_header(in, len, "Thread", thread, sizeof thread) &&
		      strlen(thread) <= 5;
	for (size_t i = 0; digits && thread[i]; i++)
		digits = isdigit((unsigned char)thread[i]);
	/* pyzor/message.py: the request ends with its blank line; a cut
	 * one gets no answer. */
	if (memmem(in, len, "\n\n", 2) == NULL ||
	    !pyzor_header(in, len, "Op", op, sizeof op) || !digits) {
		snprintf(asked, asklen, "(not a Pyzor request)");
		return 0;
	}
	snprintf(asked, asklen, "Pyzor ");
	text_append(asked, asklen, op, strlen(op));
	/* pyzor's server.py: Code, Diag, PV, Thread; Diag is free text. */
	int n = snprintf((char *)out, cap,
			 "Code: 200\nDiag: OK " RSP_NAME " %s\nPV: 2.1\n"
			 "Thread: %s\n\n",
			 p->token ? p->token : "", thread);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t dcc_answer(const struct rsp_params *p, const uint8_t *in,
			 size_t len, uint8_t *out, size_t cap, char *asked,
			 size_t asklen)
{
	if (len < DCC_NOP_LEN || rsp_get16(in) != len ||
	    in[2] < DCC_PKT_VERS_MIN || in[2] > DCC_PKT_VERS_MAX ||
	    cap < DCC_OK_LEN) {
		snprintf(asked, asklen, "(not a DCC packet)");
		return 0;
	}
	if (in[3] != DCC_OP_NOP) {
		snprintf(asked, asklen, "DCC operation %u", in[3]);
		return 0;
	}
	snprintf(asked, asklen, "DCC NOP");
	memset(out, 0, DCC_OK_LEN);
	rsp_put16(out, DCC_OK_LEN);
	out[2] = in[2];
	out[3] = DCC_OP_OK;
	rsp_put32(out + 4, DCC_OUR_SERVER_ID);
	memcpy(out + DCC_OP_NUMS, in + DCC_OP_NUMS, 16);
	out[DCC_HDR_LEN] = in[2]; /* max_pkt_vers */
	snprintf((char *)out + DCC_HDR_LEN + 4, DCC_BRAND_LEN, RSP_NAME " %s",
		 p->token ? p->token : "");
	return DCC_OK_LEN;
}

size_t rsp_udp_answer(enum catalog_check check, const struct rsp_params *p,
		      const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		      char *asked, size_t asklen)
{
	static const uint8_t empty[1];
	if (in == NULL)
		in = empty, len = 0;
	asked[0] = '\0';
	if (len == 0) {
		snprintf(asked, asklen, "(empty datagram)");
		return 0;
	}
	switch (check) {
	case CATALOG_CHECK_DNS:
		return rsp_dns_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_NTP:
		return ntp_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_SNMP:
		return snmp_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_CLDAP:
		return rsp_cldap_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_PYZOR:
		return pyzor_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_DCC:
		return dcc_answer(p, in, len, out, cap, asked, asklen);
	case CATALOG_CHECK_SYSLOG:
		/* RFC 5426 §3.1: a collector never answers. */
		snprintf(asked, asklen, "syslog: ");
		text_append(asked, asklen, in, len < 48 ? len : 48);
		return 0;
	default:
		snprintf(asked, asklen, "(no datagram responder)");
		return 0;
	}
}
