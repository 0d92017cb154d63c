/* libFuzzer target: any bytes a TCP client sends the status listener go
 * through its HTTP front end (status_http.c: a command line or an HTTP
 * request?) and end in exactly one well-formed response or a command
 * line handed on — never a crash or a read past the request target. The
 * first byte says where the input is split between reads. No socket:
 * this file stands in for the client's life in status.c (sending, the
 * line reader, the cached answers, the rate), so the linker takes only
 * status_http.c and status_blob.c from the library. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status_impl.h"
#include "veriport/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned responses;

struct status_blob *status_blob_for(struct status_server *s, const char *line)
{
	(void)s;
	size_t len;
	char *text = status_text(&len, "answer to %s\n", line);
	return status_blob_text(text, len);
}

bool status_rate_take(struct status_server *s, struct status_client *c)
{
	(void)s;
	return c->urllen % 7 != 0; /* now and then, over the rate */
}

void status_client_send(struct status_client *c, char *head,
			struct status_blob *body)
{
	if (c->mode == CLIENT_ANSWERING || head == NULL ||
	    strncmp(head, "HTTP/1.1 ", 9) != 0 ||
	    strstr(head, "\r\n\r\n") == NULL ||
	    strstr(head, "\r\n\r\n")[4] != '\0')
		__builtin_trap();
	c->mode = CLIENT_ANSWERING;
	responses++;
	free(head);
	status_blob_drop(body);
}

void status_client_close(struct status_client *c)
{
	c->mode = CLIENT_ANSWERING;
	responses++;
}

/* The line reader's bounds, as status.c keeps them: a line handed on
 * ends the input. */
void status_line_feed(struct status_client *c, const char *p, size_t n)
{
	if (c->mode != CLIENT_LINE)
		__builtin_trap();
	for (size_t i = 0; i < n && c->mode == CLIENT_LINE; i++) {
		if (p[i] == '\n' || c->linelen == sizeof c->line - 1) {
			c->mode = CLIENT_ANSWERING;
			responses++;
		} else {
			c->line[c->linelen++] = p[i];
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t split = data[0];
	data++;
	size--;
	static struct status_client c;
	memset(&c, 0, sizeof c);
	c.tcp = true;
	c.mode = CLIENT_UNDECIDED;
	http_parser_init(&c.parser, HTTP_REQUEST);
	c.parser.data = &c;
	responses = 0;
	size_t pos = 0;
	while (pos < size && c.mode != CLIENT_ANSWERING) {
		size_t n = split && split < size - pos ? split : size - pos;
		if (c.mode == CLIENT_LINE)
			status_line_feed(&c, (const char *)data + pos, n);
		else
			status_http_feed(&c, (const char *)data + pos, n);
		pos += n;
	}
	if (c.mode != CLIENT_ANSWERING && c.mode != CLIENT_LINE)
		status_http_eof(&c);
	if (responses > 1 || c.urllen >= sizeof c.url)
		__builtin_trap();
	return 0;
}
