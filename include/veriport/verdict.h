/* The verdict: a pure function from evidence, and what the rest of the
 * sweep and the user's declarations say about it, to the verdict and
 * reason words of DESIGN.md, which clause of the rules decided, and that
 * clause's sentence. No I/O, no clock, no global state. */
#ifndef VERIPORT_VERDICT_H
#define VERIPORT_VERDICT_H

#include <stddef.h>

#include "veriport/evidence.h"

/* Which clause decided (veriport(1), INTERCEPTION): the JSON's "because".
 * EVIDENCE: the probe's own facts and lines say it all. */
#define VERDICT_BECAUSES(X)                                                    \
	X(EVIDENCE, "evidence")                                                \
	X(RESET_AFTER_DATA, "reset-after-data")                                \
	X(DROPPED_AFTER_CONNECT, "dropped-after-connect")                      \
	X(PMTU_BLACKHOLE, "pmtu-blackhole")                                    \
	X(CANARY, "canary")                                                    \
	X(KNOWN_PRODUCT, "known-product")                                      \
	X(DECLARED_TRUST, "declared-trust")                                    \
	X(SPLIT_VIEW, "split-view")                                            \
	X(PUBLIC_ROLE, "public-role")                                          \
	X(REMEMBERED, "remembered")                                            \
	X(PRIVATE_CA, "private-ca")                                            \
	X(OTHER_NAME, "other-name")                                            \
	X(SHARED_ISSUER, "shared-issuer")                                      \
	X(OPPORTUNISTIC, "opportunistic")                                      \
	X(STARTTLS_REFUSED, "starttls-refused")                                \
	X(STARTTLS_REQUIRED, "starttls-required")                              \
	X(STARTTLS_ELSEWHERE, "starttls-elsewhere")                            \
	X(GREETING_PRODUCT, "greeting-product")                                \
	X(PROXY_ANSWER, "proxy-answer")                                        \
	X(PROXY_HEADERS_HERE, "proxy-headers-here")                            \
	X(RESPONDER, "responder")                                              \
	X(PROXY, "proxy")                                                      \
	X(HELD, "held")                                                        \
	X(UDP_SILENCE, "udp-silence")

enum verdict_because {
#define VERDICT_BECAUSE_ENUM(id, word) VERDICT_BECAUSE_##id,
	VERDICT_BECAUSES(VERDICT_BECAUSE_ENUM)
#undef VERDICT_BECAUSE_ENUM
	    VERDICT_BECAUSE_COUNT
};

const char *verdict_because_word(enum verdict_because b);

struct verdict_result {
	enum verdict verdict;
	enum reason reason;
	enum verdict_because because;
};

/* What the rest of the sweep and the user's declarations say about one
 * result: the facts that turn an odd certificate or a missing STARTTLS
 * into proof of interception. Each is NULL (or false) when it does not
 * hold, else the words the sentence quotes. */
struct verdict_context {
	/* The user said what the target chains to: the CA file. */
	const char *declared_trust;
	/* The target role serves the public: its chain must verify against
	 * the system store. */
	bool public_target;
	enum catalog_starttls starttls; /* the channel's catalog policy */
	/* A known interception product in the chain or the greeting. */
	const char *chain_product;
	const char *greeting_product;
	/* Where another port or address of the same host name presented a
	 * chain that verifies ("tcp/465 at 192.0.2.1, issuer ..."). */
	const char *verified_elsewhere;
	/* Where another path to the same host and check offered STARTTLS. */
	const char *starttls_elsewhere;
	/* Proxy headers (Via, X-Cache) here, and where the same host answered
	 * without them. */
	const char *clean_http_elsewhere;
	/* The same untrusted issuer (name and key) certifies other public
	 * targets of the sweep: which ("mx2.example.net, ..."). */
	const char *shared_issuer;
	/* The canary answered on this channel's port: what answered where. */
	const char *canary;
	/* What the target presents differs from what was remembered (trust
	 * on first use): the pins' line saying what changed. */
	const char *remembered;
	/* A `veriport respond` stands at the target: its token, and its
	 * certificate's key (SPKI SHA-256 hex) when known (NULL: the
	 * certificate is told by the token in its subject). */
	const char *responder_token;
	const char *responder_spki;
};

/* CTX may be NULL: no interception knowledge at all. WHY (WHYLEN bytes,
 * may be NULL) gets the deciding clause's sentence, "" when the evidence
 * lines already say it. */
struct verdict_result verdict_decide(const struct evidence *ev,
				     const struct verdict_context *ctx,
				     char *why, size_t whylen);

#endif
