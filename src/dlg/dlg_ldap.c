/* LDAP over TCP (ldap-starttls on 389/3268, ldaps on 636): the StartTLS
 * extended operation (RFC 4511 §4.14), then a rootDSE search over TLS, or
 * in the clear when the server refuses TLS. Also the LDAP messages CLDAP
 * (dlg_cldap.c) shares: the rootDSE search and the evidence text of its
 * results. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_ldap.h"
#include "veriport/xalloc.h"

/* RFC 4511 §4.14.1: the StartTLS requestName. */
#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"
/* RFC 4511 §4.12: requestName [0] of an ExtendedRequest. */
#define LDAP_REQUEST_NAME (BER_CONTEXT | 0)
/* RFC 4511 §4.5.1.7.5: the present filter, [7] IMPLICIT. */
#define LDAP_FILTER_PRESENT (BER_CONTEXT | 7)
/* RFC 4511 §4.5.1.2, §4.5.1.3. */
#define LDAP_SCOPE_BASE 0
#define LDAP_DEREF_NEVER 0
/* RFC 4511 §4.1.1.1: messageID 0 is for unsolicited notifications. */
#define LDAP_ID_FOR_ZERO 0x10000
/* X.690 §8.1.3.5: BER length octets we read after the first; RFC 4511
 * §5.1 lets a message be no longer than 2^31 - 1 octets anyway. */
#define LDAP_LENGTH_OCTETS_MAX 4
/* The StartTLS answer, one rootDSE entry and the done: under 1 KiB from
 * slapd and Active Directory. A server sending entry after entry stops
 * here. Each message on its own must fit DLG_IN_MAX. */
#define LDAP_RECEIVED_MAX (32 * 1024)

/* d->state */
enum {
	LDAP_STARTTLS,     /* waiting for the StartTLS ExtendedResponse */
	LDAP_SEARCH,       /* the rootDSE search, over TLS */
	LDAP_SEARCH_CLEAR, /* the rootDSE search after StartTLS was refused */
};

/* The attributes the rootDSE search asks for (RFC 4512 §5.1, RFC 3045
 * §2). */
static const char *const rootdse_attrs[] = {
    "supportedLDAPVersion",
    "namingContexts",
    "vendorName",
};

/* Shared with CLDAP ----------------------------------------------------- */

int64_t dlg_ldap_message_id(uint16_t id)
{
	return id != 0 ? id : LDAP_ID_FOR_ZERO;
}

void dlg_ldap_put_rootdse_search(struct ber_writer *w, int64_t id,
				 const char *const *attrs, size_t nattrs)
{
	/* RFC 4512 §5.1: the rootDSE is the entry with the empty name, read
	 * with a base-scope search for (objectClass=*). */
	ber_begin(w, BER_SEQUENCE);
	ber_put_int(w, BER_INTEGER, id);
	ber_begin(w, DLG_LDAP_SEARCH_REQUEST);
	ber_put_string(w, BER_OCTET_STRING, ""); /* baseObject */
	ber_put_int(w, BER_ENUMERATED, LDAP_SCOPE_BASE);
	ber_put_int(w, BER_ENUMERATED, LDAP_DEREF_NEVER);
	ber_put_int(w, BER_INTEGER, 0); /* sizeLimit */
	ber_put_int(w, BER_INTEGER, 0); /* timeLimit */
	ber_put_bool(w, false);         /* typesOnly */
	ber_put_string(w, LDAP_FILTER_PRESENT, "objectClass");
	ber_begin(w, BER_SEQUENCE);
	for (size_t i = 0; i < nattrs; i++)
		ber_put_string(w, BER_OCTET_STRING, attrs[i]);
	ber_end(w);
	ber_end(w);
	ber_end(w);
}

static const char *result_name(int64_t code)
{
	/* RFC 4511 §4.1.9, the codes a rootDSE search or StartTLS meets. */
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

static void separate(char *text, size_t size)
{
	if (text[0] != '\0')
		text_appendf(text, size, "; ");
}

/* RFC 4511 §4.5.2: SearchResultEntry, attributes and their values. */
int dlg_ldap_entry_text(const struct ber_tlv *op, char *text, size_t size)
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
		separate(text, size);
		text_append(text, size, type.val, type.len);
		text_appendf(text, size, ":");
		ber_reader_enter(&vals, &set);
		while (!ber_reader_empty(&vals)) {
			if (ber_read_tag(&vals, BER_OCTET_STRING, &value) != 0)
				return -1;
			text_appendf(text, size, " ");
			text_append(text, size, value.val, value.len);
		}
	}
	return 0;
}

