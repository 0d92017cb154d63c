#!/bin/bash
# veriportd as a service (issue 6): the daemon runs in a client namespace
# with a private configuration, catalog, socket and state folder, sweeping
# every INTERVAL seconds through a router namespace to real servers (sshd,
# unbound). Checked: every status socket command and the TCP listener
# (HTTP GET /metrics, /status); a firewall rule flipped in the router shows
# up within one interval in the JSON, the Prometheus scrape and the Nagios
# exit code, with exactly one log line per change and none repeated across
# sweeps; SIGHUP refuses a broken file naming its line and takes a good
# one, also in the middle of a sweep (a second daemon, whose probes all
# go to DARK4/DARK4B, which the router always drops); slow and idle
# clients do not stall the others; SIGTERM stops it cleanly and removes
# the socket. About 50 s, most of it waiting for sweeps.
#
#   client  cv0 10.216.1.2 fd7e:216:1::2     veriportd (role client)
#     |
#   router  rc0 10.216.1.1 fd7e:216:1::1     forwarding; the rule the test
#           rs0 10.216.2.1 fd7e:216:2::1     flips: drop tcp/22 to OPEN4
#     |
#   server  sv0 10.216.2.2 fd7e:216:2::2
#           h-open.test 10.216.3.10 fd7e:216:3::10: sshd :22, unbound :53
#           DARK4 10.216.3.20, DARK4B 10.216.3.21: dropped by the router
#
# The private catalog has three channels, all to the server role, which
# the configuration maps to h-open.test: ssh (tcp/22), dns-udp, dns-tcp;
# each is probed at both addresses, so a healthy sweep is six ok results.
# The rule drops only the IPv4 address's ssh, so one result changes.
. "$(dirname "$0")/lib.sh"

vpt_init daemon dmn
VPT_NET4=10.216.0.0/16
VPT_NET6=fd7e:216::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq socat:socat \
	curl:curl python3:python3-minimal unbound:unbound \
	unbound-checkconf:unbound /usr/sbin/sshd:openssh-server \
	ssh-keygen:openssh-client
VERIPORTD=${VERIPORTD:-$top_builddir/veriportd}
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
[ -x "$VERIPORTD" ] || vpt_error "no veriportd binary at $VERIPORTD (build first)"

# Sweep interval and per-probe timeout of the daemon, in seconds. 10 is
# the smallest interval veriport.conf(5) takes.
INTERVAL=10
TIMEOUT=1
# A change must show within one interval and one probe timeout, plus the
# sweep that may be running when the rule flips (another timeout) and the
# polling.
CHANGE_MS=$(((INTERVAL + 2 * TIMEOUT) * 1000 + 1000))
# The status socket's limits, from the header that sets them.
STATUS_H=$top_srcdir/include/veriport/status.h
CLIENTS_MAX=$(awk '$2 == "STATUS_UNIX_CLIENTS_MAX" { print $3 }' "$STATUS_H")
READ_TIMEOUT_MS=$(awk '$2 == "STATUS_COMMAND_TIMEOUT_MS" { print $3 }' "$STATUS_H")
EVICT_MS=$(awk '$2 == "STATUS_IDLE_EVICT_MS" { print $3 }' "$STATUS_H")
[ -n "$CLIENTS_MAX" ] && [ -n "$READ_TIMEOUT_MS" ] && [ -n "$EVICT_MS" ] ||
	vpt_error "cannot read the status limits from $STATUS_H"

CLI4=10.216.1.2 CLI6=fd7e:216:1::2
RTR4_C=10.216.1.1 RTR6_C=fd7e:216:1::1
RTR4_S=10.216.2.1 RTR6_S=fd7e:216:2::1
SRV4=10.216.2.2 SRV6=fd7e:216:2::2
OPEN4=10.216.3.10 OPEN6=fd7e:216:3::10
DARK4=10.216.3.20 DARK4B=10.216.3.21
PORT=9797

T_START=$(vpt_now_ms)

# The world -----------------------------------------------------------------

vpt_routed_world "$OPEN4" 10.216.3.0/24 fd7e:216:3::/64 "$OPEN4" "$OPEN6"

# The router's rules: the chain the test adds a rule to and flushes, and
# one that always drops DARK4 and DARK4B (for the second daemon, whose
# sweeps must take their time).
vpt_in "$RTR" nft -f - <<EOF || vpt_error "router: nft forward chains"
table inet vpt_router {
	chain forward {
		type filter hook forward priority 0; policy accept;
	}
	chain dark {
		type filter hook forward priority 1; policy accept;
		ip daddr { $DARK4, $DARK4B } drop
	}
}
EOF
block_ssh4() {
	vpt_in "$RTR" nft add rule inet vpt_router forward \
		ip daddr "$OPEN4" tcp dport 22 drop || vpt_error "router: add the drop rule"
}
unblock_ssh4() {
	vpt_in "$RTR" nft flush chain inet vpt_router forward ||
		vpt_error "router: flush the forward chain"
}

