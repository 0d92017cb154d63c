/* The notify protocol: each state arrives as one datagram with exactly its
 * bytes, at a socket path and at an abstract name bound by the test; names
 * too long for a sockaddr_un are refused, never cut to a socket that
 * exists; and the watchdog period follows $WATCHDOG_USEC and
 * $WATCHDOG_PID. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "veriport/notify.h"

#include "check_run.h"

/* sizeof sun_path: a path of at most 107 bytes and its NUL, an abstract
 * name ('@' for its leading NUL) of at most 108. */
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

static char dir[64];
static char bound[SUN_PATH_MAX + 2]; /* the path a test bound, to unlink */

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	bound[0] = '\0';
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void teardown(void)
{
	if (bound[0] != '\0')
		unlink(bound);
	rmdir(dir);
}

/* A datagram socket bound at NAME, spelt as $NOTIFY_SOCKET spells it. */
static int listen_at(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len = sizeof a;
	if (name[0] == '@') {
		ck_assert_uint_le(n, sizeof a.sun_path);
		memcpy(a.sun_path + 1, name + 1, n - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		ck_assert_uint_lt(n, sizeof a.sun_path);
		memcpy(a.sun_path, name, n);
		snprintf(bound, sizeof bound, "%s", name);
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&a, len) == 0, "bind %s: %s",
		      name, strerror(errno));
	return fd;
}

