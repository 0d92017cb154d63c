/* CLDAP: a rootDSE search over UDP, as Active Directory and Samba answer it
 * (MS-ADTS 3.1.1.3.1.11: LDAPv3 messages, the entry and the done in one
 * datagram), reading the older RFC 1798 framing too. Any search result
 * with our messageID proves an LDAP server answered. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_ldap.h"
#include "veriport/ber.h"

/* CLDAP asks for less than LDAP over TCP: a datagram answer must fit in
 * one UDP packet. */
static const char *const rootdse_attrs[] = {
    "supportedLDAPVersion",
    "namingContexts",
};

static int cldap_start(struct dlg_udp *d)
{
	struct ber_writer w;
	ber_writer_init(&w, d->req, sizeof d->req);
	dlg_ldap_put_rootdse_search(
	    &w, dlg_ldap_message_id(d->params.id), rootdse_attrs,
	    sizeof rootdse_attrs / sizeof rootdse_attrs[0]);
	return ber_finish(&w, &d->reqlen);
}

static enum dlg_udp_match bad(struct dlg_udp *d, const char *what)
{
	snprintf(d->detail, sizeof d->detail, "not an LDAP message: %s", what);
	return DLG_UDP_BAD;
}

static int search_result(struct dlg_udp *d, const struct ber_tlv *op)
{
	int64_t code;
	if (op->tag == DLG_LDAP_SEARCH_ENTRY)
		return dlg_ldap_entry_text(op, d->detail, sizeof d->detail);
	if (op->tag == DLG_LDAP_SEARCH_DONE)
		return dlg_ldap_result_text(op, &code, d->detail,
					    sizeof d->detail);
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
		if (v == 0 && op.tag == DLG_LDAP_EXTENDED_RESPONSE) {
			/* RFC 4511 §4.4: an unsolicited notification (the
			 * server giving up on us) is LDAP answering. */
			int64_t code;
			d->detail[0] = '\0';
			if (dlg_ldap_result_text(&op, &code, d->detail,
						 sizeof d->detail) != 0)
				return bad(d, "unsolicited notification");
			return DLG_UDP_MATCH;
		}
		if (v != dlg_ldap_message_id(d->params.id)) {
			if (n > 0)
				return bad(d, "messageIDs differ");
			snprintf(d->detail, sizeof d->detail,
				 "LDAP messageID %lld, expected %lld",
				 (long long)v,
				 (long long)dlg_ldap_message_id(d->params.id));
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
			if (op.tag != DLG_LDAP_SEARCH_ENTRY &&
			    op.tag != DLG_LDAP_SEARCH_DONE) {
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
