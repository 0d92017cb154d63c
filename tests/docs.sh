#!/bin/sh
# The documents keep up with the code: every verdict, reason and because
# word, every option the commands print in their help, every metric family
# and every veriport.conf key is in the man pages, and mandoc finds nothing
# to warn about in them.
set -u
top=${top_srcdir:-.}
vp="${top_builddir:-.}/veriport"
passes=0 fails=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

pages="$top/man/veriport.1 $top/man/veriportd.8 $top/man/veriport.conf.5 $top/man/veriport.catalog.5"
# PAGE WORD WHAT: WORD appears in PAGE as a word (mdoc escapes '-' as '\-'
# only in running text, so both spellings count).
has() {
	if grep -qE -- "(^|[^a-z0-9_-])$(printf '%s' "$2" | sed 's/-/(\\\\)?-/g')([^a-z0-9_-]|$)" $1; then
		pass
	else
		fail "$3 '$2' is not in $(for f in $1; do printf '%s ' "${f##*/}"; done)"
	fi
}

for w in $(sed -n 's/^[[:space:]]*X([A-Z_0-9]*, "\([a-z0-9-]*\)").*/\1/p' \
	"$top/include/veriport/reason.h"); do
	has "$top/man/veriport.1" "$w" "the verdict or reason word"
done
for w in $(sed -n 's/^[[:space:]]*X([A-Z_0-9]*, "\([a-z0-9-]*\)").*/\1/p' \
	"$top/include/veriport/verdict.h"); do
	has "$top/man/veriport.1" "$w" "the because word"
done
for cmd in check status; do
	for o in $("$vp" "$cmd" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		has "$top/man/veriport.1" "Fl -${o#--}" "the option '$cmd $o'"
	done
done
for m in $(grep -oE '"veriport_[a-z_]*[a-z]"' "$top/src/report_prometheus.c" | tr -d '"' | sort -u); do
	has "$pages" "$m" "the metric family"
done
# The keys of conf.c's table ({SECTION_..., "key", ...}) and its sections.
for k in $(tr -d '\n' <"$top/src/conf.c" | grep -oE '\{[[:space:]]*SECTION_[A-Z]+,[[:space:]]*"[a-z-]+"' |
	sed 's/.*"\(.*\)"/\1/' | sort -u); do
	has "$top/man/veriport.conf.5" "$k" "the veriport.conf key"
done
for sec in $(tr -d '\n' <"$top/src/conf.c" | grep -oE '\[SECTION_[A-Z]+\][[:space:]]*=[[:space:]]*"[a-z]+"' |
	sed 's/.*"\(.*\)"/\1/' | sort -u); do
	has "$top/man/veriport.conf.5" "$sec" "the veriport.conf section"
done

if command -v mandoc >/dev/null 2>&1; then
	for p in $pages; do
		out=$(mandoc -Tlint -Wwarning "$p" 2>&1)
		if [ -z "$out" ]; then pass; else fail "mandoc -Tlint: $out"; fi
	done
elif [ -n "${CI:-}" ]; then
	fail "mandoc is not installed (apt-get install mandoc)"
else
	echo "SKIP: mandoc is not installed: the pages were not linted"
fi

echo "docs: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
