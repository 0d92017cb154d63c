/* libFuzzer target: any bytes from a client, for any check kind, keep
 * every responder dialogue within its bounds — never a crash, a read past
 * a buffer, output past RSP_OUT_MAX or a record that is not safe text.
 * The first byte picks the check kind, the second where the input is
 * split between reads; the rest is what the client sends, fed to the
 * stream responder (going on in "TLS" when it says RSP_STARTTLS) and, as
 * one datagram, to the datagram responder, whose answer fits its cap. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "veriport/rsp.h"
#include "veriport/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void stream(enum catalog_check check, const uint8_t *data, size_t size,
		   size_t split)
{
	static struct rsp r;
	struct rsp_params params = {.token = "vpr-0123456789abcdef",
				    .tls_available = true};
	if (rsp_start(&r, check, &params) != 0)
		return;
	size_t pos = 0;
	enum rsp_step step = RSP_MORE;
	while (pos < size && step != RSP_CLOSE) {
		size_t n = split && split < size - pos ? split : size - pos;
		const uint8_t *out;
		if (rsp_output(&r, &out) > RSP_OUT_MAX)
			__builtin_trap();
		rsp_sent(&r);
		step = rsp_feed(&r, data + pos, n);
		pos += n;
		if (step == RSP_STARTTLS)
			step = rsp_tls_started(&r);
	}
	if (r.received > RSP_RECEIVED_MAX + RSP_IN_MAX ||
	    strnlen(r.asked, sizeof r.asked) == sizeof r.asked ||
	    !text_is_safe(r.asked))
		__builtin_trap();
}

static void datagram(enum catalog_check check, const uint8_t *data, size_t size)
{
	uint8_t out[RSP_DGRAM_MAX];
	char asked[RSP_ASKED_MAX];
	struct rsp_params params = {.token = "vpr-0123456789abcdef"};
	size_t n = rsp_udp_answer(check, &params, data, size, out, sizeof out,
				  asked, sizeof asked);
	if (n > sizeof out || strnlen(asked, sizeof asked) == sizeof asked ||
	    !text_is_safe(asked))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum catalog_check check =
	    (enum catalog_check)(data[0] % CATALOG_CHECK_COUNT);
	size_t split = data[1];
	data += 2;
	size -= 2;
	if (rsp_has_stream(check))
		stream(check, data, size, split);
	if (rsp_udp_supported(check))
		datagram(check, data, size);
	return 0;
}
