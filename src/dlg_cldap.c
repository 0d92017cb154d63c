/* CLDAP: a rootDSE search over UDP, as Active Directory and Samba answer it
 * (MS-ADTS 3.1.1.3.1.11: LDAPv3 messages, the entry and the done in one
 * datagram), reading the older RFC 1798 framing too. Any search result
 * with our messageID proves an LDAP server answered. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"
#include "veriport/ber.h"

/* RFC 4511 §4.2-§4.5.2: protocolOp tags, [APPLICATION n]. */
#define LDAP_SEARCH_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 3)
#define LDAP_SEARCH_ENTRY (BER_APPLICATION | BER_CONSTRUCTED | 4)
#define LDAP_SEARCH_DONE (BER_APPLICATION | BER_CONSTRUCTED | 5)
#define LDAP_EXTENDED_RESPONSE (BER_APPLICATION | BER_CONSTRUCTED | 24)
/* RFC 4511 §4.5.1.7.5: the present filter, [7] IMPLICIT. */
#define LDAP_FILTER_PRESENT (BER_CONTEXT | 7)
/* RFC 4511 §4.5.1.2, §4.5.1.3. */
#define LDAP_SCOPE_BASE 0
#define LDAP_DEREF_NEVER 0
/* RFC 4511 §4.1.1.1: messageID 0 is kept for unsolicited notifications,
 * so a probe whose id is 0 uses one no 16-bit id can collide with. */
#define CLDAP_ID_FOR_ZERO 0x10000

static int64_t message_id(const struct dlg_params *p)
{
	return p->id != 0 ? p->id : CLDAP_ID_FOR_ZERO;
}

static int cldap_start(struct dlg_udp *d)
{
	/* RFC 4512 §5.1: the rootDSE is the entry with the empty name, read
	 * with a base-scope search for (objectClass=*). */
	struct ber_writer w;
	ber_writer_init(&w, d->req, sizeof d->req);
	ber_begin(&w, BER_SEQUENCE);
	ber_put_int(&w, BER_INTEGER, message_id(&d->params));
	ber_begin(&w, LDAP_SEARCH_REQUEST);
	ber_put_string(&w, BER_OCTET_STRING, ""); /* baseObject */
	ber_put_int(&w, BER_ENUMERATED, LDAP_SCOPE_BASE);
	ber_put_int(&w, BER_ENUMERATED, LDAP_DEREF_NEVER);
	ber_put_int(&w, BER_INTEGER, 0); /* sizeLimit */
	ber_put_int(&w, BER_INTEGER, 0); /* timeLimit */
	ber_put_bool(&w, false);         /* typesOnly */
	ber_put_string(&w, LDAP_FILTER_PRESENT, "objectClass");
	ber_begin(&w, BER_SEQUENCE);
	ber_put_string(&w, BER_OCTET_STRING, "supportedLDAPVersion");
	ber_put_string(&w, BER_OCTET_STRING, "namingContexts");
	ber_end(&w);
	ber_end(&w);
	ber_end(&w);
	return ber_finish(&w, &d->reqlen);
}

static enum dlg_udp_match bad(struct dlg_udp *d, const char *what)
{
	snprintf(d->detail, sizeof d->detail, "not an LDAP message: %s", what);
	return DLG_UDP_BAD;
}

static const char *result_name(int64_t code)
{
	/* RFC 4511 §4.1.9, the codes a rootDSE search can meet. */
	switch (code) {
	case 0:
		return "success";
	case 1:
		return "operationsError";
	case 2:
		return "protocolError";
	case 3:
		return "timeLimitExceeded";
	case 4:
		return "sizeLimitExceeded";
	case 32:
		return "noSuchObject";
	case 48:
		return "inappropriateAuthentication";
	case 50:
		return "insufficientAccessRights";
	case 51:
		return "busy";
	case 52:
		return "unavailable";
	case 53:
		return "unwillingToPerform";
	default:
		return "other";
	}
}

static void separate(struct dlg_udp *d)
{
	if (d->detail[0] != '\0')
		dlg_appendf(d->detail, sizeof d->detail, "; ");
}

/* RFC 4511 §4.5.2: SearchResultEntry, attributes and their values. */
static int entry(struct dlg_udp *d, const struct ber_tlv *op)
{
	struct ber_reader r, attrs, attr, vals;
	struct ber_tlv name, list, a, type, set, value;
	ber_reader_enter(&r, op);
	if (ber_read_tag(&r, BER_OCTET_STRING, &name) != 0 ||
	    ber_read_tag(&r, BER_SEQUENCE, &list) != 0 || !ber_reader_empty(&r))
		return -1;
	ber_reader_enter(&attrs, &list);
	while (!ber_reader_empty(&attrs)) {
		if (ber_read_tag(&attrs, BER_SEQUENCE, &a) != 0)
			return -1;
		ber_reader_enter(&attr, &a);
		if (ber_read_tag(&attr, BER_OCTET_STRING, &type) != 0 ||
		    ber_read_tag(&attr, BER_SET, &set) != 0 ||
		    !ber_reader_empty(&attr))
			return -1;
		separate(d);
		dlg_text_append(d->detail, sizeof d->detail, type.val,
		                type.len);
		dlg_appendf(d->detail, sizeof d->detail, ":");
		ber_reader_enter(&vals, &set);
		while (!ber_reader_empty(&vals)) {
			if (ber_read_tag(&vals, BER_OCTET_STRING, &value) != 0)
				return -1;
			dlg_appendf(d->detail, sizeof d->detail, " ");
			dlg_text_append(d->detail, sizeof d->detail, value.val,
			                value.len);
		}
	}
	return 0;
}

