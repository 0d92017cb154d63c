#!/bin/sh
# Builds every libFuzzer target with clang, ASan and UBSan in a build of
# its own and runs each on its corpus for FUZZ_SECONDS (10 by default:
# about 90 s for all of them), failing on any crash, leak, timeout or
# sanitizer report. Without clang it says SKIP and exits 0.
#   FUZZ_SECONDS=300 tests/fuzz/run.sh          # a longer run
#   FUZZ_TARGETS="cert ber" tests/fuzz/run.sh   # some targets only
# New inputs go to a scratch corpus, never into tests/fuzz/corpus; a crash
# is kept as $FUZZ_OUT/crash-* (FUZZ_OUT defaults to ./fuzz-out) to be
# added to the corpus once fixed.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-10}
targets=${FUZZ_TARGETS:-"catalog conf dlg rsp cert ber status http pins fleet"}
out=$(mkdir -p "${FUZZ_OUT:-fuzz-out}" && cd "${FUZZ_OUT:-fuzz-out}" && pwd)

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: tests/fuzz/run.sh: no clang"
	exit 0
fi

# A copy of the sources, configured for fuzzing: the source tree may be
# configured already (in-tree builds cannot share it with a VPATH one).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/tests/tree-copy.sh" "$tmp/src"
cd "$tmp/src"
{
	./bootstrap
	./configure CC=clang --enable-fuzzing --enable-sanitizers
	make -j"$(nproc)" $(for t in $targets; do echo "tests/fuzz/fuzz_$t"; done)
} >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "tests/fuzz/run.sh: the fuzz build failed" >&2
	exit 1
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0
for t in $targets; do
	mkdir -p "$tmp/new-$t"
	seeds=$src/tests/fuzz/corpus/$t
	[ "$t" = catalog ] && seeds="$seeds $src/catalogs"
	log=$out/fuzz_$t.log
	# shellcheck disable=SC2086 # seeds is a list of directories
	if "tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "$tmp/new-$t" $seeds >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "fuzz_$t: $(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1)"
	else
		failed=$((failed + 1))
		tail -n 60 "$log"
		echo "fuzz_$t: FAILED (see $log and $out/$t-*)"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
