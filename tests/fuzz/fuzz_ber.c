/* libFuzzer target: any bytes through the BER reader (the SNMP and LDAP
 * decoders' ground) stay inside the buffer, whatever the lengths say
 * (2^31, indefinite, over-long) and however deep the nesting: every value
 * read lies within its parent, and the walk ends. */
#include "config.h"

#include <stdint.h>

#include "veriport/ber.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deeper than any SNMP or LDAP message; bounds the walk's stack. */
#define WALK_DEPTH_MAX 32

static void walk(const uint8_t *start, size_t size, struct ber_reader *r,
		 unsigned depth)
{
	struct ber_tlv t;
	while (!ber_reader_empty(r) && ber_read(r, &t) == 0) {
		if (t.val < start || t.len > size ||
		    (size_t)(t.val - start) > size - t.len)
			__builtin_trap();
		int64_t v;
		if (ber_get_int(&t, &v) == 0 && (t.len < 1 || t.len > 8))
			__builtin_trap();
		if ((t.tag & BER_CONSTRUCTED) && depth < WALK_DEPTH_MAX) {
			struct ber_reader in;
			ber_reader_enter(&in, &t);
			walk(start, size, &in, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ber_reader r;
	ber_reader_init(&r, data, size);
	walk(data, size, &r, 0);
	return 0;
}