/* The next datagram waiting on FD, as a string ("" when none is). */
static const char *next_datagram(int fd)
{
	static char buf[256];
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
	if (n < 0) {
		ck_assert_int_eq(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

/* DIR/nnn...: a path of exactly LEN bytes. */
static const char *path_of_length(size_t len)
{
	static char p[SUN_PATH_MAX + 2];
	size_t n = (size_t)snprintf(p, sizeof p, "%s/", dir);
	ck_assert_uint_lt(n, len);
	ck_assert_uint_lt(len, sizeof p);
	memset(p + n, 'n', len - n);
	p[len] = '\0';
	return p;
}

/* @veriport-test-PID-aaa...: an abstract name of exactly LEN bytes. */
static const char *abstract_of_length(size_t len)
{
	static char p[SUN_PATH_MAX + 2];
	size_t n = (size_t)snprintf(p, sizeof p, "@veriport-test-%ld-",
				    (long)getpid());
	ck_assert_uint_lt(n, len);
	ck_assert_uint_lt(len, sizeof p);
	memset(p + n, 'a', len - n);
	p[len] = '\0';
	return p;
}

START_TEST(notify_sends_each_state_as_one_datagram_to_a_path)
{
	char path[128];
	snprintf(path, sizeof path, "%s/notify", dir);
	int fd = listen_at(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_send("READY=1"), 0);
	ck_assert_int_eq(notify_send("WATCHDOG=1"), 0);
	ck_assert_str_eq(next_datagram(fd), "READY=1");
	ck_assert_str_eq(next_datagram(fd), "WATCHDOG=1");
	ck_assert_str_eq(next_datagram(fd), "");
	close(fd);
}
END_TEST

START_TEST(notify_sends_to_an_abstract_name)
{
	const char *name = abstract_of_length(40);
	int fd = listen_at(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_send("STOPPING=1"), 0);
	ck_assert_str_eq(next_datagram(fd), "STOPPING=1");
	ck_assert_str_eq(next_datagram(fd), "");
	close(fd);
}
END_TEST

/* The longest names that fit arrive; one byte more is refused, and the
 * socket at the name cut to fit gets nothing. */
static void longest_arrives_longer_is_refused(const char *name)
{
	int fd = listen_at(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_send("READY=1"), 0);
	ck_assert_str_eq(next_datagram(fd), "READY=1");
	char longer[SUN_PATH_MAX + 4];
	snprintf(longer, sizeof longer, "%sn", name);
	setenv("NOTIFY_SOCKET", longer, 1);
	ck_assert_int_eq(notify_send("READY=1"), -ENAMETOOLONG);
	ck_assert_str_eq(next_datagram(fd), "");
	close(fd);
}

START_TEST(notify_longest_path_arrives_longer_is_refused_not_cut)
{
	longest_arrives_longer_is_refused(path_of_length(SUN_PATH_MAX - 1));
}
END_TEST

START_TEST(notify_longest_abstract_arrives_longer_is_refused_not_cut)
{
	longest_arrives_longer_is_refused(abstract_of_length(SUN_PATH_MAX));
}
END_TEST

START_TEST(notify_unset_is_no_error)
{
	ck_assert_int_eq(notify_send("READY=1"), 0);
}
END_TEST

START_TEST(notify_other_address_kinds_are_refused)
{
	static const char *const names[] = {"", "notify.sock", "vsock:2:1234"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		setenv("NOTIFY_SOCKET", names[i], 1);
		ck_assert_int_eq(notify_send("READY=1"), -EAFNOSUPPORT);
	}
}
END_TEST

/* Nobody listening is the caller's to report; the descriptor is closed
 * all the same. */
START_TEST(notify_no_listener_is_an_error_and_leaks_nothing)
{
	char path[128];
	snprintf(path, sizeof path, "%s/nobody", dir);
	setenv("NOTIFY_SOCKET", path, 1);
	int before = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(before, 0);
	close(before);
	ck_assert_int_eq(notify_send("READY=1"), -ENOENT);
	int after = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(after, before);
	close(after);
}
END_TEST

START_TEST(notify_watchdog_unset_is_disabled)
{
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_PID", "1", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

START_TEST(notify_watchdog_period_for_us)
{
	setenv("WATCHDOG_USEC", "2000000", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 2000000);
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 2000000);
}
END_TEST

START_TEST(notify_watchdog_of_another_pid_is_disabled)
{
	setenv("WATCHDOG_USEC", "2000000", 1);
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

/* Our own pid, but not as a plain decimal number: not for us. */
START_TEST(notify_watchdog_of_a_garbled_pid_is_disabled)
{
	setenv("WATCHDOG_USEC", "2000000", 1);
	static const char *const around[][2] = {
	    {"", " "}, {" ", ""}, {"+", ""}, {"", "x"}, {"", ".0"}};
	for (size_t i = 0; i < sizeof around / sizeof around[0]; i++) {
		char pid[32];
		snprintf(pid, sizeof pid, "%s%ld%s", around[i][0],
			 (long)getpid(), around[i][1]);
		setenv("WATCHDOG_PID", pid, 1);
		ck_assert_msg(notify_watchdog_usec() == 0, "WATCHDOG_PID='%s'",
			      pid);
	}
	setenv("WATCHDOG_PID", "", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

static const struct {
	const char *value;
	uint64_t usec;
} usec_cases[] = {
    {"1", 1},
    {"60000000", 60000000},
    {"18446744073709551614", UINT64_MAX - 1},
    /* systemd's infinity, and 0: no period */
    {"18446744073709551615", 0},
    {"0", 0},
    {"18446744073709551616", 0},
    {"", 0},
    {"2s", 0},
    {"-2000000", 0},
    {"+2000000", 0},
    {" 2000000", 0},
    {"2000000 ", 0},
    {"0x10", 0},
};

START_TEST(notify_watchdog_values)
{
	setenv("WATCHDOG_USEC", usec_cases[_i].value, 1);
	ck_assert_msg(notify_watchdog_usec() == usec_cases[_i].usec,
		      "WATCHDOG_USEC='%s': %llu, expected %llu",
		      usec_cases[_i].value,
		      (unsigned long long)notify_watchdog_usec(),
		      (unsigned long long)usec_cases[_i].usec);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("send");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, notify_sends_each_state_as_one_datagram_to_a_path);
	tcase_add_test(tc, notify_sends_to_an_abstract_name);
	tcase_add_test(tc,
		       notify_longest_path_arrives_longer_is_refused_not_cut);
	tcase_add_test(
	    tc, notify_longest_abstract_arrives_longer_is_refused_not_cut);
	tcase_add_test(tc, notify_unset_is_no_error);
	tcase_add_test(tc, notify_other_address_kinds_are_refused);
	tcase_add_test(tc, notify_no_listener_is_an_error_and_leaks_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("watchdog");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, notify_watchdog_unset_is_disabled);
	tcase_add_test(tc, notify_watchdog_period_for_us);
	tcase_add_test(tc, notify_watchdog_of_another_pid_is_disabled);
	tcase_add_test(tc, notify_watchdog_of_a_garbled_pid_is_disabled);
	tcase_add_loop_test(tc, notify_watchdog_values, 0,
			    sizeof usec_cases / sizeof usec_cases[0]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(notify_suite());
}
