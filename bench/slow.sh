#!/usr/bin/env bash
# A client with too little CPU (issue 11: loading the CPU must never
# change a verdict), and the client's instructions per TLS handshake,
# counted rather than timed. veriport and the libuv+OpenSSL yardstick
# (bench/yardstick.c) run under valgrind's callgrind, which makes them
# some 40 times slower while the far ends (nginx, `veriport respond`, which
# ends a session after 10 s) run at full speed, and which counts every
# instruction they execute: a figure the machine's noise does not move.
#
#	bench/slow.sh                         # TLS and SMTP STARTTLS, N=500
#	SLOW_N=200 SLOW_KINDS=smtp bench/slow.sh
#
# As root on Debian 12; installs what bench/lib.sh needs and valgrind,
# builds veriport -O2 without sanitizers in BENCH_BUILD
# (/tmp/veriport-bench-build, as bench/run.sh). Prints a Markdown table for bench/RESULTS.md: per
# kind, veriport's verdicts (every one should be ok: the servers are
# healthy), its longest wait for a TLS slot, and the instructions per
# completed handshake of veriport and of the yardstick (32 at once, so that
# all of its handshakes complete under callgrind).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$BENCH_DIR/.." && pwd)
top_builddir=${BENCH_BUILD:-/tmp/veriport-bench-build}
. "$top_srcdir/tests/integration/lib.sh"
. "$BENCH_DIR/lib.sh"
vpt_init bench-slow bsl
VPT_NET4=10.226.251.0/24 VPT_NET6=fd7e:226:251::/48
vpt_need_root

N=${SLOW_N:-500}
KINDS=${SLOW_KINDS:-tls smtp}
TIMEOUT=${SLOW_TIMEOUT:-3}
ADDRS=10
PORTS=$(((N + ADDRS - 1) / ADDRS))
[ "$PORTS" -le "$BENCH_SMTP_MAXP" ] || vpt_error "SLOW_N=$N: at most $((ADDRS * BENCH_SMTP_MAXP))"

bench_packages valgrind time nginx-light openssl jq nftables iproute2 gcc \
	libc6-dev libuv1-dev libssl-dev pkgconf
bench_build "$top_srcdir" "$top_builddir"
YS=$VPT_TMP/yardstick
gcc -O2 -o "$YS" "$BENCH_DIR/yardstick.c" $(pkg-config --cflags --libs libuv libssl libcrypto) ||
	vpt_error "cannot build bench/yardstick.c"
ulimit -n 20000 || vpt_error "cannot raise the descriptor limit"

bench_log "starting the targets"
bench_world respond
CAT=$VPT_TMP/catalogs
mkdir -p "$CAT"
: >"$CAT/interceptors.list"
MAP=$(bench_addrs "$ADDRS" | paste -sd,)

# instructions FILE: the total a callgrind output file counted.
instructions() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

echo "| kind, N | veriport verdicts | longest wait for a TLS slot | instructions per handshake: veriport | yardstick | ratio |"
echo "|---|---|---|---|---|---|"
for kind in $KINDS; do
	case $kind in
	tls) first=$BENCH_TLS_PORT check=tls ;;
	smtp) first=$BENCH_SMTP_PORT check=smtp-starttls ;;
	*) vpt_error "SLOW_KINDS: tls or smtp, not $kind" ;;
	esac
	{
		printf 'profile slow-%s\ntitle slow client %s\nsource bench/slow.sh\n\n' "$kind" "$kind"
		printf 'role client The prober\nrole srv The target addresses\n\n'
		for ((p = first; p < first + PORTS; p++)); do
			printf 'row p%d\n    vendor bench\n    from client\n    to srv\n    port tcp/%d %s\n' "$p" "$p" "$check"
			[ "$kind" = smtp ] && printf '    starttls required\n'
			printf '    purpose bench\n\n'
		done
	} >"$CAT/slow-$kind.catalog"
	bench_addrs "$ADDRS" | while read -r a; do
		for ((p = first; p < first + PORTS; p++)); do echo "$a $p"; done
	done >"$CAT/slow-$kind.targets"
	n=$((ADDRS * PORTS))

	bench_log "$kind N=$n: veriport under callgrind"
	vpt_in "$NS" valgrind --tool=callgrind --callgrind-out-file="$VPT_TMP/vp-$kind.cg" \
		"$VERIPORT" check --catalog-dir "$CAT" --profile "slow-$kind" --role client \
		--map "srv=$MAP" --ca-file "$TLS/ca.pem" --timeout "$TIMEOUT" --format json \
		>"$VPT_TMP/vp-$kind.json" 2>"$VPT_TMP/vp-$kind.err"
	verdicts=$(jq -r '.results[] | "\(.verdict)/\(.reason)"' "$VPT_TMP/vp-$kind.json" |
		sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
	wait_ms=$(jq -r '[.results[].evidence[] | select(test("connected for a TLS slot")) |
		capture("waited (?<ms>[0-9]+) ms").ms | tonumber] | max // "under 1000"' "$VPT_TMP/vp-$kind.json")
	done_vp=$(jq '[.results[] | select(.tls.handshake == true)] | length' "$VPT_TMP/vp-$kind.json")

	bench_log "$kind N=$n: the yardstick under callgrind"
	vpt_in "$NS" valgrind --tool=callgrind --callgrind-out-file="$VPT_TMP/ys-$kind.cg" \
		"$YS" "$kind" 32 10000 "$TLS/ca.pem" <"$CAT/slow-$kind.targets" \
		>"$VPT_TMP/ys-$kind.out" 2>"$VPT_TMP/ys-$kind.err"
	done_ys=$(grep -c ' ok$' "$VPT_TMP/ys-$kind.out")

	iv=$(instructions "$VPT_TMP/vp-$kind.cg") iy=$(instructions "$VPT_TMP/ys-$kind.cg")
	[ -n "$iv" ] && [ -n "$iy" ] && [ "$done_vp" -gt 0 ] && [ "$done_ys" -gt 0 ] ||
		vpt_error "$kind: no counts (veriport $done_vp handshakes, yardstick $done_ys)"
	awk -v k="$kind" -v n="$n" -v v="$verdicts" -v w="$wait_ms" -v iv="$iv" -v iy="$iy" \
		-v dv="$done_vp" -v dy="$done_ys" 'BEGIN {
		pv = iv / dv; py = iy / dy
		printf "| %s, %d | %s | %s ms | %.2fM (%d handshakes) | %.2fM (%d) | %.2fx |\n",
			k, n, v, w, pv / 1e6, dv, py / 1e6, dy, pv / py }'
done
vpt_finish >/dev/null
