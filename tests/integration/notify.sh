#!/usr/bin/env bash
# veriportd and its service manager, played by this test: NOTIFY_SOCKET
# names a datagram socket the test listens on and WATCHDOG_USEC is 2 s, as
# systemd sets them for the unit (Type=notify, WatchdogSec). Checked:
# READY=1 comes once the status socket answers and the first sweep is under
# way (its one probe goes to a port the namespace drops, so that sweep
# lasts a probe timeout); WATCHDOG=1 comes every half period, during the
# sweep too; SIGTERM sends STOPPING=1, the last datagram; each datagram
# holds exactly its state; no libsystemd is mapped. A NOTIFY_SOCKET too
# long for an address is one log line, not one per keep-alive, and the
# daemon runs on. About 10 s.
. "$(dirname "$0")/lib.sh"
vpt_init notify ntf
VPT_NET4=10.231.0.0/16
VPT_NET6=fd7e:231::/32
vpt_need_root
vpt_need_cmd ip:iproute2 nft:nftables jq:jq socat:socat python3:python3-minimal
VERIPORTD=${VERIPORTD:-$top_builddir/veriportd}
[ -x "$VERIPORTD" ] || vpt_error "no veriportd binary at $VERIPORTD (build first)"

# systemd's WatchdogSec=2s; the daemon's keep-alives come at half of it.
WATCHDOG_USEC=2000000
PERIOD_MS=$((WATCHDOG_USEC / 1000))
TIMEOUT=2

vpt_netns NS d 127.0.0.1
vpt_in "$NS" nft -f - <<'NFT' || vpt_error "nft: the drop rule"
table inet vpt_notify {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 127.0.0.2 tcp dport 40000 drop
	}
}
NFT
mkdir -p "$VPT_TMP/catalogs" "$VPT_TMP/run" "$VPT_TMP/state" ||
	vpt_error "cannot create the daemon's folders"
cat >"$VPT_TMP/catalogs/notifytest.catalog" <<'EOF'
# Catalog of tests/integration/notify.sh; not a vendor table.
profile notifytest
title   veriportd and the notify protocol
source  tests/integration/notify.sh (no vendor table)

role here   The namespace veriportd runs in
role there  A dropped port on its loopback

row dropped
    vendor   TCP/40000 | here | there
    from     here
    to       there
    port     tcp/40000 tcp
    purpose  Dropped, so that a sweep lasts one timeout.
EOF
# write_conf NAME: the configuration of a daemon with its own socket.
write_conf() {
	cat <<EOF
[veriport]
profile = notifytest
role = here
catalog-dir = $VPT_TMP/catalogs
interval = 10
jitter = 0
timeout = $TIMEOUT
[map]
there = 127.0.0.2
[status]
socket = $VPT_TMP/run/$1.sock
state-dir = $VPT_TMP/state
EOF
}
write_conf status >"$VPT_TMP/veriport.conf"
SOCK=$VPT_TMP/run/status.sock
LOG=$VPT_TMP/veriportd.log

# The service manager's end: one line per datagram, "MS STATE", MS the
# wall clock in milliseconds and STATE the bytes escaped (a newline or a
# NUL in them would show).
NSOCK=$VPT_TMP/notify.sock
NLOG=$VPT_TMP/notify.log
vpt_spawn LISTENER "$NS" "$NLOG" python3 -u -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    data = s.recv(4096)
    print(time.time_ns() // 1000000,
          data.decode("latin-1").encode("unicode_escape").decode())
' "$NSOCK"
vpt_wait_until 5 test -S "$NSOCK" || vpt_error "the listener did not bind $NSOCK: $(cat "$NLOG")"

states() { awk '{ print $2 }' "$NLOG"; }
count() { states | grep -cx -- "$1"; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }

# As systemd starts it: WATCHDOG_PID is the daemon's own pid (sh execs it).
t0=$(vpt_now_ms)
vpt_spawn VPD "$NS" "$LOG" env NOTIFY_SOCKET="$NSOCK" WATCHDOG_USEC="$WATCHDOG_USEC" \
	sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh \
	"$VERIPORTD" --foreground -c "$VPT_TMP/veriport.conf"
