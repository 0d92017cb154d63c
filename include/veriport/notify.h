/* The service manager's notify protocol (sd_notify(3), NOTES): a state
 * sent as one datagram to $NOTIFY_SOCKET, and the watchdog period in
 * $WATCHDOG_USEC. Written here because the protocol is stable and small,
 * and libsystemd would map itself and six more libraries into the daemon
 * for it. */
#ifndef VERIPORT_NOTIFY_H
#define VERIPORT_NOTIFY_H

#include <stdint.h>

/* Send STATE ("READY=1", "WATCHDOG=1", ...) to the socket $NOTIFY_SOCKET
 * names: a path, or an abstract name after '@'. Returns 0, also when the
 * variable is unset (no service manager asked), or a negative errno:
 * -EAFNOSUPPORT for another kind of address, -ENAMETOOLONG for a name
 * too long for a sockaddr_un (never cut: that would name another
 * socket). */
int notify_send(const char *state);

/* The watchdog period in microseconds, as sd_watchdog_enabled(3) reads
 * it: $WATCHDOG_USEC, when $WATCHDOG_PID is unset or is our pid. 0 (no
 * watchdog) for another pid and for values that are not decimal numbers
 * of the range. */
uint64_t notify_watchdog_usec(void);

#endif