vpt_unbound UNBOUND "$SRV" "$VPT_TMP/unbound" "$OPEN4" "$OPEN6" <<EOF
local-data: ". 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60"
local-data: ". 3600 IN NS ns.test."
local-data: "ns.test. 60 IN A $OPEN4"
local-data: "h-open.test. 60 IN A $OPEN4"
local-data: "h-open.test. 60 IN AAAA $OPEN6"
EOF
vpt_sshd SSHD "$SRV" "$VPT_TMP/sshd" "$OPEN4" "$OPEN6"
for a in "$OPEN4" "$OPEN6"; do
	vpt_wait_listen "$SRV" "$UNBOUND" udp "$a" 53 || vpt_error "unbound is not on udp $a:53"
	vpt_wait_listen "$SRV" "$UNBOUND" tcp "$a" 53 || vpt_error "unbound is not on tcp $a:53"
	vpt_wait_listen "$SRV" "$SSHD" tcp "$a" 22 || vpt_error "sshd is not on tcp $a:22"
done

# The daemon's own files -----------------------------------------------------

mkdir -p "$VPT_TMP/catalogs" "$VPT_TMP/run" "$VPT_TMP/state" "$VPT_TMP/state2" ||
	vpt_error "cannot create the daemon's folders"
cat >"$VPT_TMP/catalogs/daemontest.catalog" <<'EOF'
# Catalog of tests/integration/daemon.sh; not a vendor table.
profile daemontest
title   veriportd integration test
source  tests/integration/daemon.sh (no vendor table)

role client  The namespace veriportd runs in
role server  The namespace of the servers (h-open.test)

row ssh
    vendor   TCP/22 (SSH) | client | server
    from     client
    to       server
    port     tcp/22 ssh
    purpose  OpenSSH sshd banner.

row dns
    vendor   UDP/53 TCP/53 (DNS) | client | server
    from     client
    to       server
    port     udp/53 dns dns-udp
    port     tcp/53 dns dns-tcp
    purpose  unbound, authoritative for the test zone.
EOF
CONF=$VPT_TMP/veriport.conf
SOCK=$VPT_TMP/run/status.sock
LOG=$VPT_TMP/veriportd.log
# write_conf INTERVAL [MAP-LINE]: the configuration, to standard output.
write_conf() {
	cat <<EOF
# veriport.conf of tests/integration/daemon.sh
[veriport]
profile = daemontest
role = client
catalog-dir = $VPT_TMP/catalogs
interval = $1
jitter = 0
timeout = $TIMEOUT

[map]
server = h-open.test
${2:-}

[status]
socket = $SOCK
mode = 0600
listen = 127.0.0.1:$PORT
state-dir = $VPT_TMP/state
EOF
}
# The second daemon: every probe is dropped, so each sweep lasts about
# one probe timeout, TIMEOUT2.
TIMEOUT2=2
SOCK2=$VPT_TMP/run/status2.sock
LOG2=$VPT_TMP/veriportd2.log
CONF2=$VPT_TMP/veriport2.conf
write_conf2() { # [MAP-LINE]
	cat <<EOF
[veriport]
profile = daemontest
role = client
catalog-dir = $VPT_TMP/catalogs
interval = $INTERVAL
jitter = 0
timeout = $TIMEOUT2
[map]
server = $DARK4
${1:-}
[status]
socket = $SOCK2
state-dir = $VPT_TMP/state2
EOF
}
write_conf "$INTERVAL" >"$CONF"

out=$("$VERIPORTD" --check-config -c "$CONF" 2>&1)
rc=$?
vpt_eq "--check-config of the test's configuration: exit status" "$rc" 0
vpt_match "--check-config says ok" "$out" "^$CONF: ok \\(profile daemontest, role client"

# Queries -------------------------------------------------------------------

ask() { vpt_unix_ask "$SOCK" "$1"; }
# status_json FILE: `veriport status --format json` into FILE; $? is its.
status_json() {
	"$VERIPORT" status --socket "$SOCK" --format json >"$1" 2>"$1.err"
}
# result JQ: JQ on the one ssh result at OPEN4 (or at $2) in the
# daemon's current JSON.
result() {
	status_json "$VPT_TMP/now.json" || return 1
	vpt_result "$VPT_TMP/now.json" ssh "${2:-$OPEN4}" "$1"
}
ssh4_is() { [ "$(result '"\(.verdict)/\(.reason)"')" = "$1" ]; }
ssh4_failures_are() { [ "$(result .failures)" = "$1" ]; }
results_are() {
	status_json "$VPT_TMP/now.json" &&
		[ "$(jq '.results | length' "$VPT_TMP/now.json")" = "$1" ]
}
scrape() { # PATH FILE: HTTP GET on the TCP listener; prints code and type
	vpt_in "$CLI" curl -s -m 5 -o "$2" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:$PORT$1"
}
# loglines FIXED-STRING: lines of the daemon's log that contain it.
loglines() { grep -cF -- "$1" "$LOG"; }
ms_since() { echo $(($(vpt_now_ms) - $1)); }

# READY ---------------------------------------------------------------------

t0=$(vpt_now_ms)
vpt_spawn VPD "$CLI" "$LOG" "$VERIPORTD" --foreground -c "$CONF"
if vpt_wait_until 5 test -S "$SOCK"; then
	vpt_pass "the status socket appears ($(ms_since "$t0") ms after the start)"
else
	vpt_fail "no status socket at $SOCK within 5 s"
	vpt_error "veriportd did not start: $(tail -n 5 "$LOG")"
