/* libFuzzer target: any bytes from a peer, for any check kind, end every
 * dialogue in DONE, FAIL or "more", within its bounds — never a crash, a
 * read past a buffer or unbounded memory. The first byte picks the check
 * kind, the second where the input is split between reads; the rest is
 * what the peer sends, fed to the stream dialogue (through STARTTLS when
 * it asks) and, as one datagram, to the UDP check; every input is also
 * an HTTP proxy's reply to our CONNECT. Whatever it sends, the text the
 * dialogue keeps is safe to print (text_is_safe). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "veriport/dlg.h"
#include "veriport/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void stream(enum catalog_check check, const uint8_t *data, size_t size,
		   size_t split)
{
	static struct dlg d;
	struct dlg_params params = {.id = 0x1234, .host = "mx.example.net"};
	if (dlg_start(&d, check, &params) != 0)
		return;
	size_t pos = 0;
	enum dlg_step step = DLG_MORE;
	while (pos < size && (step == DLG_MORE || step == DLG_STARTTLS)) {
		size_t n = split && split < size - pos ? split : size - pos;
		const uint8_t *out;
		dlg_output(&d, &out);
		dlg_sent(&d);
		step = dlg_feed(&d, data + pos, n);
		pos += n;
		if (step == DLG_STARTTLS)
			step = dlg_tls_started(&d);
	}
	if (step == DLG_MORE)
		dlg_eof(&d);
	/* evidence text is always terminated, and safe to print */
	if (strnlen(d.detail, sizeof d.detail) == sizeof d.detail ||
	    !text_is_safe(d.detail) ||
	    strnlen(d.facts.greeting, sizeof d.facts.greeting) ==
		sizeof d.facts.greeting ||
	    !text_is_safe(d.facts.greeting) ||
	    !text_is_safe(d.facts.http.server))
		__builtin_trap();
}

static void datagram(enum catalog_check check, const uint8_t *data, size_t size)
{
	static struct dlg_udp u;
	struct dlg_params params = {.id = 0x1234};
	if (dlg_udp_start(&u, check, &params) != 0)
		return;
	dlg_udp_reply(&u, data, size);
	if (strnlen(u.detail, sizeof u.detail) == sizeof u.detail ||
	    !text_is_safe(u.detail))
		__builtin_trap();
}

static void proxy(const uint8_t *data, size_t size, size_t split)
{
	static struct dlg_proxy p;
	if (dlg_proxy_start(&p, "mx.example.net", 22) != 0)
		__builtin_trap();
	size_t pos = 0;
	enum dlg_proxy_step step = DLG_PROXY_MORE;
	while (pos < size && step == DLG_PROXY_MORE) {
		size_t n = split && split < size - pos ? split : size - pos;
		size_t used;
		step = dlg_proxy_feed(&p, data + pos, n, &used);
		if (used > n)
			__builtin_trap();
		pos += n;
	}
	if (step == DLG_PROXY_MORE)
		dlg_proxy_eof(&p);
	if (strnlen(p.detail, sizeof p.detail) == sizeof p.detail ||
	    !text_is_safe(p.detail) ||
	    strnlen(p.status_line, sizeof p.status_line) ==
		sizeof p.status_line ||
	    !text_is_safe(p.status_line))
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
	if (dlg_has_stream(check))
		stream(check, data, size, split);
	if (dlg_udp_supported(check))
		datagram(check, data, size);
	proxy(data, size, split);
	return 0;
}
