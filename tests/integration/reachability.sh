#!/bin/bash
# The probe engine against a real kernel (issue 3): one `veriport check`
# sweep from a client namespace through a router namespace whose nft rules
# drop, reject (ICMP admin-prohibited) or reset, to a server namespace with
# real servers (unbound, OpenSSH), over IPv4 and IPv6 on the same paths.
# Every verdict and reason of the sweep is compared with what the world was
# built to produce.
#
#   client  (role appliance; routes only to the test ranges)
#     cv0 10.213.1.2 fd7e:213:1::2
#       |
#     rc0 10.213.1.1 fd7e:213:1::1   router: forwarding, nft forward rules
#     rs0 10.213.2.1 fd7e:213:2::1
#       |
#     sv0 10.213.2.2 fd7e:213:2::2   server: one address per test host
#         .3.10 ::10 h-open    sshd :22, unbound :53 (udp+tcp, the zone)
#         .3.20 ::20 h-drop    router drops
#         .3.30 ::30 h-reject  router: reject with icmp(v6) admin-prohibited
#         .3.40 ::40 h-reset   router: TCP reset; UDP reaches the server,
#                              where nothing listens on 53
#               ::60 h-v6      AAAA only; router rejects admin-prohibited
#               ::70 h-dual    AAAA of h-dual (its A is h-open's); dropped
#   h-noroute  192.0.2.1 2001:db8::1 (outside every test range: no route)
#   h-nx       not in the zone (NXDOMAIN)
. "$(dirname "$0")/lib.sh"

vpt_init reachability reach
VPT_NET4=10.213.0.0/16
VPT_NET6=fd7e:213::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq unbound:unbound \
	unbound-checkconf:unbound /usr/sbin/sshd:openssh-server \
	ssh-keygen:openssh-client timeout:coreutils getent:libc-bin
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"

# Per-probe timeout of the sweep, in seconds.
TIMEOUT=2

CLI4=10.213.1.2 CLI6=fd7e:213:1::2
RTR4_C=10.213.1.1 RTR6_C=fd7e:213:1::1
RTR4_S=10.213.2.1 RTR6_S=fd7e:213:2::1
SRV4=10.213.2.2 SRV6=fd7e:213:2::2
OPEN4=10.213.3.10 OPEN6=fd7e:213:3::10
DROP4=10.213.3.20 DROP6=fd7e:213:3::20
REJECT4=10.213.3.30 REJECT6=fd7e:213:3::30
RESET4=10.213.3.40 RESET6=fd7e:213:3::40
V6ONLY6=fd7e:213:3::60
DUAL6=fd7e:213:3::70
NOROUTE4=192.0.2.1 NOROUTE6=2001:db8::1

# The world -----------------------------------------------------------------

# No default route anywhere: a destination outside the test ranges is
# "no route" in the client, and nothing can leave the world.
vpt_routed_world "$OPEN4" 10.213.3.0/24 fd7e:213:3::/64 \
	"$OPEN4" "$DROP4" "$REJECT4" "$RESET4" \
	"$OPEN6" "$DROP6" "$REJECT6" "$RESET6" "$V6ONLY6" "$DUAL6"
# Every ICMP error the probes provoke must come back, not a rate-limited
# few: the sweep sends them all at once.
for ns in "$RTR" "$SRV"; do
	vpt_sysctl "$ns" net.ipv4.icmp_ratelimit 0
	vpt_sysctl "$ns" net.ipv6.icmp.ratelimit 0
done

vpt_in "$RTR" nft -f - <<EOF || vpt_error "router: nft forward rules"
table inet vpt_router {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip daddr $DROP4 drop
		ip6 daddr $DROP6 drop
		ip daddr $REJECT4 reject with icmp type admin-prohibited
		ip6 daddr $REJECT6 reject with icmpv6 type admin-prohibited
		ip daddr $RESET4 meta l4proto tcp reject with tcp reset
		ip6 daddr $RESET6 meta l4proto tcp reject with tcp reset
		ip6 daddr $V6ONLY6 reject with icmpv6 type admin-prohibited
		ip6 daddr $DUAL6 drop
	}
}
EOF

# unbound: authoritative for the test names, NXDOMAIN for the rest.
vpt_unbound UNBOUND "$SRV" "$VPT_TMP/unbound" "$OPEN4" "$OPEN6" <<EOF
local-data: ". 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60"
local-data: ". 3600 IN NS ns.test."
local-data: "ns.test. 60 IN A $OPEN4"
local-data: "h-open.test. 60 IN A $OPEN4"
local-data: "h-open.test. 60 IN AAAA $OPEN6"
local-data: "h-drop.test. 60 IN A $DROP4"
local-data: "h-drop.test. 60 IN AAAA $DROP6"
local-data: "h-reject.test. 60 IN A $REJECT4"
local-data: "h-reject.test. 60 IN AAAA $REJECT6"
local-data: "h-reset.test. 60 IN A $RESET4"
local-data: "h-reset.test. 60 IN AAAA $RESET6"
local-data: "h-noroute.test. 60 IN A $NOROUTE4"
local-data: "h-noroute.test. 60 IN AAAA $NOROUTE6"
local-data: "h-v6.test. 60 IN AAAA $V6ONLY6"
local-data: "h-dual.test. 60 IN A $OPEN4"
local-data: "h-dual.test. 60 IN AAAA $DUAL6"
EOF

