#!/usr/bin/env bash
# Status socket abuse (issue 9): a real veriportd sweeps 70 channels on the
# loopback of a private namespace (40 SMTP servers with STARTTLS, 20 SSH
# servers that greet after 400 ms, 10 that never greet; tests/hostile/
# peer.py), while tests/hostile/abuse.py holds 1,000 idle connections to
# its TCP listener, runs 20 slowloris HTTP clients, garbage, over-long
# lines, half-closed clients, 20 clients that never read their answer,
# and 60 GET /status and /metrics a second. Asserted: `veriport status` on
# the Unix socket answers every time within STATUS_DEADLINE_MS (each call
# timed; p50, p99 and the worst printed), the verdicts of three sweeps
# under abuse are the verdicts of a quiet one, result by result, and so
# are those of a sweep during which the daemon is stopped (SIGSTOP) for
# longer than the probe timeout; the HTTP flood is served, the slowloris
# and idle clients are cut off, and the daemon holds no more descriptors
# afterwards than before. About 40 s.
. "$(dirname "$0")/lib.sh"
vpt_init status-abuse hst
VPT_NET4=10.221.0.0/16 VPT_NET6=fd7e:221::/32
vpt_need_root
vpt_need_cmd jq:jq python3:python3-minimal ip:iproute2 nft:nftables \
	openssl:openssl ss:iproute2
VERIPORTD=${VERIPORTD:-$top_builddir/veriportd}
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
[ -x "$VERIPORTD" ] || vpt_error "no veriportd binary at $VERIPORTD (build first)"

TIMEOUT=1
PORT=9797
ABUSE_S=16
# `veriport status` is a process of its own (a sanitizer build starts in
# tens of milliseconds); the daemon's part must stay far below this.
STATUS_DEADLINE_MS=1000
# How long the daemon is stopped mid-sweep: over two probe timeouts.
STOP_S=2.5

# The world ------------------------------------------------------------------

vpt_netns NS d 127.0.0.1
D=$VPT_TMP/d
mkdir -p "$D/certs" "$D/catalogs" "$D/run" "$D/state" || vpt_error "cannot create $D"
: >"$D/catalogs/interceptors.list"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$D/certs/ca.key" -out "$D/certs/ca.pem" -days 2 \
	-subj "/CN=status abuse CA" -addext "basicConstraints=critical,CA:TRUE" \
	>"$D/certs/openssl.log" 2>&1 &&
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$D/certs/healthy-smtp.key" -out "$D/certs/healthy-smtp.pem" \
		-days 30 -subj "/CN=127.0.0.1" -CA "$D/certs/ca.pem" -CAkey "$D/certs/ca.key" \
		-addext "subjectAltName=IP:127.0.0.1" \
		-addext "basicConstraints=critical,CA:FALSE" >>"$D/certs/openssl.log" 2>&1 ||
	vpt_error "openssl: $(cat "$D/certs/openssl.log")"

SPECS=()
{
	printf 'profile abuse\ntitle status abuse\nsource tests/integration/status-abuse.sh\n\n'
	printf 'role client veriportd\nrole peer tests/hostile/peer.py\n\n'
	row() { # NAME PORT CHECK [STARTTLS]
		printf 'row %s\n    vendor v\n    from client\n    to peer\n' "$1"
		printf '    port tcp/%d %s\n' "$2" "$3"
		[ -n "${4:-}" ] && printf '    starttls %s\n' "$4"
		printf '    purpose p\n\n'
	}
	for i in $(seq 1 40); do row "smtp$i" $((32000 + i)) smtp-starttls required; done
	for i in $(seq 1 20); do row "ssh$i" $((32100 + i)) ssh; done
	for i in $(seq 1 10); do row "silent$i" $((32200 + i)) smtp-starttls required; done
} >"$D/catalogs/abuse.catalog"
for i in $(seq 1 40); do SPECS+=("healthy-smtp:$((32000 + i))"); done
for i in $(seq 1 20); do SPECS+=("slow-ssh:$((32100 + i))"); done
for i in $(seq 1 10); do SPECS+=("silent:$((32200 + i))"); done
RESULTS=70

vpt_spawn PEER "$NS" "$VPT_TMP/peer.log" python3 -u \
	"$top_srcdir/tests/hostile/peer.py" --certs "$D/certs" "${SPECS[@]}"
vpt_wait_until 10 grep -q '^listening' "$VPT_TMP/peer.log" ||
	vpt_error "peer.py: $(cat "$VPT_TMP/peer.log")"

