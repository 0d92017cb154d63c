/* The listener check: on a host that plays a channel's target role, is
 * something bound to the channel's port, and can a remote source reach
 * it? Reads /proc/net; opens no socket. */
#ifndef VERIPORT_LISTENER_H
#define VERIPORT_LISTENER_H

#include "veriport/catalog.h"
#include "veriport/evidence.h"

/* Fill EV (evidence_init'ed here) with what /proc/net says of CH's port. */
void listener_check(const struct catalog_channel *ch, struct evidence *ev);

#endif