# sshd: it only has to greet.
vpt_sshd SSHD "$SRV" "$VPT_TMP/sshd" "$OPEN4" "$OPEN6"
# A socket bound to tcp/443 in the client, so the listener check of the
# appliance's inbound webmail-https channel has something to find (sshd
# only because it is already here; the check looks for a bound port).
vpt_sshd -p 443 SSHD_CLI "$CLI" "$VPT_TMP/sshd-client" "$CLI4"

for a in "$OPEN4" "$OPEN6"; do
	vpt_wait_listen "$SRV" "$UNBOUND" udp "$a" 53 || vpt_error "unbound is not on udp $a:53"
	vpt_wait_listen "$SRV" "$UNBOUND" tcp "$a" 53 || vpt_error "unbound is not on tcp $a:53"
	vpt_wait_listen "$SRV" "$SSHD" tcp "$a" 22 || vpt_error "sshd is not on tcp $a:22"
done
vpt_wait_listen "$CLI" "$SSHD_CLI" tcp "$CLI4" 443 || vpt_error "sshd is not on tcp $CLI4:443"

# The world works before veriport is asked about it: the client resolves
# through unbound and reaches h-open over both families, and a name the
# zone lacks does not resolve.
got=$(vpt_in "$CLI" getent ahostsv4 h-open.test | awk 'NR == 1 { print $1 }')
vpt_eq "world: h-open.test resolves in the client (A)" "$got" "$OPEN4"
got=$(vpt_in "$CLI" getent ahostsv6 h-open.test | awk 'NR == 1 { print $1 }')
vpt_eq "world: h-open.test resolves in the client (AAAA)" "$got" "$OPEN6"
vpt_in "$CLI" getent hosts h-nx.test >/dev/null
vpt_eq "world: h-nx.test does not resolve (getent status)" "$?" 2
for a in "$OPEN4" "$OPEN6"; do
	banner=$(vpt_in "$CLI" timeout 5 bash -c \
		"exec 3<>/dev/tcp/$a/22 && head -c 7 <&3" 2>/dev/null)
	vpt_eq "world: sshd greets the client at $a:22" "$banner" "SSH-2.0"
done

# The sweep -------------------------------------------------------------------

INTERNET=h-open.test,h-drop.test,h-reject.test,h-reset.test,h-noroute.test,h-nx.test,h-v6.test,h-dual.test
JSON=$VPT_TMP/sweep.json
# check FORMAT OUT: one sweep in the client namespace; $? is veriport's.
check() {
	vpt_in "$CLI" timeout 60 "$VERIPORT" check --profile sx-mailcrypt \
		--role appliance --map "internet=$INTERNET" \
		--map "dns-external=$OPEN4" --timeout "$TIMEOUT" \
		--format "$1" >"$2" 2>"$2.err"
}

t0=$(date +%s%N)
check json "$JSON"
rc=$?
wall_ms=$((($(date +%s%N) - t0) / 1000000))
echo "# json sweep: exit $rc, wall clock ${wall_ms} ms"
[ -s "$JSON.err" ] && sed 's/^/# stderr: /' "$JSON.err"

vpt_eq "check --format json: exit status (a required channel failed)" "$rc" 2
if [ "$(jq -r type "$JSON" 2>/dev/null)" = object ]; then
	vpt_pass "check --format json: output is JSON"
else
	vpt_fail "check --format json: output is not JSON: $(head -c 300 "$JSON")"
	echo '{}' >"$JSON"
fi
vpt_eq "json: profile" "$(jq -r .profile "$JSON")" sx-mailcrypt
vpt_eq "json: role" "$(jq -r .role "$JSON")" appliance
vpt_match "json: started is a UTC timestamp" "$(jq -r .started "$JSON")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# Expected results: CHANNEL TARGET ADDRESS VERDICT/REASON [ICMP-FROM V6].
# "-" stands for a JSON null.
EXPECTED=()
expect() { EXPECTED+=("$*"); }

