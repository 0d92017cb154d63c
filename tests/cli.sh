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
# Each command's --help: its own usage and every option it takes.
expect 0 '^commands:' -- --help
expect 0 'veriport COMMAND --help' -- --help
expect 0 '^check options:' -- check --help
expect 0 '^catalog options:' -- catalog --help
expect 0 '^catalog options:' -- catalog list --help
expect 0 '^catalog options:' -- catalog show --help
expect 0 '^status options:' -- status --help
expect 0 '^respond options:' -- respond --help
expect 0 '^probe options:' -- probe --help
expect 0 '^accept options:' -- accept --help
top=${top_srcdir:-.}
for cmd in check catalog status respond probe accept; do
	help=$("$vp" $cmd --help)
	if [ "$cmd" != respond ] && printf '%s' "$help" | grep -q 'veriport respond --profile'; then fail "$cmd --help prints the global usage"; else pass; fi
	src=$top/src/cmd_$cmd.c
	case $cmd in probe | accept) src=$top/src/cmd_socket.c ;; esac
	for o in $(sed -n 's/^[[:space:]]*{"\([a-z0-9-]*\)", *[a-z_]*argument.*/\1/p' "$src"); do
		if printf '%s' "$help" | grep -q -- "--$o\b"; then pass; else fail "$cmd --help lacks --$o"; fi
	done
done
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
expect 0 '"group": "dns"' -- catalog show sx-mailcrypt --json
expect 0 '^admin  Administrator access' -- catalog show sx-mailcrypt

# check: every wrong input is exit 3 with a message naming it.
expect 3 "expected --profile NAME and --role ROLE" -- check --profile seppmail
expect 3 "unknown profile 'nosuch'" -- check --profile nosuch --role appliance
expect 3 "unknown role 'mailserver' in profile sx-mailcrypt (roles: appliance," -- check --profile sx-mailcrypt --role mailserver
expect 3 "'nowhere' is neither a role nor a channel" -- check --profile sx-mailcrypt --role appliance --map nowhere=h
expect 3 "expected ROLE=HOST" -- check --profile sx-mailcrypt --role appliance --map internet
# Host syntax is checked at parse time, never a runtime dns-error.
for h in 'a..b' 'mx_1.example' '1.2.3.4.5' '-mx.example' 'mx.example:0' '2001:db8::g'; do
	expect 3 "--map internet=$h: bad target" -- check --profile sx-mailcrypt --role appliance --map "internet=$h"
done
expect 3 "bad target '.mx.example.:25'" -- check --profile sx-mailcrypt --role appliance --map "internet=[mx.example]:25"
expect 3 "--canary a..b: expected a host name" -- check --profile sx-mailcrypt --role appliance --canary a..b
expect 3 "--only nosuch: no such channel" -- check --profile sx-mailcrypt --role appliance --only nosuch
expect 3 "--timeout 0: expected seconds" -- check --profile sx-mailcrypt --role appliance --timeout 0
expect 3 "--timeout 1x: expected seconds" -- check --profile sx-mailcrypt --role appliance --timeout 1x
expect 3 "--format xml: expected table, json" -- check --profile sx-mailcrypt --role appliance --format xml
expect 3 "unknown or incomplete option '--frob'" -- check --profile sx-mailcrypt --role appliance --frob
expect 3 "unexpected argument 'extra'" -- check --profile sx-mailcrypt --role appliance extra