/* RFC 4511 §4.1.9: LDAPResult, in SearchResultDone and ExtendedResponse. */
int dlg_ldap_result_text(const struct ber_tlv *op, int64_t *code, char *text,
			 size_t size)
{
	struct ber_reader r;
	struct ber_tlv t, matched, message;
	ber_reader_enter(&r, op);
	if (ber_read_tag(&r, BER_ENUMERATED, &t) != 0 ||
	    ber_get_int(&t, code) != 0 ||
	    ber_read_tag(&r, BER_OCTET_STRING, &matched) != 0 ||
	    ber_read_tag(&r, BER_OCTET_STRING, &message) != 0)
		return -1;
	separate(text, size);
	text_appendf(text, size, "resultCode %lld %s", (long long)*code,
		     result_name(*code));
	if (message.len > 0) {
		text_appendf(text, size, ": ");
		text_append(text, size, message.val, message.len);
	}
	return 0;
}

/* LDAP over TCP --------------------------------------------------------- */

static int64_t starttls_id(const struct dlg *d)
{
	return dlg_ldap_message_id(d->params.id);
}

static int64_t search_id(const struct dlg *d)
{
	return starttls_id(d) + 1;
}

static void queue_message(struct dlg *d, const struct ber_writer *w,
			  const uint8_t *buf)
{
	size_t len;
	if (ber_finish(w, &len) != 0)
		fatalx("%s: a fixed request does not fit", __func__);
	dlg_queue(d, buf, len);
}

static void queue_search(struct dlg *d)
{
	uint8_t buf[DLG_OUT_MAX];
	struct ber_writer w;
	ber_writer_init(&w, buf, sizeof buf);
	dlg_ldap_put_rootdse_search(&w, search_id(d), rootdse_attrs,
				    sizeof rootdse_attrs /
					sizeof rootdse_attrs[0]);
	queue_message(d, &w, buf);
}

static int ldap_start(struct dlg *d)
{
	if (d->params.implicit_tls) {
		d->state = LDAP_SEARCH;
		queue_search(d);
		return 0;
	}
	/* RFC 4511 §4.14.1: an ExtendedRequest with the StartTLS name and
	 * no value. */
	uint8_t buf[DLG_OUT_MAX];
	struct ber_writer w;
	ber_writer_init(&w, buf, sizeof buf);
	ber_begin(&w, BER_SEQUENCE);
	ber_put_int(&w, BER_INTEGER, starttls_id(d));
	ber_begin(&w, DLG_LDAP_EXTENDED_REQUEST);
	ber_put_string(&w, LDAP_REQUEST_NAME, LDAP_STARTTLS_OID);
	ber_end(&w);
	ber_end(&w);
	queue_message(d, &w, buf);
	d->state = LDAP_STARTTLS;
	return 0;
}

/* The size of the BER value at the front of P (N bytes): 1 when its
 * length octets have not all come yet, -1 when they are not a definite
 * length we read (X.690 §8.1.3), else 0 with *SIZE. */
static int message_size(const uint8_t *p, size_t n, size_t *size)
{
	if (n < 2)
		return 1;
	if (p[1] < 0x80) {
		*size = 2 + (size_t)p[1];
		return 0;
	}
	size_t k = p[1] & 0x7f;
	if (k == 0 || k > LDAP_LENGTH_OCTETS_MAX)
		return -1;
	if (n < 2 + k)
		return 1;
	size_t len = 0;
	for (size_t i = 0; i < k; i++)
		len = len << 8 | p[2 + i];
	*size = 2 + k + len;
	return 0;
}

static enum dlg_step not_ldap(struct dlg *d, const uint8_t *p, size_t n)
{
	return dlg_fail_text(d, DLG_FAIL_UNEXPECTED, "not an LDAP message: ", p,
			     n < DLG_QUOTE_MAX ? n : DLG_QUOTE_MAX);
}