fi
vpt_eq "the socket's mode is the configured 0600" "$(stat -c %a "$SOCK")" 600
vpt_wait_listen "$CLI" "$VPD" tcp 127.0.0.1 "$PORT"
vpt_eq "the TCP listener is bound on 127.0.0.1:$PORT in the namespace" "$?" 0
vpt_wait_until $((TIMEOUT + 5)) status_json "$VPT_TMP/first.json"
vpt_eq "veriport status --format json: exit status once the first sweep is done" "$?" 0
echo "# first sweep served $(ms_since "$t0") ms after the start"
J=$VPT_TMP/first.json
vpt_eq "status: the answer is a JSON object" "$(jq -r type "$J" 2>/dev/null)" object
vpt_eq "status: profile and role" "$(jq -r '"\(.profile) \(.role)"' "$J")" "daemontest client"
vpt_match "status: started is a UTC timestamp" "$(jq -r .started "$J")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
vpt_eq "status: duration_ms is a number" "$(jq -r '.duration_ms | type' "$J")" number
vpt_eq "status: six results (three channels, two addresses each)" \
	"$(jq '.results | length' "$J")" 6
vpt_eq "status: summary, all ok" "$(jq -c .summary "$J")" '{"ok":6}'
vpt_eq "status: every result has the contract fields" \
	"$(jq '[.results[] | has("channel", "transport", "port", "from", "to",
		"check", "optional", "target", "address", "verdict", "reason",
		"evidence", "latency_ms") ] | all' "$J")" true
vpt_eq "status: every result has since, changed (UTC), failures 0, last_ok (UTC)" \
	"$(jq '[.results[] | (.since | test("^[0-9-]{10}T[0-9:]{8}Z$"))
		and .changed == .since and .failures == 0
		and (.last_ok | test("^[0-9-]{10}T[0-9:]{8}Z$")) ] | all' "$J")" true
for a in "$OPEN4" "$OPEN6"; do
	vpt_eq "status: ssh at $a" "$(vpt_result "$J" ssh "$a" '"\(.verdict)/\(.reason)"')" ok/answered
	vpt_eq "status: dns-udp at $a" "$(vpt_result "$J" dns-udp "$a" .verdict)" ok
	vpt_eq "status: dns-tcp at $a" "$(vpt_result "$J" dns-tcp "$a" .verdict)" ok
done
SINCE6=$(vpt_result "$J" ssh "$OPEN6" .since)

# Every command of the Unix socket.
out=$(ask metrics)
vpt_match "metrics: TYPE line of veriport_channel_up" "$out" '^# TYPE veriport_channel_up gauge$'
vpt_eq "metrics: six veriport_channel_up samples, all 1" \
	"$(printf '%s\n' "$out" | grep -cE '^veriport_channel_up\{.*\} 1$')" 6
vpt_match "metrics: a sweep has finished" "$out" '^veriport_sweeps_total [1-9][0-9]*$'
vpt_match "metrics: the last sweep succeeded" "$out" '^veriport_last_sweep_success 1$'
vpt_match "metrics: the configuration was taken" "$out" '^veriport_config_last_reload_successful 1$'
vpt_match "metrics: the interval" "$out" "^veriport_sweep_interval_seconds $INTERVAL\$"
out=$(ask nagios)
vpt_match "nagios: first line VERIPORT OK" "$(printf '%s\n' "$out" | head -n 1)" '^VERIPORT OK'
vpt_eq "nagios: last line" "$(printf '%s\n' "$out" | tail -n 1)" exit=0
out=$(ask table)
vpt_match "table: a row for ssh at $OPEN4, ok" "$out" "ssh.*${OPEN4//./\\.}.*ok"
vpt_eq "table: one line per result and a header at least" \
	"$(($(printf '%s\n' "$out" | wc -l) >= 7))" 1
out=$(ask "show ssh")
vpt_eq "show ssh: JSON with ssh's two results only" \
	"$(printf '%s' "$out" | jq -c '[.results[].channel]' 2>&1)" '["ssh","ssh"]'
out=$(ask help)
for w in status metrics nagios table show probe accept help; do
	vpt_match "help: lists $w" "$out" "^$w( |\$)"
done
out=$(ask "probe ssh")
vpt_eq "probe ssh: answer" "$out" "ok: sweep started"
vpt_wait_until 5 eval '[ "$(ask probe)" = "ok: sweep started" ]'
vpt_eq "probe: a full sweep is started (retried while one runs)" "$?" 0
vpt_wait_until 5 eval '[ "$(ask "probe nosuch")" = "error: unknown channel nosuch" ]'
vpt_eq "probe nosuch: one error line (once no sweep runs)" "$?" 0
# Bad commands: exactly one line, an error.
for cmd in frobnicate "show" "show nosuch" "status now" \
	"$(printf 'x%.0s' $(seq 300))"; do
	out=$(ask "$cmd")
	what=${cmd:0:20}
	vpt_eq "bad command '$what': one line" "$(printf '%s\n' "$out" | wc -l)" 1
	vpt_match "bad command '$what': an error line" "$out" '^error: '
done
vpt_eq "the daemon runs after the bad commands" "$(vpt_alive "$VPD" && echo yes)" yes

