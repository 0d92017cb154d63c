/* The verdict: one pure function from a probe's evidence to the verdict and
 * reason words of DESIGN.md. No I/O, no clock, no global state. */
#ifndef VERIPORT_VERDICT_H
#define VERIPORT_VERDICT_H

#include "veriport/evidence.h"

struct verdict_result {
	enum verdict verdict;
	enum reason reason;
};

struct verdict_result verdict_decide(const struct evidence *ev);

#endif
