/* Golden files: what a rendering must be, byte for byte, kept under
 * tests/unit/golden/; VERIPORT_UPDATE_GOLDEN=1 writes them anew. */
#ifndef VERIPORT_TESTS_GOLDEN_H
#define VERIPORT_TESTS_GOLDEN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void golden_compare(const char *name, const char *got, size_t len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/unit/golden/%s", top ? top : ".",
		 name);
	if (getenv("VERIPORT_UPDATE_GOLDEN") != NULL) {
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fwrite(got, 1, len, f);
		fclose(f);
		return;
	}
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "missing golden file %s", path);
	static char want[65536];
	size_t n = fread(want, 1, sizeof want - 1, f);
	fclose(f);
	want[n] = '\0';
	size_t at = 0;
	while (at < n && at < len && want[at] == got[at])
		at++;
	/* The first line that differs: a whole rendering is too long for
	 * Check's message. */
	while (at > 0 && got[at - 1] != '\n')
		at--;
	ck_assert_msg(n == len && at == len,
		      "%s differs from the golden file at byte %zu:\n%.400s",
		      name, at, got + at);
}

#endif
