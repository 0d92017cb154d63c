/* The verdict and reason words, from reason.h's lists. */
#include "config.h"

#include "veriport/reason.h"

static const char *const verdict_words[VERDICT_COUNT] = {
#define VERDICT_WORD(id, word) [VERDICT_##id] = word,
    VERDICTS(VERDICT_WORD)
#undef VERDICT_WORD
};

static const char *const reason_words[REASON_COUNT] = {
#define REASON_WORD(id, word) [REASON_##id] = word,
    REASONS(REASON_WORD)
#undef REASON_WORD
};

const char *verdict_word(enum verdict v)
{
	return verdict_words[v];
}

const char *reason_word(enum reason r)
{
	return reason_words[r];
}

bool verdict_failed(enum verdict v)
{
	return v != VERDICT_OK && v != VERDICT_SKIPPED &&
	       v != VERDICT_UNVERIFIED;
}
