/* DCC (Distributed Checksum Clearinghouses): a NOP from the anonymous
 * client, the request dccproc and cdcc send to learn whether a server is
 * alive, and the OK (or ERROR) that echoes our transaction numbers. The
 * layout is DCC 2.3's include/dcc_proto.h; the server side is its
 * dccd/work.c (do_nop, send_ok, send_resp). No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* DCC_HDR: len (2), pkt_vers (1), op (1), sender (4), op_nums h p r t
 * (4 x 4), all big-endian; every packet ends in a 16-byte signature. */
#define DCC_HDR_LEN 24
#define DCC_OP_NUMS 8
#define DCC_SIGNATURE_LEN 16
#define DCC_NOP_LEN (DCC_HDR_LEN + DCC_SIGNATURE_LEN)
/* DCC_OK: header, max_pkt_vers, unused, qdelay_ms (2), brand[64]. */
#define DCC_BRAND_LEN 64
#define DCC_OK_LEN (DCC_HDR_LEN + 4 + DCC_BRAND_LEN + DCC_SIGNATURE_LEN)
/* dcc_proto.h DCC_OPS. */
#define DCC_OP_NOP 1
#define DCC_OP_OK 6
#define DCC_OP_ERROR 7
/* dcc_proto.h DCC_ID_ANON: the anonymous client, which dccd answers
 * without checking the signature (work.c ck_id), so ours stays zero
 * and no MD5 is needed here. */
#define DCC_ID_ANON 1
/* dccd answers NOPs of versions DCC_PKT_VERS_NOP_MIN (4) to
 * DCC_PKT_VERS_NOP_MAX (32); 9 is what DCC 2.3 clients hold fully
 * supported (DCC_PKT_VERS_CLNT_OK). */
#define DCC_PKT_VERS 9
#define DCC_PKT_VERS_MIN 4
#define DCC_PKT_VERS_MAX 32
/* Our op_nums.p: "vrpt", so a server log shows who sent the NOP. */
#define DCC_OUR_PROCESS 0x76727074u

static int dcc_start(struct dlg_udp *d)
{
	uint8_t *p = d->req;
	memset(p, 0, DCC_NOP_LEN);
	dlg_put16(p, DCC_NOP_LEN);
	p[2] = DCC_PKT_VERS;
	p[3] = DCC_OP_NOP;
	dlg_put32(p + 4, DCC_ID_ANON);
	/* op_nums: host 0, our process mark, the probe id as report id,
	 * transmission 0. The server copies all four into its answer. */
	dlg_put32(p + DCC_OP_NUMS + 4, DCC_OUR_PROCESS);
	dlg_put32(p + DCC_OP_NUMS + 8, d->params.id);
	d->reqlen = DCC_NOP_LEN;
	return 0;
}

static enum dlg_udp_match dcc_reply(struct dlg_udp *d, const uint8_t *buf,
				    size_t len)
{
	if (len < DCC_NOP_LEN || dlg_get16(buf) != len ||
	    buf[2] < DCC_PKT_VERS_MIN || buf[2] > DCC_PKT_VERS_MAX) {
		snprintf(d->detail, sizeof d->detail,
			 "not a DCC packet (%zu bytes)", len);
		return DLG_UDP_BAD;
	}
	if (memcmp(buf + DCC_OP_NUMS, d->req + DCC_OP_NUMS, 16) != 0) {
		snprintf(d->detail, sizeof d->detail,
			 "DCC transaction numbers are not ours");
		return DLG_UDP_FOREIGN;
	}
	uint32_t server = dlg_get32(buf + 4);
	const uint8_t *body = buf + DCC_HDR_LEN;
	size_t blen = len - DCC_NOP_LEN;
	if (buf[3] == DCC_OP_OK && len == DCC_OK_LEN) {
		const uint8_t *brand = body + 4;
		size_t n = 0;
		while (n < DCC_BRAND_LEN && brand[n] != 0)
			n++;
		snprintf(d->detail, sizeof d->detail,
			 "DCC OK from server-ID %u, version %u, brand ", server,
			 body[0]);
		text_append(d->detail, sizeof d->detail, brand, n);
		return DLG_UDP_MATCH;
	}
	if (buf[3] == DCC_OP_ERROR) {
		/* work.c send_error: the NUL-terminated message fills the
		 * packet up to the signature. */
		size_t n = 0;
		while (n < blen && body[n] != 0)
			n++;
		snprintf(d->detail, sizeof d->detail,
			 "DCC error from server-ID %u: ", server);
		text_append(d->detail, sizeof d->detail, body, n);
		return DLG_UDP_MATCH;
	}
	snprintf(d->detail, sizeof d->detail,
		 "DCC operation %u (%zu bytes) in answer to a NOP%s", buf[3],
		 len, buf[3] == DCC_OP_NOP ? ": our own NOP echoed" : "");
	return DLG_UDP_BAD;
}

const struct dlg_udp_ops dlg_dcc_ops = {
    .expects_reply = true,
    .start = dcc_start,
    .reply = dcc_reply,
};
