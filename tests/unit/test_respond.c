/* The responder's token file: round trip, the mode, every refusal with
 * its FILE:LINE, tokens; and the control port's datagram digest. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veriport/respond_file.h"

#include "check_run.h"

#define SPKI "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/rsp-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/token", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void put(const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static struct respond_token sample(void)
{
	struct respond_token t;
	memset(&t, 0, sizeof t);
	snprintf(t.token, sizeof t.token, "vpr-0123456789abcdef");
	snprintf(t.spki_sha256, sizeof t.spki_sha256, SPKI);
	t.control_port = 7979;
	snprintf(t.profile, sizeof t.profile, "seppmail");
	snprintf(t.role, sizeof t.role, "appliance");
	return t;
}

START_TEST(token_file_round_trip)
{
	struct respond_token t = sample(), back;
	char err[256] = "";
	mode_t old = umask(077);
	ck_assert_int_eq(respond_file_write(path, &t, err, sizeof err), 0);
	umask(old);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(respond_file_load(path, &back, err, sizeof err), 0);
	ck_assert_str_eq(back.token, t.token);
	ck_assert_str_eq(back.spki_sha256, SPKI);
	ck_assert_uint_eq(back.control_port, 7979);
	ck_assert_str_eq(back.profile, "seppmail");
	ck_assert_str_eq(back.role, "appliance");
}
END_TEST

START_TEST(token_file_write_refuses_invalid_token)
{
	struct respond_token t = sample();
	char err[256] = "";
	snprintf(t.token, sizeof t.token, "vpr-XYZ");
	ck_assert_int_eq(respond_file_write(path, &t, err, sizeof err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "token"));
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(token_file_comments_blank_lines_crlf)
{
	put("# a comment\n\ntoken vpr-0123456789abcdef\r\n"
	    "spki-sha256 " SPKI "\n# another\ncontrol-port 1\n"
	    "profile mailstore-server\nrole server");
	struct respond_token t;
	char err[256] = "";
	ck_assert_int_eq(respond_file_load(path, &t, err, sizeof err), 0);
	ck_assert_uint_eq(t.control_port, 1);
	ck_assert_str_eq(t.role, "server");
}
END_TEST

/* Each bad file and the line and words its refusal names. */
static const struct {
	const char *text;
	const char *expect;
} bad_files[] = {
    {"token vpr-0123456789ABCDEF\n", ":1: token"},
    {"token abc-0123456789abcdef\n", ":1: token"},
    {"token vpr-0123\n", ":1: token"},
    {"token vpr-0123456789abcdef extra\n", ":1: expected one value"},
    {"token\n", ":1: expected KEY VALUE"},
    {"# c\ntoken vpr-0123456789abcdef\ntoken vpr-0123456789abcdef\n",
     ":3: key given twice"},
    {"spki-sha256 3f2a\n", ":1: spki-sha256"},
    {"spki-sha256 " SPKI "0\n", ":1: spki-sha256"},
    {"spki-sha256 "
     "3F2A1B2C3D4E5F60718293A4B5C6D7E8F90112233445566778899AABBCCDDEEF\n",
     ":1: spki-sha256"},
    {"control-port 0\n", ":1: control-port"},
    {"control-port 65536\n", ":1: control-port"},
    {"control-port 79x\n", ":1: control-port"},
    {"control-port -1\n", ":1: control-port"},
    {"control-port 07979\n", ":1: control-port"},
    {"profile Sepp_Mail\n", ":1: profile"},
    {"role \n", ":1: expected one value"},
    {"colour blue\n", ":1: unknown key"},
    {"token vpr-0123456789abcdef\nspki-sha256 " SPKI
     "\ncontrol-port 7979\nprofile seppmail\n",
     ":4: no role line"},
    {"", ":0: no token line"},
};

START_TEST(token_file_refusals_name_file_and_line)
{
	put(bad_files[_i].text);
	struct respond_token t;
	char err[256] = "";
	ck_assert_int_eq(respond_file_load(path, &t, err, sizeof err), -EINVAL);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
	ck_assert_msg(strstr(err, bad_files[_i].expect) != NULL,
		      "case %d: '%s' lacks '%s'", _i, err,
		      bad_files[_i].expect);
	ck_assert_str_eq(t.token, "");
}
END_TEST

START_TEST(token_file_missing_and_oversized)
{
	struct respond_token t;
	char err[256] = "";
	ck_assert_int_eq(respond_file_load(path, &t, err, sizeof err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, path));
	char *big = malloc(RESPOND_FILE_MAX + 10);
	memset(big, '#', RESPOND_FILE_MAX + 9);
	big[RESPOND_FILE_MAX + 9] = '\0';
	put(big);
	free(big);
	ck_assert_int_eq(respond_file_load(path, &t, err, sizeof err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a token file"));
}
END_TEST

START_TEST(token_generate_is_fresh_and_valid)
{
	char a[RESPOND_TOKEN_MAX + 1], b[RESPOND_TOKEN_MAX + 1];
	ck_assert_int_eq(respond_token_generate(a), 0);
	ck_assert_int_eq(respond_token_generate(b), 0);
	ck_assert(respond_token_valid(a));
	ck_assert_uint_eq(strlen(a), 4 + RESPOND_TOKEN_HEX);
	ck_assert_str_ne(a, b);
	ck_assert(!respond_token_valid("vpr-"));
	ck_assert(!respond_token_valid("vpr-0123456g"));
	ck_assert(respond_token_valid("vpr-01234567"));
}
END_TEST

START_TEST(control_digest_is_sha256_prefix)
{
	char hex[RESPOND_DIGEST_HEX + 1];
	/* SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a3... */
	respond_control_digest("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223");
	respond_control_digest("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924");
}
END_TEST

static Suite *respond_suite(void)
{
	Suite *s = suite_create("respond_file");
	TCase *tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, token_file_round_trip);
	tcase_add_test(tc, token_file_write_refuses_invalid_token);
	tcase_add_test(tc, token_file_comments_blank_lines_crlf);
	tcase_add_loop_test(tc, token_file_refusals_name_file_and_line, 0,
			    sizeof bad_files / sizeof bad_files[0]);
	tcase_add_test(tc, token_file_missing_and_oversized);
	suite_add_tcase(s, tc);
	TCase *tk = tcase_create("token");
	tcase_add_test(tk, token_generate_is_fresh_and_valid);
	tcase_add_test(tk, control_digest_is_sha256_prefix);
	suite_add_tcase(s, tk);
	return s;
}

int main(void)
{
	return check_run(respond_suite());
}
