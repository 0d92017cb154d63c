/* Catalogs on disk: which folder holds them, which profiles it has, and
 * loading one by its profile name. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/catalog.h"
#include "veriport/xalloc.h"

int catalog_load_profile(const char *dir, const char *profile,
			 struct catalog **out, struct catalog_error *err)
{
	memset(err, 0, sizeof *err);
	*out = NULL;
	if (!catalog_id_valid(profile)) {
		snprintf(err->msg, sizeof err->msg,
			 "bad profile name '%s': expected a catalog name such "
			 "as 'seppmail'",
			 profile);
		return -EINVAL;
	}
	char *path = xasprintf("%s/%s.catalog", dir, profile);
	int rc = catalog_load_file(path, out, err);
	if (rc == -ENOENT)
		snprintf(err->msg, sizeof err->msg,
			 "unknown profile '%s': no %s ('veriport catalog "
			 "list' shows the profiles)",
			 profile, path);
	free(path);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int catalog_list_dir(const char *dir, char ***names, size_t *count)
{
	*names = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), sfx = strlen(".catalog");
		if (n <= sfx || strcmp(e->d_name + n - sfx, ".catalog") != 0)
			continue;
		if (*count == cap) {
			cap = cap ? 2 * cap : 8;
			*names = xreallocarray(*names, cap, sizeof **names);
		}
		(*names)[(*count)++] = xstrndup(e->d_name, n - sfx);
	}
	closedir(d);
	if (*count > 0)
		qsort(*names, *count, sizeof **names, compare_names);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *catalog_dir(const char *explicit_dir)
{
	if (explicit_dir != NULL)
		return explicit_dir;
	const char *env = getenv("VERIPORT_CATALOG_DIR");
	if (env != NULL && *env != '\0')
		return env;
	/* A binary run from the build tree uses the source tree's catalogs,
	 * so `./veriport catalog list` works before `make install`. */
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			char real_build[PATH_MAX];
			if (realpath(VERIPORT_BUILDDIR, real_build) != NULL &&
			    strcmp(exe, real_build) == 0 &&
			    is_dir(VERIPORT_SRCDIR "/catalogs"))
				return VERIPORT_SRCDIR "/catalogs";
		}
	}
	return VERIPORT_CATALOGDIR;
}
