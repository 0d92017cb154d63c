/* Product catalogs as data: loading one from a file, the ids and host
 * names a catalog may hold, and looking things up in it. The parser is
 * catalog_parse.c. No network I/O and no printing here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/textfile.h"
#include "veriport/xalloc.h"

bool catalog_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CATALOG_ID_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Host names (RFC 1123 labels, with '_' as some internal zones use it)
 * and address literals. */
bool catalog_host_valid(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != ':' && s[i] != '_')
			return false;
	return true;
}

int catalog_load_file(const char *path, struct catalog **out,
		      struct catalog_error *err)
{
	*out = NULL;
	memset(err, 0, sizeof *err);
	char *text;
	size_t len;
	/* catalog_parse refuses an oversized file with its own message. */
	int rc = textfile_read(path, CATALOG_FILE_MAX, &text, &len, err->msg,
			       sizeof err->msg);
	if (rc < 0)
		return rc;
	rc = catalog_parse(path, text, len, out, err);
	free(text);
	return rc;
}

void catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	for (size_t i = 0; i < cat->nroles; i++) {
		struct catalog_role *r = &cat->roles[i];
		free(r->id);
		free(r->name);
		for (size_t j = 0; j < r->ndefaults; j++)
			free(r->defaults[j]);
		free(r->defaults);
	}
	for (size_t i = 0; i < cat->nchannels; i++) {
		struct catalog_channel *c = &cat->channels[i];
		free(c->id);
		free(c->row);
		free(c->vendor);
		free(c->condition);
		free(c->host);
		free(c->purpose);
	}
	for (size_t i = 0; i < cat->ngroups; i++) {
		free(cat->groups[i].id);
		free(cat->groups[i].title);
	}
	free(cat->roles);
	free(cat->channels);
	free(cat->groups);
	free(cat->path);
	free(cat->profile);
	free(cat->title);
	free(cat->source);
	free(cat);
}

const struct catalog_role *catalog_role_find(const struct catalog *cat,
					     const char *id)
{
	for (size_t i = 0; i < cat->nroles; i++)
		if (strcmp(cat->roles[i].id, id) == 0)
			return &cat->roles[i];
	return NULL;
}

const struct catalog_channel *catalog_channel_find(const struct catalog *cat,
						   const char *id)
{
	for (size_t i = 0; i < cat->nchannels; i++)
		if (strcmp(cat->channels[i].id, id) == 0)
			return &cat->channels[i];
	return NULL;
}

const struct catalog_group *catalog_group_find(const struct catalog *cat,
					       const char *id)
{
	for (size_t i = 0; i < cat->ngroups; i++)
		if (strcmp(cat->groups[i].id, id) == 0)
			return &cat->groups[i];
	return NULL;
}

int catalog_set_port(struct catalog *cat, const char *id, uint16_t port)
{
	for (size_t i = 0; i < cat->nchannels; i++)
		if (strcmp(cat->channels[i].id, id) == 0) {
			cat->channels[i].port = port;
			return 0;
		}
	return -ENOENT;
}

void catalog_role_list(const struct catalog *cat, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < cat->nroles; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? ", " : "", cat->roles[i].id);
}
