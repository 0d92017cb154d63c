#!/usr/bin/env bash
# The floor plan, checked: every module sits on a floor (STYLE.md, "The
# house"), a file includes only headers of its own floor or below, and the
# modules that must do no I/O (dialogues, verdict, correlation, parsers)
# include no libuv, no socket header and no OpenSSL. A file this list does
# not know is an error: a new module takes its place here first.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 99

# FLOOR MODULE...: from the ground up.
floors=(
	"1 xalloc textfile text notify"
	"2 reason catalog_check"
	"3 catalog catalog_dir plan respond_file"
	"4 dlg ber tlsio rsp"
	"5 evidence intercept"
	"6 resolve probe listener respond"
	"7 verdict"
	"8 results"
	"9 correlate pins"
	"10 sweep"
	"11 report"
	"12 status"
	"13 conf"
	"14 veriport veriportd cmd"
)
# Modules with no I/O at all.
pure="text reason catalog_check catalog plan dlg ber rsp evidence verdict results correlate report"

declare -A floor
for row in "${floors[@]}"; do
	set -- $row
	n=$1
	shift
	for m in "$@"; do floor[$m]=$n; done
done

# The module of a file: its name up to the first '_' or '.', with the
# dialogues' folders as one module each (dlg, the responder's rsp) and
# each report_*.c in report; cmd_*.c are the mains' commands.
module_of() {
	local f=${1##*/}
	case $1 in
	src/dlg/ber.c) echo ber; return ;;
	src/dlg/*) echo dlg; return ;;
	src/rsp/*) echo rsp; return ;;
	esac
	f=${f%.*}
	case $f in
	catalog_check | catalog_dir | respond_file) echo "$f" ;;
	*) echo "${f%%_*}" ;;
	esac
}

passed=0 failed=0
fail() { echo "not ok - $*"; failed=$((failed + 1)); }

files=$(ls include/veriport/*.h src/*.c src/*.h src/*/*.c src/*/*.h 2>/dev/null)
for f in $files; do
	m=$(module_of "$f")
	mine=${floor[$m]:-}
	if [ -z "$mine" ]; then
		fail "$f: module '$m' has no floor in tests/layers.sh"
		continue
	fi
	while read -r inc; do
		case $inc in
		veriport/*) im=$(module_of "include/$inc") ;;
		*.h) im=$(module_of "src/$inc") ;;
		esac
		[ "$inc" = config.h ] && continue # autoconf's
		theirs=${floor[$im]:-}
		if [ -z "$theirs" ]; then
			fail "$f includes $inc: module '$im' has no floor"
		elif [ "$theirs" -gt "$mine" ]; then
			fail "$f (floor $mine, $m) includes $inc (floor $theirs, $im): a lower floor includes a higher one"
		else
			passed=$((passed + 1))
		fi
	done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$f")
	if [[ " $pure " == *" $m "* ]]; then
		bad=$(grep -nE '^#include <(uv\.h|openssl/|sys/socket\.h|netinet/|ares\.h)' "$f")
		if [ -n "$bad" ]; then
			fail "$f ($m) must do no I/O but includes: $bad"
		else
			passed=$((passed + 1))
		fi
	fi
done
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
