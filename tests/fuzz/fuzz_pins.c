/* libFuzzer target: any bytes as the daemon's pins state file (JSON, trust
 * on first use) load as a state that saves again, or are refused with a
 * message naming the file — never a crash, a read past a field or a
 * leak. The file is written to a private temporary directory: pins_load()
 * reads a path, as the daemon does. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veriport/pins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-pins-XXXXXX";
static char path[sizeof dir + 16], saved[sizeof dir + 16];

static void cleanup(void)
{
	unlink(path);
	unlink(saved);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (path[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof path, "%s/pins", dir);
		snprintf(saved, sizeof saved, "%s/saved", dir);
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	struct pins *st;
	char err[512] = "";
	if (pins_load(path, &st, err, sizeof err) != 0) {
		if (strncmp(err, path, strlen(path)) != 0)
			__builtin_trap(); /* every refusal names the file */
		return 0;
	}
	/* What loaded saves, and what saved loads again. */
	if (pins_save(st, saved, err, sizeof err) != 0)
		__builtin_trap();
	pins_free(st);
	if (pins_load(saved, &st, err, sizeof err) != 0)
		__builtin_trap();
	pins_free(st);
	return 0;
}