# On the same address, what each internet channel's kind meets.
TCP_INTERNET="ssh-to-internet smtp-to-internet dns-internet-tcp"
open_tcp() { # what a healthy h-open answers on each TCP channel
	case $1 in
	ssh-to-internet | dns-internet-tcp) echo ok/answered ;;
	smtp-to-internet) echo refused/tcp-reset ;; # nothing on 25
	esac
}
for ch in $TCP_INTERNET; do
	for a in "$OPEN4" "$OPEN6"; do expect "$ch" h-open.test "$a" "$(open_tcp "$ch")"; done
	for a in "$DROP4" "$DROP6"; do expect "$ch" h-drop.test "$a" filtered/no-response; done
	expect "$ch" h-reject.test "$REJECT4" rejected/icmp-admin-prohibited "$RTR4_C" false
	expect "$ch" h-reject.test "$REJECT6" rejected/icmp-admin-prohibited "$RTR6_C" true
	for a in "$RESET4" "$RESET6"; do expect "$ch" h-reset.test "$a" refused/tcp-reset; done
	for a in "$NOROUTE4" "$NOROUTE6"; do expect "$ch" h-noroute.test "$a" unreachable/no-route; done
	expect "$ch" h-nx.test - dns-error/nxdomain
	expect "$ch" h-v6.test "$V6ONLY6" rejected/icmp-admin-prohibited "$RTR6_C" true
	expect "$ch" h-dual.test "$OPEN4" "$(open_tcp "$ch")"
	expect "$ch" h-dual.test "$DUAL6" filtered/no-response
done
ch=dns-internet-udp
for a in "$OPEN4" "$OPEN6"; do expect $ch h-open.test "$a" ok/answered; done
for a in "$DROP4" "$DROP6"; do expect $ch h-drop.test "$a" filtered/no-response; done
expect $ch h-reject.test "$REJECT4" rejected/icmp-admin-prohibited "$RTR4_C" false
expect $ch h-reject.test "$REJECT6" rejected/icmp-admin-prohibited "$RTR6_C" true
# The server itself says port unreachable: the ICMP comes from the target.
expect $ch h-reset.test "$RESET4" refused/icmp-port-unreachable "$RESET4" false
expect $ch h-reset.test "$RESET6" refused/icmp-port-unreachable "$RESET6" true
for a in "$NOROUTE4" "$NOROUTE6"; do expect $ch h-noroute.test "$a" unreachable/no-route; done
expect $ch h-nx.test - dns-error/nxdomain
expect $ch h-v6.test "$V6ONLY6" rejected/icmp-admin-prohibited "$RTR6_C" true
expect $ch h-dual.test "$OPEN4" ok/answered
expect $ch h-dual.test "$DUAL6" filtered/no-response
# dns-external is mapped to h-open's address literally.
expect dns-external-udp "$OPEN4" "$OPEN4" ok/answered
expect dns-external-tcp "$OPEN4" "$OPEN4" ok/answered
# Channels whose target role the appliance plays: local listeners. The
# admin group's two ports are members of a required group, so each is
# checked (nothing listens on 8080 or 8443 here).
expect smtp-from-internet - - refused/not-listening
expect smtp-from-mail-server - - refused/not-listening
expect webmail-https - - ok/listening
expect admin-http - - refused/not-listening
expect admin-https - - refused/not-listening
# Required channels (the "**" rows are required, with a condition; the
# internal name server is a member of the dns group) whose target role
# nobody mapped.
for ch in smtp-to-mail-server dns-internal-udp dns-internal-tcp; do
	expect $ch - - skipped/no-target
done
# Optional channels are not probed without --optional.
for ch in ssh-cluster vspp-updates vspp-dcc vspp-pyzor ntp-internet \
	sms-aspsms; do
	expect $ch - - skipped/optional
done

