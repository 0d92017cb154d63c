#!/bin/sh
# memcheck over every unit suite and corpus replay, and over every veriport
# run of one integration sweep (tests/integration/servers.sh: real SMTP,
# IMAP, POP3, LDAP, HTTPS and PostgreSQL servers, STARTTLS and TLS): zero
# errors and zero definite or indirect leaks, or it fails naming the log.
# valgrind and AddressSanitizer do not mix, so this builds a copy of the
# tree without sanitizers. Run as root for the integration sweep (CI does;
# elsewhere that part says SKIP, and with CI set it is an error).
#   tests/valgrind.sh                  # all of it
#   VG_UNIT_ONLY=1 tests/valgrind.sh   # the unit suites only
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${VG_OUT:-valgrind-out}" && cd "${VG_OUT:-valgrind-out}" && pwd)
rm -f "$out"/*.log

if ! command -v valgrind >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then
		echo "ERROR: tests/valgrind.sh: valgrind is not installed (CI must not skip)" >&2
		exit 1
	fi
	echo "SKIP: tests/valgrind.sh: valgrind is not installed"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/tests/tree-copy.sh" "$tmp/src"
cd "$tmp/src"
{
	./bootstrap
	./configure CFLAGS="-O1 -g"
	make -j"$(nproc)"
	make -j"$(nproc)" check TESTS=
} >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "tests/valgrind.sh: the build failed" >&2
	exit 1
}

# The suppressions name what is not veriport's (tests/valgrind.supp).
vg="valgrind -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
--suppressions=$tmp/src/tests/valgrind.supp"
passed=0 failed=0
top_srcdir=$tmp/src top_builddir=$tmp/src
VERIPORT_CATALOG_DIR=$tmp/src/catalogs
export top_srcdir top_builddir VERIPORT_CATALOG_DIR

# Every Check suite in one process (CK_FORK=no), so memcheck sees each
# test's allocations; and every corpus replay.
for t in $(sed -n '/^TESTS = /,/[^\\]$/p' Makefile.am | tr -d '\\' |
	tr ' \t' '\n\n' | grep -E '^tests/(unit/test_|fuzz/replay_)'); do
	name=${t##*/}
	if CK_FORK=no $vg --log-file="$out/$name.log" "./$t" >"$out/$name.out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $t under memcheck (exit $?): $out/$name.log"
		head -n 30 "$out/$name.log"
		tail -n 5 "$out/$name.out"
	fi
done
echo "valgrind: unit suites and replays: $passed passed, $failed failed"

if [ -z "${VG_UNIT_ONLY:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		if [ -n "${CI:-}" ]; then
			echo "ERROR: tests/valgrind.sh: the integration sweep needs root (CI must not skip)" >&2
			exit 1
		fi
		echo "SKIP: tests/valgrind.sh: the integration sweep needs root"
	else
		# Each veriport run of the sweep under memcheck, a log per
		# process; the test's own assertions still hold.
		cat >"$tmp/veriport" <<EOF
#!/bin/sh
exec $vg --log-file=$out/sweep.%p.log $tmp/src/veriport "\$@"
EOF
		chmod 755 "$tmp/veriport"
		if VERIPORT=$tmp/veriport tests/integration/servers.sh >"$out/servers.out" 2>&1; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "FAIL: tests/integration/servers.sh under memcheck:"
			grep -E '^(not ok|ERROR)' "$out/servers.out" | head -n 20
		fi
		runs=$(find "$out" -name 'sweep.*.log' | wc -l)
		dirty=$(find "$out" -name 'sweep.*.log' -size +0 | sort)
		if [ "$runs" -gt 0 ] && [ -z "$dirty" ]; then
			passed=$((passed + 1))
			echo "valgrind: the integration sweep: $runs veriport runs, no error"
		else
			failed=$((failed + 1))
			echo "FAIL: the integration sweep under memcheck ($runs runs):"
			for l in $dirty; do
				echo "== $l"
				head -n 40 "$l"
			done
		fi
	fi
fi
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
