#!/bin/bash
# Middleboxes that let the TCP handshake through and then kill the flow,
# and a path that loses full-size segments (issue 14): real nginx and
# postfix in a server namespace, veriport in a client namespace, and a
# router between them whose nft rules reset or drop a flow when its first
# payload passes (a DPI firewall, "application control", SNI filtering),
# and whose link back to the client has a smaller MTU while the ICMP that
# would say so is dropped for one address (a path-MTU black hole).
#
#   client  cv0 10.216.1.2 fd7e:216:1::2 (MTU 1500)     veriport
#             |
#   router  rc0 10.216.1.1 (MTU 1280) / rs0 10.216.2.1   forwarding; nft
#             |
#   server  sv0 10.216.2.2; nginx 80/443/8443 and postfix 25 on:
#
#   address           what the router does
#   .3.10             nothing
#   .3.20             tcp/443: TLS record -> reset    tcp/25: STARTTLS -> reset
#   .3.30             tcp/443: TLS record -> drop     tcp/25: STARTTLS -> drop
#   .3.40             tcp/80: GET or HEAD -> reset
#   .3.60 ::60        ICMP fragmentation-needed / packet-too-big to it dropped
#
# Each result is asserted with its verdict, reason and the evidence that
# explains it, with zero `intercepted` and a sweep bounded by the timeout
# (twice for a stalled handshake, which is tried again with a small MSS).
. "$(dirname "$0")/lib.sh"

vpt_init middlebox mbox
VPT_NET4=10.216.0.0/16
VPT_NET6=fd7e:216::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	postfix:postfix nginx:nginx-light
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs

TIMEOUT=3

CLI4=10.216.1.2 CLI6=fd7e:216:1::2
RTR4_C=10.216.1.1 RTR6_C=fd7e:216:1::1
RTR4_S=10.216.2.1 RTR6_S=fd7e:216:2::1
SRV4=10.216.2.2 SRV6=fd7e:216:2::2
CLEAN=10.216.3.10 RESET=10.216.3.20 DROP=10.216.3.30 GETRESET=10.216.3.40
MTU4=10.216.3.60 MTU6=fd7e:216:3::60
SERVED=("$CLEAN" "$RESET" "$DROP" "$GETRESET" "$MTU4" "$MTU6")
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"

vpt_routed_world "$CLEAN" 10.216.3.0/24 fd7e:216:3::/64 "${SERVED[@]}"
# The way back to the client carries 1280-byte packets; the client says
# 1460 in its SYN, so the server's full segments need the ICMP that the
# router sends, and that is dropped for the black-hole address.
vpt_in "$RTR" ip link set rc0 mtu 1280 || vpt_error "mtu on rc0"
vpt_in "$RTR" nft -f - <<EOF || vpt_error "router: nft rules"
table inet vpt_middlebox {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip daddr $RESET tcp dport 443 @ih,0,8 0x16 reject with tcp reset
		ip daddr $DROP tcp dport 443 @ih,0,8 0x16 drop
		ip daddr $RESET tcp dport 25 @ih,0,64 0x5354415254544c53 reject with tcp reset
		ip daddr $DROP tcp dport 25 @ih,0,64 0x5354415254544c53 drop
		ip daddr $GETRESET tcp dport 80 @ih,0,32 { 0x47455420, 0x48454144 } reject with tcp reset
	}
	chain output {
		type filter hook output priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed ip daddr $MTU4 drop
		icmpv6 type packet-too-big ip6 daddr $MTU6 drop
	}
}
EOF

# Certificates: a chain well over one 1280-byte packet (the leaf and four
# CAs), so the server's first TLS flight needs full-size segments.
TLS=$VPT_TMP/tls
vpt_tls_ca "$TLS" "veriport middlebox test CA"
san="DNS:mail.vpt.test"
for a in "${SERVED[@]}"; do san="$san,IP:$a"; done
vpt_tls_cert "$TLS" server "$san"
cp "$TLS/server.pem" "$TLS/chain.pem"
for i in 1 2 3 4; do
	vpt_tls_ca "$VPT_TMP/pad$i" "veriport middlebox padding CA number $i with a long name"
	cat "$VPT_TMP/pad$i/ca.pem" >>"$TLS/chain.pem"
