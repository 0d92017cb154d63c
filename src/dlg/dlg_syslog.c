/* Syslog over UDP (RFC 5426): one RFC 5424 message. A collector never
 * answers, so the probe can only say it sent it and no ICMP error came;
 * a datagram back means something else listens there. No clock and no
 * I/O here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "dlg_impl.h"

/* RFC 5424 §6.2.1: facility user (1), severity informational (6). */
#define SYSLOG_PRI (1 * 8 + 6)

static int syslog_start(struct dlg_udp *d)
{
	/* RFC 5424 §6: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
	 * STRUCTURED-DATA MSG. The dialogue has no clock and no host name:
	 * §6.2.3.1 and §6.2.4 allow the NILVALUE "-" for both. The probe id
	 * in the text lets the collector's admin find this very message. */
	int n = snprintf((char *)d->req, sizeof d->req,
			 "<%d>1 - - veriport - - - veriport reachability "
			 "probe id=%u",
			 SYSLOG_PRI, d->params.id);
	if (n < 0 || (size_t)n >= sizeof d->req)
		return -EMSGSIZE;
	d->reqlen = (size_t)n;
	return 0;
}

static enum dlg_udp_match syslog_reply(struct dlg_udp *d, const uint8_t *buf,
				       size_t len)
{
	snprintf(d->detail, sizeof d->detail,
		 "%zu bytes came back from a syslog port, which never "
		 "answers: ",
		 len);
	text_append(d->detail, sizeof d->detail, buf, len < 48 ? len : 48);
	return DLG_UDP_BAD;
}

const struct dlg_udp_ops dlg_syslog_ops = {
    .expects_reply = false,
    .start = syslog_start,
    .reply = syslog_reply,
};