if vpt_wait_until 5 at_least READY=1 1; then
	vpt_pass "READY=1 arrives ($(($(vpt_now_ms) - t0)) ms after the start)"
else
	vpt_fail "no READY=1 within 5 s"
	vpt_error "veriportd: $(tail -n 5 "$LOG")"
fi
# At READY=1 the status socket answers, and the first sweep (one timeout
# long) has started and not ended.
vpt_match "at READY=1: the status socket answers, the first sweep is running" \
	"$(vpt_unix_ask "$SOCK" status)" \
	'^error: no sweep has finished yet: the first sweep \(1 probes planned\) is running since '
vpt_eq "READY=1 is the first datagram" "$(states | head -n 1)" READY=1

vpt_wait_until 6 at_least WATCHDOG=1 4
vpt_eq "WATCHDOG=1 arrives repeatedly: 4 keep-alives within 6 s" "$?" 0
vpt_wait_until $((TIMEOUT + 3)) eval \
	'vpt_unix_ask "$SOCK" status | jq -e ".results | length == 1" >/dev/null'
vpt_eq "the first sweep ended meanwhile, its result served" "$?" 0
vpt_eq "the daemon runs" "$(vpt_alive "$VPD" && echo yes)" yes
vpt_eq "the daemon maps no libsystemd" "$(grep -c libsystemd "/proc/$VPD/maps")" 0

kill -TERM "$VPD"
vpt_wait_exit "$VPD" 5
vpt_eq "SIGTERM: exit status" "$?" 0
vpt_wait_until 2 at_least STOPPING=1 1
vpt_eq "SIGTERM: STOPPING=1 arrives" "$?" 0
vpt_eq "STOPPING=1 is the last datagram" "$(states | tail -n 1)" STOPPING=1
vpt_eq "one READY=1 and one STOPPING=1" "$(count READY=1) $(count STOPPING=1)" "1 1"
vpt_eq "every datagram is exactly READY=1, WATCHDOG=1 or STOPPING=1" \
	"$(states | grep -cvxE 'READY=1|WATCHDOG=1|STOPPING=1')" 0
# systemd restarts a unit whose keep-alives stop for a period.
gap=$(awk '$2 != "STOPPING=1" { if (NR > 1 && $1 - last > max) max = $1 - last; last = $1 }
	END { print max + 0 }' "$NLOG")
vpt_cmp "the longest silence from READY=1 to the last keep-alive (ms)" "$gap" -lt "$PERIOD_MS"
echo "# datagrams (ms after the start):"
awk -v t0="$t0" '{ printf "#   %6d %s\n", $1 - t0, $2 }' "$NLOG"

# A name sockaddr_un cannot hold is not cut to another socket: the daemon
# says so once, keeps its keep-alives' failures to itself, and runs on.
write_conf long >"$VPT_TMP/long.conf"
LONG=$VPT_TMP/$(printf 'n%.0s' {1..120})
LOG2=$VPT_TMP/veriportd-long.log
vpt_spawn VPD2 "$NS" "$LOG2" env NOTIFY_SOCKET="$LONG" WATCHDOG_USEC=400000 \
	"$VERIPORTD" --foreground -c "$VPT_TMP/long.conf"
vpt_wait_until 5 test -S "$VPT_TMP/run/long.sock" ||
	vpt_error "the second veriportd did not start: $(tail -n 5 "$LOG2")"
sleep 1.5
vpt_eq "NOTIFY_SOCKET too long: the daemon runs" "$(vpt_alive "$VPD2" && echo yes)" yes
kill -TERM "$VPD2"
vpt_wait_exit "$VPD2" 5
vpt_eq "NOTIFY_SOCKET too long: SIGTERM, exit status" "$?" 0
vpt_eq "NOTIFY_SOCKET too long: one log line, for READY=1" \
	"$(grep -c 'not sent' "$LOG2") $(grep -c '^<4>NOTIFY_SOCKET: READY=1 not sent: File name too long$' "$LOG2")" "1 1"

vpt_eq "guard: packets $NS sent outside the test ranges" "$(vpt_guard_drops "$NS")" 0
vpt_finish
