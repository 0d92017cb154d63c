#!/usr/bin/env bash
# Thousands of dropped ports in one sweep (issue 11): each is
# filtered/no-response after one timeout, never skipped at the sweep's
# deadline. Before the engine's clock slack, 4 of 5 sweeps of 5,000 dropped
# ports ended with every probe skipped/deadline: thousands of
# one-millisecond timers kept the loop from ever being idle, and the
# probes' clocks (which count its idle time) stopped just short of the
# timeout. Three sweeps, since it came and went; at the 3 s timeout of
# the catalogs (at 1 s the sanitizer build did not show it), all three
# failed before the fix.
. "$(dirname "$0")/lib.sh"
vpt_init drop-scale dsc
VPT_NET4=10.230.0.0/16
VPT_NET6=fd7e:230::/32
vpt_need_root
vpt_need_cmd ip:iproute2 nft:nftables jq:jq
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"

N=5000
TIMEOUT=${TIMEOUT:-3}
vpt_netns NS d 127.0.0.1
vpt_in "$NS" nft -f - <<'NFT' || vpt_error "nft: the drop rule"
table inet drop_scale {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 127.0.0.2 tcp dport 40000-44999 drop
	}
}
NFT
mkdir -p "$VPT_TMP/catalogs"
{
	printf 'profile dropscale\ntitle thousands of dropped ports\nsource tests/integration/drop-scale.sh\n'
	printf 'role here H\nrole there T\n'
	for ((i = 0; i < N; i++)); do
		printf 'row d%d\n    vendor v\n    from here\n    to there\n    port tcp/%d tcp\n    purpose p\n' \
			"$i" $((40000 + i))
	done
} >"$VPT_TMP/catalogs/dropscale.catalog"
cp "$top_srcdir/catalogs/interceptors.list" "$VPT_TMP/catalogs/"

for run in 1 2 3; do
	t0=$(vpt_now_ms)
	vpt_in "$NS" sh -c "ulimit -n 8192; exec '$VERIPORT' check --catalog-dir '$VPT_TMP/catalogs' \
		--profile dropscale --role here --map there=127.0.0.2 --timeout $TIMEOUT --format json" \
		>"$VPT_TMP/run$run.json" 2>"$VPT_TMP/run$run.err"
	rc=$?
	ms=$(($(vpt_now_ms) - t0))
	echo "# sweep $run: exit $rc, $ms ms"
	vpt_eq "sweep $run: every one of the $N dropped ports is filtered/no-response" \
		"$(jq -r '[.results[] | "\(.verdict)/\(.reason)"] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$VPT_TMP/run$run.json")" \
		"$N filtered/no-response"
	vpt_cmp "sweep $run: about one timeout, not the deadline (ms)" "$ms" -lt $((TIMEOUT * 1000 + 3000))
done
vpt_finish