for row in "${EXPECTED[@]}"; do
	read -r ch target addr want from v6 <<<"$row"
	got=$(jq -r --arg c "$ch" --arg t "$target" --arg a "$addr" '
		[.results[]? | select(.channel == $c and (.target // "-") == $t
			and (.address // "-") == $a)]
		| if length == 1 then .[0] | "\(.verdict)/\(.reason)"
		  else "\(length) results" end' "$JSON")
	vpt_eq "$ch $target $addr" "$got" "$want"
	if [ -n "$from" ]; then
		got=$(jq -r --arg c "$ch" --arg t "$target" --arg a "$addr" '
			[.results[]? | select(.channel == $c and .target == $t
				and .address == $a)][0]
			| if .icmp then "from \(.icmp.from) v6 \(.icmp.v6)"
			  else "no icmp" end' "$JSON")
		vpt_eq "$ch $target $addr: icmp sender" "$got" "from $from v6 $v6"
	fi
done
vpt_eq "json: number of results (one per channel and address)" \
	"$(jq '.results | length' "$JSON")" "${#EXPECTED[@]}"
# A name with only an AAAA record gives one result, one with both two.
vpt_eq "json: h-v6.test (AAAA only) gives one result on ssh-to-internet" \
	"$(jq '[.results[]? | select(.channel == "ssh-to-internet" and .target == "h-v6.test")] | length' "$JSON")" 1
vpt_eq "json: h-dual.test gives two results on ssh-to-internet" \
	"$(jq '[.results[]? | select(.channel == "ssh-to-internet" and .target == "h-dual.test")] | length' "$JSON")" 2

# Results that worked carry their latency; the ICMP type/code are the
# router's: v4 3/13, v6 1/1 (RFC 792, RFC 4443 §3.1).
vpt_eq "json: ssh-to-internet h-open.test $OPEN4 has a positive latency_ms" \
	"$(jq -r --arg a "$OPEN4" '[.results[]? | select(.channel == "ssh-to-internet" and .target == "h-open.test" and .address == $a) | (.latency_ms | type == "number" and . > 0)] | tostring' "$JSON")" '[true]'
vpt_eq "json: ssh-to-internet h-open.test $OPEN4 evidence carries sshd's banner" \
	"$(jq -r --arg a "$OPEN4" '[.results[]? | select(.channel == "ssh-to-internet" and .target == "h-open.test" and .address == $a) | .evidence | any(startswith("SSH-2.0-OpenSSH"))] | tostring' "$JSON")" '[true]'
vpt_eq "json: ssh-to-internet h-drop.test $DROP4 has no latency_ms" \
	"$(jq -r --arg a "$DROP4" '[.results[]? | select(.channel == "ssh-to-internet" and .address == $a) | .latency_ms] | tostring' "$JSON")" '[null]'

vpt_eq "json: ssh-to-internet $REJECT4 icmp type/code" \
	"$(jq -r --arg a "$REJECT4" '.results[]? | select(.channel == "ssh-to-internet" and .address == $a) | "\(.icmp.type)/\(.icmp.code)"' "$JSON")" 3/13
vpt_eq "json: ssh-to-internet $REJECT6 icmp type/code" \
	"$(jq -r --arg a "$REJECT6" '.results[]? | select(.channel == "ssh-to-internet" and .address == $a) | "\(.icmp.type)/\(.icmp.code)"' "$JSON")" 1/1

# The summary counts what the results say.
vpt_eq "json: summary equals the results counted per verdict" \
	"$(jq -c '(.results | group_by(.verdict) | map({(.[0].verdict): length}) | add) == .summary' "$JSON")" true
vpt_eq "json: summary adds up to the number of results" \
	"$(jq '([.summary[]] | add) == (.results | length)' "$JSON")" true

# Concurrent, not sequential: about one timeout for the whole sweep (and
# no less, or the dropped channels were not waited for).
duration=$(jq -r .duration_ms "$JSON")
echo "# json sweep: duration_ms $duration"
vpt_cmp "json: duration_ms below 2.5 x the timeout" "$duration" -lt $((TIMEOUT * 2500))
vpt_cmp "json: duration_ms at least 0.9 x the timeout" "$duration" -ge $((TIMEOUT * 900))

# The other machine-readable formats, one sweep each.
check nagios "$VPT_TMP/sweep.nagios"
rc=$?
vpt_eq "check --format nagios: exit status" "$rc" 2
vpt_match "nagios: first line starts with VERIPORT CRITICAL" \
	"$(head -n 1 "$VPT_TMP/sweep.nagios")" '^VERIPORT CRITICAL'
vpt_match "nagios: lists the IPv6-only failure of h-dual.test" \
	"$(cat "$VPT_TMP/sweep.nagios")" \
	"^ssh-to-internet tcp/22 h-dual.test $DUAL6: filtered/no-response\$"

check prometheus "$VPT_TMP/sweep.prom"
rc=$?
vpt_eq "check --format prometheus: exit status" "$rc" 2
prom=$(cat "$VPT_TMP/sweep.prom")
vpt_match "prometheus: ssh-to-internet at $OPEN4 is 1" "$prom" \
	"^veriport_channel_up\{.*channel=\"ssh-to-internet\".*address=\"${OPEN4//./\\.}\".*\} 1$"
vpt_match "prometheus: ssh-to-internet at $DROP4 is 0" "$prom" \
	"^veriport_channel_up\{.*channel=\"ssh-to-internet\".*address=\"${DROP4//./\\.}\".*\} 0$"
vpt_match "prometheus: ssh-to-internet at $DROP4 is filtered" "$prom" \
	"^veriport_channel_verdict\{.*channel=\"ssh-to-internet\".*address=\"${DROP4//./\\.}\".*verdict=\"filtered\".*\} 1$"

# Nothing tried to leave the test world.
for ns in "$CLI" "$RTR" "$SRV"; do
	vpt_eq "guard: packets $ns sent outside the test ranges" "$(vpt_guard_drops "$ns")" 0
done

vpt_finish
