#!/usr/bin/env bash
# Hostile peers (issue 9): tests/hostile/peer.py serves one misbehaving
# flavour per port on the loopback of a private namespace (the rows of
# tests/integration/catalogs/hostile-peers.catalog): never greets, one
# byte per second, an endless greeting, a gigabyte line, 100,000 EHLO and
# IMAP CAPABILITY lines, an IMAP literal of 999,999,999 bytes, BER lengths
# of 2^31, indefinite and 3,000 deep, STARTTLS then garbage (after the
# ClientHello, or in the go-ahead's segment) or silence, TLS that never
# reads, a chain of 100 certificates, names with control bytes, NUL,
# U+202E and invalid UTF-8, SAN iPAddress of 0, 1, 2, 3, 5, 15 and 17
# bytes, endless HTTP headers and chunk sizes, 3,000 foreign UDP answers
# before the real one, DNS compression loops, CLDAP answers of 20 and
# 63 KiB. Each flavour is one `veriport check --only FLAVOUR` under
# /usr/bin/time: the verdict the network deserves, the wall time within
# two timeouts and a margin, peak RSS under a bound, valid JSON with no
# raw control byte, nothing on stderr. Then one --verbose table sweep of
# every flavour at once: the same verdicts, the same bounds, and no raw
# control byte or invalid UTF-8 on the terminal.
. "$(dirname "$0")/integration/lib.sh"
vpt_init hostile-peers hst
VPT_NET4=10.221.0.0/16 VPT_NET6=fd7e:221::/32
vpt_need_root
vpt_need_cmd jq:jq python3:python3-minimal ip:iproute2 nft:nftables \
	openssl:openssl /usr/bin/time:time iconv:libc-bin
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs

# Per-probe timeout, seconds. A flavour may use it twice: a TLS handshake
# that stalls is tried once more with a small MSS (veriport(1), TLS).
TIMEOUT=1
WALL_MAX_MS=$((2 * TIMEOUT * 1000 + 2000))
# Peak RSS bound of one check, KiB. Measured: 7-9 MiB for a plain build,
# 36-54 MiB under ASan+UBSan, whose shadow memory and quarantine (not
# veriport's buffers) make the difference; a gigabyte line or a
# 999,999,999-byte literal held in memory would be far above either.
if grep -qa __asan_init "$VERIPORT"; then
	RSS_MAX_KB=$((96 * 1024))
else
	RSS_MAX_KB=$((24 * 1024))
fi

# flavour: the verdict/reason the network deserves, as veriport(1) words.
declare -A WANT=(
	[silent]=protocol-error/no-greeting
	[drip]=protocol-error/no-greeting
	[endless-greeting]=protocol-error/too-long
	[gigabyte-line]=protocol-error/too-long
	[ehlo-100k]=protocol-error/too-long
	[starttls-garbage]=tls-error/handshake-failed
	[starttls-plaintext]=protocol-error/unexpected-greeting
	[starttls-silence]=filtered/dropped-after-connect
	[imap-caps-100k]=protocol-error/too-long
	[imap-literal]=protocol-error/too-long
	[ber-2g]=protocol-error/too-long
	[ber-indefinite]=protocol-error/unexpected-greeting
	[ber-deep]=protocol-error/too-long
	[tls-never-reads]=filtered/dropped-after-connect
	[http-headers]=protocol-error/too-long
	[http-chunked]=ok/answered
	[chain-100]=ok/handshake-ok
	[names-ctl]=tls-error/hostname-mismatch
	[san-ip-0]=tls-error/hostname-mismatch
	[san-ip-1]=tls-error/hostname-mismatch
	[san-ip-2]=tls-error/hostname-mismatch
	[san-ip-3]=tls-error/hostname-mismatch
	[san-ip-5]=tls-error/hostname-mismatch
	[san-ip-15]=tls-error/hostname-mismatch
	[san-ip-17]=tls-error/hostname-mismatch
	[udp-flood]=ok/answered
	[dns-loop]=protocol-error/bad-reply
	[cldap-20k]=ok/answered
	[cldap-63k]=ok/answered
)

# Certificates --------------------------------------------------------------
# One EC key for every certificate (generation is what takes time), a root
# the checks trust (--ca-file), and the odd leaves signed by it.
CERTS=$VPT_TMP/certs
mkdir -p "$CERTS" || vpt_error "cannot create $CERTS"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$CERTS/key.pem" 2>"$CERTS/openssl.log" || vpt_error "openssl genpkey"

