/* The interceptors list: parsing, refusals with the line, matching.
 * (How a match decides a verdict: test_correlate.c.) */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/intercept.h"

#include "check_run.h"

static struct intercept_list *parse_ok(const char *text)
{
	struct intercept_list *l;
	char err[256];
	ck_assert_msg(intercept_parse("t.list", text, strlen(text), &l, err,
				      sizeof err) == 0,
		      "%s", err);
	return l;
}

START_TEST(intercept_list_matches_chain_and_greeting)
{
	struct intercept_list *l =
	    parse_ok("# comment\n\nissuer  mitmproxy -- mitmproxy\n"
		     "issuer Zscaler Root CA -- Zscaler\r\n"
		     "greeting ***** -- Cisco ASA\n");
	struct tlsio_facts f = {0};
	strcpy(f.issuer, "CN=Example Issuing CA");
	ck_assert_ptr_null(intercept_match_chain(l, &f));
	f.nchain = 2;
	strcpy(f.chain[1].issuer, "CN=zscaler root ca, O=Zscaler Inc.");
	ck_assert_str_eq(intercept_match_chain(l, &f), "Zscaler");
	memset(&f, 0, sizeof f);
	strcpy(f.issuer, "CN=MITMPROXY, O=mitmproxy");
	ck_assert_str_eq(intercept_match_chain(l, &f), "mitmproxy");
	ck_assert_str_eq(intercept_match_greeting(l, "220 *******************"),
			 "Cisco ASA");
	ck_assert_ptr_null(intercept_match_greeting(l, "220 mx ESMTP Postfix"));
	ck_assert_ptr_null(intercept_match_greeting(NULL, "220 ****"));
	intercept_free(l);
}
END_TEST

START_TEST(intercept_list_refusals_name_the_line)
{
	static const struct {
		const char *text;
		const char *expect;
	} bad[] = {
	    {"issuer x -- y\nsubject z -- w\n",
	     "t.list:2: expected 'issuer' or 'greeting'"},
	    {"issuer no separator\n",
	     "t.list:1: expected 'KIND PATTERN -- PRODUCT'"},
	    {"\n\ngreeting  --  product\n",
	     "t.list:3: expected a pattern and a product"},
	    {"issuer a -- \n", "t.list:1: expected 'KIND PATTERN -- PRODUCT'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct intercept_list *l = (struct intercept_list *)1;
		char err[256];
		ck_assert_int_lt(intercept_parse("t.list", bad[i].text,
						 strlen(bad[i].text), &l, err,
						 sizeof err),
				 0);
		ck_assert_ptr_null(l);
		ck_assert_msg(strstr(err, bad[i].expect) != NULL,
			      "'%s' lacks '%s'", err, bad[i].expect);
	}
}
END_TEST

START_TEST(intercept_shipped_list_loads)
{
	const char *top = getenv("top_srcdir");
	char path[4096], err[256];
	snprintf(path, sizeof path, "%s/catalogs/interceptors.list",
		 top ? top : ".");
	struct intercept_list *l;
	ck_assert_msg(intercept_load(path, &l, err, sizeof err) == 0, "%s",
		      err);
	struct tlsio_facts f = {0};
	strcpy(f.issuer, "CN=Kaspersky Anti-Virus Personal Root Certificate");
	ck_assert_str_eq(intercept_match_chain(l, &f), "Kaspersky Anti-Virus");
	intercept_free(l);
}
END_TEST

/* A sweep's results built from evidence alone. */
int main(void)
{
	Suite *s = suite_create("intercept");
	TCase *tc = tcase_create("list");
	tcase_add_test(tc, intercept_list_matches_chain_and_greeting);
	tcase_add_test(tc, intercept_list_refusals_name_the_line);
	tcase_add_test(tc, intercept_shipped_list_loads);
	suite_add_tcase(s, tc);
	return check_run(s);
}
