#!/bin/bash
# Channels through an HTTP proxy (issue 13, "Proxies"), with a real
# tinyproxy on the router between veriport and the servers:
#   - a row with the `proxy` attribute goes through CONNECT, the target's
#     name resolved by the proxy (the client has no working resolver at
#     all, so a lookup of its own would fail), TLS and SSH through the
#     tunnel: the channel's own verdict, "via proxy" in the evidence;
#   - the proxy refuses CONNECT to a port it does not allow (403):
#     rejected/proxy-denied, with its status line;
#   - the target's port dropped behind the proxy: the proxy never answers
#     within the timeout (unreachable/proxy-cannot-reach), and a target
#     where nothing listens gets tinyproxy's 500: the same, with the status;
#   - the proxy down, answering garbage, or its name not resolving:
#     unreachable/proxy-failed, never the target's filtered or refused;
#   - a row without the attribute, in the same runs, probed directly;
#   - --proxy and veriport.conf's proxy refused at parse time (exit 3),
#     and veriportd probing through the proxy its configuration names.
#
#   namespace  address               what
#   cli        10.220.1.2            veriport (resolver 10.220.9.9: none)
#   rtr        10.220.1.1 :3128      tinyproxy (ConnectPort 443 and 22)
#              10.220.1.1 :3130      socat answering garbage
#   srv        10.220.2.2 :53        unbound: the test's names
#              10.220.3.10 :443 :22  nginx (web.prx.test), sshd
#              10.220.3.11 :443      dropped by nft (drop.prx.test)
#              10.220.3.12           nothing listens (refused.prx.test)
. "$(dirname "$0")/lib.sh"

vpt_init proxy prx
VPT_NET4=10.220.0.0/16
VPT_NET6=fd7e:220::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	nginx:nginx-light tinyproxy:tinyproxy unbound:unbound socat:socat \
	sshd:openssh-server
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
VERIPORTD=${VERIPORTD:-$top_builddir/veriportd}
CATALOGS=$top_srcdir/tests/integration/catalogs
TIMEOUT=2

CLI4=10.220.1.2 CLI6=fd7e:220:1::2
RTR4_C=10.220.1.1 RTR6_C=fd7e:220:1::1
RTR4_S=10.220.2.1 RTR6_S=fd7e:220:2::1
SRV4=10.220.2.2 SRV6=fd7e:220:2::2
WEB=10.220.3.10 WEB6=fd7e:220:3::10 DROP=10.220.3.11 REFUSED=10.220.3.12
NO_DNS=10.220.9.9
PROXY="http://$RTR4_C:3128"
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"
vpt_routed_world "$SRV4" 10.220.3.0/24 fd7e:220:3::/64 \
	"$WEB" "$WEB6" "$DROP" "$REFUSED"
# veriport itself has no resolver: every name it had to look up would be
# a dns-error. The proxy's namespace asks the test's DNS.
printf 'nameserver %s\n' "$NO_DNS" >"/etc/netns/$CLI/resolv.conf"

vpt_unbound DNS "$SRV" "$VPT_TMP/unbound" "$SRV4" <<EOF
local-data: "web.prx.test. A $WEB"
local-data: "web.prx.test. AAAA $WEB6"
local-data: "drop.prx.test. A $DROP"
local-data: "refused.prx.test. A $REFUSED"
EOF

