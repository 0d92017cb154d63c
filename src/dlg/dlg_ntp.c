/* NTP: one client packet (RFC 5905 §7.3, mode 3) whose transmit timestamp
 * is a nonce made from params.id; a server copies it into the origin
 * timestamp of its reply (RFC 5905 §8), which is how we know the reply is
 * ours. No clock and no I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dlg_impl.h"

/* RFC 5905 §7.3: the header without extension fields or MAC. */
#define NTP_PACKET_LEN 48
#define NTP_VERSION 4
#define NTP_MODE_CLIENT 3
#define NTP_MODE_SERVER 4
#define NTP_REFID 12
#define NTP_ORIGIN 24
#define NTP_TRANSMIT 40
/* RFC 5905 §7.3: stratum 16 is "unsynchronized", 17-255 reserved. */
#define NTP_STRATUM_UNSYNC 16
/* RFC 5905 §7.3: leap indicator 3 is the alarm (clock unsynchronized). */
#define NTP_LEAP_ALARM 3

/* Eight bytes that look like noise, from the probe's id (splitmix64).
 * A client that does not want to reveal its clock may send any value as
 * its transmit timestamp (draft-ietf-ntp-data-minimization, as chrony
 * does); only our own reply can echo this one. */
static void nonce(uint16_t id, uint8_t out[8])
{
	uint64_t z = 0x76657269706f7274ull + id * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	for (int i = 7; i >= 0; i--, z >>= 8)
		out[i] = (uint8_t)z;
}

static int ntp_start(struct dlg_udp *d)
{
	/* RFC 4330 §5: a client request may leave every field but the
	 * first octet zero; we add the transmit timestamp. */
	memset(d->req, 0, NTP_PACKET_LEN);
	d->req[0] = NTP_VERSION << 3 | NTP_MODE_CLIENT;
	nonce(d->params.id, d->req + NTP_TRANSMIT);
	d->reqlen = NTP_PACKET_LEN;
	return 0;
}

static enum dlg_udp_match ntp_reply(struct dlg_udp *d, const uint8_t *buf,
				    size_t len)
{
	if (len < NTP_PACKET_LEN) {
		snprintf(d->detail, sizeof d->detail,
			 "%zu bytes, shorter than an NTP packet", len);
		return DLG_UDP_BAD;
	}
	unsigned leap = buf[0] >> 6, version = (buf[0] >> 3) & 7;
	unsigned mode = buf[0] & 7, stratum = buf[1];
	if (mode != NTP_MODE_SERVER || version < 1 || version > 4) {
		snprintf(d->detail, sizeof d->detail,
			 "NTP version %u mode %u, not a server reply", version,
			 mode);
		return DLG_UDP_BAD;
	}
	if (memcmp(buf + NTP_ORIGIN, d->req + NTP_TRANSMIT, 8) != 0) {
		snprintf(d->detail, sizeof d->detail,
			 "origin timestamp is not our transmit timestamp");
		return DLG_UDP_FOREIGN;
	}
	const uint8_t *refid = buf + NTP_REFID;
	size_t textlen = 0;
	while (textlen < 4 && refid[textlen] != 0)
		textlen++;
	if (stratum == 0) {
		/* RFC 5905 §7.4: stratum 0 is "unspecified"; the reference
		 * id, when it is ASCII, is a kiss code (RATE, DENY, INIT...).
		 * A server that is not synchronized says so this way too. */
		snprintf(d->detail, sizeof d->detail, "stratum 0");
		if (textlen > 0) {
			text_appendf(d->detail, sizeof d->detail,
				     ", kiss code ");
			text_append(d->detail, sizeof d->detail, refid,
				    textlen);
		}
	} else if (stratum == 1) {
		/* RFC 5905 §7.3: a primary server's reference id is the
		 * four-character name of its clock (GPS, PPS, ...). */
		snprintf(d->detail, sizeof d->detail, "stratum 1, refid ");
		text_append(d->detail, sizeof d->detail, refid, textlen);
	} else {
		/* RFC 5905 §7.3: the IPv4 address of the upstream server,
		 * or four bytes of a hash of its IPv6 address. */
		snprintf(d->detail, sizeof d->detail,
			 "stratum %u, refid %u.%u.%u.%u", stratum, refid[0],
			 refid[1], refid[2], refid[3]);
		if (stratum >= NTP_STRATUM_UNSYNC)
			text_appendf(d->detail, sizeof d->detail,
				     stratum == NTP_STRATUM_UNSYNC
					 ? " (unsynchronized)"
					 : " (reserved stratum)");
	}
	if (leap == NTP_LEAP_ALARM)
		text_appendf(d->detail, sizeof d->detail,
			     ", clock not synchronized");
	return DLG_UDP_MATCH;
}

const struct dlg_udp_ops dlg_ntp_ops = {
    .expects_reply = true,
    .start = ntp_start,
    .reply = ntp_reply,
};
