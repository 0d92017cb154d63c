#!/bin/sh
# Sweep benchmark: one `veriport check` over N channels against loopback
# ports where nothing listens (TCP resets, ICMP port unreachable), so the
# figures are the engine's own cost: wall time, peak memory, and memory
# per probe. Usage: bench/sweep.sh [BUILD_DIR] — results go to stdout;
# the ones we keep are in bench/RESULTS.md.
set -eu
build=${1:-.}
vp="$build/veriport"
[ -x "$vp" ] || { echo "no $vp: build first" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

catalog() { # N: half TCP, half UDP channels on ports 40000+i
	printf 'profile bench\ntitle Benchmark\nsource bench/sweep.sh\nrole here H\nrole there T\n'
	i=0
	while [ "$i" -lt "$1" ]; do
		if [ $((i % 2)) -eq 0 ]; then proto=tcp check=tcp; else proto=udp check=dns; fi
		printf 'row c%d\n    vendor v\n    from here\n    to there\n    port %s/%d %s\n    purpose p\n' \
			"$i" "$proto" $((40000 + i)) "$check"
		i=$((i + 1))
	done
}

printf '%-8s %-10s %-12s %s\n' probes wall_s peak_rss_kb rss_per_probe_b
for n in 1 64 256 1024; do
	catalog "$n" >"$tmp/bench.catalog"
	/usr/bin/time -f '%e %M' -o "$tmp/time" \
		"$vp" check --catalog-dir "$tmp" --profile bench --role here \
		--map there=127.0.0.1 --timeout 2 --format json >"$tmp/out.json" || true
	read -r wall rss <<EOT
$(tail -n 1 "$tmp/time")
EOT
	if [ "$n" -eq 1 ]; then base=$rss; fi
	per=$(( (rss - base) * 1024 / n ))
	printf '%-8s %-10s %-12s %s\n' "$n" "$wall" "$rss" "$per"
done
