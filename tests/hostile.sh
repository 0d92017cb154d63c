#!/usr/bin/env bash
# Hostile conditions on the prober's own side: a process that runs out of
# file descriptors (issue 9, item 6). 300 channels to 30 SMTP ports on the
# loopback of a private namespace are probed with --parallel 500 under
# ulimit -n 64: every probe waits for a descriptor and gets the verdict an
# unconstrained sweep gets; none is unreachable or local-error. With too
# few descriptors for an event loop, check, respond and veriportd say so
# (exit 3), no crash.
. "$(dirname "$0")/integration/lib.sh"
vpt_init hostile hostile
VPT_NET4=10.221.0.0/16 VPT_NET6=fd7e:221::/32
vpt_need_root
vpt_need_cmd jq:jq python3:python3-minimal ip:iproute2 nft:nftables

vpt_netns NS ns 127.0.0.1
CHANNELS=300 FIRST=20001 LAST=20030
CAT=$VPT_TMP/catalogs
mkdir -p "$CAT"
{
	printf 'profile hostile\ntitle hostile\nsource tests/hostile.sh\n\n'
	printf 'role client The prober\nrole server The SMTP ports\n\n'
	for i in $(seq 1 "$CHANNELS"); do
		printf 'row r%d\n    vendor v\n    from client\n    to server\n' "$i"
		printf '    port tcp/%d smtp-starttls\n    starttls opportunistic\n' \
			$((FIRST + i % (LAST - FIRST + 1)))
		printf '    purpose p\n\n'
	done
} >"$CAT/hostile.catalog"
: >"$CAT/interceptors.list"

vpt_in "$NS" /usr/bin/python3 "$top_srcdir/tests/hostile/smtp.py" "$FIRST" "$LAST" 120 \
	>"$VPT_TMP/smtp.out" 2>&1 &
VPT_PIDS+=($!)
vpt_wait_until 10 grep -q '^listening' "$VPT_TMP/smtp.out" ||
	vpt_error "smtp.py: $(cat "$VPT_TMP/smtp.out")"

sweep() { # LIMIT OUT
	vpt_in "$NS" bash -c 'ulimit -n "$1"; shift; exec "$@"' sh "$1" \
		"$VERIPORT" check --catalog-dir "$CAT" --profile hostile --role client \
		--map server=127.0.0.1 --timeout 5 --parallel 500 --format json \
		>"$2" 2>"$2.err"
}
verdicts() { jq -r '.results[] | "\(.channel) \(.verdict)/\(.reason)"' "$1" | sort; }

sweep 4096 "$VPT_TMP/quiet.json"
vpt_eq "unconstrained: $CHANNELS results" \
	"$(jq '.results | length' "$VPT_TMP/quiet.json")" "$CHANNELS"
sweep 64 "$VPT_TMP/short.json"
vpt_eq "ulimit -n 64: $CHANNELS results" \
	"$(jq '.results | length' "$VPT_TMP/short.json")" "$CHANNELS"
vpt_eq "ulimit -n 64: no unreachable, local-error or skipped verdict" \
	"$(jq '[.results[] | select(.verdict == "unreachable" or .verdict == "skipped" or .reason == "local-error")] | length' "$VPT_TMP/short.json")" 0
vpt_eq "ulimit -n 64: every verdict as in the unconstrained sweep" \
	"$(verdicts "$VPT_TMP/short.json" | md5sum)" "$(verdicts "$VPT_TMP/quiet.json" | md5sum)"

rc=0
sweep 8 "$VPT_TMP/none.json" || rc=$?
vpt_cmp "ulimit -n 8: an exit status of veriport's own (no signal)" "$rc" -le 3
vpt_eq "ulimit -n 8: no sanitizer report" \
	"$(grep -c 'Sanitizer' "$VPT_TMP/none.json.err")" 0

# respond and veriportd cannot make their loop either: they say so, exit 3.
limited() { vpt_in "$NS" bash -c 'ulimit -n 8; exec "$@"' sh "$@" 2>&1 >/dev/null; }
out=$(limited "$VERIPORT" respond --catalog-dir "$CAT" --profile hostile \
	--role server --bind 127.0.0.1 --duration 1)
vpt_eq "respond, ulimit -n 8: exit status" "$?" 3
vpt_eq "respond, ulimit -n 8: what it says" "$out" \
	"veriport respond: no event loop: too many open files"
out=$(limited "${VERIPORTD:-$top_builddir/veriportd}" --foreground -c "$VPT_TMP/none.conf")
vpt_eq "veriportd, ulimit -n 8: exit status" "$?" 3
vpt_eq "veriportd, ulimit -n 8: what it says" "$out" \
	"veriportd: no event loop: too many open files"

vpt_finish