SOCK=$D/run/status.sock
cat >"$D/veriport.conf" <<EOF
[veriport]
profile = abuse
role = client
catalog-dir = $D/catalogs
ca-file = $D/certs/ca.pem
interval = 3600
jitter = 0
timeout = $TIMEOUT

[map]
peer = 127.0.0.1

[status]
socket = $SOCK
mode = 0600
listen = 127.0.0.1:$PORT
state-dir = $D/state
EOF
vpt_spawn VPD "$NS" "$VPT_TMP/veriportd.log" bash -c \
	'ulimit -n 4096 && exec "$@"' sh "$VERIPORTD" --foreground -c "$D/veriport.conf"

status_json() { "$VERIPORT" status --socket "$SOCK" --format json >"$1" 2>"$1.err"; }
verdicts() { jq -r '.results[] | "\(.channel) \(.address) \(.verdict)/\(.reason)"' "$1" | sort; }
started() { jq -r .started "$1" 2>/dev/null; }
full() { status_json "$1" && [ "$(jq '.results | length' "$1")" = "$RESULTS" ]; }

vpt_wait_until 20 full "$VPT_TMP/first.json" ||
	vpt_error "no first sweep of $RESULTS results: $(tail -n 5 "$VPT_TMP/veriportd.log")"
verdicts "$VPT_TMP/first.json" >"$VPT_TMP/quiet.verdicts"
vpt_eq "quiet sweep: verdicts" \
	"$(awk '{ print $3 }' "$VPT_TMP/quiet.verdicts" | sort | uniq -c | awk '{ printf "%s %s; ", $1, $2 }')" \
	"20 ok/answered; 40 ok/handshake-ok; 10 protocol-error/no-greeting; "
FDS_BEFORE=$(ls "/proc/$VPD/fd" | wc -l)

# One sweep, asked for on the socket, with `veriport status` timed every
# 50 ms until its results replace the last ones. LAT gets the
# milliseconds of each call; the sweep's JSON goes to OUT.
LAT=$VPT_TMP/latency
: >"$LAT"
sweep() { # OUT [STOP]
	local out=$1 stop=${2:-} before t0 t1 rc
	before=$(started "$VPT_TMP/last.json")
	"$VERIPORT" probe --socket "$SOCK" >"$out.probe" 2>&1 ||
		vpt_error "veriport probe: $(cat "$out.probe")"
	if [ -n "$stop" ]; then
		sleep 0.3
		kill -STOP "$VPD"
		sleep "$stop"
		kill -CONT "$VPD"
	fi
	for ((i = 0; i < 400; i++)); do
		t0=$(vpt_now_ms)
		status_json "$out"
		rc=$?
		t1=$(vpt_now_ms)
		echo "$((t1 - t0)) $rc" >>"$LAT"
		if [ "$rc" -eq 0 ] && [ "$(started "$out")" != "$before" ]; then
			cp "$out" "$VPT_TMP/last.json"
			return 0
		fi
		sleep 0.05
	done
	vpt_error "the sweep asked for did not end within 20 s"
}
cp "$VPT_TMP/first.json" "$VPT_TMP/last.json"
sleep 1
sweep "$VPT_TMP/quiet2.json"
vpt_eq "a second quiet sweep: the same verdicts" \
	"$(verdicts "$VPT_TMP/quiet2.json" | md5sum)" "$(md5sum <"$VPT_TMP/quiet.verdicts")"
QUIET_LAT=$VPT_TMP/latency.quiet
mv "$LAT" "$QUIET_LAT"
: >"$LAT"

# The abuse ----------------------------------------------------------------------

vpt_in "$NS" bash -c 'ulimit -n 8192 && exec python3 -u "$@"' sh \
	"$top_srcdir/tests/hostile/abuse.py" 127.0.0.1 "$PORT" "$ABUSE_S" 60 \
	>"$VPT_TMP/abuse.out" 2>"$VPT_TMP/abuse.log" &
ABUSE=$!
VPT_PIDS+=("$ABUSE")
vpt_wait_until 10 grep -q '^started' "$VPT_TMP/abuse.out" ||
	vpt_error "abuse.py did not start: $(cat "$VPT_TMP/abuse.log")"
echo "# abuse started: $(vpt_in "$NS" ss -Htn state established "( sport = :$PORT )" | wc -l) connections established to the listener"
for n in 1 2 3; do
	sleep 1
	sweep "$VPT_TMP/abused$n.json"
	vpt_eq "sweep $n under abuse: every verdict as in the quiet sweep" \
		"$(verdicts "$VPT_TMP/abused$n.json" | md5sum)" "$(md5sum <"$VPT_TMP/quiet.verdicts")"
