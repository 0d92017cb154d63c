/* The HTTP responder (http, https): one request head, one answer, close.
 * HEAD and GET get 200 with the token in X-Veriport-Token and in Server
 * (which veriport's client keeps); anything else 405. No I/O here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rsp_impl.h"
#include "veriport/text.h"

/* The request line we take apart: method, target, version. */
#define HTTP_LINE_MAX 1024
/* Target bytes kept in the record. */
#define HTTP_TARGET_NOTE 48

static void answer(struct rsp *r, unsigned code, const char *reason, bool head)
{
	char body[128];
	int n = snprintf(body, sizeof body, RSP_NAME " %s\n", r->token);
	rsp_queuef(r,
		   "HTTP/1.1 %u %s\r\n"
		   "Server: " RSP_NAME " %s\r\n"
		   "X-Veriport-Token: %s\r\n"
		   "Content-Type: text/plain\r\n"
		   "Content-Length: %d\r\n"
		   "Cache-Control: no-store\r\n"
		   "Connection: close\r\n\r\n",
		   code, reason, r->token, r->token, n);
	if (!head)
		rsp_queue(r, body, (size_t)n);
}

static enum rsp_step http_input(struct rsp *r)
{
	/* RFC 9112 §2.2: the head ends with an empty line; until it is all
	 * here there is nothing to answer. */
	const uint8_t *end = memmem(r->in, r->inlen, "\r\n\r\n", 4);
	const uint8_t *lfend = memmem(r->in, r->inlen, "\n\n", 2);
	if (end == NULL && lfend == NULL)
		return RSP_MORE;
	const uint8_t *lf = memchr(r->in, '\n', r->inlen);
	size_t len = (size_t)(lf - r->in);
	if (len > 0 && r->in[len - 1] == '\r')
		len--;
	const char *line = (const char *)r->in;
	const char *sp1 = memchr(line, ' ', len);
	const char *sp2 =
	    sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
	if (len > HTTP_LINE_MAX || sp1 == NULL || sp2 == NULL ||
	    (size_t)(line + len - (sp2 + 1)) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		rsp_asked(r, "(not an HTTP request)");
		answer(r, 400, "Bad Request", false);
		return RSP_CLOSE;
	}
	size_t mlen = (size_t)(sp1 - line);
	size_t tlen = (size_t)(sp2 - sp1 - 1);
	char note[96];
	note[0] = '\0';
	text_append(note, sizeof note, line, mlen < 16 ? mlen : 16);
	text_appendf(note, sizeof note, " ");
	text_append(note, sizeof note, sp1 + 1,
		    tlen < HTTP_TARGET_NOTE ? tlen : HTTP_TARGET_NOTE);
	rsp_asked(r, note);
	bool head = mlen == 4 && memcmp(line, "HEAD", 4) == 0;
	bool get = mlen == 3 && memcmp(line, "GET", 3) == 0;
	if (head || get)
		answer(r, 200, "OK", head);
	else
		answer(r, 405, "Method Not Allowed", false);
	r->inlen = 0;
	return RSP_CLOSE;
}

const struct rsp_ops rsp_http_ops = {.input = http_input};
