#!/usr/bin/env bash
# Validating a firewall before the product exists: `veriport respond` stands
# in for the SEPPmail appliance (and for a syslog server) in one namespace,
# `veriport check --responder-file` runs in another, and a router between
# them drops, rejects, resets and intercepts some of the channels. Every
# verdict must say what the router did: ok/responder-answered where the
# channel passes end to end, the blocked verdict where it is blocked,
# intercepted where something else answered in the responder's place, and
# for a one-way syslog datagram ok/responder-received or
# filtered/not-received from the responder's control port.
#
#   CLI 10.216.1.2 -- 10.216.1.1 RTR 10.216.2.1 -- 10.216.2.2 SRV
#   SRV also holds the stand-ins: appliance 10.216.3.10, syslog-server
#   10.216.3.20. The checker plays internet (25, 443), internal-net (the
#   optional monitoring and key server channels) and appliance (syslog).
set -u
. "$(dirname "$0")/lib.sh"
vpt_init firewall fw
VPT_NET4=10.216.0.0/16 VPT_NET6=fd7e:216::/32
vpt_need_root
PYTHON=$(command -v python3 || true)
vpt_need_cmd jq:jq nft:nftables sslsplit:sslsplit openssl:openssl \
	"${PYTHON:-python3}:python3-minimal"

CLI4=10.216.1.2 CLI6=fd7e:216:1::2 RTR4_C=10.216.1.1 RTR6_C=fd7e:216:1::1
RTR4_S=10.216.2.1 RTR6_S=fd7e:216:2::1 SRV4=10.216.2.2 SRV6=fd7e:216:2::2
APP4=10.216.3.10 SYS4=10.216.3.20
# No name server: every target is an address literal.
vpt_routed_world "$RTR4_C" 10.216.3.0/24 fd7e:216:3::/64 "$APP4" "$SYS4"
TIMEOUT=2
P_SSLSPLIT=10443 P_STRIP=10025

# The stand-ins. They end by themselves after DURATION; the teardown stops
# them earlier.
DURATION=120
vpt_spawn RSP_APP "$SRV" "$VPT_TMP/respond-app.log" \
	"$VERIPORT" respond --profile seppmail --role appliance --optional \
	--bind "$APP4" --duration "$DURATION" --token-file "$VPT_TMP/app.token"
vpt_spawn RSP_SYS "$SRV" "$VPT_TMP/respond-sys.log" \
	"$VERIPORT" respond --profile seppmail --role syslog-server \
	--optional --bind "$SYS4" --duration "$DURATION" \
	--token-file "$VPT_TMP/sys.token"
vpt_wait_until 10 test -s "$VPT_TMP/app.token" ||
	vpt_error "the appliance responder wrote no token file: $(tail -n 5 "$VPT_TMP/respond-app.log")"
vpt_wait_until 10 test -s "$VPT_TMP/sys.token" ||
	vpt_error "the syslog responder wrote no token file: $(tail -n 5 "$VPT_TMP/respond-sys.log")"
vpt_wait_listen "$SRV" "$RSP_APP" tcp "$APP4" 25 ||
	vpt_error "the appliance responder does not listen on 25: $(tail -n 5 "$VPT_TMP/respond-app.log")"
vpt_wait_listen "$SRV" "$RSP_SYS" udp "$SYS4" 514 ||
	vpt_error "the syslog responder does not listen on udp/514: $(tail -n 5 "$VPT_TMP/respond-sys.log")"
TOKEN=$(sed -n 's/^token //p' "$VPT_TMP/app.token")
vpt_match "the token file names the responder's token" "$TOKEN" '^vpr-[0-9a-f]{16}$'
vpt_match "the responder prints its token at start" \
	"$(cat "$VPT_TMP/respond-app.log")" "$TOKEN"

