#!/bin/sh
# Writes the seed corpus of fuzz_cert into corpus/cert (run it from any
# directory; the seeds are kept in git, so this runs only to remake them):
# real chains made with openssl, as PEM and as DER, and odd certificates —
# SAN iPAddress of 0, 1, 2, 5, 16 and 17 bytes, names with control bytes,
# NUL and invalid UTF-8, a chain longer than TLSIO_CHAIN_MAX.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus/cert
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cd "$tmp"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# cert NAME SUBJECT ISSUER-NAME|self [EXT...]: NAME.pem, signed by ISSUER.
cert() {
	name=$1 subj=$2 issuer=$3
	shift 3
	key "$name.key"
	set -- "$@" -addext "basicConstraints=critical,CA:TRUE"
	if [ "$issuer" = self ]; then
		openssl req -x509 -new -key "$name.key" -subj "$subj" -days 30 \
			-utf8 -set_serial 1 "$@" -out "$name.pem" 2>/dev/null
	else
		openssl req -new -key "$name.key" -subj "$subj" -utf8 "$@" \
			-out "$name.csr" 2>/dev/null
		openssl x509 -req -in "$name.csr" -CA "$issuer.pem" \
			-CAkey "$issuer.key" -set_serial 2 -days 30 \
			-copy_extensions copyall -out "$name.pem" 2>/dev/null
	fi
}

der() { openssl x509 -in "$1.pem" -outform DER; }

# A real chain: root, intermediate, leaf with DNS and IP names.
cert root "/C=CH/O=Example Root/CN=Example Root CA" self
cert inter "/O=Example/CN=Example Issuing CA" root
cert leaf "/CN=mx.example.net" inter \
	-addext "subjectAltName=DNS:mx.example.net,DNS:*.example.net,IP:192.0.2.1,IP:2001:db8::1"
cat leaf.pem inter.pem root.pem >"$out/chain-pem"
{ der leaf; der inter; der root; } >"$out/chain-der"
der leaf >"$out/leaf-der"
cp root.pem "$out/self-signed-pem"

# SAN iPAddress of every odd length, as raw DER (GeneralNames: [7] OCTETS).
for n in 0 1 2 5 16 17; do
	hex=$(head -c "$n" /dev/zero | tr '\0' '\177' | od -An -tx1 | tr -d ' \n')
	len=$(printf '%02x' "$n")
	seq=$(printf '%02x' $((n + 2)))
	cert "ip$n" "/CN=ip$n.example.net" inter \
		-addext "subjectAltName=DER:30${seq}87${len}${hex}"
	der "ip$n" >"$out/san-ip-$n-der"
done

# Names a hostile peer might send: ESC and newline, a NUL, invalid UTF-8
# (as a UTF8String and in a dNSName, through raw DER).
cert ctl "$(printf '/CN=evil\033[31mred\r\nx')" inter -addext "subjectAltName=DNS:a.example"
der ctl >"$out/name-control-der"
# dNSName "a\0b.example" and "\x1b[2J": IA5String bytes as given.
cert nul "/CN=nul.example" inter -addext "subjectAltName=DER:3013820b6100622e6578616d706c6582041b5b324a"
der nul >"$out/san-dns-nul-der"
cert bad "/CN=bad.example" inter -addext "subjectAltName=DER:3006820480fffe41"
der bad >"$out/san-dns-badutf8-der"

# A chain of 9: more than TLSIO_CHAIN_MAX.
prev=root
: >long.pem
for i in 1 2 3 4 5 6 7 8; do
	cert "c$i" "/CN=Chain CA $i" "$prev"
	prev=c$i
done
cert longleaf "/CN=long.example" "$prev" -addext "subjectAltName=DNS:long.example"
cat longleaf.pem c8.pem c7.pem c6.pem c5.pem c4.pem c3.pem c2.pem c1.pem >"$out/chain-long-pem"

# Not quite certificates: a cut DER, PEM without its end, garbage.
der leaf | head -c 200 >"$out/truncated-der"
head -n 5 leaf.pem >"$out/truncated-pem"
printf 'not a certificate\n' >"$out/garbage"
