#!/bin/bash
# Trust that does not overreach (issue 14), with real nginx and postfix in
# a server namespace and veriport in a client namespace, a stand-in public
# root as the system store (OpenSSL reads SSL_CERT_FILE):
#   - --ca-file internal-ca.pem adds to the system store for public roles
#     (a public service stays ok) and holds internal roles to it (an
#     internal name re-signed by another CA is intercepted);
#   - --ca-file lan=internal-ca.pem says the same for one role;
#   - without any declaration an internal private CA is tls-error, never
#     intercepted; two public hosts re-signed by one CA are intercepted,
#     each naming the other; a self-signed MX on opportunistic STARTTLS is
#     ok, the fact in the evidence.
#
#   address      server              certificate
#   .3.10        nginx 443           internal CA
#   .3.11        nginx 443           corporate CA (an internal name)
#   .3.20        nginx 443           stand-in public root
#   .3.30 .3.31  nginx 443           corporate CA (public names)
#   .3.40        postfix 25          self-signed
. "$(dirname "$0")/lib.sh"

vpt_init trust trst
VPT_NET4=10.217.0.0/16
VPT_NET6=fd7e:217::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	postfix:postfix nginx:nginx-light
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs
TIMEOUT=3

CLI4=10.217.1.2 CLI6=fd7e:217:1::2
RTR4_C=10.217.1.1 RTR6_C=fd7e:217:1::1
RTR4_S=10.217.2.1 RTR6_S=fd7e:217:2::1
SRV4=10.217.2.2 SRV6=fd7e:217:2::2
LAN=10.217.3.10 LAN_RESIGNED=10.217.3.11 PUB=10.217.3.20
PUB_A=10.217.3.30 PUB_B=10.217.3.31 MX=10.217.3.40
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"
vpt_routed_world "$LAN" 10.217.3.0/24 fd7e:217:3::/64 \
	"$LAN" "$LAN_RESIGNED" "$PUB" "$PUB_A" "$PUB_B" "$MX"

# Certificates: three CAs and their leaves, and a self-signed one.
INT=$VPT_TMP/internal ROOT=$VPT_TMP/public CORP=$VPT_TMP/corp
vpt_tls_ca "$INT" "veriport internal CA"
vpt_tls_cert "$INT" lan "IP:$LAN"
vpt_tls_ca "$ROOT" "Stand-in Public Root"
vpt_tls_cert "$ROOT" pub "IP:$PUB"
vpt_tls_ca "$CORP" "Example Corp Inspection CA"
vpt_tls_cert "$CORP" lan-resigned "IP:$LAN_RESIGNED"
vpt_tls_cert "$CORP" pub-a "IP:$PUB_A"
vpt_tls_cert "$CORP" pub-b "IP:$PUB_B"
SELF=$VPT_TMP/self
mkdir -p "$SELF"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$SELF/mx.key" -out "$SELF/mx.pem" -days 30 -subj "/CN=mx.example.net" \
	-addext "subjectAltName = IP:$MX" >"$SELF/log" 2>&1 ||
	vpt_error "self-signed certificate: $(cat "$SELF/log")"
chmod 0644 "$VPT_TMP"/*/*.pem "$VPT_TMP"/*/*.key
STORE=$ROOT/ca.pem

server() { # ADDRESS DIR NAME: an https server block
	echo "server { listen $1:443 ssl; ssl_certificate $2/$3.pem;"
	echo "	ssl_certificate_key $2/$3.key; location / { return 200 \"ok\\n\"; } }"
}
vpt_nginx NGINX "$SRV" "$VPT_TMP/nginx" < <(
	server "$LAN" "$INT" lan
	server "$LAN_RESIGNED" "$CORP" lan-resigned
	server "$PUB" "$ROOT" pub
	server "$PUB_A" "$CORP" pub-a
	server "$PUB_B" "$CORP" pub-b
)
vpt_postfix POSTFIX "$SRV" "$VPT_TMP/postfix" mx.example.net \
	"$SELF/mx.key" "$SELF/mx.pem" "$MX"