# The veriport client's formats.
"$VERIPORT" status --socket "$SOCK" --format nagios >"$VPT_TMP/nagios.out" 2>&1
vpt_eq "veriport status --format nagios: exit status, all ok" "$?" 0
vpt_match "veriport status --format nagios: per-channel time perfdata" \
	"$(head -n 1 "$VPT_TMP/nagios.out")" "'time ssh ${OPEN4//./\\.}'=[0-9.]+s;;;0;"
"$VERIPORT" status --socket "$SOCK" --format nagios -w 0.000001 >"$VPT_TMP/nagios-w.out" 2>&1
vpt_eq "veriport status --format nagios -w 0.000001: a warning" "$?" 1
vpt_match "veriport status --format nagios -w: the first line names the slow channel" \
	"$(head -n 1 "$VPT_TMP/nagios-w.out")" '^VERIPORT WARNING - [a-z0-9-]+ (tcp|udp)/[0-9]+ '
"$VERIPORT" status --socket "$SOCK" --format prometheus >"$VPT_TMP/prom.out" 2>&1
vpt_eq "veriport status --format prometheus: exit status" "$?" 0
vpt_match "veriport status --format prometheus: samples" "$(cat "$VPT_TMP/prom.out")" \
	'^veriport_channel_up\{.*channel="ssh".*\} 1$'
"$VERIPORT" status --socket "$SOCK" >"$VPT_TMP/table.out" 2>&1
vpt_eq "veriport status (table): exit status" "$?" 0

# The TCP listener: HTTP for Prometheus and curl, and the commands.
got=$(scrape /metrics "$VPT_TMP/http-metrics")
vpt_eq "GET /metrics: status and type" "$got" "200 text/plain; version=0.0.4; charset=utf-8"
vpt_eq "GET /metrics: six veriport_channel_up samples, all 1" \
	"$(grep -cE '^veriport_channel_up\{.*\} 1$' "$VPT_TMP/http-metrics")" 6
got=$(scrape /status "$VPT_TMP/http-status")
vpt_eq "GET /status: status and type" "$got" "200 application/json"
vpt_eq "GET /status: the JSON, six results" "$(jq '.results | length' "$VPT_TMP/http-status" 2>&1)" 6
got=$(scrape /nothing "$VPT_TMP/http-404")
vpt_eq "GET /nothing: not found" "${got%% *}" 404
vpt_eq "TCP command nagios: last line" "$(vpt_tcp_ask "$CLI" 127.0.0.1 "$PORT" nagios | tail -n 1)" exit=0
vpt_match "TCP command probe: refused, Unix socket only" \
	"$(vpt_tcp_ask "$CLI" 127.0.0.1 "$PORT" probe)" "^error: 'probe' is taken on the Unix socket only$"

vpt_eq "log: no line about a result yet (healthy channels seen first)" \
	"$(grep -cvE '^<[0-7]>started: ' "$LOG")" 0

# SIGHUP during a sweep -------------------------------------------------------
# A second daemon, whose first sweep takes about TIMEOUT2, is reloaded in
# the middle of it with a file that adds a target. The sweep under way
# describes the old file: what matters is that the new file's results
# come one sweep later, not one interval later. A poller in the
# background notes when they come, while the first daemon's rule flips.

write_conf2 >"$CONF2"
vpt_spawn VPD2 "$CLI" "$LOG2" "$VERIPORTD" --foreground -c "$CONF2"
vpt_wait_until 5 test -S "$SOCK2" || vpt_error "the second veriportd did not start: $(tail -n 5 "$LOG2")"
# Before its first sweep ends: the status says why there is nothing yet,
# and the metrics answer (Prometheus sees the target up, the sweep not).
out=$("$VERIPORT" status --socket "$SOCK2" --format json 2>&1)
vpt_match "before the first sweep: status says why" "$out" \
	"no sweep has finished yet: the first sweep \\([0-9]+ probes planned\\) is running since 20"
out=$("$VERIPORT" status --socket "$SOCK2" --format prometheus 2>&1)
vpt_eq "before the first sweep: metrics answer (exit status)" "$?" 0
vpt_match "before the first sweep: veriport_last_sweep_success 0" "$out" '^veriport_last_sweep_success 0$'
vpt_match "before the first sweep: veriport_sweeps_total 0" "$out" '^veriport_sweeps_total 0$'
sleep 0.5
write_conf2 "ssh = $DARK4, $DARK4B" >"$CONF2"
T_HUP2=$(vpt_now_ms)
kill -HUP "$VPD2"
results2_are() {
	[ "$("$VERIPORT" status --socket "$SOCK2" --format json 2>/dev/null |
		jq '.results | length' 2>/dev/null)" = "$1" ]
}
(
	vpt_wait_until $((INTERVAL + 4 * TIMEOUT2 + 4)) results2_are 4
	echo "$? $(ms_since "$T_HUP2")"
) >"$VPT_TMP/hup2.out" 2>&1 &
POLL2=$!

# A rule flips ----------------------------------------------------------------

