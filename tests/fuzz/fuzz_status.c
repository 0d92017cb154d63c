/* libFuzzer target: any bytes as a status socket command line (what a
 * Unix or TCP client sends, up to its newline) get an answer that is
 * whole, bounded and safe to print — an unknown or over-long command
 * echoed back escaped, never a crash or a read past the line. The first
 * byte picks what the fake daemon says: results or not yet, a sweep
 * running or not, a known channel or not. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/status.h"
#include "veriport/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger than any answer without results. */
#define ANSWER_MAX 65536

static uint8_t mood;

static int fake_probe(void *arg, const char *channel)
{
	(void)arg;
	if (mood & 2)
		return -EBUSY;
	return channel != NULL && (mood & 4) ? -ENOENT : 0;
}

static int fake_accept(void *arg, const char *channel)
{
	(void)arg;
	return channel != NULL && (mood & 4) ? -ENOENT : 3;
}

static void fake_daemon(void *arg, struct report_daemon *out)
{
	(void)arg;
	if (mood & 8)
		text_copy(out->waiting, sizeof out->waiting, "resolving",
			  strlen("resolving"));
}

/* Every line of the answer is safe text (lines end in '\n'). */
static bool lines_safe(char *answer)
{
	for (char *save, *l = strtok_r(answer, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (!text_is_safe(l))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4 * STATUS_COMMAND_MAX)
		return 0;
	mood = data[0];
	char line[4 * STATUS_COMMAND_MAX + 1];
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	struct status_source src = {
	    .probe = fake_probe,
	    .accept = fake_accept,
	    .daemon = mood & 1 ? fake_daemon : NULL,
	};
	size_t len;
	char *answer = status_answer(&src, line, &len);
	if (answer == NULL || len == 0 || len > ANSWER_MAX ||
	    strlen(answer) != len || !lines_safe(answer))
		__builtin_trap();
	free(answer);
	return 0;
}
