/* LDAP messages (RFC 4511) over UDP (dlg_cldap.c) and TCP (dlg_ldap.c).
 * Private to the dialogues. No I/O. */
#ifndef VERIPORT_DLG_LDAP_H
#define VERIPORT_DLG_LDAP_H

#include <stdint.h>

#include "dlg_impl.h"
#include "veriport/ber.h"

/* LDAP messages (RFC 4511), over UDP (dlg_cldap.c) and TCP (dlg_ldap.c). */
#define DLG_LDAP_SEARCH_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 3)
#define DLG_LDAP_SEARCH_ENTRY (BER_APPLICATION | BER_CONSTRUCTED | 4)
#define DLG_LDAP_SEARCH_DONE (BER_APPLICATION | BER_CONSTRUCTED | 5)
#define DLG_LDAP_SEARCH_REFERENCE (BER_APPLICATION | BER_CONSTRUCTED | 19)
#define DLG_LDAP_EXTENDED_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 23)
#define DLG_LDAP_EXTENDED_RESPONSE (BER_APPLICATION | BER_CONSTRUCTED | 24)

/* The messageID for a probe id: RFC 4511 §4.1.1.1 keeps 0 for
 * unsolicited notifications, so id 0 maps to one no 16-bit id is. */
int64_t dlg_ldap_message_id(uint16_t id);
/* Write the rootDSE search (RFC 4512 §5.1) asking for NATTRS ATTRS. */
void dlg_ldap_put_rootdse_search(struct ber_writer *w, int64_t id,
				 const char *const *attrs, size_t nattrs);
/* Append a SearchResultEntry's attributes ("type: v1 v2") to TEXT,
 * after "; " when it is not empty. 0, or -1 when malformed. */
int dlg_ldap_entry_text(const struct ber_tlv *op, char *text, size_t size);
/* Read the LDAPResult of OP (SearchResultDone, ExtendedResponse) into
 * *CODE and append "resultCode N name: message" likewise. */
int dlg_ldap_result_text(const struct ber_tlv *op, int64_t *code, char *text,
			 size_t size);

#endif