done
chmod 0644 "$TLS"/*.pem "$TLS"/*.key
[ "$(wc -c <"$TLS/chain.pem")" -gt 2500 ] || vpt_error "the chain is too small to need full-size segments"

listen=
for a in "${SERVED[@]}"; do
	b=$(vpt_bracket "$a")
	listen="$listen
		listen $b:80; listen $b:443 ssl;"
done
vpt_nginx NGINX "$SRV" "$VPT_TMP/nginx" <<EOF
	ssl_certificate $TLS/chain.pem;
	ssl_certificate_key $TLS/server.key;
	server {
		$listen
		location / { return 200 "ok\n"; }
	}
	server {
		listen $(vpt_bracket "$CLEAN"):8443 ssl;
		ssl_reject_handshake on;
	}
EOF
vpt_postfix POSTFIX "$SRV" "$VPT_TMP/postfix" mail.vpt.test \
	"$TLS/server.key" "$TLS/chain.pem" "${SERVED[@]}"
for a in "${SERVED[@]}"; do
	vpt_wait_listen "$SRV" "$NGINX" tcp "$a" 443 || vpt_error "nginx on $a: $(cat "$VPT_TMP/nginx.log")"
	vpt_wait_listen "$SRV" "$POSTFIX" tcp "$a" 25 || vpt_error "postfix on $a: $(cat "$VPT_TMP/postfix.log")"
done

# The sweep ---------------------------------------------------------------------

JSON=$VPT_TMP/sweep.json
t0=$(vpt_now_ms)
vpt_in "$CLI" "$VERIPORT" check --catalog-dir "$CATALOGS" --profile middlebox \
	--role client --ca-file "$TLS/ca.pem" --timeout "$TIMEOUT" --format json \
	--map "https-clean=$CLEAN" --map "https-reset=$RESET" \
	--map "https-drop=$DROP" --map "https-alert=$CLEAN" --map "smtp-clean=$CLEAN" \
	--map "smtp-reset=$RESET" --map "smtp-drop=$DROP" \
	--map "http-clean=$CLEAN" --map "http-reset=$GETRESET" \
	--map "https-mtu=$MTU4,$MTU6" --only https-clean --only https-reset \
	--only https-drop --only https-alert --only smtp-clean \
	--only smtp-reset --only smtp-drop --only http-clean --only http-reset \
	>"$JSON" 2>"$VPT_TMP/sweep.err"
rc=$?
took=$(($(vpt_now_ms) - t0))
jq -e .results "$JSON" >/dev/null || vpt_error "no JSON: $(cat "$VPT_TMP/sweep.err")"
vpt_eq "exit status (required channels fail)" "$rc" 2

# one CHANNEL ADDRESS JQ: JQ of the one result of CHANNEL at ADDRESS.
one() {
	jq -r --arg c "$1" --arg a "$2" --arg e "${4:-}" "
		[.results[]? | select(.channel == \$c and (.address // \"-\") == \$a)]
		| if length == 1 then .[0] | $3 else \"\\(length) results\" end" "$JSON"
}
# expect CHANNEL ADDRESS VERDICT/REASON [EVIDENCE...]: the result, and for
# each EVIDENCE text an evidence line that contains it.
expect() {
	local ch=$1 a=$2 want=$3 e
	shift 3
	vpt_eq "$ch at $a" "$(one "$ch" "$a" '"\(.verdict)/\(.reason)"')" "$want"
	for e in "$@"; do
		vpt_eq "$ch at $a: evidence has '$e'" \
			"$(one "$ch" "$a" '[.evidence[] | contains($e)] | any' "$e")" true
	done
}
expect https-clean "$CLEAN" ok/handshake-ok
expect smtp-clean "$CLEAN" ok/handshake-ok
expect http-clean "$CLEAN" ok/answered
expect https-reset "$RESET" rejected/reset-after-data \
	"a TCP reset answered TLS ClientHello" "before any reply"
expect smtp-reset "$RESET" rejected/reset-after-data \
	"a TCP reset answered STARTTLS" "the server's own bytes had arrived before"
expect http-reset "$GETRESET" rejected/reset-after-data "a TCP reset answered HEAD / HTTP/1.1"
# A real server that closes keeps the server's verdict.
expect https-alert "$CLEAN" tls-error/handshake-failed
vpt_eq "no result is intercepted" \
	"$(jq '[.results[] | select(.verdict == "intercepted")] | length' "$JSON")" 0
# Two timeouts at most: a stalled handshake and its retry.
vpt_cmp "the sweep took (ms)" "$took" -lt $((2 * TIMEOUT * 1000 + 2000))
expect https-drop "$DROP" filtered/dropped-after-connect \
	"sent TLS ClientHello" "got no reply" "tried again with MSS 536: it stalled too"
expect smtp-drop "$DROP" filtered/dropped-after-connect \
	"but STARTTLS" "the server's own bytes had arrived before"
# The black hole on its own, after the server forgot every path MTU it
# learnt: Linux keeps one per destination, so the other addresses'
# connections to the client would have taught it the smaller one.
vpt_in "$SRV" ip route flush cache || vpt_error "server: route flush cache"
vpt_in "$SRV" ip -6 route flush cache || vpt_error "server: route -6 flush cache"
SWEEP_JSON=$JSON
JSON=$VPT_TMP/mtu.json
t1=$(vpt_now_ms)
vpt_in "$CLI" "$VERIPORT" check --catalog-dir "$CATALOGS" --profile middlebox \
	--role client --ca-file "$TLS/ca.pem" --timeout "$TIMEOUT" --format json \
	--map "https-mtu=$MTU4,$MTU6" --only https-mtu >"$JSON" 2>"$VPT_TMP/mtu.err"
took_mtu=$(($(vpt_now_ms) - t1))
jq -e .results "$JSON" >/dev/null || vpt_error "no JSON: $(cat "$VPT_TMP/mtu.err")"
expect https-mtu "$MTU4" filtered/pmtu-blackhole \
	"sent TLS ClientHello" "tried again with MSS 536: the TLS handshake completed" \
	"completes with MSS 536" "type 3 code 4"
expect https-mtu "$MTU6" filtered/pmtu-blackhole \
	"tried again with MSS 1220: the TLS handshake completed" "packet-too-big"
vpt_cmp "the black-hole sweep took (ms)" "$took_mtu" -lt $((2 * TIMEOUT * 1000 + 2000))
JSON=$SWEEP_JSON

vpt_finish
