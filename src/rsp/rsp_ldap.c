/* The LDAP responders: StartTLS (RFC 4511 §4.14) and a rootDSE entry
 * (RFC 4512 §5.1) over TCP (ldap-starttls, ldaps), and the same rootDSE
 * over UDP (cldap). The token is the rootDSE's vendorName (RFC 3045),
 * which veriport's client asks for. No bind, no other entry. No I/O. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rsp_impl.h"
#include "veriport/ber.h"
#include "veriport/text.h"

/* RFC 4511 §4.2 - §4.14 protocol operations. */
#define LDAP_BIND_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 0)
#define LDAP_BIND_RESPONSE (BER_APPLICATION | BER_CONSTRUCTED | 1)
#define LDAP_UNBIND_REQUEST (BER_APPLICATION | 2)
#define LDAP_SEARCH_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 3)
#define LDAP_SEARCH_ENTRY (BER_APPLICATION | BER_CONSTRUCTED | 4)
#define LDAP_SEARCH_DONE (BER_APPLICATION | BER_CONSTRUCTED | 5)
#define LDAP_ABANDON_REQUEST (BER_APPLICATION | 16)
#define LDAP_EXTENDED_REQUEST (BER_APPLICATION | BER_CONSTRUCTED | 23)
#define LDAP_EXTENDED_RESPONSE (BER_APPLICATION | BER_CONSTRUCTED | 24)
#define LDAP_REQUEST_NAME (BER_CONTEXT | 0)
#define LDAP_RESPONSE_NAME (BER_CONTEXT | 10)
#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"
/* RFC 4511 §4.1.9 result codes. */
#define LDAP_SUCCESS 0
#define LDAP_OPERATIONS_ERROR 1
#define LDAP_PROTOCOL_ERROR 2
#define LDAP_NO_SUCH_OBJECT 32
#define LDAP_UNWILLING 53
/* X.690 §8.1.3.5: length octets after the first we take. */
#define LDAP_LENGTH_OCTETS_MAX 4

static void put_result(struct ber_writer *w, int64_t id, uint8_t op,
		       int64_t code, const char *msg, const char *name)
{
	ber_begin(w, BER_SEQUENCE);
	ber_put_int(w, BER_INTEGER, id);
	ber_begin(w, op);
	ber_put_int(w, BER_ENUMERATED, code);
	ber_put_string(w, BER_OCTET_STRING, "");
	ber_put_string(w, BER_OCTET_STRING, msg);
	if (name)
		ber_put_string(w, LDAP_RESPONSE_NAME, name);
	ber_end(w);
	ber_end(w);
}

static void put_attr(struct ber_writer *w, const char *type, const char *v)
{
	ber_begin(w, BER_SEQUENCE);
	ber_put_string(w, BER_OCTET_STRING, type);
	ber_begin(w, BER_SET);
	ber_put_string(w, BER_OCTET_STRING, v);
	ber_end(w);
	ber_end(w);
}

/* The rootDSE entry and the done, as two LDAPMessages. vendorName comes
 * first: a client that keeps a bounded text keeps the token. */
static void put_rootdse(struct ber_writer *w, int64_t id, const char *token,
			bool starttls)
{
	char vendor[RSP_TOKEN_MAX + 32];
	snprintf(vendor, sizeof vendor, RSP_NAME " %s", token);
	ber_begin(w, BER_SEQUENCE);
	ber_put_int(w, BER_INTEGER, id);
	ber_begin(w, LDAP_SEARCH_ENTRY);
	ber_put_string(w, BER_OCTET_STRING, "");
	ber_begin(w, BER_SEQUENCE);
	put_attr(w, "vendorName", vendor);
	put_attr(w, "supportedLDAPVersion", "3");
	if (starttls)
		put_attr(w, "supportedExtension", LDAP_STARTTLS_OID);
	ber_end(w);
	ber_end(w);
	ber_end(w);
	put_result(w, id, LDAP_SEARCH_DONE, LDAP_SUCCESS, "", NULL);
}

/* The size of the BER value at P (N bytes): 1 when more is needed, -1
 * when it is not one we take. */
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

/* A rootDSE search: base "" and scope base; anything else has no entry
 * here. */
static bool rootdse_search(const struct ber_tlv *op)
{
	struct ber_reader r;
	struct ber_tlv base, scope;
	int64_t v;
	ber_reader_enter(&r, op);
	return ber_read_tag(&r, BER_OCTET_STRING, &base) == 0 &&
	       base.len == 0 && ber_read_tag(&r, BER_ENUMERATED, &scope) == 0 &&
	       ber_get_int(&scope, &v) == 0 && v == 0;
}

/* LDAP over TCP --------------------------------------------------------- */

static void queue_writer(struct rsp *r, const struct ber_writer *w,
			 const uint8_t *buf)
{
	size_t len;
	if (ber_finish(w, &len) == 0)
		rsp_queue(r, buf, len);
}