CA=$VPT_TMP/ca
vpt_tls_ca "$CA" "veriport proxy test CA"
vpt_tls_cert "$CA" web "DNS:web.prx.test,DNS:drop.prx.test,IP:$WEB"
chmod 0644 "$CA"/*.pem "$CA"/*.key
vpt_nginx NGINX "$SRV" "$VPT_TMP/nginx" <<EOF
server { listen $WEB:443 ssl; listen [$WEB6]:443 ssl; listen $DROP:443 ssl;
	ssl_certificate $CA/web.pem; ssl_certificate_key $CA/web.key;
	location / { return 200 "ok\n"; } }
EOF
vpt_sshd SSHD "$SRV" "$VPT_TMP/sshd" "$WEB"
# The target's port dropped behind the proxy: what the proxy sends there
# never arrives, and nothing says so.
vpt_in "$SRV" nft -f - <<EOF || vpt_error "nft drop on $SRV"
table inet vpt_prx_drop {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr $DROP tcp dport 443 drop
	}
}
EOF

mkdir -p "$VPT_TMP/tinyproxy" || vpt_error "mkdir tinyproxy"
cat >"$VPT_TMP/tinyproxy/tinyproxy.conf" <<EOF
Port 3128
Timeout 60
LogLevel Info
MaxClients 50
Allow $VPT_NET4
Allow $VPT_NET6
ConnectPort 443
ConnectPort 22
DisableViaHeader Yes
EOF
vpt_spawn TINYPROXY "$RTR" "$VPT_TMP/tinyproxy.log" \
	tinyproxy -d -c "$VPT_TMP/tinyproxy/tinyproxy.conf"
# A "proxy" that answers CONNECT with something that is not HTTP.
vpt_spawn GARBAGE "$RTR" "$VPT_TMP/garbage.log" \
	socat TCP-LISTEN:3130,bind="$RTR4_C",reuseaddr,fork \
	SYSTEM:'echo SSH-2.0-not-a-proxy; sleep 5'

vpt_wait_listen "$SRV" "$DNS" udp "$SRV4" 53 || vpt_error "unbound: $(cat "$VPT_TMP/unbound.log")"
vpt_wait_listen "$SRV" "$NGINX" tcp "$WEB" 443 || vpt_error "nginx: $(cat "$VPT_TMP/nginx.log")"
vpt_wait_listen "$SRV" "$SSHD" tcp "$WEB" 22 || vpt_error "sshd: $(cat "$VPT_TMP/sshd.log")"
vpt_wait_listen "$RTR" "$TINYPROXY" tcp 0.0.0.0 3128 ||
	vpt_wait_listen "$RTR" "$TINYPROXY" tcp '*' 3128 ||
	vpt_error "tinyproxy: $(cat "$VPT_TMP/tinyproxy.log")"
vpt_wait_listen "$RTR" "$GARBAGE" tcp "$RTR4_C" 3130 || vpt_error "socat: $(cat "$VPT_TMP/garbage.log")"

MAPS=(--map activation=web.prx.test --map updates=web.prx.test
	--map downloads=drop.prx.test --map licensing=refused.prx.test
	--map support-ssh=web.prx.test --map lan="$WEB")
# sweep NAME OPTION...: one sweep from the client, JSON in NAME.json, its
# exit status in NAME.rc.
sweep() {
	local name=$1
	shift
	vpt_in "$CLI" "$VERIPORT" check --catalog-dir "$CATALOGS" \
		--profile proxy --role client "${MAPS[@]}" \
		--ca-file "$CA/ca.pem" --timeout "$TIMEOUT" "$@" \
		>"$VPT_TMP/$name.out" 2>"$VPT_TMP/$name.err"
	echo $? >"$VPT_TMP/$name.rc"
}
# r NAME CHANNEL JQ: JQ on the one result of CHANNEL in NAME.json.
r() {
	jq -r --arg c "$2" "[.results[] | select(.channel == \$c)]
		| if length == 1 then .[0] | $3 else \"\\(length) results\" end" \
		"$VPT_TMP/$1.json"
}
verdict() { r "$1" "$2" '"\(.verdict)/\(.reason)"'; }
lines() { r "$1" "$2" '.evidence | join("\n")'; }

# Through a working proxy ----------------------------------------------------
sweep via --proxy "$PROXY" --format json
cp "$VPT_TMP/via.out" "$VPT_TMP/via.json"
vpt_eq "via proxy: exit status (some channels fail)" "$(cat "$VPT_TMP/via.rc")" 2
vpt_eq "activation through the tunnel" "$(verdict via activation)" ok/handshake-ok
vpt_eq "activation: the target's address is the proxy's business" \
	"$(r via activation '.address')" null
vpt_eq "activation: JSON proxy field" \
	"$(r via activation '"\(.proxy.host):\(.proxy.port) \(.proxy.address) tunnel=\(.proxy.tunnel) \(.proxy.status)"')" \
	"$RTR4_C:3128 $RTR4_C tunnel=true 200"
vpt_match "activation: the name went to the proxy, not to DNS" \
	"$(lines via activation)" "^via proxy $RTR4_C:3128: CONNECT web.prx.test port 443, the name resolved by the proxy"
vpt_match "activation: the tunnel's status line" "$(lines via activation)" \
	"^via proxy $RTR4_C:3128: HTTP/1\\.[01] 200 .*tunnel to web.prx.test port 443 is open"
vpt_eq "activation: the certificate is the target's, verified" \
	"$(r via activation '"\(.tls.verified) \(.tls.sans)"')" "true DNS:web.prx.test, DNS:drop.prx.test, IP:$WEB"
vpt_eq "support-ssh: the server's banner through the tunnel" \
	"$(verdict via support-ssh)" ok/answered
vpt_match "support-ssh: the banner" "$(r via support-ssh '.greeting')" "^SSH-2\\.0-OpenSSH"
vpt_eq "updates: CONNECT to 8443 refused by the proxy" \
	"$(verdict via updates)" rejected/proxy-denied
vpt_eq "updates: the proxy's status" "$(r via updates '"\(.proxy.status) \(.proxy.tunnel)"')" "403 false"
vpt_match "updates: the proxy's status line in the evidence" "$(lines via updates)" \
	"^the proxy answered CONNECT web.prx.test port 8443: HTTP/1\\.[01] 403 "
vpt_match "updates: the sentence says the target was not tried" "$(lines via updates)" \
	"refused the CONNECT \\(403\\): the target was not tried"
vpt_eq "downloads: dropped behind the proxy" \
	"$(verdict via downloads)" unreachable/proxy-cannot-reach
vpt_match "downloads: CONNECT sent, no answer in time" "$(lines via downloads)" \
	"^sent CONNECT drop.prx.test port 443 to the proxy, no answer within ${TIMEOUT}000 ms"
vpt_match "downloads: the proxy did not reach the target" "$(lines via downloads)" \
	"did not reach the target"
# tinyproxy itself waits for the kernel's SYN retries (about two minutes).
vpt_cmp "the sweep waited about one probe timeout, not the proxy's (ms)" \
	"$(jq .duration_ms "$VPT_TMP/via.json")" -lt $(((TIMEOUT + 3) * 1000))
vpt_eq "licensing: nothing listens behind the proxy" \
	"$(verdict via licensing)" unreachable/proxy-cannot-reach
vpt_eq "licensing: tinyproxy's status" "$(r via licensing '.proxy.status')" 500
vpt_match "licensing: it could not reach the target" "$(lines via licensing)" \
	"answered 500: it could not reach the target"
vpt_eq "lan-https: no proxy attribute, probed directly" "$(verdict via lan-https)" ok/handshake-ok
vpt_eq "lan-https: no proxy field, its own address" \
	"$(r via lan-https '"\(.proxy) \(.address)"')" "null $WEB"
vpt_eq "the results are valid against the schema" \
	"$(python3 -c 'import json,sys,jsonschema
s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))
jsonschema.validate(d, {"$ref": "#/$defs/check", "$defs": s["$defs"]})
print("valid")' "$top_srcdir/docs/veriport.schema.json" "$VPT_TMP/via.json" 2>&1 | tail -1)" valid

# A support engineer's fleet view of a saved document says it too.
vpt_match "status --from: the path through the proxy" \
	"$(COLUMNS=200 "$VERIPORT" status --from "$VPT_TMP/via.json" 2>&1)" \
	"^via +activation +tcp/443 +web\\.prx\\.test via $RTR4_C:3128 +ok +handshake-ok$"

# The other formats say which path was tested.
sweep table --proxy "$PROXY" --format table --color=never --only activation --only lan-https
vpt_match "table: the path through the proxy" "$(cat "$VPT_TMP/table.out")" \
	"^activation .*via $RTR4_C:3128 +ok +handshake-ok"
vpt_match "table: the direct one" "$(cat "$VPT_TMP/table.out")" "^lan-https .* $WEB +ok"
sweep nagios --proxy "$PROXY" --format nagios --only updates --only lan-https
vpt_match "nagios: the failed channel, via the proxy" "$(head -1 "$VPT_TMP/nagios.out")" \
	"updates tcp/8443 web.prx.test - via proxy $RTR4_C:3128: rejected/proxy-denied"
sweep prom --proxy "$PROXY" --format prometheus --only activation --only lan-https
vpt_match "prometheus: a proxy label on the proxied series" "$(cat "$VPT_TMP/prom.out")" \
	"^veriport_channel_up\\{.*channel=\"activation\".*proxy=\"$RTR4_C:3128\".*\\} 1$"
vpt_eq "prometheus: none on the direct one" \
	"$(grep '^veriport_channel_up{.*channel="lan-https"' "$VPT_TMP/prom.out" | grep -c proxy=)" 0

# An IPv6 proxy address.
sweep v6 --proxy "http://[$RTR6_C]:3128" --format json --only activation
cp "$VPT_TMP/v6.out" "$VPT_TMP/v6.json"
vpt_eq "IPv6 proxy: activation through it" "$(verdict v6 activation)" ok/handshake-ok
vpt_eq "IPv6 proxy: its address" "$(r v6 activation '.proxy.address')" "$RTR6_C"

# The proxy fails -----------------------------------------------------------
sweep down --proxy "http://$RTR4_C:3129" --format json
cp "$VPT_TMP/down.out" "$VPT_TMP/down.json"
for ch in activation updates downloads licensing support-ssh; do
	vpt_eq "proxy down: $ch" "$(verdict down $ch)" unreachable/proxy-failed
done
vpt_match "proxy down: the connection to the proxy" "$(lines down activation)" \
	"^connect to the proxy: connection refused"
vpt_eq "proxy down: lan-https still probed directly" "$(verdict down lan-https)" ok/handshake-ok
sweep garbage --proxy "http://$RTR4_C:3130" --format json --only activation
cp "$VPT_TMP/garbage.out" "$VPT_TMP/garbage.json"
vpt_eq "a proxy answering garbage" "$(verdict garbage activation)" unreachable/proxy-failed
vpt_match "garbage: what it said, escaped" "$(lines garbage activation)" \
	"not an HTTP reply: SSH-2\\.0-not-a-proxy"
sweep noname --proxy "http://proxy.prx.test:3128" --format json --only activation --only lan-https
cp "$VPT_TMP/noname.out" "$VPT_TMP/noname.json"
vpt_eq "the proxy's name does not resolve: the proxy failed, no dns-error" \
	"$(verdict noname activation)" unreachable/proxy-failed
vpt_match "noname: the sentence names the proxy's name" "$(lines noname activation)" \
	"^DNS proxy\\.prx\\.test: "
vpt_eq "noname: lan-https direct" "$(verdict noname lan-https)" ok/handshake-ok

# Usage: refused at parse time ---------------------------------------------
for bad in "proxy.prx.test:3128" "https://$RTR4_C:3128" "http://$RTR4_C" \
	"http://user:pw@$RTR4_C:3128" "http://a|b:3128" "http://fd7e:220:1::1:3128"; do
	out=$("$VERIPORT" check --catalog-dir "$CATALOGS" --profile proxy \
		--role client --proxy "$bad" 2>&1)
	rc=$?
	vpt_eq "--proxy $bad: exit status" "$rc" 3
	vpt_match "--proxy $bad: the message names the flag" "$out" \
		"^veriport: --proxy .*: expected http://HOST:PORT"
done
out=$("$VERIPORT" check --catalog-dir "$CATALOGS" --profile proxy --role client \
	--proxy "http://a|b:3128" --format nagios 2>&1)
vpt_match "--format nagios: a bad --proxy is UNKNOWN" "$out" "^VERIPORT UNKNOWN - --proxy"

# The daemon ----------------------------------------------------------------
SOCK=$VPT_TMP/run/status.sock
mkdir -p "$VPT_TMP/run" "$VPT_TMP/state" || vpt_error "mkdir run state"
write_conf() { # PROXY-LINE
	cat <<EOF
[veriport]
profile = proxy
role = client
catalog-dir = $CATALOGS
ca-file = $CA/ca.pem
timeout = $TIMEOUT
interval = 3600
jitter = 0
$1
[map]
activation = web.prx.test
updates = web.prx.test
lan = $WEB
[status]
socket = $SOCK
state-dir = $VPT_TMP/state
EOF
}
write_conf "proxy = http://$RTR4_C" >"$VPT_TMP/bad.conf"
out=$("$VERIPORTD" --check-config -c "$VPT_TMP/bad.conf" 2>&1)
vpt_eq "--check-config with a bad proxy: exit status" "$?" 3
vpt_match "--check-config names the line" "$out" \
	"bad.conf:9: bad proxy 'http://$RTR4_C': expected http://HOST:PORT"
write_conf "proxy = $PROXY" >"$VPT_TMP/veriport.conf"
out=$("$VERIPORTD" --check-config -c "$VPT_TMP/veriport.conf" 2>&1)
vpt_eq "--check-config with the proxy: exit status" "$?" 0
vpt_match "--check-config says which probes go through the proxy" "$out" \
	"ok \\(profile proxy, role client, 6 planned, 2 through proxy $RTR4_C:3128\\)$"
vpt_spawn DAEMON "$CLI" "$VPT_TMP/veriportd.log" \
	"$VERIPORTD" -c "$VPT_TMP/veriport.conf" --foreground
daemon_swept() {
	vpt_in "$CLI" "$VERIPORT" status --socket "$SOCK" --format json \
		>"$VPT_TMP/daemon.json" 2>/dev/null &&
		[ "$(jq '[.results[] | select(.verdict != "skipped")] | length' \
			"$VPT_TMP/daemon.json" 2>/dev/null)" -ge 3 ]
}
vpt_wait_until 20 daemon_swept || vpt_error "veriportd: no sweep: $(tail -5 "$VPT_TMP/veriportd.log")"
vpt_eq "veriportd: activation through the configured proxy" \
	"$(verdict daemon activation) $(r daemon activation '.proxy.host')" \
	"ok/handshake-ok $RTR4_C"
vpt_eq "veriportd: updates refused by the configured proxy" \
	"$(verdict daemon updates)" rejected/proxy-denied
vpt_match "veriportd: its log line names the path" \
	"$(cat "$VPT_TMP/veriportd.log")" "updates tcp/8443 web.prx.test - via proxy $RTR4_C:3128: rejected/proxy-denied"
vpt_eq "veriportd: lan-https directly" \
	"$(verdict daemon lan-https) $(r daemon lan-https '.proxy')" "ok/handshake-ok null"

vpt_eq "nothing left the test's ranges" \
	"$(($(vpt_guard_drops "$CLI") + $(vpt_guard_drops "$RTR") + $(vpt_guard_drops "$SRV")))" 0
vpt_finish
