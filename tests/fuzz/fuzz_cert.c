/* libFuzzer target: any bytes as a certificate chain (PEM, or DER
 * certificates one after another) give TLS facts, and the evidence lines
 * made of them, that are terminated, bounded and safe to print
 * (text_is_safe) — whatever the names, SANs and lengths inside, never a
 * crash, a read past a buffer or a leak. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "veriport/evidence.h"
#include "veriport/text.h"
#include "veriport/tlsio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t size)
{
	if (strnlen(s, size) == size || !text_is_safe(s))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsio_facts facts;
	memset(&facts, 0, sizeof facts);
	if (tlsio_facts_from_certs(data, size, &facts) != 0)
		return 0;
	check_text(facts.subject, sizeof facts.subject);
	check_text(facts.issuer, sizeof facts.issuer);
	check_text(facts.sans, sizeof facts.sans);
	check_text(facts.not_before, sizeof facts.not_before);
	check_text(facts.not_after, sizeof facts.not_after);
	check_text(facts.issuer_key, sizeof facts.issuer_key);
	check_text(facts.sha256, sizeof facts.sha256);
	check_text(facts.spki_sha256, sizeof facts.spki_sha256);
	if (facts.nchain > TLSIO_CHAIN_MAX || facts.nchain > facts.chain_sent)
		__builtin_trap();
	for (size_t i = 0; i < facts.nchain; i++) {
		check_text(facts.chain[i].subject,
			   sizeof facts.chain[i].subject);
		check_text(facts.chain[i].issuer, sizeof facts.chain[i].issuer);
	}
	struct evidence ev;
	evidence_init(&ev, CATALOG_TCP, CATALOG_CHECK_TLS);
	evidence_tls(&ev, &facts);
	if (ev.nlines > EVIDENCE_LINES_MAX)
		__builtin_trap();
	for (const char *l = evidence_next(&ev, NULL); l;
	     l = evidence_next(&ev, l))
		check_text(l, EVIDENCE_LINE_LEN);
	evidence_free(&ev);
	return 0;
}