# cert OUT SUBJECT ISSUER|self [OPTION...]: OUT.pem signed by ISSUER.pem.
cert() {
	local out=$1 subj=$2 issuer=$3
	shift 3
	local sign=()
	[ "$issuer" = self ] || sign=(-CA "$CERTS/$issuer.pem" -CAkey "$CERTS/key.pem")
	openssl req -x509 -new -key "$CERTS/key.pem" -subj "$subj" -days 2 \
		-set_serial "$RANDOM$RANDOM" "${sign[@]}" "$@" \
		-out "$CERTS/$out.pem" 2>>"$CERTS/openssl.log" ||
		vpt_error "openssl req ($out): $(tail -n 3 "$CERTS/openssl.log")"
}
ca() { cert "$@" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign"; }
leaf() { cert "$@" -addext "basicConstraints=critical,CA:FALSE"; }
# served FLAVOUR PEM...: what peer.py loads for FLAVOUR.
served() {
	local flavour=$1 p
	shift
	for p in "$@"; do cat "$CERTS/$p.pem"; done >"$CERTS/$flavour.pem"
	cp "$CERTS/key.pem" "$CERTS/$flavour.key"
}

ca root "/CN=hostile peers root" self
# Names a peer should not be able to print: ESC sequences, CR LF, BEL and
# a right-to-left override (U+202E, valid UTF-8) in the subject; in the SAN, dNSNames "a\0b.example", "\e[2J" and the invalid
# UTF-8 80 ff fe 41, as raw DER ([2] IA5String, bytes as given).
san_dns=820b6100622e6578616d706c65 # a\0b.example
san_dns+=82041b5b324a               # ESC [ 2 J
san_dns+=820480fffe41               # 80 ff fe 41
leaf names "$(printf '/CN=evil\033[31mred\r\nline/O=\033]0;title\007/OU=\342\200\256txt.exe')" root -utf8 \
	-addext "subjectAltName=DER:30$(printf '%02x' $((${#san_dns} / 2)))$san_dns"
served names-ctl names root
# SAN iPAddress of every odd length ([7] OCTET STRING of N bytes 7f).
for n in 0 1 2 3 5 15 17; do
	hex=$(printf '7f%.0s' $(seq 1 "$n"))
	leaf "ip$n" "/CN=ip$n.hostile.test" root \
		-addext "subjectAltName=DER:30$(printf '%02x87%02x' $((n + 2)) "$n")$hex"
	served "san-ip-$n" "ip$n" root
done
# A chain of 100: the leaf and 99 intermediates under the root.
prev=root
chain=()
for i in $(seq 1 99); do
	ca "c$i" "/CN=hostile chain CA $i" "$prev"
	chain=("c$i" "${chain[@]}")
	prev=c$i
done
leaf long "/CN=long.hostile.test" "$prev" -addext "subjectAltName=IP:127.0.0.1"
served chain-100 long "${chain[@]}"
vpt_eq "chain-100: certificates served" \
	"$(grep -c 'BEGIN CERTIFICATE' "$CERTS/chain-100.pem")" 100

# The peers -----------------------------------------------------------------

: >"$VPT_TMP/interceptors.list"

vpt_netns NS peers 127.0.0.1
SPECS=$(awk '/^row / { name = $2 } /^ *port / { split($2, p, "/"); print name ":" p[2] }' \
	"$CATALOGS/hostile-peers.catalog")
vpt_spawn PEER "$NS" "$VPT_TMP/peer.log" python3 -u \
	"$top_srcdir/tests/hostile/peer.py" --certs "$CERTS" $SPECS
vpt_wait_until 10 grep -q '^listening' "$VPT_TMP/peer.log" ||
	vpt_error "peer.py: $(cat "$VPT_TMP/peer.log")"

# check OUT FORMAT OPTIONS...: one check in the namespace under
# /usr/bin/time; OUT.time gets "WALL-SECONDS MAX-RSS-KIB".
check() {
	local out=$1 format=$2
	shift 2
	vpt_in "$NS" /usr/bin/time -o "$out.time" -f '%e %M' \
		timeout 60 "$VERIPORT" check --catalog-dir "$CATALOGS" \
		--profile hostile-peers --role client --map peer=127.0.0.1 \
		--ca-file "$CERTS/root.pem" --interceptors "$VPT_TMP/interceptors.list" \
		--timeout "$TIMEOUT" \
		--format "$format" "$@" >"$out" 2>"$out.err"
}
# clean FILE: no byte below 0x20 but LF and TAB, no DEL, valid UTF-8.
clean() {
	! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1" &&
		! tr -d '\n' <"$1" | LC_ALL=C grep -qaP '\x00' &&
		iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}

WORST_MS=0 WORST_KB=0
for flavour in $SPECS; do
	flavour=${flavour%:*}
	out=$VPT_TMP/$flavour.json
	check "$out" json --only "$flavour"
	read -r wall rss < <(tail -n 1 "$out.time")
	ms=$(awk -v s="$wall" 'BEGIN { printf "%d", s * 1000 }')
	got=$(jq -r '.results[0] | "\(.verdict)/\(.reason)"' "$out" 2>/dev/null)
	vpt_eq "$flavour: verdict ($ms ms, $((rss / 1024)) MiB)" "$got" "${WANT[$flavour]}"
	vpt_cmp "$flavour: wall time, ms" "$ms" -le "$WALL_MAX_MS"
	vpt_cmp "$flavour: peak RSS, KiB" "$rss" -le "$RSS_MAX_KB"
	if jq -e '.results | length == 1' "$out" >/dev/null 2>&1 && clean "$out"; then
		vpt_pass "$flavour: one result, valid JSON, no raw control byte"
	else
		vpt_fail "$flavour: JSON invalid or with raw control bytes: $(head -c 300 "$out" | od -c | head -n 5)"
	fi
	vpt_eq "$flavour: nothing on stderr" "$(grep -c . "$out.err")" 0
	[ "$ms" -gt "$WORST_MS" ] && WORST_MS=$ms
	[ "$rss" -gt "$WORST_KB" ] && WORST_KB=$rss
	if [ -n "${VPT_VERBOSE:-}" ]; then
		jq -r '.results[0].evidence[]' "$out" | sed "s/^/# $flavour: /"
	fi
done
echo "# one flavour at a time: slowest $WORST_MS ms, largest peak RSS $((WORST_KB / 1024)) MiB"

# What the certificates' names became: escaped, never dropped or cut.
names=$(jq -r '.results[0] | [.tls.subject, (.evidence[])] | join("\n")' \
	"$VPT_TMP/names-ctl.json")
vpt_match "names-ctl: ESC in the subject shown as \\x1b" "$names" 'evil\\x1b\[31mred'
vpt_match "names-ctl: the NUL in a dNSName shown, the name not cut" "$names" 'a\\x00b\.example'
vpt_match "names-ctl: invalid UTF-8 in a dNSName shown as bytes" "$names" '\\x80\\xff\\xfeA'
vpt_match "names-ctl: U+202E in the subject shown as bytes" "$names" 'OU=\\xe2\\x80\\xaetxt\.exe'
vpt_match "chain-100: the chain counted, a bounded part kept" \
	"$(jq -r '.results[0].evidence[]' "$VPT_TMP/chain-100.json")" \
	'^chain of 100 certificates; the first [0-9]+ kept$'
# Every odd iPAddress length is told as its bytes, never as an address
# read past them.
for n in 0 1 2 3 5 15 17; do
	vpt_match "san-ip-$n: the SAN shown as $n bytes" \
		"$(jq -r '.results[0].evidence[]' "$VPT_TMP/san-ip-$n.json")" \
		"IP:<$n bytes"
done

# Every flavour at once, as a terminal table with the evidence.
out=$VPT_TMP/all.txt
check "$out" table --verbose --color=never
read -r wall rss < <(tail -n 1 "$out.time")
ms=$(awk -v s="$wall" 'BEGIN { printf "%d", s * 1000 }')
echo "# every flavour at once: $ms ms, peak RSS $((rss / 1024)) MiB"
vpt_cmp "all at once: wall time, ms" "$ms" -le "$WALL_MAX_MS"
vpt_cmp "all at once: peak RSS, KiB" "$rss" -le "$RSS_MAX_KB"
if clean "$out"; then
	vpt_pass "all at once: the --verbose table has no raw control byte and is UTF-8"
else
	vpt_fail "all at once: raw control bytes or invalid UTF-8 in the table"
fi
differ=
for flavour in "${!WANT[@]}"; do
	want=${WANT[$flavour]}
	grep -qE "^$flavour +[^ ]+ +[^ ]+ +[^ ]+ +${want%/*} +${want#*/}( |$)" "$out" ||
		differ+=" $flavour"
done
vpt_eq "all at once: flavours whose table verdict is not the one-by-one verdict" \
	"${differ:-none}" none
vpt_eq "peer.py still runs (no flavour crashed it)" "$(vpt_alive "$PEER" && echo yes)" yes
grep ' sent ' "$VPT_TMP/peer.log" | sort | uniq -c | sort -rn | head -n 40 |
	sed 's/^/# peer: /'

vpt_finish
