/* SNMP: an SNMPv2c GetRequest for sysDescr.0 (RFC 3416 §4.2.1, community
 * model of RFC 1901), and the Response that carries our request-id. Any
 * Response proves an agent answered, an error-status too. No I/O here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"
#include "veriport/ber.h"

/* RFC 1901 §3: version 1 is SNMPv2c. */
#define SNMP_VERSION_2C 1
/* RFC 3416 §3: PDU tags, context-specific and constructed. */
#define SNMP_PDU_GET (BER_CONTEXT | BER_CONSTRUCTED | 0)
#define SNMP_PDU_RESPONSE (BER_CONTEXT | BER_CONSTRUCTED | 2)
/* RFC 3416 §3: the varbind exceptions noSuchObject, noSuchInstance and
 * endOfMibView, context-specific primitive 0-2. */
#define SNMP_NO_SUCH_OBJECT (BER_CONTEXT | 0)
#define SNMP_END_OF_MIB_VIEW (BER_CONTEXT | 2)
/* A community longer than this is a configuration mistake; the bound
 * keeps the request well inside DLG_OUT_MAX. */
#define SNMP_COMMUNITY_MAX 255

/* sysDescr.0, 1.3.6.1.2.1.1.1.0 (RFC 3418): X.690 §8.19 packs the first
 * two arcs as 40 * 1 + 3 = 0x2b, every other arc here fits one octet. */
static const uint8_t sys_descr[] = {0x2b, 6, 1, 2, 1, 1, 1, 0};

static int snmp_start(struct dlg_udp *d)
{
	if (strlen(d->params.snmp_community) > SNMP_COMMUNITY_MAX)
		return -EINVAL;
	struct ber_writer w;
	ber_writer_init(&w, d->req, sizeof d->req);
	ber_begin(&w, BER_SEQUENCE);
	ber_put_int(&w, BER_INTEGER, SNMP_VERSION_2C);
	ber_put_string(&w, BER_OCTET_STRING, d->params.snmp_community);
	ber_begin(&w, SNMP_PDU_GET);
	ber_put_int(&w, BER_INTEGER, d->params.id);
	ber_put_int(&w, BER_INTEGER, 0); /* error-status */
	ber_put_int(&w, BER_INTEGER, 0); /* error-index */
	ber_begin(&w, BER_SEQUENCE);     /* variable-bindings */
	ber_begin(&w, BER_SEQUENCE);
	ber_put_bytes(&w, BER_OID, sys_descr, sizeof sys_descr);
	ber_put_null(&w);
	ber_end(&w);
	ber_end(&w);
	ber_end(&w);
	ber_end(&w);
	return ber_finish(&w, &d->reqlen);
}

static const char *error_status_name(int64_t status)
{
	/* RFC 3416 §3, error-status. */
	static const char *const names[] = {
	    "noError",
	    "tooBig",
	    "noSuchName",
	    "badValue",
	    "readOnly",
	    "genErr",
	    "noAccess",
	    "wrongType",
	    "wrongLength",
	    "wrongEncoding",
	    "wrongValue",
	    "noCreation",
	    "inconsistentValue",
	    "resourceUnavailable",
	    "commitFailed",
	    "undoFailed",
	    "authorizationError",
	    "notWritable",
	    "inconsistentName",
	};
	if (status < 0 || (size_t)status >= sizeof names / sizeof names[0])
		return "unknown";
	return names[status];
}

static enum dlg_udp_match bad(struct dlg_udp *d, const char *what)
{
	snprintf(d->detail, sizeof d->detail, "not an SNMP message: %s", what);
	return DLG_UDP_BAD;
}