LINE_DOWN="ssh tcp/22 h-open.test $OPEN4: ok -> filtered/no-response"
LINE_UP="ssh tcp/22 h-open.test $OPEN4: filtered -> ok/answered"
t0=$(vpt_now_ms)
block_ssh4
vpt_wait_until $((CHANGE_MS / 1000)) ssh4_is filtered/no-response
rc=$?
dt=$(ms_since "$t0")
echo "# drop rule added: status changed after $dt ms"
vpt_eq "drop tcp/22 to $OPEN4: status JSON says filtered/no-response" \
	"$([ $rc -eq 0 ] && echo filtered/no-response || result '"\(.verdict)/\(.reason)"')" \
	filtered/no-response
vpt_cmp "drop: seen within one interval and timeout (ms)" "$dt" -le "$CHANGE_MS"
vpt_eq "drop: ssh at $OPEN6 stays ok" "$(result .verdict "$OPEN6")" ok
vpt_eq "drop: failures 1" "$(result .failures)" 1
vpt_eq "drop: since and changed are the same time" "$(result '.since == .changed')" true
SINCE_DOWN=$(result .since)
got=$(scrape /metrics "$VPT_TMP/http-metrics-down")
vpt_match "drop: Prometheus scrape says 0 for ssh at $OPEN4" "$(cat "$VPT_TMP/http-metrics-down")" \
	"^veriport_channel_up\\{[^}]*channel=\"ssh\"[^}]*address=\"${OPEN4//./\\.}\"[^}]*\\} 0\$"
vpt_eq "drop: Prometheus scrape still says 1 for the five others" \
	"$(grep -cE '^veriport_channel_up\{.*\} 1$' "$VPT_TMP/http-metrics-down")" 5
"$VERIPORT" status --socket "$SOCK" --format nagios >"$VPT_TMP/nagios-down" 2>&1
vpt_eq "drop: veriport status --format nagios exits 2" "$?" 2
vpt_match "drop: nagios first line VERIPORT CRITICAL" "$(head -n 1 "$VPT_TMP/nagios-down")" '^VERIPORT CRITICAL'
vpt_match "drop: nagios names the result" "$(cat "$VPT_TMP/nagios-down")" \
	"^ssh tcp/22 h-open.test ${OPEN4//./\\.}: filtered/no-response\$"
vpt_eq "drop: exactly one log line for the change" "$(loglines "$LINE_DOWN")" 1
vpt_match "drop: the line is a warning (<4>)" "$(grep -F -- "$LINE_DOWN" "$LOG")" "^<4>"

# The next sweep finds the same failure: counted, not logged again.
t0=$(vpt_now_ms)
vpt_wait_until $((CHANGE_MS / 1000)) ssh4_failures_are 2
vpt_eq "next sweep: failures 2" "$(result .failures)" 2
echo "# next sweep seen after $(ms_since "$t0") ms"
vpt_eq "next sweep: since unchanged" "$(result .since)" "$SINCE_DOWN"
vpt_eq "next sweep: still one log line about ssh" "$(loglines "ssh tcp/22")" 1

t0=$(vpt_now_ms)
unblock_ssh4
vpt_wait_until $((CHANGE_MS / 1000)) ssh4_is ok/answered
rc=$?
dt=$(ms_since "$t0")
echo "# drop rule removed: status recovered after $dt ms"
vpt_eq "recover: status JSON says ok/answered" \
	"$([ $rc -eq 0 ] && echo ok/answered || result '"\(.verdict)/\(.reason)"')" ok/answered
vpt_cmp "recover: seen within one interval and timeout (ms)" "$dt" -le "$CHANGE_MS"
vpt_eq "recover: failures 0, last_ok is since" "$(result '"\(.failures) \(.last_ok == .since)"')" "0 true"
got=$(scrape /metrics "$VPT_TMP/http-metrics-up")
vpt_eq "recover: Prometheus scrape says 1 for all six" \
	"$(grep -cE '^veriport_channel_up\{.*\} 1$' "$VPT_TMP/http-metrics-up")" 6
"$VERIPORT" status --socket "$SOCK" --format nagios >"$VPT_TMP/nagios-up" 2>&1
vpt_eq "recover: veriport status --format nagios exits 0" "$?" 0
vpt_eq "recover: exactly one log line for the recovery" "$(loglines "$LINE_UP")" 1
vpt_match "recover: the line is a notice (<5>)" "$(grep -F -- "$LINE_UP" "$LOG")" "^<5>"
vpt_eq "recover: two log lines about ssh in all" "$(loglines "ssh tcp/22")" 2
vpt_eq "ssh at $OPEN6: since unchanged through it all" "$(result .since "$OPEN6")" "$SINCE6"

# SIGHUP --------------------------------------------------------------------

wait "$POLL2"
read -r rc dt <"$VPT_TMP/hup2.out"
echo "# second daemon: the reloaded file's results came after ${dt} ms (rc $rc)"
vpt_eq "SIGHUP during a sweep: the new file's results are served" "$rc" 0
# The sweep under way ends within TIMEOUT2 (and a UDP retry's), the next
# one takes as long again.
vpt_cmp "SIGHUP during a sweep: served within two sweeps, not an interval (ms)" \
	"$dt" -le $((4 * TIMEOUT2 * 1000 + 1000))
vpt_eq "SIGHUP during a sweep: one 'reloaded' line" "$(grep -cF "reloaded $CONF2" "$LOG2")" 1