static enum rsp_step ldap_message(struct rsp *r, size_t size)
{
	struct ber_reader rd, msg;
	struct ber_tlv t, id, op;
	int64_t v;
	ber_reader_init(&rd, r->in, size);
	if (ber_read_tag(&rd, BER_SEQUENCE, &t) != 0) {
		rsp_asked(r, "(not LDAP)");
		return RSP_CLOSE;
	}
	ber_reader_enter(&msg, &t);
	if (ber_read_tag(&msg, BER_INTEGER, &id) != 0 ||
	    ber_get_int(&id, &v) != 0 || ber_read(&msg, &op) != 0) {
		rsp_asked(r, "(not LDAP)");
		return RSP_CLOSE;
	}
	uint8_t buf[RSP_REPLY_MAX];
	struct ber_writer w;
	ber_writer_init(&w, buf, sizeof buf);
	enum rsp_step step = RSP_MORE;
	switch (op.tag) {
	case LDAP_EXTENDED_REQUEST: {
		struct ber_reader x;
		struct ber_tlv name;
		ber_reader_enter(&x, &op);
		bool starttls =
		    ber_read_tag(&x, LDAP_REQUEST_NAME, &name) == 0 &&
		    name.len == strlen(LDAP_STARTTLS_OID) &&
		    memcmp(name.val, LDAP_STARTTLS_OID, name.len) == 0;
		rsp_asked(r, starttls ? "StartTLS" : "extended operation");
		if (!starttls) {
			r->errors++;
			put_result(&w, v, LDAP_EXTENDED_RESPONSE,
				   LDAP_PROTOCOL_ERROR, "unsupported", NULL);
		} else if (r->tls || !r->tls_available) {
			/* RFC 4511 §4.14.2: operationsError inside TLS. */
			r->errors++;
			put_result(&w, v, LDAP_EXTENDED_RESPONSE,
				   r->tls ? LDAP_OPERATIONS_ERROR
					  : LDAP_PROTOCOL_ERROR,
				   "TLS not available", LDAP_STARTTLS_OID);
		} else {
			put_result(&w, v, LDAP_EXTENDED_RESPONSE, LDAP_SUCCESS,
				   "", LDAP_STARTTLS_OID);
			step = RSP_STARTTLS;
		}
		break;
	}
	case LDAP_SEARCH_REQUEST:
		if (rootdse_search(&op)) {
			rsp_asked(r, "rootDSE search");
			put_rootdse(&w, v, r->token,
				    r->tls_available && !r->tls);
		} else {
			r->errors++;
			rsp_asked(r, "search");
			put_result(&w, v, LDAP_SEARCH_DONE, LDAP_NO_SUCH_OBJECT,
				   RSP_NAME " holds only the rootDSE", NULL);
		}
		break;
	case LDAP_BIND_REQUEST:
		r->errors++;
		rsp_asked(r, "bind");
		put_result(&w, v, LDAP_BIND_RESPONSE, LDAP_UNWILLING,
			   RSP_NAME " is a firewall test", NULL);
		break;
	case LDAP_UNBIND_REQUEST:
		rsp_asked(r, "unbind");
		return RSP_CLOSE;
	case LDAP_ABANDON_REQUEST:
		break;
	default:
		rsp_asked(r, "(unknown LDAP operation)");
		return RSP_CLOSE;
	}
	queue_writer(r, &w, buf);
	return step;
}

static enum rsp_step ldap_input(struct rsp *r)
{
	while (r->inlen > 0) {
		if (r->outlen > RSP_OUT_MAX - RSP_REPLY_MAX)
			return RSP_CLOSE;
		size_t size;
		int rc = r->in[0] == BER_SEQUENCE
			     ? message_size(r->in, r->inlen, &size)
			     : -1;
		if (rc < 0 || (rc == 0 && size > RSP_IN_MAX)) {
			rsp_asked(r, "(not LDAP)");
			return RSP_CLOSE;
		}
		if (rc > 0 || size > r->inlen)
			return RSP_MORE;
		enum rsp_step step = ldap_message(r, size);
		rsp_consume(r, size);
		if (step == RSP_STARTTLS)
			r->inlen = 0; /* nothing in the clear after it */
		if (step != RSP_MORE)
			return step;
		if (r->errors >= RSP_ERRORS_MAX)
			return RSP_CLOSE;
	}
	return RSP_MORE;
}

static enum rsp_step ldap_tls_started(struct rsp *r)
{
	(void)r; /* the client searches the rootDSE again, over TLS */
	return RSP_MORE;
}

const struct rsp_ops rsp_ldap_ops = {.input = ldap_input,
				     .tls_started = ldap_tls_started};

/* CLDAP ------------------------------------------------------------------ */

size_t rsp_cldap_answer(const struct rsp_params *p, const uint8_t *in,
			size_t len, uint8_t *out, size_t cap, char *asked,
			size_t asklen)
{
	struct ber_reader rd, msg;
	struct ber_tlv t, id, op;
	int64_t v;
	ber_reader_init(&rd, in, len);
	if (ber_read_tag(&rd, BER_SEQUENCE, &t) != 0) {
		snprintf(asked, asklen, "(not LDAP)");
		return 0;
	}
	ber_reader_enter(&msg, &t);
	if (ber_read_tag(&msg, BER_INTEGER, &id) != 0 ||
	    ber_get_int(&id, &v) != 0 || ber_read(&msg, &op) != 0 ||
	    (op.tag == BER_OCTET_STRING && ber_read(&msg, &op) != 0)) {
		snprintf(asked, asklen, "(not LDAP)");
		return 0;
	}
	if (op.tag != LDAP_SEARCH_REQUEST || !rootdse_search(&op)) {
		snprintf(asked, asklen, "CLDAP operation 0x%02x", op.tag);
		return 0;
	}
	snprintf(asked, asklen, "CLDAP rootDSE search");
	struct ber_writer w;
	ber_writer_init(&w, out, cap);
	/* MS-ADTS 3.1.1.3.1.11: the entry and the done in one datagram. */
	put_rootdse(&w, v, p->token ? p->token : "", false);
	size_t n;
	return ber_finish(&w, &n) == 0 ? n : 0;
}
