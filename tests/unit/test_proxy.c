/* The HTTP CONNECT dialogue: the request it sends, a 2xx reply that opens
 * the tunnel (whole, and one byte at a time, the target's first bytes
 * left to the channel), a refusal kept in the proxy's words and escaped,
 * and the replies that are not one: another protocol, endless headers, a
 * close. Each input comes from a buffer of exactly its size. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/dlg.h"
#include "veriport/text.h"

#include "check_run.h"

#define REPLY_200                                                              \
	"HTTP/1.0 200 Connection established\r\n"                              \
	"Proxy-agent: tinyproxy/1.11.1\r\n\r\n"
#define BANNER "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"

/* Feed N bytes from a heap copy of exactly that size. */
static enum dlg_proxy_step feed(struct dlg_proxy *p, const void *s, size_t n,
				size_t *used)
{
	uint8_t *copy = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, n);
	enum dlg_proxy_step step = dlg_proxy_feed(p, copy, n, used);
	free(copy);
	return step;
}

START_TEST(proxy_request_names_the_target)
{
	struct dlg_proxy p;
	ck_assert_int_eq(dlg_proxy_start(&p, "support.seppmail.ch", 22), 0);
	const char want[] = "CONNECT support.seppmail.ch:22 HTTP/1.1\r\n"
			    "Host: support.seppmail.ch:22\r\n\r\n";
	ck_assert_uint_eq(p.outlen, sizeof want - 1);
	ck_assert_mem_eq(p.out, want, sizeof want - 1);
	ck_assert_int_eq(dlg_proxy_start(&p, "fd7e:220::2", 443), 0);
	ck_assert_mem_eq(p.out, "CONNECT [fd7e:220::2]:443 HTTP/1.1\r\n", 36);
	ck_assert_int_eq(dlg_proxy_start(&p, "a\r\nb", 22), -EINVAL);
	ck_assert_int_eq(dlg_proxy_start(&p, "", 22), -EINVAL);
}
END_TEST

START_TEST(proxy_200_opens_the_tunnel)
{
	struct dlg_proxy p;
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	const char reply[] = REPLY_200 BANNER;
	size_t used = 0;
	ck_assert_int_eq(feed(&p, reply, sizeof reply - 1, &used),
			 DLG_PROXY_OPEN);
	ck_assert_uint_eq(used, sizeof REPLY_200 - 1);
	ck_assert_uint_eq(p.status, 200);
	ck_assert_str_eq(p.status_line, "HTTP/1.0 200 Connection established");
	ck_assert_int_eq(p.failure, DLG_FAIL_NONE);
}
END_TEST

START_TEST(proxy_200_one_byte_at_a_time)
{
	struct dlg_proxy p;
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	const char reply[] = REPLY_200 BANNER;
	size_t i = 0, used = 0;
	enum dlg_proxy_step step = DLG_PROXY_MORE;
	while (step == DLG_PROXY_MORE && i < sizeof reply - 1) {
		step = feed(&p, reply + i, 1, &used);
		ck_assert_uint_eq(used, 1);
		i++;
	}
	ck_assert_int_eq(step, DLG_PROXY_OPEN);
	ck_assert_uint_eq(i, sizeof REPLY_200 - 1);
}
END_TEST

