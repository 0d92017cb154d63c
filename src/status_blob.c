/* An answer's bytes, shared by reference between the clients it goes to
 * (status_impl.h): a file of its own so the HTTP front end's fuzz target
 * links it without the socket server. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "status_impl.h"
#include "veriport/xalloc.h"

struct status_blob *status_blob_text(char *text, size_t len)
{
	struct status_blob *b = xmalloc(sizeof *b + len);
	b->refs = 1;
	b->len = len;
	memcpy(b->data, text, len);
	free(text);
	return b;
}

void status_blob_drop(struct status_blob *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}