# respond: every wrong input is exit 3 before any socket is opened.
expect 0 "--token-file FILE" -- respond --help
expect 0 "veriport respond --profile NAME" -- --help
expect 3 "expected --profile NAME and --role ROLE" -- respond --profile seppmail
expect 3 "unknown profile 'nosuch'" -- respond --profile nosuch --role appliance
expect 3 "unknown role 'mailserver' in profile seppmail (roles: appliance," -- respond --profile seppmail --role mailserver
expect 3 "--only nosuch: no such channel" -- respond --profile seppmail --role appliance --only nosuch
expect 3 "channel smtp-to-mail-server goes to mail-server, not to appliance" -- respond --profile seppmail --role appliance --only smtp-to-mail-server
expect 3 "--bind mx.example: expected an IPv4 or IPv6 address" -- respond --profile seppmail --role appliance --bind mx.example
expect 3 "--duration 0: expected seconds" -- respond --profile seppmail --role appliance --duration 0
expect 3 "--control-port 70000: expected 1 to 65535" -- respond --profile seppmail --role appliance --control-port 70000
expect 3 "--max-clients 0: expected 1 to" -- respond --profile seppmail --role appliance --max-clients 0
expect 3 "--cert and --key go together" -- respond --profile seppmail --role appliance --cert c.pem
expect 3 "unexpected argument 'extra'" -- respond --profile seppmail --role appliance extra
expect 3 "unknown or incomplete option '--frob'" -- respond --profile seppmail --role appliance --frob

# check with nothing mapped probes no network: the channels are skipped
# and the table tells the user what to --map. A required channel left
# without a target is not verified: exit 1 (warning), never a silent 0.
only="--only smtp-to-internet --only dns-internet-udp --only vspp-updates"
expect 1 "no-target: name the hosts of those roles with --map ROLE=HOST" -- check --profile sx-mailcrypt --role appliance $only --format table
expect 1 '"reason": "no-target"' -- check --profile sx-mailcrypt --role appliance $only --format json
expect 3 "^VERIPORT UNKNOWN - nothing was probed (smtp-to-internet: skipped/no-target); sx-mailcrypt as appliance: 0 probed" -- check --profile sx-mailcrypt --role appliance $only --format nagios
# Nothing verified is never OK: --only a channel this role has no part in.
expect 3 "^VERIPORT UNKNOWN - nothing was probed (ssh-to-seppmail-support: skipped/not-this-role)" -- check --profile seppmail --role mail-server --only ssh-to-seppmail-support --format nagios
expect 1 "not-this-role" -- check --profile seppmail --role mail-server --only ssh-to-seppmail-support --format table