for a in "$LAN" "$LAN_RESIGNED" "$PUB" "$PUB_A" "$PUB_B"; do
	vpt_wait_listen "$SRV" "$NGINX" tcp "$a" 443 || vpt_error "nginx on $a: $(cat "$VPT_TMP/nginx.log")"
done
vpt_wait_listen "$SRV" "$POSTFIX" tcp "$MX" 25 || vpt_error "postfix: $(cat "$VPT_TMP/postfix.log")"

# sweep NAME OPTION...: one sweep with the stand-in system store.
sweep() {
	local name=$1
	shift
	vpt_in "$CLI" env SSL_CERT_FILE="$STORE" SSL_CERT_DIR=/nonexistent \
		"$VERIPORT" check --catalog-dir "$CATALOGS" --profile trust \
		--role client --timeout "$TIMEOUT" --format json \
		--map "internal-https=$LAN" --map "internal-resigned=$LAN_RESIGNED" \
		--map "public-https=$PUB" --map "public-resigned=$PUB_A,$PUB_B" \
		--map "mx=$MX" "$@" >"$VPT_TMP/$name.json" 2>"$VPT_TMP/$name.err"
	jq -e .results "$VPT_TMP/$name.json" >/dev/null ||
		vpt_error "sweep $name: no JSON: $(cat "$VPT_TMP/$name.err")"
}
# expect SWEEP CHANNEL ADDRESS VERDICT/REASON/BECAUSE [EVIDENCE...]
expect() {
	local json=$VPT_TMP/$1.json ch=$2 a=$3 want=$4 e
	shift 4
	one() {
		jq -r --arg c "$ch" --arg a "$a" --arg e "${2:-}" "
			[.results[]? | select(.channel == \$c and .address == \$a)]
			| if length == 1 then .[0] | $1 else \"\\(length) results\" end" "$json"
	}
	vpt_eq "$ch at $a" "$(one '"\(.verdict)/\(.reason)/\(.because)"')" "$want"
	for e in "$@"; do
		vpt_eq "$ch at $a: evidence has '$e'" "$(one '[.evidence[] | contains($e)] | any' "$e")" true
	done
}
no_intercepted_beyond() { # SWEEP N: exactly N intercepted results
	vpt_eq "$1: intercepted results" \
		"$(jq '[.results[] | select(.verdict == "intercepted")] | length' "$VPT_TMP/$1.json")" "$2"
}

# Declared trust for everything internal.
sweep declared --ca-file "$INT/ca.pem"
expect declared internal-https "$LAN" ok/handshake-ok/evidence
expect declared internal-resigned "$LAN_RESIGNED" intercepted/untrusted-issuer/declared-trust \
	"expected a chain to the CA of $INT/ca.pem"
expect declared public-https "$PUB" ok/handshake-ok/evidence
expect declared public-resigned "$PUB_A" intercepted/untrusted-issuer/shared-issuer \
	"also certifies $PUB_B"
expect declared mx "$MX" ok/handshake-ok/opportunistic "opportunistic STARTTLS"
no_intercepted_beyond declared 3

# The same trust, for the internal role only.
sweep role --ca-file "lan=$INT/ca.pem"
expect role internal-https "$LAN" ok/handshake-ok/evidence
expect role internal-resigned "$LAN_RESIGNED" intercepted/untrusted-issuer/declared-trust
expect role public-https "$PUB" ok/handshake-ok/evidence
no_intercepted_beyond role 3

# Nothing declared: a private CA is no interception; re-signed public
# services are, and so is nothing else.
sweep none
expect none internal-https "$LAN" tls-error/untrusted-issuer/private-ca "declare the CA"
expect none internal-resigned "$LAN_RESIGNED" tls-error/untrusted-issuer/private-ca
expect none public-https "$PUB" ok/handshake-ok/evidence
expect none public-resigned "$PUB_A" intercepted/untrusted-issuer/shared-issuer "also certifies $PUB_B"
expect none public-resigned "$PUB_B" intercepted/untrusted-issuer/shared-issuer "also certifies $PUB_A"
expect none mx "$MX" ok/handshake-ok/opportunistic "self-signed"
no_intercepted_beyond none 2

vpt_finish