START_TEST(proxy_refusal_is_denied_in_its_words)
{
	struct dlg_proxy p;
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	const char reply[] = "HTTP/1.0 403 Access violation\r\n"
			     "Server: tinyproxy/1.11.1\r\n";
	size_t used = 0;
	ck_assert_int_eq(feed(&p, reply, sizeof reply - 1, &used),
			 DLG_PROXY_DENIED);
	ck_assert_uint_eq(p.status, 403);
	ck_assert_str_eq(p.status_line, "HTTP/1.0 403 Access violation");
	/* the reason phrase is the proxy's: escaped where it is kept */
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	const char odd[] = "HTTP/1.1 407 \x1b[31mauth\xff\r\n";
	ck_assert_int_eq(feed(&p, odd, sizeof odd - 1, &used), DLG_PROXY_FAIL);
	ck_assert_int_eq(p.failure, DLG_FAIL_UNEXPECTED);
	ck_assert(text_is_safe(p.detail));
	ck_assert_ptr_nonnull(strstr(p.detail, "\\x1b"));
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	const char utf8[] = "HTTP/1.1 407 Authentifizierung nötig \xff\r\n";
	ck_assert_int_eq(feed(&p, utf8, sizeof utf8 - 1, &used),
			 DLG_PROXY_DENIED);
	ck_assert_uint_eq(p.status, 407);
	ck_assert_str_eq(p.status_line,
			 "HTTP/1.1 407 Authentifizierung nötig \\xff");
}
END_TEST

START_TEST(proxy_other_replies_fail)
{
	struct dlg_proxy p;
	size_t used = 0;
	/* no proxy there: the target's own protocol answered */
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	ck_assert_int_eq(feed(&p, BANNER, sizeof BANNER - 1, &used),
			 DLG_PROXY_FAIL);
	ck_assert_int_eq(p.failure, DLG_FAIL_UNEXPECTED);
	ck_assert_str_eq(
	    p.detail,
	    "not an HTTP reply: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
	static const char *bad[] = {"HTTP/1.1 20 OK\r\n", "HTTP/2 200\r\n",
				    "HTTP/1.1 2000 OK\r\n",
				    "http/1.1 200 OK\r\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
		ck_assert_int_eq(feed(&p, bad[i], strlen(bad[i]), &used),
				 DLG_PROXY_FAIL);
		ck_assert_int_eq(p.failure, DLG_FAIL_UNEXPECTED);
	}
	/* endless headers after a 200 */
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	ck_assert_int_eq(feed(&p, "HTTP/1.1 200 OK\r\n", 17, &used),
			 DLG_PROXY_MORE);
	char header[100];
	memset(header, 'x', sizeof header - 2);
	memcpy(header + sizeof header - 2, "\r\n", 2);
	enum dlg_proxy_step step = DLG_PROXY_MORE;
	for (int i = 0; i < 100 && step == DLG_PROXY_MORE; i++)
		step = feed(&p, header, sizeof header, &used);
	ck_assert_int_eq(step, DLG_PROXY_FAIL);
	ck_assert_int_eq(p.failure, DLG_FAIL_TOO_LONG);
	ck_assert_ptr_nonnull(strstr(p.detail, "over 4096 bytes"));
	/* closed before the reply, and inside the headers */
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	ck_assert_int_eq(feed(&p, "HTTP/1.1 2", 10, &used), DLG_PROXY_MORE);
	ck_assert_int_eq(dlg_proxy_eof(&p), DLG_PROXY_FAIL);
	ck_assert_int_eq(p.failure, DLG_FAIL_CLOSED_EARLY);
	ck_assert_str_eq(p.detail,
			 "the proxy closed before its reply: HTTP/1.1 2");
	ck_assert_int_eq(dlg_proxy_start(&p, "10.220.2.2", 22), 0);
	ck_assert_int_eq(feed(&p, "HTTP/1.1 200 OK\r\nVia: x\r\n", 25, &used),
			 DLG_PROXY_MORE);
	ck_assert_int_eq(dlg_proxy_eof(&p), DLG_PROXY_FAIL);
	ck_assert_ptr_nonnull(strstr(p.detail, "inside its reply headers"));
}
END_TEST

static Suite *proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("connect");
	tcase_add_test(tc, proxy_request_names_the_target);
	tcase_add_test(tc, proxy_200_opens_the_tunnel);
	tcase_add_test(tc, proxy_200_one_byte_at_a_time);
	tcase_add_test(tc, proxy_refusal_is_denied_in_its_words);
	tcase_add_test(tc, proxy_other_replies_fail);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(proxy_suite());
}