# Several daemons, one table -------------------------------------------------
# A support engineer's view of the two daemons (the first all ok, the
# second all dropped), of a saved document, and of a daemon that is gone.
F=$VPT_TMP/fleet
COLUMNS=200 "$VERIPORT" status --socket "$SOCK" --socket "$SOCK2" >"$F.txt" 2>&1
vpt_eq "status, two sockets: exit status is the worst of them (2)" "$?" 2
vpt_eq "status, two sockets: a row for each of the first daemon's six results" \
	"$(grep -cE "^$SOCK +[a-z]" "$F.txt")" 6
vpt_eq "status, two sockets: a row for each of the second daemon's four" \
	"$(grep -cE "^$SOCK2 +[a-z]" "$F.txt")" 4
vpt_eq "status, two sockets: the first daemon's rows say ok" \
	"$(grep -E "^$SOCK +[a-z]" "$F.txt" | awk '{print $5}' | sort -u)" ok
vpt_match "status, two sockets: a line per daemon with its counts" "$(cat "$F.txt")" \
	"^$SOCK2 \\(daemontest as client, 20[0-9-]+T[0-9:]+Z\\): 4 filtered: CRITICAL$"
vpt_match "status, two sockets: the fleet's status last" "$(tail -n 1 "$F.txt")" '^fleet: CRITICAL \(exit 2\)$'
"$VERIPORT" status --socket "$SOCK" --socket "$SOCK2" --failed-only >"$F-failed.txt" 2>&1
vpt_eq "status --failed-only: only the second daemon's rows" \
	"$(grep -cE "^$VPT_TMP/run/status2?\.sock +[a-z]" "$F-failed.txt")" 4
"$VERIPORT" status --socket "$SOCK2" --format json >"$F-saved.json"
"$VERIPORT" status --from "$F-saved.json" --socket "$SOCK" --format json >"$F.json" 2>&1
vpt_eq "status --from and --socket, JSON: exit status 2" "$?" 2
vpt_eq "status --from, JSON: two sources, labelled by file and socket" \
	"$(jq -r '[.schema, .kind, (.sources[] | .source), .status] | join(" ")' "$F.json")" \
	"veriport/1 fleet fleet-saved $SOCK 2"
vpt_eq "status --from, JSON: each source's document as the daemon served it" \
	"$(jq -c '[.sources[].document.results | length]' "$F.json")" "[4,6]"
out=$("$VERIPORT" status --socket "$SOCK" --socket "$VPT_TMP/run/gone.sock" --format nagios 2>&1)
vpt_eq "status, a daemon gone, nagios: UNKNOWN (3)" "$?" 3
vpt_match "status, a daemon gone, nagios: the line names it" "$out" \
	"^VERIPORT UNKNOWN - 2 sources \\(1 unread\\), 0 of 6 results failed, first: $VPT_TMP/run/gone.sock: .*No such file or directory \\| failed=0;;;0;6 unread=1;;;0;2$"
out=$("$VERIPORT" status --socket "$SOCK" --socket "$SOCK2" --format prometheus 2>&1)
vpt_eq "status, two sockets, prometheus: a usage error (3)" "$?" 3
vpt_match "status, two sockets, prometheus: says to scrape each" "$out" "let Prometheus scrape each"

cp "$CONF" "$VPT_TMP/veriport.conf.good"
echo "bogus = 1" >>"$CONF"
BADLINE=$(wc -l <"$CONF")
kill -HUP "$VPD"
vpt_wait_until 5 grep -q "reload refused" "$LOG"
vpt_eq "SIGHUP, broken file: one 'reload refused' line" "$(loglines "reload refused")" 1
vpt_match "SIGHUP, broken file: the line names $CONF:$BADLINE" \
	"$(grep -F "reload refused" "$LOG")" "^<3>reload refused.*$CONF:$BADLINE: "
vpt_eq "SIGHUP, broken file: the daemon runs" "$(vpt_alive "$VPD" && echo yes)" yes
status_json "$VPT_TMP/after-bad.json"
vpt_eq "SIGHUP, broken file: still served, six results" \
	"$(jq '.results | length' "$VPT_TMP/after-bad.json" 2>&1)" 6
vpt_match "SIGHUP, broken file: veriport_config_last_reload_successful 0" \
	"$(ask metrics)" '^veriport_config_last_reload_successful 0$'

out=$("$VERIPORTD" --check-config -c "$CONF" 2>&1)
rc=$?
vpt_eq "--check-config -c BROKEN: exit status" "$rc" 3
vpt_match "--check-config -c BROKEN: names $CONF:$BADLINE" "$out" "$CONF:$BADLINE: "

# A good, changed file: another interval, and a second target for ssh
# (the literal address), which makes seven results.
INTERVAL2=25
write_conf "$INTERVAL2" "ssh = h-open.test, $OPEN4" >"$CONF"
kill -HUP "$VPD"
vpt_wait_until 5 grep -q "reloaded $CONF" "$LOG"
vpt_eq "SIGHUP, good file: one 'reloaded' line" "$(loglines "reloaded $CONF")" 1
vpt_match "SIGHUP, good file: veriport_config_last_reload_successful 1" \
	"$(ask metrics)" '^veriport_config_last_reload_successful 1$'