# The interceptors on the router: sslsplit re-signs LDAPS with a CA of its
# own (another key than the responder's), the middlebox strips STARTTLS.
vpt_tls_ca "$VPT_TMP/corp" "Example Corp TLS Inspection CA"
vpt_spawn SSLSPLIT "$RTR" "$VPT_TMP/sslsplit.log" \
	sslsplit -k "$VPT_TMP/corp/ca.key" -c "$VPT_TMP/corp/ca.pem" \
	ssl "$RTR4_C" "$P_SSLSPLIT"
vpt_spawn STRIP "$RTR" "$VPT_TMP/strip.log" \
	"$PYTHON" -u "$top_srcdir/tests/integration/smtp-middlebox.py" strip \
	"$RTR4_C" "$P_STRIP"
vpt_wait_listen "$RTR" "$SSLSPLIT" tcp "$RTR4_C" "$P_SSLSPLIT" ||
	vpt_error "sslsplit did not start: $(tail -n 5 "$VPT_TMP/sslsplit.log")"
vpt_wait_listen "$RTR" "$STRIP" tcp "$RTR4_C" "$P_STRIP" ||
	vpt_error "the stripping proxy did not start: $(tail -n 5 "$VPT_TMP/strip.log")"

# rules RUN: the router's policy for sweep RUN. A: open, except what the
# internal-net sweep is meant to find blocked or intercepted. B: syslog
# dropped, SMTP stripped.
rules() {
	vpt_in "$RTR" nft delete table inet vpt_fw 2>/dev/null
	vpt_in "$RTR" nft delete table ip vpt_fw_nat 2>/dev/null
	local nat_smtp="" drop_syslog=""
	if [ "$1" = B ]; then
		nat_smtp="ip daddr $APP4 tcp dport 25 redirect to :$P_STRIP"
		drop_syslog="ip daddr $SYS4 udp dport 514 drop"
	fi
	vpt_in "$RTR" nft -f - <<EOF || vpt_error "router: nft rules for sweep $1"
table inet vpt_fw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip daddr $APP4 tcp dport 5666 drop
		ip daddr $APP4 tcp dport 387 reject with icmp type admin-prohibited
		ip daddr $APP4 tcp dport 1389 reject with tcp reset
		ip daddr $APP4 udp dport 161 drop
		$drop_syslog
	}
}
table ip vpt_fw_nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $APP4 tcp dport 635 redirect to :$P_SSLSPLIT
		$nat_smtp
	}
}
EOF
}

