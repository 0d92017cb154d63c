/* What the responder dialogues (rsp_*.c) share with the dispatcher in
 * rsp.c: one table entry per protocol, the line reader, output and the
 * record of what was asked. Private to src/rsp/. No I/O. */
#ifndef VERIPORT_RSP_IMPL_H
#define VERIPORT_RSP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veriport/rsp.h"

/* What the responders call themselves, before the token. */
#define RSP_NAME "veriport-respond"
/* Commands refused before the responder gives up on a client that
 * speaks another protocol. */
#define RSP_ERRORS_MAX 3

struct rsp_ops {
	/* Queue the greeting, if the server speaks first. */
	void (*start)(struct rsp *r);
	/* Take what it can from r->in and say what next. */
	enum rsp_step (*input)(struct rsp *r);
	/* TLS is up after RSP_STARTTLS (NULL: no upgrade). */
	enum rsp_step (*tls_started)(struct rsp *r);
};

extern const struct rsp_ops rsp_smtp_ops, rsp_imap_ops, rsp_pop3_ops;
extern const struct rsp_ops rsp_ldap_ops, rsp_http_ops, rsp_quiet_ops;
extern const struct rsp_ops rsp_ssh_ops, rsp_rsync_ops, rsp_razor_ops;
extern const struct rsp_ops rsp_pgsql_ops, rsp_tds_ops, rsp_dns_tcp_ops;

enum rsp_line {
	RSP_LINE_PARTIAL,
	RSP_LINE_OK,
	RSP_LINE_TOO_LONG,
};

/* Take the next LF-terminated line of at most MAX bytes (with its
 * terminator) into LINE without CR LF, NUL-terminated. */
enum rsp_line rsp_line_take(struct rsp *r, char *line, size_t max, size_t *len);
void rsp_consume(struct rsp *r, size_t n);
/* Queue bytes; past RSP_OUT_MAX is a bug and aborts. */
void rsp_queue(struct rsp *r, const void *p, size_t n);
__attribute__((format(printf, 2, 3))) void rsp_queuef(struct rsp *r,
						      const char *fmt, ...);
/* Note what the client asked: WHAT, the N bytes at P, made safe text. */
void rsp_asked(struct rsp *r, const char *what);
void rsp_asked_text(struct rsp *r, const void *p, size_t n);
/* Close after what is queued. */
enum rsp_step rsp_close(struct rsp *r);

/* UDP answers, by protocol (rsp_udp.c, rsp_dns.c, rsp_ldap.c). */
size_t rsp_dns_answer(const struct rsp_params *p, const uint8_t *in, size_t len,
		      uint8_t *out, size_t cap, char *asked, size_t asklen);
size_t rsp_cldap_answer(const struct rsp_params *p, const uint8_t *in,
			size_t len, uint8_t *out, size_t cap, char *asked,
			size_t asklen);

static inline uint16_t rsp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rsp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void rsp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void rsp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