/* RFC 4511 §4.1.9: LDAPResult, in SearchResultDone and ExtendedResponse. */
static int result(struct dlg_udp *d, const struct ber_tlv *op)
{
	struct ber_reader r;
	struct ber_tlv code, matched, message;
	int64_t v;
	ber_reader_enter(&r, op);
	if (ber_read_tag(&r, BER_ENUMERATED, &code) != 0 ||
	    ber_get_int(&code, &v) != 0 ||
	    ber_read_tag(&r, BER_OCTET_STRING, &matched) != 0 ||
	    ber_read_tag(&r, BER_OCTET_STRING, &message) != 0)
		return -1;
	separate(d);
	dlg_appendf(d->detail, sizeof d->detail, "resultCode %lld %s",
	            (long long)v, result_name(v));
	if (message.len > 0) {
		dlg_appendf(d->detail, sizeof d->detail, ": ");
		dlg_text_append(d->detail, sizeof d->detail, message.val,
		                message.len);
	}
	return 0;
}

static int search_result(struct dlg_udp *d, const struct ber_tlv *op)
{
	if (op->tag == LDAP_SEARCH_ENTRY)
		return entry(d, op);
	if (op->tag == LDAP_SEARCH_DONE)
		return result(d, op);
	return -1;
}

static enum dlg_udp_match cldap_reply(struct dlg_udp *d, const uint8_t *buf,
                                      size_t len)
{
	struct ber_reader r, msg, list;
	struct ber_tlv t, id, op;
	int64_t v;
	ber_reader_init(&r, buf, len);
	if (ber_reader_empty(&r))
		return bad(d, "empty datagram");
	/* MS-ADTS 3.1.1.3.1.11: the entry and the done travel as two
	 * LDAPMessages in one datagram; nothing else may follow them. */
	for (unsigned n = 0; !ber_reader_empty(&r); n++) {
		if (ber_read_tag(&r, BER_SEQUENCE, &t) != 0)
			return bad(d, "no LDAPMessage SEQUENCE");
		ber_reader_enter(&msg, &t);
		if (ber_read_tag(&msg, BER_INTEGER, &id) != 0 ||
		    ber_get_int(&id, &v) != 0 || ber_read(&msg, &op) != 0)
			return bad(d, "messageID or protocolOp");
		/* RFC 1798 §3: a CLDAPMessage has the user's DN between
		 * the messageID and the operation. */
		if (op.tag == BER_OCTET_STRING && ber_read(&msg, &op) != 0)
			return bad(d, "protocolOp");
		if (v == 0 && op.tag == LDAP_EXTENDED_RESPONSE) {
			/* RFC 4511 §4.4: an unsolicited notification (the
			 * server giving up on us) is LDAP answering. */
			d->detail[0] = '\0';
			if (result(d, &op) != 0)
				return bad(d, "unsolicited notification");
			return DLG_UDP_MATCH;
		}
		if (v != message_id(&d->params)) {
			if (n > 0)
				return bad(d, "messageIDs differ");
			snprintf(d->detail, sizeof d->detail,
			         "LDAP messageID %lld, expected %lld",
			         (long long)v,
			         (long long)message_id(&d->params));
			return DLG_UDP_FOREIGN;
		}
		if (op.tag == BER_SEQUENCE) {
			/* RFC 1798 §3: searchResponse is a SEQUENCE OF the
			 * entries and the result. */
			ber_reader_enter(&list, &op);
			while (!ber_reader_empty(&list))
				if (ber_read(&list, &t) != 0 ||
				    search_result(d, &t) != 0)
					return bad(d, "searchResponse");
		} else if (search_result(d, &op) != 0) {
			if (op.tag != LDAP_SEARCH_ENTRY &&
			    op.tag != LDAP_SEARCH_DONE) {
				snprintf(d->detail, sizeof d->detail,
				         "LDAP operation 0x%02x, not a search "
				         "result",
				         op.tag);
				return DLG_UDP_BAD;
			}
			return bad(d, "search result");
		}
	}
	return DLG_UDP_MATCH;
}

const struct dlg_udp_ops dlg_cldap_ops = {
    .expects_reply = true,
    .start = cldap_start,
    .reply = cldap_reply,
};
