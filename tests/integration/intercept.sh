#!/bin/bash
# Interception detection against real interceptors (issue 5): a
# `veriport check` sweep from a client namespace, through a router namespace
# whose nft rules hand some paths to real middleboxes, to a server namespace
# where postfix and nginx serve every address; clean and intercepted paths
# in the same sweep. Every intercepted channel must be `intercepted` with
# the reason its middlebox deserves, and no clean channel may be (zero
# false positives). Paths differ by destination address only: the router
# decides per address and port.
#
#   client  cv0 10.215.1.2 fd7e:215:1::2            veriport
#             |
#   router  rc0 10.215.1.1 / rs0 10.215.2.1         forwarding; nft nat
#           (the middleboxes listen on 10.215.1.1, where `redirect` sends)
#             |
#   server  sv0 10.215.2.2; postfix 25/587 and nginx 80/443 on every
#           address below but the canary; unbound on 10.215.3.53
#
#   name              address        what the router does
#   clean.vpt.test    .3.10 ::10     nothing
#   tls.vpt.test      .3.20          443 -> sslsplit, re-signs with a
#   update.vpt.test   .3.20               corporate CA (not a known product)
#   mitm.vpt.test     .3.30          443 -> sslsplit with a CA named mitmproxy
#   stls.vpt.test     .3.40          25 -> stunnel (protocol smtp): answers
#                                         STARTTLS with its own certificate
#   strip.vpt.test    .3.50          25 -> proxy that drops STARTTLS
#   mx.vpt.test       .3.60, .3.61   .61 only: 25 -> the same stripping proxy
#   greet.vpt.test    .3.70          25 -> proxy that masks the banner
#                                         (Cisco PIX/ASA "inspect esmtp")
#   via.vpt.test      .3.80          80 -> nginx reverse proxy adding Via
#   canary.vpt.test   .3.99          nothing listens there; the router
#                                    sends its 587 to socat -> postfix
#
# Three sweeps of the same world, each with every path:
#   A  --ca-file (the test CA) and --canary: declared trust;
#   B  neither, and the test CA is in no system store: the clean paths are
#      tls-error, never intercepted, and only what needs no trust is;
#   C  no --ca-file, no canary, a system store (SSL_CERT_FILE) holding the
#      test CA and the mitmproxy root, as when an antivirus suite installed
#      its root: split views, a public role, a known product in a chain
#      that verifies, and port 587 clean again without the canary.
. "$(dirname "$0")/lib.sh"

vpt_init intercept icpt
VPT_NET4=10.215.0.0/16
VPT_NET6=fd7e:215::/32
vpt_need_root
PYTHON=/usr/bin/python3
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	timeout:coreutils getent:libc-bin curl:curl \
	unbound:unbound unbound-checkconf:unbound postfix:postfix nginx:nginx-light \
	sslsplit:sslsplit stunnel4:stunnel4 socat:socat "$PYTHON:python3-minimal"
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs

# Per-probe timeout of the sweeps, in seconds: every path here answers in
# milliseconds (stunnel waits 200 ms to see whether the client speaks
# first), so a probe that needs it has failed.
TIMEOUT=5

CLI4=10.215.1.2 CLI6=fd7e:215:1::2
RTR4_C=10.215.1.1 RTR6_C=fd7e:215:1::1
RTR4_S=10.215.2.1 RTR6_S=fd7e:215:2::1
SRV4=10.215.2.2 SRV6=fd7e:215:2::2
NS4=10.215.3.53
CLEAN4=10.215.3.10 CLEAN6=fd7e:215:3::10
TLS4=10.215.3.20
MITM4=10.215.3.30
STLS4=10.215.3.40
STRIP4=10.215.3.50
MX4_OK=10.215.3.60 MX4_STRIP=10.215.3.61
GREET4=10.215.3.70
VIA4=10.215.3.80
CANARY4=10.215.3.99
# Every address postfix and nginx serve (not the canary's).
SERVED=("$CLEAN4" "$CLEAN6" "$TLS4" "$MITM4" "$STLS4" "$STRIP4" "$MX4_OK"
	"$MX4_STRIP" "$GREET4" "$VIA4")