done
# The daemon stopped for longer than two probe timeouts mid-sweep: a stall
# of the loop, which must not become a network verdict.
sleep 1
sweep "$VPT_TMP/stopped.json" "$STOP_S"
vpt_eq "sweep with veriportd stopped ${STOP_S} s mid-way: every verdict as in the quiet sweep" \
	"$(verdicts "$VPT_TMP/stopped.json" | md5sum)" "$(md5sum <"$VPT_TMP/quiet.verdicts")"
diff <(verdicts "$VPT_TMP/stopped.json") "$VPT_TMP/quiet.verdicts" | head -n 5 | sed 's/^/# /'
vpt_wait_exit "$ABUSE" $((ABUSE_S + 15))
vpt_eq "abuse.py ran to its end" "$?" 0

# What the status socket did ------------------------------------------------------

pct() { # FILE PERCENT: that percentile of the first column
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((NR - 1) * p / 100) + 1; print v[i] + 0 }'
}
n=$(wc -l <"$LAT")
echo "# veriport status under abuse: $n calls, p50 $(pct "$LAT" 50) ms, p99 $(pct "$LAT" 99) ms, worst $(pct "$LAT" 100) ms"
echo "# veriport status quiet: $(wc -l <"$QUIET_LAT") calls, p50 $(pct "$QUIET_LAT" 50) ms, p99 $(pct "$QUIET_LAT" 99) ms, worst $(pct "$QUIET_LAT" 100) ms"
vpt_cmp "veriport status under abuse: calls made" "$n" -ge 20
vpt_eq "veriport status under abuse: every call answered" "$(awk '$2 != 0' "$LAT" | wc -l)" 0
vpt_cmp "veriport status under abuse: the slowest call, ms" "$(pct "$LAT" 100)" -lt "$STATUS_DEADLINE_MS"
S=$(tail -n 1 "$VPT_TMP/abuse.out")
echo "# abuse.py: $S"
get() { jq -r ".$1 // 0" <<<"$S"; }
# The flood comes from other addresses than the idle connections, which
# may hold only their share of the listener when it is full
# (STATUS_TCP_PER_SOURCE_MAX); its connections may still wait for a SYN
# retransmission while the idle ones overflow the kernel's backlog.
vpt_cmp "HTTP flood: requests sent per second" $(($(get http_sent) / ABUSE_S)) -ge 50
vpt_cmp "HTTP flood: answered 200, per cent" $((100 * $(get http_200) / $(get http_sent))) -ge 95
vpt_cmp "HTTP flood: the slowest answer, ms" "$(jq -r '.http_max_ms | floor' <<<"$S")" -lt 10000
vpt_cmp "1,000 idle connections opened" "$(get idle_opened)" -ge 1000
vpt_cmp "idle connections closed by the daemon" "$(get idle_closed_by_daemon)" -gt 0
vpt_cmp "slowloris clients cut off by the daemon" "$(get slowloris_closed_by_daemon)" -gt 0
vpt_cmp "half-closed clients with a command got the JSON" "$(get halfclosed_status_json)" -gt 0
vpt_eq "half-closed clients with a command got nothing but the JSON or 'too many clients'" \
	"$(get halfclosed_status_other)" 0
vpt_cmp "garbage, over-long and newline-only lines tried" \
	$(($(get garbage_answered) + $(get garbage_closed) + $(get overlong_answered) + $(get overlong_closed))) -gt 0
vpt_cmp "clients that never read" "$(get neverread_opened)" -ge 20
vpt_eq "veriportd still runs" "$(vpt_alive "$VPD" && echo yes)" yes
fds_back() { [ "$(ls "/proc/$VPD/fd" | wc -l)" -le "$FDS_BEFORE" ]; }
vpt_wait_until 10 fds_back
vpt_cmp "veriportd's descriptors after the abuse (before: $FDS_BEFORE)" \
	"$(ls "/proc/$VPD/fd" | wc -l)" -le "$FDS_BEFORE"
# Peak RSS, KiB. Measured: 14 MiB for a plain build; about 300 MiB under
# ASan+UBSan, whose quarantine keeps up to 256 MiB of freed memory (every
# accepted connection allocates), so that bound says only "not unbounded".
if grep -qa __asan_init "$VERIPORTD"; then RSS_MAX_KB=$((512 * 1024)); else RSS_MAX_KB=$((48 * 1024)); fi
vpt_cmp "veriportd's peak RSS, KiB" "$(awk '/^VmHWM/ { print $2 }' "/proc/$VPD/status")" -le "$RSS_MAX_KB"
vpt_eq "no sanitizer report in the daemon's log" \
	"$(grep -c 'Sanitizer' "$VPT_TMP/veriportd.log")" 0

vpt_finish