static enum dlg_step answer_starttls(struct dlg *d, const struct ber_tlv *op)
{
	char text[DLG_DETAIL_MAX] = "";
	int64_t code;
	if (op->tag != DLG_LDAP_EXTENDED_RESPONSE) {
		snprintf(d->detail, sizeof d->detail,
			 "LDAP operation 0x%02x in answer to StartTLS",
			 op->tag);
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
	if (dlg_ldap_result_text(op, &code, text, sizeof text) != 0) {
		snprintf(d->detail, sizeof d->detail,
			 "malformed ExtendedResponse to StartTLS");
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
	if (code == 0) {
		d->facts.starttls_offered = true;
		return DLG_STARTTLS;
	}
	/* Servers without TLS say protocolError (2, slapd without a
	 * certificate) or unavailable (52, Active Directory); the rootDSE
	 * in the clear still shows which server answered. */
	snprintf(d->detail, sizeof d->detail, "StartTLS refused: %s", text);
	queue_search(d);
	d->state = LDAP_SEARCH_CLEAR;
	return DLG_MORE;
}

static enum dlg_step answer_search(struct dlg *d, const struct ber_tlv *op)
{
	switch (op->tag) {
	case DLG_LDAP_SEARCH_ENTRY:
		if (dlg_ldap_entry_text(op, d->detail, sizeof d->detail) != 0) {
			snprintf(d->detail, sizeof d->detail,
				 "malformed SearchResultEntry");
			return dlg_fail(d, DLG_FAIL_UNEXPECTED);
		}
		return DLG_MORE;
	case DLG_LDAP_SEARCH_REFERENCE:
		return DLG_MORE;
	case DLG_LDAP_SEARCH_DONE: {
		char text[DLG_DETAIL_MAX] = "";
		int64_t code;
		if (dlg_ldap_result_text(op, &code, text, sizeof text) != 0) {
			snprintf(d->detail, sizeof d->detail,
				 "malformed SearchResultDone");
			return dlg_fail(d, DLG_FAIL_UNEXPECTED);
		}
		/* A refused search (an ACL on the rootDSE) is still LDAP
		 * answering: the code goes into the evidence. */
		if (code != 0 || d->detail[0] == '\0') {
			separate(d->detail, sizeof d->detail);
			text_appendf(d->detail, sizeof d->detail, "%s", text);
		}
		return DLG_DONE;
	}
	default:
		snprintf(d->detail, sizeof d->detail,
			 "LDAP operation 0x%02x in answer to a search",
			 op->tag);
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
}

/* One whole LDAPMessage of SIZE bytes at the front of d->in. */
static enum dlg_step message(struct dlg *d, size_t size)
{
	struct ber_reader r, msg;
	struct ber_tlv t, id, op;
	int64_t v;
	ber_reader_init(&r, d->in, size);
	if (ber_read_tag(&r, BER_SEQUENCE, &t) != 0)
		return not_ldap(d, d->in, size);
	ber_reader_enter(&msg, &t);
	if (ber_read_tag(&msg, BER_INTEGER, &id) != 0 ||
	    ber_get_int(&id, &v) != 0 || ber_read(&msg, &op) != 0)
		return not_ldap(d, d->in, size);
	if (v == 0 && op.tag == DLG_LDAP_EXTENDED_RESPONSE) {
		/* RFC 4511 §4.4: an unsolicited notification, the server
		 * giving up on this connection (§4.4.1). */
		char text[DLG_DETAIL_MAX] = "";
		int64_t code;
		if (dlg_ldap_result_text(&op, &code, text, sizeof text) != 0)
			return not_ldap(d, d->in, size);
		snprintf(d->detail, sizeof d->detail,
			 "unsolicited notification: %s", text);
		return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
	}
	int64_t want =
	    d->state == LDAP_STARTTLS ? starttls_id(d) : search_id(d);
	if (v != want) {
		snprintf(d->detail, sizeof d->detail,
			 "LDAP messageID %lld, expected %lld", (long long)v,
			 (long long)want);
		return dlg_fail(d, DLG_FAIL_UNEXPECTED);
	}
	return d->state == LDAP_STARTTLS ? answer_starttls(d, &op)
					 : answer_search(d, &op);
}

static enum dlg_step ldap_input(struct dlg *d)
{
	while (d->inlen > 0) {
		/* RFC 4511 §5.1: every message is a SEQUENCE; anything else
		 * (an SSH banner, an HTTP answer) fails at the first byte. */
		if (d->in[0] != BER_SEQUENCE)
			return not_ldap(d, d->in, d->inlen);
		size_t size;
		int rc = message_size(d->in, d->inlen, &size);
		if (rc < 0)
			return not_ldap(d, d->in, d->inlen);
		if (rc > 0)
			return DLG_MORE;
		if (size > DLG_IN_MAX) {
			snprintf(d->detail, sizeof d->detail,
				 "an LDAP message of %zu bytes, over our "
				 "%d-byte bound",
				 size, DLG_IN_MAX);
			return dlg_fail(d, DLG_FAIL_TOO_LONG);
		}
		if (size > d->inlen)
			return DLG_MORE;
		enum dlg_step step = message(d, size);
		if (step != DLG_FAIL)
			dlg_consume(d, size);
		if (step != DLG_MORE)
			return step;
	}
	return DLG_MORE;
}

static enum dlg_step ldap_eof(struct dlg *d)
{
	/* What the refusal of StartTLS said stays in front. */
	if (d->state != LDAP_SEARCH_CLEAR)
		d->detail[0] = '\0';
	separate(d->detail, sizeof d->detail);
	const char *after =
	    d->state == LDAP_STARTTLS ? "StartTLS" : "the rootDSE search";
	if (d->inlen > 0)
		text_appendf(d->detail, sizeof d->detail,
			     "closed mid-message after %s", after);
	else if (d->state == LDAP_STARTTLS)
		text_appendf(d->detail, sizeof d->detail,
			     "closed without answering StartTLS");
	else
		text_appendf(d->detail, sizeof d->detail,
			     "closed before the rootDSE search ended");
	return dlg_fail(d, DLG_FAIL_CLOSED_EARLY);
}

static enum dlg_step ldap_tls_started(struct dlg *d)
{
	d->detail[0] = '\0';
	d->state = LDAP_SEARCH;
	queue_search(d);
	return DLG_MORE;
}

const struct dlg_stream_ops dlg_ldap_ops = {
    .start = ldap_start,
    .input = ldap_input,
    .eof = ldap_eof,
    .tls_started = ldap_tls_started,
    .received_max = LDAP_RECEIVED_MAX,
    .tls_first = true,
};
