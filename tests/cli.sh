#!/bin/sh
# The veriport command line as a user meets it: help, version, exit status 3
# for every kind of wrong input, and `catalog list|show` on the shipped
# catalogs in both formats.
set -u
vp="${top_builddir:-.}/veriport"
fails=0 passes=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS PATTERN -- ARGS...: exit status and a pattern in stdout+stderr.
expect() {
	want=$1 pattern=$2
	shift 3
	out=$("$vp" "$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "veriport $*: exit $got, expected $want"
	elif ! printf '%s' "$out" | grep -q -- "$pattern"; then
		fail "veriport $*: output lacks '$pattern'"
	else
		pass
	fi
}

expect 0 'usage: veriport check' -- --help
expect 0 "^veriport [0-9]" -- --version
expect 3 "expected a command" --
expect 3 "unknown command 'frobnicate'" -- frobnicate
expect 3 "unknown option '--frob'" -- --frob
expect 3 "unknown or incomplete option '--frob'" -- catalog list --frob
expect 3 "unknown profile 'nosuch'" -- catalog show nosuch
expect 3 "unknown subcommand 'remove'" -- catalog remove
expect 3 "expected a profile name" -- catalog show
expect 3 "unexpected argument 'extra'" -- catalog show seppmail extra
expect 0 "sx-mailcrypt" -- catalog list
expect 0 '"profile": "seppmail"' -- catalog list --json
expect 0 "smtp-from-internet" -- catalog show sx-mailcrypt
expect 0 '"default_target": "update.seppmail.ch,support.seppmail.ch"' -- catalog show seppmail --json

# A broken catalog in a folder: the error names file and line, exit 3.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'profile broken\ntitle t\nsource s\nrole a A\nrow r\n    port tcp/99999 ssh\n' >"$tmp/broken.catalog"
expect 3 "broken.catalog:6: bad port 'tcp/99999'" -- catalog show broken --catalog-dir "$tmp"
expect 3 "broken.catalog:6:" -- catalog list --catalog-dir "$tmp"
VERIPORT_CATALOG_DIR=$tmp expect 3 "broken.catalog:6:" -- catalog show broken

# Every seed row's channels are shown with DESIGN.md's role ids.
for p in mailstore-server mailstore-spe mailstore-gateway seppmail sx-mailcrypt; do
	json=$("$vp" catalog show "$p" --json) || { fail "show $p"; continue; }
	n=$(printf '%s' "$json" | grep -c '"transport"')
	rows=$("$vp" catalog show "$p" | grep -cE '^[a-z0-9-]+ +(tcp|udp)/[0-9]+ ')
	if [ "$n" -gt 0 ] && [ "$n" -eq "$rows" ]; then pass; else fail "$p: $n JSON channels, $rows table lines"; fi
done

# The table wraps purposes to the terminal width: at 200 columns every line
# fits; at 80 the purpose goes on indented lines that fit.
wide=$(COLUMNS=200 "$vp" catalog show seppmail | awk '{ if (length > m) m = length } END { print m }')
narrow=$(COLUMNS=80 "$vp" catalog show seppmail | awk '/^    / { if (length > m) m = length } END { print m }')
if [ "$wide" -le 200 ] && [ "$narrow" -gt 40 ] && [ "$narrow" -le 80 ]; then pass; else fail "wrapping: widest line $wide at 200 columns, widest purpose $narrow at 80"; fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
