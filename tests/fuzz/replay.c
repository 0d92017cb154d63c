/* Replays a fuzz corpus through LLVMFuzzerTestOneInput without a fuzzer,
 * so `make check` keeps every saved input (and crash) fixed. With no
 * arguments it replays REPLAY_DIRS, relative to $top_srcdir. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Corpus inputs are small; a larger file is a mistake in the corpus. */
#define REPLAY_FILE_MAX (2 * 1024 * 1024)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	uint8_t *buf = malloc(REPLAY_FILE_MAX);
	size_t n = buf ? fread(buf, 1, REPLAY_FILE_MAX, f) : 0;
	fclose(f);
	if (buf == NULL)
		return -1;
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (replay_file(path) < 0)
			rc = -1;
		else
			(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
	} else {
		const char *top = getenv("top_srcdir");
		char dirs[] = REPLAY_DIRS;
		for (char *save, *d = strtok_r(dirs, ":", &save); d;
		     d = strtok_r(NULL, ":", &save)) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", top ? top : ".",
				 d);
			if (replay_dir(path, &count) < 0)
				rc = 1;
		}
	}
	printf("replayed %u inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no corpus inputs found\n");
		rc = 1;
	}
	return rc;
}