vpt_wait_until $((TIMEOUT + 5)) results_are 7
status_json "$VPT_TMP/after-good.json"
T_RELOAD=$(vpt_now_ms)
STARTED_RELOAD=$(jq -r .started "$VPT_TMP/after-good.json")
vpt_eq "SIGHUP, good file: taken, seven results" "$(jq '.results | length' "$VPT_TMP/after-good.json")" 7
vpt_eq "SIGHUP, good file: the new target, ssh at the literal $OPEN4" \
	"$(jq -r --arg a "$OPEN4" '[.results[] | select(.channel == "ssh" and .target == $a) | .verdict] | tostring' "$VPT_TMP/after-good.json")" '["ok"]'
vpt_eq "SIGHUP, good file: history carried over (ssh at $OPEN6 since)" \
	"$(vpt_result "$VPT_TMP/after-good.json" ssh "$OPEN6" .since)" "$SINCE6"

# Slow and idle clients --------------------------------------------------------

# One client connects and sends nothing; another asks meanwhile.
vpt_idle_clients "$SOCK" 1 $((READ_TIMEOUT_MS / 1000 + 3)) >"$VPT_TMP/slow.out" 2>&1 &
SLOW=$!
vpt_wait_until 5 grep -q '^connected' "$VPT_TMP/slow.out" || vpt_error "slow client: $(cat "$VPT_TMP/slow.out")"
t0=$(vpt_now_ms)
status_json "$VPT_TMP/beside-slow.json"
rc=$?
dt=$(ms_since "$t0")
vpt_eq "beside a silent client: status answers" "$rc/$(jq '.results | length' "$VPT_TMP/beside-slow.json" 2>&1)" 0/7
vpt_cmp "beside a silent client: answered in ms (read deadline $READ_TIMEOUT_MS)" "$dt" -lt 1000
# The same on the TCP listener.
vpt_idle_clients -n "$CLI" "127.0.0.1:$PORT" 1 $((READ_TIMEOUT_MS / 1000 + 3)) >"$VPT_TMP/slow-tcp.out" 2>&1 &
SLOW_TCP=$!
vpt_wait_until 5 grep -q '^connected' "$VPT_TMP/slow-tcp.out" || vpt_error "slow TCP client: $(cat "$VPT_TMP/slow-tcp.out")"
t0=$(vpt_now_ms)
got=$(scrape /metrics "$VPT_TMP/beside-slow-tcp")
dt=$(ms_since "$t0")
vpt_eq "beside a silent TCP client: GET /metrics answers" "${got%% *}" 200
vpt_cmp "beside a silent TCP client: answered in ms (read deadline $READ_TIMEOUT_MS)" "$dt" -lt 1000
wait "$SLOW" "$SLOW_TCP"
for f in slow slow-tcp; do
	read -r ms first < <(sed -n 2p "$VPT_TMP/$f.out")
	vpt_cmp "the silent client ($f) is closed at the read deadline: ms" "$ms" -ge $((READ_TIMEOUT_MS - 200))
	vpt_cmp "the silent client ($f) is closed at the read deadline: ms" "$ms" -le $((READ_TIMEOUT_MS + 1500))
	vpt_eq "the silent client ($f) got nothing" "$first" -
done

# 80 clients connect and stay silent: CLIENTS_MAX hold a place, those
# that come while no place can be freed are told to retry, and a local
# operator who asks once the idle ones are past the eviction age is
# answered at once: the oldest idle client makes room.
IDLE=80
vpt_idle_clients "$SOCK" "$IDLE" $((READ_TIMEOUT_MS / 1000 + 4)) >"$VPT_TMP/idle.out" 2>&1 &
IDLE_PID=$!
vpt_wait_until 5 grep -q '^connected' "$VPT_TMP/idle.out" || vpt_error "idle clients: $(cat "$VPT_TMP/idle.out")"
sleep "$(awk -v m="$EVICT_MS" 'BEGIN { printf "%.3f", (m + 100) / 1000 }')"
t0=$(vpt_now_ms)
"$VERIPORT" status --socket "$SOCK" --format nagios >"$VPT_TMP/busy.out" 2>"$VPT_TMP/busy.err"
rc=$?
dt=$(ms_since "$t0")
vpt_cmp "with $IDLE idle clients: veriport status --format nagios answers (exit)" "$rc" -le 2
vpt_cmp "with $IDLE idle clients: answered at once (ms)" "$dt" -lt 1000
vpt_eq "with $IDLE idle clients: the answer is the plugin's line" \
	"$(head -c 9 "$VPT_TMP/busy.out")" "VERIPORT "
wait "$IDLE_PID"
vpt_eq "idle clients: all $IDLE connected" "$(head -n 1 "$VPT_TMP/idle.out")" "connected $IDLE"
retried=$(grep -c ' error: too many clients, try again$' "$VPT_TMP/idle.out")
silent=$(awk 'NR > 1 && $2 == "-" { n++ } END { print n + 0 }' "$VPT_TMP/idle.out")
vpt_eq "idle clients: each told to retry or closed without an answer" \
	"$((retried + silent))" "$IDLE"
vpt_cmp "idle clients: at most $CLIENTS_MAX held a place to the read deadline" \
	"$(awk -v lo=$((READ_TIMEOUT_MS - 200)) -v hi=$((READ_TIMEOUT_MS + 2000)) \
		'NR > 1 && $2 == "-" && $1 >= lo && $1 <= hi { n++ } END { print n + 0 }' "$VPT_TMP/idle.out")" \
	-le "$CLIENTS_MAX"