# With --format nagios, an error is also the plugin's UNKNOWN line on
# stdout (Nagios shows only that), with no '|' to start perfdata.
nagios_unknown() { # PATTERN ARGS...
	pattern=$1
	shift
	out=$("$vp" check "$@" --format nagios 2>/dev/null)
	got=$?
	if [ "$got" -ne 3 ]; then
		fail "check $* --format nagios: exit $got, expected 3"
	elif [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! printf '%s' "$out" | grep -q -- "^VERIPORT UNKNOWN - $pattern"; then
		fail "check $* --format nagios: stdout '$out' lacks one 'VERIPORT UNKNOWN - $pattern' line"
	elif printf '%s' "$out" | grep -q '|'; then
		fail "check $* --format nagios: a '|' in '$out'"
	else
		pass
	fi
}
nagios_unknown "--timeout 0: expected seconds" --profile sx-mailcrypt --role appliance --timeout 0
nagios_unknown "unknown profile 'nosuch'" --profile nosuch --role appliance
nagios_unknown "unknown role 'x'" --profile sx-mailcrypt --role x
nagios_unknown "--map internet=a.x7cb: bad target" --profile sx-mailcrypt --role appliance --map 'internet=a|b'
nagios_unknown "/nonexistent/ca.pem: No such file or directory" --profile sx-mailcrypt --role appliance --only smtp-to-internet --map internet=127.0.0.1:1 --ca-file /nonexistent/ca.pem
nagios_unknown "--responder-file /nonexistent/t: No such file" --profile sx-mailcrypt --role appliance --responder-file /nonexistent/t
expect 1 'veriport_channel_reason_info{profile="sx-mailcrypt",role="appliance",channel="smtp-to-internet",from="appliance",to="internet",transport="tcp",port="25",target="",address="",optional="false",reason="no-target"} 1' -- check --profile sx-mailcrypt --role appliance $only --format prometheus

# A broken catalog in a folder: the error names file and line, exit 3.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A responder: its token is checked at parse time, its file when read.
expect 3 "--responder BAD: expected the token" -- check --profile sx-mailcrypt --role appliance --responder BAD
expect 3 "--responder-file $tmp/none: No such file or directory" -- check --profile sx-mailcrypt --role appliance --responder-file "$tmp/none"
printf 'token vpr-0123456789abcdef\nspki-sha256 %064d\ncontrol-port 7979\nprofile sx-mailcrypt\nrole nosuch\n' 0 >"$tmp/token"
expect 3 "stands in for role 'nosuch', which profile sx-mailcrypt does not have" -- check --profile sx-mailcrypt --role appliance --responder-file "$tmp/token"
expect 3 "one or the other" -- check --profile sx-mailcrypt --role appliance --responder vpr-0123456789abcdef --responder-file "$tmp/token"
printf 'profile broken\ntitle t\nsource s\nrole a A\nrow r\n    port tcp/99999 ssh\n' >"$tmp/broken.catalog"
expect 3 "broken.catalog:6: bad port 'tcp/99999'" -- catalog show broken --catalog-dir "$tmp"
expect 3 "broken.catalog:6:" -- catalog list --catalog-dir "$tmp"
VERIPORT_CATALOG_DIR=$tmp expect 3 "broken.catalog:6:" -- catalog show broken
# Issue 13: a byte that is not UTF-8 refuses the catalog with its line,
# rather than vanishing from the JSON.
printf 'profile latin1\ntitle t\nsource s\nrole a Zugriff f\374r alle\n' >"$tmp/latin1.catalog"
expect 3 "latin1.catalog:4: not UTF-8 text" -- catalog show latin1 --json --catalog-dir "$tmp"

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

# -4/-6: one family only. An address of the other family is skipped with
# its reason (local, not a network verdict); a name keeps that family's
# addresses, and the DNS line says so. Loopback, closed port 1.
one="--profile sx-mailcrypt --role appliance --only smtp-to-internet --format json"
expect 1 '::1 is an IPv6 address: not probed (IPv4 only: -4)' -- check $one --map 'internet=[::1]:1' -4
expect 1 '"reason": "local-error"' -- check $one --map 'internet=[::1]:1' --ipv4
expect 1 '127.0.0.1 is an IPv4 address: not probed (IPv6 only: -6)' -- check $one --map internet=127.0.0.1:1 -6
expect 2 'DNS localhost: 127.0.0.1 (IPv4 only: -4)' -- check $one --map internet=localhost:1 -4
expect 2 '"address": "::1"' -- check $one --map 'internet=[::1]:1,127.0.0.1:1' --ipv6
out=$("$vp" check $one --map 'internet=[::1]:1,127.0.0.1:1' -6 2>&1)
if printf '%s' "$out" | grep -q '"address": "127.0.0.1"'; then fail "-6 probed 127.0.0.1"; else pass; fi
expect 3 "-4 and -6: one or the other" -- check $one -4 -6

# The table: --failed-only leaves out what is ok or skipped and says so;
# at 80 columns every line fits (two lines per result, the rest wrapped).
wide="--profile seppmail --role appliance --only keyserver-external-from-internal-cldap-1636 --only smtp-to-internet --only ssh-to-seppmail-support --map smtp-to-internet=127.0.0.1:1,[::1]:1 --map ssh-to-seppmail-support=127.0.0.1:1 --timeout 0.5 --format table"
expect 2 "^--failed-only: 1 result not shown (1 skipped)" -- check $wide --map 'smtp-to-internet=[::1]:1' -4 --failed-only
out=$(COLUMNS=80 "$vp" check $wide --verbose 2>&1)
longest=$(printf '%s\n' "$out" | awk '{ if (length > m) m = length } END { print m }')
if [ "$longest" -le 80 ] && printf '%s' "$out" | grep -q '^keyserver-external-from-internal-cldap-1636  udp/1636$'; then pass; else fail "COLUMNS=80: a line of $longest columns"; fi
esc=$(printf '\033')
colours() { # EXPECTED(yes|no) COMMAND...: does the table carry ANSI colours?
	want=$1
	shift
	if "$@" 2>/dev/null | grep -q "$esc\[[0-9;]*m"; then got=yes; else got=no; fi
	if [ "$got" = "$want" ]; then pass; else fail "colours $got, expected $want: $*"; fi
}
colours yes "$vp" check $wide --color=always
colours yes env NO_COLOR=1 "$vp" check $wide --color
colours no "$vp" check $wide --color=never
colours no "$vp" check $wide --color=auto
expect 3 "--color=pink: expected auto, always or never" -- check $wide --color=pink
# auto on a terminal: colour, unless NO_COLOR (not empty) or TERM=dumb.
if command -v script >/dev/null 2>&1; then
	colours yes env TERM=xterm script -qec "$vp check $wide" /dev/null
	colours yes env TERM=xterm NO_COLOR= script -qec "$vp check $wide" /dev/null
	colours no env TERM=xterm NO_COLOR=1 script -qec "$vp check $wide" /dev/null
	colours no env TERM=dumb script -qec "$vp check $wide --color=auto" /dev/null
fi

# --output FILE: the report in FILE, whole (temporary file, then rename),
# nothing on stdout, the verdict's exit status; errors name the file.
echo old >"$tmp/report.json"
out=$("$vp" check $one --map internet=127.0.0.1:1 --output "$tmp/report.json" 2>"$tmp/output.err")
rc=$?
if [ "$rc" -eq 2 ] && [ -z "$out" ] && grep -q '"verdict": "refused"' "$tmp/report.json" &&
	[ "$(ls "$tmp" | grep -c '^report\.json')" -eq 1 ]; then pass; else fail "--output: exit $rc, stdout '$out', $(ls "$tmp")"; fi
expect 3 "--output $tmp/none/r.json: No such file or directory" -- check $one --map internet=127.0.0.1:1 --output "$tmp/none/r.json"
expect 3 "--output: expected a file" -- check $one --output ''
# A usage error leaves FILE as it was.
"$vp" check $one --timeout 0 --output "$tmp/report.json" 2>/dev/null
if grep -q '"verdict": "refused"' "$tmp/report.json"; then pass; else fail "--output: a usage error touched the file"; fi
if [ -c /dev/full ]; then
	expect 3 "--output /dev/full: No space left on device" -- check $one --map internet=127.0.0.1:1 --output /dev/full
	[ -c /dev/full ] && pass || fail "--output /dev/full replaced the device"
fi

# --source ADDR: every probe bound to it, the source in the evidence; an
# address this host does not have, or of the family -4/-6 leaves out, is
# exit 3 naming the flag; a target of the other family is skipped with
# its reason, not a network verdict.
src="--profile sx-mailcrypt --role appliance --only smtp-to-internet --only dns-internet-udp --timeout 0.5 --format json"
expect 2 '"from 127.0.0.1 port [0-9]* (--source)"' -- check $src --map internet=127.0.0.1:1 --source 127.0.0.1
out=$("$vp" check $src --map internet=127.0.0.1:1 --source 127.0.0.1 2>&1)
n=$(printf '%s' "$out" | grep -c '"from 127.0.0.1 port [0-9]* (--source)"')
[ "$n" -eq 2 ] && pass || fail "--source: $n of 2 probes (tcp, udp) name their source"
expect 2 '"from 127.0.0.1 port [0-9]*"' -- check $src --map internet=127.0.0.1:1
expect 2 'not probed: the source address 127.0.0.1 (--source) is IPv4, the target IPv6' -- check $src --map 'internet=127.0.0.1:1,[::1]:1' --source 127.0.0.1
expect 3 "--source 192.0.2.77: Cannot assign requested address (not an address of this host)" -- check $src --source 192.0.2.77
expect 3 "--source mx.example: expected an IPv4 or IPv6 address" -- check $src --source mx.example
expect 3 "--source: an IPv6 address, and -4 asks for IPv4 only" -- check $src --source ::1 -4
nagios_unknown "--source 192.0.2.77: Cannot assign" --profile sx-mailcrypt --role appliance --source 192.0.2.77

# A closed pipe is not an error: the command keeps its exit status and
# says nothing (issue 13).
closed_pipe() { # STATUS ARGS...
	want=$1
	shift
	{ "$vp" "$@" 2>"$tmp/pipe.err"; echo $? >"$tmp/pipe.rc"; } | head -1 >/dev/null
	got=$(cat "$tmp/pipe.rc")
	if [ "$got" -ne "$want" ] || [ -s "$tmp/pipe.err" ]; then
		fail "veriport $* | head -1: exit $got (expected $want), stderr: $(cat "$tmp/pipe.err")"
	else
		pass
	fi
}
closed_pipe 0 catalog show seppmail
closed_pipe 0 catalog show seppmail --json
closed_pipe 1 check --profile sx-mailcrypt --role appliance $only --format json
closed_pipe 1 check --profile sx-mailcrypt --role appliance $only --format table
# A write that fails for another reason is still an error, naming it.
if [ -c /dev/full ]; then
	"$vp" catalog show seppmail >/dev/full 2>"$tmp/full.err"
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "writing output: No space left on device" "$tmp/full.err"; then pass; else fail "catalog show >/dev/full: exit $rc"; fi
fi

# veriportd --help: every option, one line each; --check-config loads
# what the daemon would and refuses, exit 3, naming what would fail.
vpd="${top_builddir:-.}/veriportd"
help=$("$vpd" --help)
for o in $(sed -n 's/^[[:space:]]*{"\([a-z0-9-]*\)", *[a-z_]*argument.*/\1/p' "$top/src/veriportd.c"); do
	if printf '%s\n' "$help" | grep -q -- "^  .*--$o\b"; then pass; else fail "veriportd --help lacks --$o"; fi
done
[ "$("$vpd" -h)" = "$help" ] && pass || fail "veriportd -h is not --help"
mkdir "$tmp/state" "$tmp/run" "$tmp/ro"
chmod 0555 "$tmp/ro"
vpd_conf() { # [TRUST-LINE] [STATE-DIR] [SOCKET]
	cat <<EOF
[veriport]
profile = sx-mailcrypt
role = appliance
catalog-dir = $top/catalogs
[trust]
${1:-}
[status]
socket = ${3:-$tmp/run/status.sock}
state-dir = ${2:-$tmp/state}
listen = 127.0.0.1:9
EOF
}
# vpd_expect STATUS PATTERN: veriportd --check-config of $tmp/vpd.conf.
vpd_expect() {
	out=$("$vpd" --check-config -c "$tmp/vpd.conf" 2>&1)
	got=$?
	if [ "$got" -ne "$1" ]; then
		fail "veriportd --check-config: exit $got, expected $1: $out"
	elif ! printf '%s' "$out" | grep -q -- "$2"; then
		fail "veriportd --check-config: output lacks '$2': $out"
	else
		pass
	fi
}
vpd_conf >"$tmp/vpd.conf"
vpd_expect 0 "^$tmp/vpd.conf: ok (profile sx-mailcrypt, role appliance"
vpd_expect 0 "^state-dir $tmp/state: writable"
vpd_expect 0 "^socket $tmp/run/status.sock: directory $tmp/run exists"
vpd_expect 0 "^listen 127.0.0.1:9: ok"
vpd_expect 0 "^interceptors: loaded"
echo x >"$tmp/ca.pem"
vpd_conf "internet = $tmp/ca.pem" >"$tmp/vpd.conf"
vpd_expect 0 "^trust internet = $tmp/ca.pem: readable"
vpd_conf "internet = $tmp/none.pem" >"$tmp/vpd.conf"
vpd_expect 3 "$tmp/vpd.conf:6: \[trust\] internet $tmp/none.pem: No such file or directory"
vpd_conf "" "$tmp/nostate" >"$tmp/vpd.conf"
vpd_expect 3 "$tmp/vpd.conf: \[status\] state-dir $tmp/nostate: No such file or directory"
vpd_conf "" "$tmp/ca.pem" >"$tmp/vpd.conf"
vpd_expect 3 "state-dir $tmp/ca.pem: not a directory"
if [ "$(id -u)" -ne 0 ]; then
	vpd_conf "" "$tmp/ro" >"$tmp/vpd.conf"
	vpd_expect 3 "state-dir $tmp/ro: Permission denied"
fi
vpd_conf "" "" "$tmp/nodir/status.sock" >"$tmp/vpd.conf"
vpd_expect 3 "socket $tmp/nodir/status.sock: directory $tmp/nodir: No such file or directory"
printf '[veriport]\nprofile = sx-mailcrypt\nrole = nosuch\ncatalog-dir = %s/catalogs\n' "$top" >"$tmp/vpd.conf"
vpd_expect 3 "$tmp/vpd.conf:3: "
vpd_conf | sed 's/^listen = .*/listen = nohost/' >"$tmp/vpd.conf"
vpd_expect 3 "$tmp/vpd.conf:10: "

# probe and accept: usage errors, and a socket nobody answers on, are
# exit 3 naming what is wrong (the daemon's answers: integration/daemon.sh).
for cmd in probe accept; do
	expect 3 "unknown or incomplete option '--frob'" -- $cmd --frob
	expect 3 "unknown or incomplete option '--socket'" -- $cmd --socket
	expect 3 "unexpected argument 'two'" -- $cmd one two
	expect 3 "$cmd: 'a b' is not a channel id" -- $cmd 'a b'
	expect 3 "^status' is not a channel id" -- $cmd "$(printf 'x\nstatus')"
	expect 3 "veriport: $tmp/none.sock: No such file or directory" -- $cmd --socket "$tmp/none.sock"
	expect 3 "veriport: $tmp/vpd.conf: Connection refused" -- $cmd --socket "$tmp/vpd.conf" smtp
done

# status over several sources (--from; the daemons: integration/daemon.sh).
"$vp" check --profile sx-mailcrypt --role appliance --only smtp-to-internet \
	--map 'internet=127.0.0.1:1' --timeout 0.5 --format json >"$tmp/mx1.json"
cp "$tmp/mx1.json" "$tmp/mx2.json"
printf '{"schema": "veriport/1"}' >"$tmp/half.json"
printf '{"a": 1}' >"$tmp/other.json"
printf 'garbage' >"$tmp/x"
expect 2 '^mx1  *smtp-to-internet  *tcp/1  *127.0.0.1  *refused  *tcp-reset$' -- status --from "$tmp/mx1.json" --from "$tmp/mx2.json"
expect 2 '^mx2 (sx-mailcrypt as appliance, .*): 1 refused: CRITICAL$' -- status --from "$tmp/mx1.json" --from "$tmp/mx2.json"
expect 2 '^fleet: CRITICAL (exit 2)$' -- status --from "$tmp/mx1.json"
expect 3 '^half: a veriport document without results and status' -- status --from "$tmp/mx1.json" --from "$tmp/half.json"
expect 3 "^none: $tmp/none.json: No such file or directory: UNKNOWN" -- status --from "$tmp/none.json"
expect 3 "^x: not JSON: line 1: " -- status --from "$tmp/x"
expect 3 '"error": "not a veriport document' -- status --from "$tmp/other.json" --format json
expect 2 '^VERIPORT CRITICAL - 2 sources, 2 of 2 results failed, first: mx1 smtp-to-internet tcp/1: refused/tcp-reset | failed=2;;;0;2 unread=0;;;0;2$' -- status --from "$tmp/mx1.json" --from "$tmp/mx2.json" --format nagios
out=$("$vp" status --from - <"$tmp/mx1.json" --failed-only 2>&1)
printf '%s\n' "$out" | grep -qE '^\(stdin\) +smtp-to-internet' && pass || fail "status --from -: no (stdin) row: $out"
printf '\033[2J' >"$tmp/esc.json"
out=$("$vp" status --from "$tmp/esc.json" --from "$tmp/esc.json" 2>&1)
case $out in *"$(printf '\033')"*) fail "status --from: an escape byte reached the terminal" ;; *) pass ;; esac
expect 3 'reads one daemon: let Prometheus scrape each' -- status --from "$tmp/mx1.json" --format prometheus
expect 3 '^VERIPORT UNKNOWN - -w and -c read one daemon' -- status --from "$tmp/mx1.json" --format nagios -w 1
expect 3 'go with several sources' -- status --socket "$tmp/none.sock" --failed-only
expect 3 '^veriport: --from: expected a file' -- status --from ''

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