/* The one varbind of the Response: sysDescr.0 and its value. */
static enum dlg_udp_match varbind(struct dlg_udp *d, struct ber_reader *pdu)
{
	struct ber_tlv list, vb, name, value;
	struct ber_reader r;
	if (ber_read_tag(pdu, BER_SEQUENCE, &list) != 0 ||
	    !ber_reader_empty(pdu))
		return bad(d, "variable-bindings");
	ber_reader_enter(&r, &list);
	if (ber_read_tag(&r, BER_SEQUENCE, &vb) != 0 || !ber_reader_empty(&r))
		return bad(d, "variable-bindings");
	ber_reader_enter(&r, &vb);
	if (ber_read_tag(&r, BER_OID, &name) != 0 ||
	    ber_read(&r, &value) != 0 || !ber_reader_empty(&r))
		return bad(d, "varbind");
	/* RFC 3416 §4.2.1: the Response names the variables asked for. */
	if (name.len != sizeof sys_descr ||
	    memcmp(name.val, sys_descr, sizeof sys_descr) != 0) {
		snprintf(d->detail, sizeof d->detail,
			 "an SNMP Response for another variable");
		return DLG_UDP_BAD;
	}
	if (value.tag == BER_OCTET_STRING) {
		text_append(d->detail, sizeof d->detail, value.val, value.len);
	} else if (value.tag >= SNMP_NO_SUCH_OBJECT &&
		   value.tag <= SNMP_END_OF_MIB_VIEW && value.len == 0) {
		static const char *const exceptions[] = {
		    "noSuchObject", "noSuchInstance", "endOfMibView"};
		snprintf(d->detail, sizeof d->detail, "sysDescr.0: %s",
			 exceptions[value.tag - SNMP_NO_SUCH_OBJECT]);
	} else {
		snprintf(d->detail, sizeof d->detail,
			 "sysDescr.0 of BER type 0x%02x", value.tag);
	}
	return DLG_UDP_MATCH;
}

static enum dlg_udp_match snmp_reply(struct dlg_udp *d, const uint8_t *buf,
				     size_t len)
{
	struct ber_reader r, msg, pdu;
	struct ber_tlv t, version, community, body, reqid, status, index;
	int64_t v;
	/* RFC 3417 §3: one message per datagram, nothing after it. */
	ber_reader_init(&r, buf, len);
	if (ber_read_tag(&r, BER_SEQUENCE, &t) != 0 || !ber_reader_empty(&r))
		return bad(d, "no message SEQUENCE");
	ber_reader_enter(&msg, &t);
	if (ber_read_tag(&msg, BER_INTEGER, &version) != 0 ||
	    ber_get_int(&version, &v) != 0)
		return bad(d, "version");
	if (v != SNMP_VERSION_2C) {
		snprintf(d->detail, sizeof d->detail,
			 "SNMP message version %lld, not SNMPv2c",
			 (long long)v);
		return DLG_UDP_BAD;
	}
	if (ber_read_tag(&msg, BER_OCTET_STRING, &community) != 0 ||
	    ber_read(&msg, &body) != 0 || !ber_reader_empty(&msg))
		return bad(d, "community or PDU");
	if (body.tag != SNMP_PDU_RESPONSE) {
		snprintf(d->detail, sizeof d->detail,
			 "SNMP PDU 0x%02x, not a Response", body.tag);
		return DLG_UDP_BAD;
	}
	ber_reader_enter(&pdu, &body);
	if (ber_read_tag(&pdu, BER_INTEGER, &reqid) != 0 ||
	    ber_get_int(&reqid, &v) != 0)
		return bad(d, "request-id");
	if (v != d->params.id) {
		snprintf(d->detail, sizeof d->detail,
			 "SNMP request-id %lld, expected %u", (long long)v,
			 d->params.id);
		return DLG_UDP_FOREIGN;
	}
	int64_t error_status, error_index;
	if (ber_read_tag(&pdu, BER_INTEGER, &status) != 0 ||
	    ber_get_int(&status, &error_status) != 0 ||
	    ber_read_tag(&pdu, BER_INTEGER, &index) != 0 ||
	    ber_get_int(&index, &error_index) != 0)
		return bad(d, "error-status or error-index");
	enum dlg_udp_match m = varbind(d, &pdu);
	if (m == DLG_UDP_MATCH && error_status != 0)
		snprintf(d->detail, sizeof d->detail, "error-status %s (%lld)",
			 error_status_name(error_status),
			 (long long)error_status);
	return m;
}

const struct dlg_udp_ops dlg_snmp_ops = {
    .expects_reply = true,
    .start = snmp_start,
    .reply = snmp_reply,
};