# sweep NAME ROLE ARGS...: one check from the client, its JSON kept.
sweep() {
	local name=$1 role=$2
	shift 2
	local t0
	t0=$(vpt_now_ms)
	vpt_in "$CLI" "$VERIPORT" check --profile seppmail --role "$role" \
		--timeout "$TIMEOUT" --format json "$@" >"$VPT_TMP/$name.json" \
		2>"$VPT_TMP/$name.err"
	echo $? >"$VPT_TMP/$name.rc"
	echo $(($(vpt_now_ms) - t0)) >"$VPT_TMP/$name.ms"
	echo "# sweep $name: exit $(cat "$VPT_TMP/$name.rc"), $(cat "$VPT_TMP/$name.ms") ms"
}
# expect SWEEP CHANNEL VERDICT/REASON [EVIDENCE]: the channel's one result.
expect() {
	local json=$VPT_TMP/$1.json got
	got=$(jq -r --arg c "$2" '[.results[] | select(.channel == $c)]
		| if length == 1 then .[0] | "\(.verdict)/\(.reason)"
		  else "\(length) results" end' "$json" 2>&1)
	vpt_eq "$1: $2" "$got" "$3"
	[ -n "${4:-}" ] || return 0
	got=$(jq -r --arg c "$2" --arg e "$4" '[.results[] | select(.channel == $c)
		| .evidence | any(contains($e))] | tostring' "$json")
	vpt_eq "$1: $2: evidence says \"$4\"" "$got" '[true]'
}

rules A
# The Done-when run: the Internet's side of the appliance's table.
sweep internet internet --map appliance="$APP4" --responder-file "$VPT_TMP/app.token"
expect internet smtp-from-internet ok/responder-answered "came back"
expect internet gina-https ok/responder-answered "the responder's own certificate"
# The appliance's outbound channels end at "the Internet", which this host
# plays too: checked as local listeners, and nothing listens here.
expect internet smtp-to-internet refused/not-listening
vpt_eq "internet: exit status (the local listener checks fail)" "$(cat "$VPT_TMP/internet.rc")" 2
vpt_eq "internet: every channel to the appliance answered by the responder" \
	"$(jq -r '[.results[] | select(.to == "appliance" and .verdict != "skipped") | .reason] | unique | join(" ")' \
		"$VPT_TMP/internet.json")" responder-answered
# The admin PC's side: every channel passes, exit 0.
sweep admin admin-pc --map appliance="$APP4" --responder-file "$VPT_TMP/app.token"
vpt_eq "admin: exit status (every channel passes)" "$(cat "$VPT_TMP/admin.rc")" 0
expect admin admin-http ok/responder-answered
expect admin admin-https ok/responder-answered
vpt_cmp "internet: one sweep bounded by about one timeout (ms)" \
	"$(cat "$VPT_TMP/internet.ms")" -le $((TIMEOUT * 1000 + 1500))

# The internal network's side: blocked, intercepted, open.
sweep internal internal-net --optional --map appliance="$APP4" \
	--responder-file "$VPT_TMP/app.token"
vpt_eq "internal: exit status (blocked channels, optional: warning)" \
	"$(cat "$VPT_TMP/internal.rc")" 1
expect internal nrpe-monitoring filtered/no-response
expect internal keyserver-from-internal-ldap-387 rejected/icmp-admin-prohibited
expect internal keyserver-external-from-internal-ldap refused/tcp-reset
expect internal snmp-monitoring filtered/not-received "never arrived"
expect internal keyserver-from-internal-ldaps intercepted/pin-mismatch "is not the responder's"
expect internal keyserver-from-internal-ldap-388 ok/responder-answered
expect internal keyserver-from-internal-cldap-388 ok/responder-answered
vpt_eq "internal: no other result intercepted (zero false positives)" \
	"$(jq -r '[.results[] | select(.verdict == "intercepted") | .channel] | join(" ")' \
		"$VPT_TMP/internal.json")" keyserver-from-internal-ldaps

# One-way syslog: the responder's control port says whether it arrived.
sweep syslog-a appliance --only syslog-udp --map syslog-server="$SYS4" \
	--responder-file "$VPT_TMP/sys.token"
expect syslog-a syslog-udp ok/responder-received "arrived"

rules B
sweep syslog-b appliance --only syslog-udp --map syslog-server="$SYS4" \
	--responder-file "$VPT_TMP/sys.token"
expect syslog-b syslog-udp filtered/not-received "never arrived"
sweep stripped internet --map appliance="$APP4" --responder-file "$VPT_TMP/app.token"
expect stripped smtp-from-internet intercepted/starttls-stripped "offers STARTTLS on every channel"
expect stripped gina-https ok/responder-answered

# Without the token file the same channels are still judged, the usual
# way: nothing claims the responder answered.
sweep plain internet --map appliance="$APP4"
vpt_eq "without --responder-file: no responder verdict" \
	"$(jq -r '[.results[] | select(.reason | startswith("responder"))] | length' "$VPT_TMP/plain.json")" 0

# The responder saw the probes, and says so when it ends.
kill -TERM "$RSP_APP" 2>/dev/null
vpt_wait_exit "$RSP_APP" 10
vpt_match "the responder's table lists a probe from the client" \
	"$(cat "$VPT_TMP/respond-app.log")" "${CLI4//./\\.}"

for ns in "$CLI" "$RTR" "$SRV"; do
	vpt_eq "guard: packets $ns sent outside the test ranges" "$(vpt_guard_drops "$ns")" 0
done
vpt_finish