NAMES=(clean tls update mitm stls strip mx greet via canary)

# The middleboxes' ports on the router.
P_SSLSPLIT_CORP=10443 P_SSLSPLIT_MITM=10444 P_STUNNEL=10025
P_STRIP=10026 P_MASK=10027 P_SOCAT=10587 P_VIA=10080

TEST_CA_CN="veriport intercept test CA"
CORP_CA_CN="Example Corp TLS Inspection CA"
MITM_CA_CN=mitmproxy

# Servers running as their own users (nginx workers) reach their files
# through this folder.
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"

# The network -------------------------------------------------------------------

vpt_routed_world "$NS4" 10.215.3.0/24 fd7e:215:3::/64 \
	"$NS4" "$CANARY4" "${SERVED[@]}"

# Certificates ------------------------------------------------------------------
# The servers' own CA and certificate (every test name, as one server
# answers for all of them); a corporate inspection CA, which signs what
# sslsplit forges on tls.vpt.test and stunnel's certificate for
# stls.vpt.test; a CA named like mitmproxy's, a product on
# catalogs/interceptors.list. sslsplit re-signs with the CA it is given.

TLS=$VPT_TMP/tls CORP=$VPT_TMP/corp-ca MITM=$VPT_TMP/mitm-ca
vpt_tls_ca "$TLS" "$TEST_CA_CN"
san=
for n in "${NAMES[@]}"; do san="${san:+$san,}DNS:$n.vpt.test"; done
vpt_tls_cert "$TLS" server "$san"
cat "$TLS/server.pem" "$TLS/ca.pem" >"$TLS/server-chain.pem"
vpt_tls_ca "$CORP" "$CORP_CA_CN"
vpt_tls_cert "$CORP" stunnel DNS:stls.vpt.test
cat "$CORP/stunnel.pem" "$CORP/ca.pem" >"$CORP/stunnel-chain.pem"
vpt_tls_ca "$MITM" "$MITM_CA_CN"
chmod 0644 "$TLS"/*.pem
# Run C's system store: the test CA and the interception product's root.
cat "$TLS/ca.pem" "$MITM/ca.pem" >"$VPT_TMP/system-store.pem"

# The servers --------------------------------------------------------------------

vpt_unbound UNBOUND "$SRV" "$VPT_TMP/unbound" "$NS4" <<EOF
local-data: ". 3600 IN SOA ns.vpt.test. hostmaster.vpt.test. 1 3600 600 86400 60"
local-data: ". 3600 IN NS ns.vpt.test."
local-data: "ns.vpt.test. 60 IN A $NS4"
local-data: "clean.vpt.test. 60 IN A $CLEAN4"
local-data: "clean.vpt.test. 60 IN AAAA $CLEAN6"
local-data: "tls.vpt.test. 60 IN A $TLS4"
local-data: "update.vpt.test. 60 IN A $TLS4"
local-data: "mitm.vpt.test. 60 IN A $MITM4"
local-data: "stls.vpt.test. 60 IN A $STLS4"
local-data: "strip.vpt.test. 60 IN A $STRIP4"
local-data: "mx.vpt.test. 60 IN A $MX4_OK"
local-data: "mx.vpt.test. 60 IN A $MX4_STRIP"
local-data: "greet.vpt.test. 60 IN A $GREET4"
local-data: "via.vpt.test. 60 IN A $VIA4"
local-data: "canary.vpt.test. 60 IN A $CANARY4"
local-data: "client.vpt.test. 60 IN A $CLI4"
local-data: "router.vpt.test. 60 IN A $RTR4_C"
local-data-ptr: "$CLI4 client.vpt.test"
local-data-ptr: "$CLI6 client.vpt.test"
local-data-ptr: "$RTR4_C router.vpt.test"
local-data-ptr: "$RTR4_S router.vpt.test"
EOF

vpt_postfix POSTFIX "$SRV" "$VPT_TMP/postfix" clean.vpt.test "$TLS/server.key" \
	"$TLS/server-chain.pem" "${SERVED[@]}"

NG=$VPT_TMP/nginx
mkdir -p "$NG/www" && chmod 0755 "$NG" "$NG/www" &&
	echo "veriport test" >"$NG/www/index.html" && chmod 0644 "$NG/www/index.html" ||
	vpt_error "cannot create $NG"
vpt_nginx NGINX "$SRV" "$NG" < <(
	echo "	server {"
	for a in "${SERVED[@]}"; do
		printf '\t\tlisten %s:80;\n\t\tlisten %s:443 ssl;\n' \
			"$(vpt_bracket "$a")" "$(vpt_bracket "$a")"
	done
	cat <<EOF
		ssl_certificate $TLS/server.pem;
		ssl_certificate_key $TLS/server.key;
		root $NG/www;
	}
EOF
)

# The middleboxes, in the router --------------------------------------------------

# sslsplit, "ssl" mode without a target: it asks netfilter for the
# original destination, connects there, and forges the server's
# certificate (subject and names copied) under the CA it is given.
vpt_spawn SSLSPLIT_CORP "$RTR" "$VPT_TMP/sslsplit-corp.log" \
	sslsplit -k "$CORP/ca.key" -c "$CORP/ca.pem" ssl "$RTR4_C" "$P_SSLSPLIT_CORP"
vpt_spawn SSLSPLIT_MITM "$RTR" "$VPT_TMP/sslsplit-mitm.log" \
	sslsplit -k "$MITM/ca.key" -c "$MITM/ca.pem" ssl "$RTR4_C" "$P_SSLSPLIT_MITM"

# stunnel in server mode with protocol smtp: it relays postfix's greeting,
# answers EHLO and STARTTLS itself, and terminates TLS with its own
# certificate; what follows goes to postfix in clear.
cat >"$VPT_TMP/stunnel.conf" <<EOF
foreground = yes
pid =
debug = 5
[smtp-inspection]
accept = $RTR4_C:$P_STUNNEL
connect = $STLS4:25
protocol = smtp
cert = $CORP/stunnel-chain.pem
key = $CORP/stunnel.key
EOF
vpt_spawn STUNNEL "$RTR" "$VPT_TMP/stunnel.log" stunnel4 "$VPT_TMP/stunnel.conf"

# The SMTP proxies that alter what postfix says (the hostile middlebox is
# this script, not veriport's target; shared with firewall.sh).
MIDDLEBOX=$top_srcdir/tests/integration/smtp-middlebox.py
vpt_spawn STRIP "$RTR" "$VPT_TMP/strip.log" \
	"$PYTHON" -u "$MIDDLEBOX" strip "$RTR4_C" "$P_STRIP"
vpt_spawn MASK "$RTR" "$VPT_TMP/mask.log" \
	"$PYTHON" -u "$MIDDLEBOX" mask "$RTR4_C" "$P_MASK"

# The transparent proxy behind the canary: whatever reaches the canary's
# 587 is answered by the real postfix.
vpt_spawn SOCAT "$RTR" "$VPT_TMP/socat.log" \
	socat "TCP4-LISTEN:$P_SOCAT,bind=$RTR4_C,reuseaddr,fork" "TCP4:$CLEAN4:587"

# An HTTP reverse proxy that announces itself (RFC 9110 §7.6.3).
vpt_nginx VIA "$RTR" "$VPT_TMP/nginx-via" <<EOF
	server {
		listen $RTR4_C:$P_VIA;
		location / {
			proxy_pass http://$VIA4:80;
			proxy_set_header Host \$host;
			add_header Via "1.1 vpt-proxy" always;
		}
	}
EOF

vpt_in "$RTR" nft -f - <<EOF || vpt_error "router: nft nat rules"
table ip vpt_intercept {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $TLS4 tcp dport 443 redirect to :$P_SSLSPLIT_CORP
		ip daddr $MITM4 tcp dport 443 redirect to :$P_SSLSPLIT_MITM
		ip daddr $STLS4 tcp dport 25 redirect to :$P_STUNNEL
		ip daddr { $STRIP4, $MX4_STRIP } tcp dport 25 redirect to :$P_STRIP
		ip daddr $GREET4 tcp dport 25 redirect to :$P_MASK
		ip daddr $CANARY4 tcp dport 587 redirect to :$P_SOCAT
		ip daddr $VIA4 tcp dport 80 redirect to :$P_VIA
	}
}
EOF

# Everything is bound before anything is asked of it.
vpt_wait_listen "$SRV" "$UNBOUND" udp "$NS4" 53 || vpt_error "unbound is not on udp $NS4:53"
for a in "${SERVED[@]}"; do
	for want in POSTFIX:25 POSTFIX:587 NGINX:80 NGINX:443; do
		IFS=: read -r var port <<<"$want"
		vpt_wait_listen "$SRV" "${!var}" tcp "$a" "$port" ||
			vpt_error "${var,,} is not on tcp $a:$port"
	done
done
for want in SSLSPLIT_CORP:$P_SSLSPLIT_CORP SSLSPLIT_MITM:$P_SSLSPLIT_MITM \
	STUNNEL:$P_STUNNEL STRIP:$P_STRIP MASK:$P_MASK SOCAT:$P_SOCAT VIA:$P_VIA; do
	IFS=: read -r var port <<<"$want"
	vpt_wait_listen "$RTR" "${!var}" tcp "$RTR4_C" "$port" ||
		vpt_error "${var,,} is not on tcp $RTR4_C:$port"
done
echo "# world up after $SECONDS s"
dpkg-query -W -f '# ${Package} ${Version}\n' sslsplit stunnel4 socat nginx-light \
	postfix unbound python3-minimal openssl 2>/dev/null

# The world, checked with the usual clients ----------------------------------------
# Before veriport is asked: each middlebox really does what its path says.

got=$(vpt_in "$CLI" getent ahostsv4 mx.vpt.test | awk '$2 == "STREAM" { print $1 }' | sort | xargs)
vpt_eq "world: mx.vpt.test has two A records in the client" "$got" "$MX4_OK $MX4_STRIP"

# s_client HOST PORT [OPTIONS...]: a TLS handshake from the client that
# trusts the test CA; prints "CODE | SUBJECT | ISSUER" of what it got.
s_client() {
	local host=$1 port=$2
	shift 2
	vpt_in "$CLI" timeout 10 openssl s_client -connect "$host:$port" \
		-servername "$host" -CAfile "$TLS/ca.pem" -nameopt RFC2253 "$@" \
		</dev/null 2>/dev/null |
		awk '/^subject=/ { sub(/^subject=/, ""); s = $0 }
		     /^issuer=/ { sub(/^issuer=/, ""); i = $0 }
		     /Verify return code:/ { c = $4 }
		     END { print c + 0 " | " s " | " i }'
}
vpt_eq "world: clean.vpt.test:443 presents the server's certificate" \
	"$(s_client clean.vpt.test 443)" "0 | CN=clean.vpt.test | CN=$TEST_CA_CN"
vpt_eq "world: clean.vpt.test:25 STARTTLS presents the server's certificate" \
	"$(s_client clean.vpt.test 25 -starttls smtp)" "0 | CN=clean.vpt.test | CN=$TEST_CA_CN"
# 19: self-signed certificate in certificate chain (the forger's CA).
vpt_eq "world: sslsplit re-signs tls.vpt.test:443 with the corporate CA" \
	"$(s_client tls.vpt.test 443)" "19 | CN=clean.vpt.test | CN=$CORP_CA_CN"
vpt_eq "world: sslsplit re-signs mitm.vpt.test:443 with the mitmproxy CA" \
	"$(s_client mitm.vpt.test 443)" "19 | CN=clean.vpt.test | CN=$MITM_CA_CN"
vpt_eq "world: stunnel answers STARTTLS on stls.vpt.test:25 with its certificate" \
	"$(s_client stls.vpt.test 25 -starttls smtp)" "19 | CN=stls.vpt.test | CN=$CORP_CA_CN"

# smtp ADDR PORT: the greeting, then the EHLO reply's keywords, one line.
smtp() {
	vpt_in "$CLI" timeout 5 bash -c '
		exec 3<>"/dev/tcp/$1/$2" || exit
		IFS= read -r line <&3 && printf "%s |" "$line"
		printf "EHLO client.vpt.test\r\n" >&3
		while IFS= read -r line <&3; do
			printf " %s" "${line:4}"
			[ "${line:3:1}" = " " ] && break
		done
		printf "QUIT\r\n" >&3' smtp "$1" "$2" 2>/dev/null | tr -d '\r'
}
starttls_offered() {
	case $(smtp "$1" "$2") in *" STARTTLS"*) echo yes ;; *\|*) echo no ;; *) echo "no answer" ;; esac
}
vpt_eq "world: STARTTLS offered at $MX4_OK:25" "$(starttls_offered "$MX4_OK" 25)" yes
vpt_eq "world: STARTTLS stripped at $MX4_STRIP:25" "$(starttls_offered "$MX4_STRIP" 25)" no
vpt_eq "world: STARTTLS stripped at $STRIP4:25" "$(starttls_offered "$STRIP4" 25)" no
vpt_eq "world: STARTTLS offered at $STRIP4:587 (not redirected)" "$(starttls_offered "$STRIP4" 587)" yes
vpt_match "world: the banner at $GREET4:25 is masked" "$(smtp "$GREET4" 25)" '^220 \*{5,} \|.* STARTTLS'
vpt_eq "world: nothing answers at the canary's 25" "$(smtp "$CANARY4" 25)" ""
vpt_match "world: postfix answers at the canary's 587 (through socat)" \
	"$(smtp "$CANARY4" 587)" '^220 clean\.vpt\.test ESMTP veriport test \|'
# via ADDR: the Via header of a HEAD /, or "none".
via() {
	vpt_in "$CLI" timeout 10 curl -sI "http://$1/" |
		awk -F': ' 'tolower($1) == "via" { v = $2 } END { sub(/\r$/, "", v); print v == "" ? "none" : v }'
}
vpt_eq "world: the proxy on via.vpt.test:80 adds Via" "$(via "$VIA4")" "1.1 vpt-proxy"
vpt_eq "world: no Via from clean.vpt.test:80" "$(via "$CLEAN4")" none

# The sweeps ----------------------------------------------------------------------

SERVER_HOSTS="clean tls mitm stls mx greet via"
REQUIRED_HOSTS="clean strip stls"
addresses() {
	case $1 in
	clean) echo "$CLEAN4 $CLEAN6" ;;
	tls | update) echo "$TLS4" ;;
	mitm) echo "$MITM4" ;;
	stls) echo "$STLS4" ;;
	strip) echo "$STRIP4" ;;
	mx) echo "$MX4_OK $MX4_STRIP" ;;
	greet) echo "$GREET4" ;;
	via) echo "$VIA4" ;;
	esac
}
# internet_hosts RUN: the public role's hosts. B has no trusted store for
# the test CA, so the clean host, with its private certificate, would be
# a public service with an unknown issuer: not mapped there.
internet_hosts() { [ "$1" = B ] && echo update || echo "update clean"; }
list() { local h out=; for h in "$@"; do out="${out:+$out,}$h.vpt.test"; done; echo "$out"; }

# sweep RUN OUT ARGS...: one JSON sweep in the client namespace; $? is
# veriport's.
sweep() {
	local run=$1 out=$2
	shift 2
	vpt_in "$CLI" timeout 60 "$@" "$VERIPORT" check --catalog-dir "$CATALOGS" \
		--interceptors "$top_srcdir/catalogs/interceptors.list" \
		--profile intercept --role client --map "server=$(list $SERVER_HOSTS)" \
		--map "smtp-required=$(list $REQUIRED_HOSTS)" \
		--map "internet=$(list $(internet_hosts "$run"))" \
		--timeout "$TIMEOUT" --format json "${SWEEP_OPTS[@]}" >"$out" 2>"$out.err"
}

# What each sweep must say: WANT["RUN CHANNEL TARGET ADDRESS"] is
# VERDICT/REASON, and EVIDENCE[...] a text one evidence line contains.
declare -A WANT EVIDENCE
# clean RUN CHANNEL HOST: the results of a path nothing is in the way of.
clean() {
	local run=$1 ch=$2 a want=ok/handshake-ok evidence=
	[ "$ch" = http ] && want=ok/answered
	if [ "$run" = B ] && [ "$ch" != http ]; then
		want=tls-error/untrusted-issuer
		evidence="issuer CN=$TEST_CA_CN is not trusted; to tell a private CA from interception, declare the CA (--ca-file)"
	fi
	for a in $(addresses "$3"); do
		WANT["$run $ch $3.vpt.test $a"]=$want
		EVIDENCE["$run $ch $3.vpt.test $a"]=$evidence
	done
}
for run in A B C; do
	for ch in smtp submission https http; do
		for h in $SERVER_HOSTS; do clean "$run" "$ch" "$h"; done
	done
	for h in $REQUIRED_HOSTS; do clean "$run" smtp-required "$h"; done
	for h in $(internet_hosts "$run"); do clean "$run" update "$h"; done
done
# flag RUNS CHANNEL HOST ADDRESS VERDICT/REASON EVIDENCE: what a path with
# a middlebox gives in each of RUNS (A, B, C); the result must be planned.
flag() {
	local run key
	for run in $(echo "$1" | grep -o .); do
		key="$run $2 $3.vpt.test $4"
		[ -n "${WANT[$key]:-}" ] || vpt_error "flag: no result $key planned"
		WANT[$key]=$5
		EVIDENCE[$key]=$6
	done
}
untrusted_a="expected a chain to the CA of $TLS/ca.pem; got issuer CN=$CORP_CA_CN"
untrusted_b="issuer CN=$CORP_CA_CN is not trusted; to tell a private CA from interception, declare the CA (--ca-file)"
split() { echo "split view: $1.vpt.test presents a chain that verifies (issuer CN=$TEST_CA_CN) on tcp/$2 at $3"; }
# sslsplit, corporate CA: interception once something says what the real
# certificate is (declared CA, or the host's other ports); a private CA
# otherwise.
flag A https tls "$TLS4" intercepted/untrusted-issuer "$untrusted_a"
flag B https tls "$TLS4" tls-error/untrusted-issuer "$untrusted_b"
flag C https tls "$TLS4" intercepted/untrusted-issuer "$(split tls 25 "$TLS4")"
# The same sslsplit on a public role: no declaration needed, and a
# --ca-file only adds to the system store there (A), so the rule that
# fires is the public role's.
flag ABC update update "$TLS4" intercepted/untrusted-issuer \
	"public service: its certificate must verify against the system store; got issuer CN=$CORP_CA_CN"
# sslsplit with a CA named like a known product: whatever the trust.
flag ABC https mitm "$MITM4" intercepted/known-interceptor \
	"the chain names mitmproxy, a known interception product"
# stunnel answering STARTTLS, on both STARTTLS promises.
for ch in smtp smtp-required; do
	flag A $ch stls "$STLS4" intercepted/untrusted-issuer "$untrusted_a"
	flag B $ch stls "$STLS4" tls-error/untrusted-issuer "$untrusted_b"
	flag C $ch stls "$STLS4" intercepted/untrusted-issuer "$(split stls 587 "$STLS4")"
done
# The stripping proxy: required by the catalog, or offered on the name's
# other address. Neither needs any trust.
flag ABC smtp-required strip "$STRIP4" intercepted/starttls-stripped \
	"the catalog requires STARTTLS on this channel"
flag ABC smtp mx "$MX4_STRIP" intercepted/starttls-stripped \
	"STARTTLS offered by mx.vpt.test on tcp/25 at $MX4_OK, missing here"
# The masked banner; in B the untrusted certificate outranks it.
flag AC smtp greet "$GREET4" intercepted/greeting-altered \
	"the greeting names Cisco PIX/ASA ESMTP inspection: \"220 ****"
# The proxy's Via against the same host's https answer without one.
flag ABC http via "$VIA4" intercepted/header-injected \
	"Via/X-Cache here, none from via.vpt.test on tcp/443 at $VIA4"
# The canary (A and B): every answer on 587 may be the transparent proxy's.
for h in $SERVER_HOSTS; do
	for a in $(addresses "$h"); do
		flag AB submission "$h" "$a" intercepted/canary-answered \
			"the canary canary.vpt.test answered on tcp/587 at $CANARY4: something in the path answers for every host"
	done
done

# check_sweep RUN JSON RC: every result of the sweep against WANT.
check_sweep() {
	local run=$1 json=$2 rc=$3 key ch target addr got want n=0 clean=0 fp
	vpt_eq "sweep $run: exit status (required channels intercepted)" "$rc" 2
	if [ "$(jq -r type "$json" 2>/dev/null)" = object ]; then
		vpt_pass "sweep $run: output is JSON"
	else
		vpt_fail "sweep $run: output is not JSON: $(head -c 300 "$json")"
		echo '{}' >"$json"
	fi
	for key in $(printf '%s\n' "${!WANT[@]}" | grep "^$run " | tr ' ' '|' | sort); do
		key=${key//|/ }
		read -r _ ch target addr <<<"$key"
		want=${WANT[$key]}
		n=$((n + 1))
		[ "${want%%/*}" = intercepted ] || clean=$((clean + 1))
		got=$(jq -r --arg c "$ch" --arg t "$target" --arg a "$addr" '
			[.results[]? | select(.channel == $c and .target == $t and .address == $a)]
			| if length == 1 then .[0] | "\(.verdict)/\(.reason)"
			  else "\(length) results" end' "$json")
		vpt_eq "sweep $run: $ch $target $addr" "$got" "$want"
		[ -n "${EVIDENCE[$key]}" ] || continue
		vpt_eq "sweep $run: $ch $target $addr: evidence says why" \
			"$(jq -r --arg c "$ch" --arg t "$target" --arg a "$addr" --arg e "${EVIDENCE[$key]}" '
				[.results[]? | select(.channel == $c and .target == $t and .address == $a)
				 | .evidence | any(contains($e))] | tostring' "$json")" '[true]'
	done
	vpt_eq "sweep $run: number of results (one per channel and address)" \
		"$(jq '.results | length' "$json")" "$n"
	# Zero false positives, in one line: every intercepted result is one
	# the world intercepts.
	fp=$(jq -r '.results[]? | select(.verdict == "intercepted")
		| "\(.channel) \(.target) \(.address)"' "$json" |
		while read -r ch target addr; do
			[ "${WANT["$run $ch $target $addr"]%%/*}" = intercepted ] ||
				echo "$ch $target $addr"
		done | xargs)
	vpt_eq "sweep $run: no clean result is intercepted (of $clean clean)" "$fp" ""
}

JSON_A=$VPT_TMP/sweep-a.json JSON_B=$VPT_TMP/sweep-b.json JSON_C=$VPT_TMP/sweep-c.json
# A: the test CA declared, the canary set.
SWEEP_OPTS=(--ca-file "$TLS/ca.pem" --canary canary.vpt.test)
t0=$(date +%s%N)
sweep A "$JSON_A"
rc=$?
echo "# sweep A: exit $rc, wall clock $((($(date +%s%N) - t0) / 1000000)) ms"
[ -s "$JSON_A.err" ] && sed 's/^/# stderr: /' "$JSON_A.err"
check_sweep A "$JSON_A" "$rc"
# B: nothing declared; the test CA is in no system store.
SWEEP_OPTS=(--canary canary.vpt.test)
sweep B "$JSON_B"
rc=$?
[ -s "$JSON_B.err" ] && sed 's/^/# stderr: /' "$JSON_B.err"
check_sweep B "$JSON_B" "$rc"
# C: a system store that trusts the test CA and the mitmproxy root; no
# canary.
SWEEP_OPTS=()
sweep C "$JSON_C" env SSL_CERT_FILE="$VPT_TMP/system-store.pem"
rc=$?
[ -s "$JSON_C.err" ] && sed 's/^/# stderr: /' "$JSON_C.err"
check_sweep C "$JSON_C" "$rc"

# What the results carry besides the verdict -------------------------------------

# field JSON CHANNEL TARGET ADDRESS JQ
field() {
	jq -r --arg c "$2" --arg t "$3" --arg a "$4" "
		[.results[]? | select(.channel == \$c and .target == \$t and .address == \$a)]
		| if length == 1 then .[0] | $5 else \"\\(length) results\" end" "$1"
}
REAL_SHA=$(vpt_tls_sha256 "$TLS/server.pem")
tls_of='.tls | "issuer=\(.issuer) subject=\(.subject) verified=\(.verified) chain=\(.chain // [] | map(.subject) | join(" < "))"'
vpt_eq "A: https clean.vpt.test $CLEAN6: the server's own certificate" \
	"$(field "$JSON_A" https clean.vpt.test "$CLEAN6" "$tls_of + \" sha256=\(.sha256)\"")" \
	"issuer=CN=$TEST_CA_CN subject=CN=clean.vpt.test verified=true chain=CN=clean.vpt.test sha256=$REAL_SHA"
vpt_eq "A: https tls.vpt.test: sslsplit's forgery (name copied, CA appended)" \
	"$(field "$JSON_A" https tls.vpt.test "$TLS4" "$tls_of")" \
	"issuer=CN=$CORP_CA_CN subject=CN=clean.vpt.test verified=false chain=CN=clean.vpt.test < CN=$CORP_CA_CN"
got=$(field "$JSON_A" https tls.vpt.test "$TLS4" .tls.sha256)
if [ -n "$got" ] && [ "$got" != null ] && [ "$got" != "$REAL_SHA" ]; then
	vpt_pass "A: https tls.vpt.test: not the server's certificate (sha256 $got)"
else
	vpt_fail "A: https tls.vpt.test: sha256 '$got' is the server's own or missing"
fi
vpt_eq "A: https mitm.vpt.test: issued by the mitmproxy CA" \
	"$(field "$JSON_A" https mitm.vpt.test "$MITM4" '.tls.issuer')" "CN=$MITM_CA_CN"
vpt_eq "C: https mitm.vpt.test: known-interceptor although the chain verifies" \
	"$(field "$JSON_C" https mitm.vpt.test "$MITM4" '"\(.verdict) verified=\(.tls.verified)"')" \
	"intercepted verified=true"
vpt_eq "A: smtp stls.vpt.test: stunnel's own certificate after STARTTLS" \
	"$(field "$JSON_A" smtp stls.vpt.test "$STLS4" '"offered=\(.starttls.offered) sha256=\(.tls.sha256)"')" \
	"offered=true sha256=$(vpt_tls_sha256 "$CORP/stunnel.pem")"
vpt_eq "A: smtp-required strip.vpt.test: STARTTLS facts" \
	"$(field "$JSON_A" smtp-required strip.vpt.test "$STRIP4" '"\(.starttls) tls=\(has("tls"))"')" \
	'{"offered":false,"policy":"required"} tls=false'
vpt_eq "A: smtp mx.vpt.test $MX4_STRIP: STARTTLS facts" \
	"$(field "$JSON_A" smtp mx.vpt.test "$MX4_STRIP" '.starttls | tostring')" \
	'{"offered":false,"policy":"opportunistic"}'
vpt_eq "A: smtp mx.vpt.test $MX4_OK: STARTTLS facts" \
	"$(field "$JSON_A" smtp mx.vpt.test "$MX4_OK" '.starttls | tostring')" \
	'{"offered":true,"policy":"opportunistic"}'
vpt_match "A: smtp greet.vpt.test: the masked greeting is kept" \
	"$(field "$JSON_A" smtp greet.vpt.test "$GREET4" .greeting)" '^220 \*{5,}$'
vpt_eq "A: http via.vpt.test: the proxy's answer" \
	"$(field "$JSON_A" http via.vpt.test "$VIA4" .http.status)" 200
# The canary: probed once per port of the sweep; only 587 answered.
for run in A B; do
	json=$VPT_TMP/sweep-${run,,}.json
	vpt_eq "$run: canary probes (port:address:answered)" \
		"$(jq -r '[.canary[]? | "\(.port):\(.address):\(.answered)"] | sort | join(" ")' "$json")" \
		"25:$CANARY4:false 443:$CANARY4:false 587:$CANARY4:true 80:$CANARY4:false"
done
vpt_eq "C: no canary, no canary list" "$(jq 'has("canary")' "$JSON_C")" false

# Nothing tried to leave the test world.
for ns in "$CLI" "$RTR" "$SRV"; do
	vpt_eq "guard: packets $ns sent outside the test ranges" "$(vpt_guard_drops "$ns")" 0
done
echo "# runtime ${SECONDS} s"

vpt_finish