vpt_eq "after the idle clients: the daemon runs" "$(vpt_alive "$VPD" && echo yes)" yes
t0=$(vpt_now_ms)
status_json "$VPT_TMP/after-idle.json"
rc=$?
vpt_eq "after the idle clients: status answers" "$rc/$(jq '.results | length' "$VPT_TMP/after-idle.json" 2>&1)" 0/7
vpt_cmp "after the idle clients: answered in ms" "$(ms_since "$t0")" -lt 1000

# The new interval holds: no sweep where the old one would have run.
wait_ms=$((T_RELOAD + (INTERVAL + TIMEOUT + 1) * 1000 - $(vpt_now_ms)))
[ "$wait_ms" -gt 0 ] && sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
status_json "$VPT_TMP/late.json"
vpt_eq "SIGHUP, good file: interval $INTERVAL2 taken (no sweep $((INTERVAL + TIMEOUT + 1)) s after the reload)" \
	"$(jq -r .started "$VPT_TMP/late.json")" "$STARTED_RELOAD"

# veriport probe and accept, the socket's commands from the command line.
out=$("$VERIPORT" accept --socket "$SOCK" ssh 2>&1)
vpt_eq "veriport accept ssh: exit status ($out)" "$?" 0
vpt_match "veriport accept ssh: the daemon's count" "$out" '^[0-9]+ entries accepted$'
out=$("$VERIPORT" accept --socket "$SOCK" nosuch 2>&1)
vpt_eq "veriport accept nosuch: exit status ($out)" "$?" 3
vpt_eq "veriport accept nosuch: the error" "$out" "veriport: $SOCK: unknown channel nosuch"
vpt_wait_until 5 eval '"$VERIPORT" probe --socket "$SOCK" nosuch 2>&1 | grep -qx "veriport: $SOCK: unknown channel nosuch"'
vpt_eq "veriport probe nosuch: unknown channel (once no sweep runs)" "$?" 0
"$VERIPORT" probe --socket "$SOCK" nosuch >/dev/null 2>&1
vpt_eq "veriport probe nosuch: exit status" "$?" 3
# The second daemon's sweeps last about TIMEOUT2: the one started is
# still running when the next is asked for.
vpt_wait_until 5 eval '[ "$("$VERIPORT" probe --socket "$SOCK2" 2>&1)" = "sweep started" ]'
vpt_eq "veriport probe (second daemon): sweep started, exit 0" "$?" 0
out=$("$VERIPORT" probe --socket "$SOCK2" ssh 2>&1)
vpt_eq "veriport probe ssh during a sweep: exit status ($out)" "$?" 3
vpt_eq "veriport probe ssh during a sweep: the error" "$out" "veriport: $SOCK2: a sweep is running"
vpt_wait_until 5 eval '[ "$("$VERIPORT" probe --socket "$SOCK" ssh 2>&1)" = "sweep started" ]'
vpt_eq "veriport probe ssh: sweep started, exit 0" "$?" 0
out=$("$VERIPORT" probe --socket "$VPT_TMP/run/none.sock" 2>&1)
vpt_eq "veriport probe, no daemon: exit status ($out)" "$?" 3

# SIGTERM ---------------------------------------------------------------------

t0=$(vpt_now_ms)
kill -TERM "$VPD"
vpt_wait_exit "$VPD" 5
rc=$?
dt=$(ms_since "$t0")
vpt_eq "SIGTERM: exit status" "$rc" 0
vpt_cmp "SIGTERM: stopped within 5 s (ms)" "$dt" -lt 5000
vpt_eq "SIGTERM: the socket file is gone" "$([ -e "$SOCK" ] && echo present || echo gone)" gone
vpt_eq "SIGTERM: nothing listens on tcp/$PORT any more" \
	"$(vpt_in "$CLI" ss -Hltn "sport = :$PORT" | wc -l)" 0
vpt_eq "SIGTERM: one 'stopping' line" "$(loglines "signal 15: stopping")" 1
kill -TERM "$VPD2"
vpt_wait_exit "$VPD2" 5
vpt_eq "SIGTERM, second daemon: exit status" "$?" 0
vpt_eq "SIGTERM, second daemon: the socket file is gone" "$([ -e "$SOCK2" ] && echo present || echo gone)" gone

# The whole log ---------------------------------------------------------------

echo "# veriportd's log:"
sed 's/^/#   /' "$LOG"
vpt_eq "log: every line carries a priority prefix" "$(grep -cvE '^<[0-7]>' "$LOG")" 0
vpt_eq "log: no line repeats" "$(sed 's/^<[0-7]>//' "$LOG" | sort | uniq -d | wc -l)" 0
vpt_eq "log: lines about results: the drop and the recovery" \
	"$(grep -cE '^<[0-7]>(ssh|dns-udp|dns-tcp) ' "$LOG")" 2

for ns in "$CLI" "$RTR" "$SRV"; do
	vpt_eq "guard: packets $ns sent outside the test ranges" "$(vpt_guard_drops "$ns")" 0
done
echo "# daemon: $(ms_since "$T_START") ms"
vpt_finish
