/* Peer text made safe: what is kept, what is escaped, how a cut shows. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "veriport/text.h"

#include "check_run.h"

static const char *esc(const char *in, size_t n)
{
	static char buf[256];
	text_copy(buf, sizeof buf, in, n);
	return buf;
}

START_TEST(text_keeps_printable_ascii_and_utf8)
{
	ck_assert_str_eq(esc("220 mx ESMTP", 12), "220 mx ESMTP");
	ck_assert_str_eq(
	    esc("CN=M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x92", 19),
	    "CN=M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x92");
}
END_TEST

START_TEST(text_escapes_controls_nul_and_backslash)
{
	ck_assert_str_eq(esc("a\x1b[2Jb", 6), "a\\x1b[2Jb");
	ck_assert_str_eq(esc("a\nb\r", 4), "a\\x0ab\\x0d");
	ck_assert_str_eq(esc("a\0b", 3), "a\\x00b");
	ck_assert_str_eq(esc("a\\b\x7f", 4), "a\\\\b\\x7f");
}
END_TEST

START_TEST(text_escapes_invalid_utf8_byte_by_byte)
{
	/* a lone continuation, a truncated sequence, an overlong NUL, a
	 * surrogate, a code point past U+10FFFF */
	ck_assert_str_eq(esc("\x80", 1), "\\x80");
	ck_assert_str_eq(esc("\xc3", 1), "\\xc3");
	ck_assert_str_eq(esc("\xc0\x80", 2), "\\xc0\\x80");
	ck_assert_str_eq(esc("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	ck_assert_str_eq(esc("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
	ck_assert_str_eq(esc("\xe2\x82", 2), "\\xe2\\x82");
}
END_TEST

START_TEST(text_escapes_c1_and_bidirectional_controls)
{
	ck_assert_str_eq(esc("\xc2\x9b", 2), "\\xc2\\x9b");
	ck_assert_str_eq(esc("a\xe2\x80\xae"
			     "b",
			     5),
			 "a\\xe2\\x80\\xaeb");
	ck_assert_str_eq(esc("\xef\xbb\xbf", 3), "\\xef\\xbb\\xbf");
}
END_TEST

START_TEST(text_cut_says_so_and_stays_cut)
{
	char small[10] = "";
	text_append(small, sizeof small, "abcdefghijkl", 12);
	ck_assert_str_eq(small, "abcdef...");
	text_append(small, sizeof small, "x", 1);
	ck_assert_str_eq(small, "abcdef...");
	char fits[10] = "";
	text_append(fits, sizeof fits, "abcdefghi", 9);
	ck_assert_str_eq(fits, "abcdefghi");
	/* an escape or a character is never split */
	char e[10] = "";
	text_append(e, sizeof e, "ab\x01\x02\x03", 5);
	ck_assert_str_eq(e, "ab\\x01...");
	char u[9] = "";
	text_append(u, sizeof u, "abcd\xe2\x82\xac\xe2\x82\xac", 10);
	ck_assert_str_eq(u, "abcd...");
	char f[8] = "";
	text_appendf(f, sizeof f, "%d", 1234567890);
	ck_assert_str_eq(f, "1234...");
	/* nor by a cut of formatted text (fuzz_dlg: an SSH line) */
	char g[8] = "";
	text_appendf(g, sizeof g, "%s", "ab\xe2\x82\xac\xe2\x82\xac");
	ck_assert_str_eq(g, "ab...");
	ck_assert(text_is_safe(g));
}
END_TEST

START_TEST(text_safe_means_unchanged)
{
	ck_assert(text_is_safe("CN=M\xc3\xbcller, O=\\x00"));
	ck_assert(!text_is_safe("a\x1b"));
	ck_assert(!text_is_safe("\xff"));
	ck_assert(!text_is_safe("\xc2\x85"));
	const char raw[] = "x\x01y\xc3\xa9\xff\\";
	ck_assert(text_is_safe(esc(raw, sizeof raw - 1)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("escape");
	tcase_add_test(tc, text_keeps_printable_ascii_and_utf8);
	tcase_add_test(tc, text_escapes_controls_nul_and_backslash);
	tcase_add_test(tc, text_escapes_invalid_utf8_byte_by_byte);
	tcase_add_test(tc, text_escapes_c1_and_bidirectional_controls);
	tcase_add_test(tc, text_cut_says_so_and_stays_cut);
	tcase_add_test(tc, text_safe_means_unchanged);
	suite_add_tcase(s, tc);
	return check_run(s);
}
