#!/bin/bash
# The bash completion (contrib/bash-completion/veriport) as bash runs it:
# bash-completion loaded, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set as
# readline sets them for a command line, the completion function called,
# COMPREPLY compared. Commands, options, profiles, roles of the line's
# --profile, channel ids for --only and ROLE= for --map come from the
# build's veriport; a stand-in veriport whose help gains an option shows
# that a new option needs no edit of the completion.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=${top_srcdir:-$here}
top_builddir=${top_builddir:-$here}
export VERIPORT_CATALOG_DIR=${VERIPORT_CATALOG_DIR:-$top_srcdir/catalogs}
passes=0 fails=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	if [ -n "${CI:-}" ]; then
		echo "FAIL: $BC is missing (Debian package bash-completion), and CI must not skip"
		echo "completion: 0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP: completion: $BC is missing (Debian package bash-completion): the completion was not tested" >&2
	exit 77
fi
# bash-completion is written for interactive shells: unset variables
# and failing commands are part of how it works.
. "$BC"
. "$top_srcdir/contrib/bash-completion/veriport" || {
	echo "FAIL: cannot source contrib/bash-completion/veriport"
	echo "completion: 0 passed, 1 failed"
	exit 1
}

# compopt works only while readline runs a completion: record its options.
COMPOPT=""
compopt() { COMPOPT+="$* "; }

# complete LINE: completes at the end of LINE as readline would: the words
# split at blanks and at '=' (COMP_WORDBREAKS), an empty last word when
# LINE ends with a blank. Leaves COMPREPLY.
complete_line() {
	local IFS=$' \t\n'
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"${1//=/ = }"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	COMPOPT=""
	_veriport "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}

# expect_words LINE WORD...: COMPREPLY for LINE is exactly WORD... (any order).
expect_words() {
	local line=$1 got want
	shift
	complete_line "$line"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then pass; else fail "'$line': got [$got], expected [$want]"; fi
}

# expect_has LINE WORD...: COMPREPLY for LINE has every WORD.
expect_has() {
	local line=$1 w missing=""
	shift
	complete_line "$line"
	for w in "$@"; do
		printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w" || missing+="$w "
	done
	if [ -z "$missing" ]; then pass; else fail "'$line': lacks [$missing] in [${COMPREPLY[*]}]"; fi
}

# expect_lacks LINE WORD...: COMPREPLY for LINE has none of WORD...
expect_lacks() {
	local line=$1 w extra=""
	shift
	complete_line "$line"
	for w in "$@"; do
		printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w" && extra+="$w "
	done
	if [ -z "$extra" ]; then pass; else fail "'$line': offers [$extra]"; fi
}

vp=$top_builddir/veriport
[ -x "$vp" ] || {
	echo "FAIL: no $vp (build first)"
	echo "completion: 0 passed, 1 failed"
	exit 1
}

# Commands, and the program's own options.
expect_words "$vp " accept catalog check probe respond status
expect_words "$vp c" catalog check
expect_words "$vp -" --help --version

# Options, each command its own, from its --help.
expect_has "$vp check -" --profile --role --map --only --optional --timeout \
	--format --ca-file --canary --catalog-dir --verbose --interceptors -w -c
expect_lacks "$vp check -" --bind --duration --socket --json
expect_words "$vp check --pro" --profile --proxy
expect_words "$vp check --prof" --profile
expect_has "$vp status -" --socket --format
expect_lacks "$vp status -" --profile --map
expect_has "$vp respond -" --profile --role --bind --duration --only
expect_lacks "$vp respond -" --map --socket
# ...and every option `veriport CMD --help` names, for every command.
for cmd in check status respond; do
	want=$("$vp" "$cmd" --help 2>&1 | awk -v c="$cmd" '
		/^[[:space:]]*$/ { exit }
		/veriport -|veriport [a-z]/ { m = ($0 ~ "veriport " c "( |$)") }
		m' |
		grep -oE '\[--?[A-Za-z][A-Za-z0-9-]*' | tr -d '[' | sort -u)
	complete_line "$vp $cmd -"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)
	missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tr '\n' ' ')
	if [ -n "$want" ] && [ -z "$missing" ]; then pass; else
		fail "$cmd: options of its usage not completed: [$missing] (usage had [$(echo $want)])"
	fi
done

# Subcommands and the profile of catalog show.
expect_words "$vp catalog " list show
expect_words "$vp catalog show " mailstore-gateway mailstore-server mailstore-spe seppmail sx-mailcrypt
expect_words "$vp catalog show sepp" seppmail
expect_has "$vp catalog show seppmail -" --json --catalog-dir

# Values: profiles, the roles of the line's profile, channel ids.
expect_words "$vp check --profile " mailstore-gateway mailstore-server mailstore-spe seppmail sx-mailcrypt
expect_words "$vp check --profile mailstore-server --role " \
	server any adm letsencrypt ca mssql postgresql mailstore-portal
expect_words "$vp check --profile mailstore-server --role p" postgresql
expect_words "$vp check --role " # no profile yet: no role to offer
expect_words "$vp respond --profile sx-mailcrypt --role app" appliance
# --only: the channels the role takes part in (from or to).
expect_words "$vp check --profile mailstore-server --role adm --only " mgmt-api-8463
expect_has "$vp check --profile mailstore-server --role server --only " \
	tds-to-mssql pgsql-to-postgresql imaps-from-any
expect_lacks "$vp check --profile mailstore-server --role server --only " http-to-ca
expect_has "$vp check --profile seppmail --only " \
	"$("$vp" catalog show seppmail --json | sed -n 's/^      "id": "\([^"]*\)",$/\1/p' | tail -n 1)"
# --map: ROLE= and CHANNEL=, and no space after the '='.
expect_words "$vp check --profile mailstore-server --map m" mssql= mailstore-portal= mgmt-api-8463=
case $COMPOPT in *nospace*) pass ;; *) fail "--map ROLE=: no 'compopt -o nospace' ($COMPOPT)" ;; esac
expect_has "$vp check --profile mailstore-server --role server --map mssql=localh" localhost
expect_words "$vp check --format " table json nagios prometheus
expect_words "$vp status --format n" nagios
# An option's value is not taken for a command or a profile.
expect_words "$vp check --timeout 3 --profile sx" sx-mailcrypt
# The line's --catalog-dir is where the profiles come from.
mkdir -p "${TMPDIR:-/tmp}/completion.$$/empty"
trap 'rm -rf "${TMPDIR:-/tmp}/completion.$$"' EXIT
expect_words "$vp check --catalog-dir ${TMPDIR:-/tmp}/completion.$$/empty --profile "
cp "$VERIPORT_CATALOG_DIR/seppmail.catalog" "${TMPDIR:-/tmp}/completion.$$/"
expect_words "$vp catalog show --catalog-dir ${TMPDIR:-/tmp}/completion.$$ " seppmail
# Files for FILE, folders for DIR.
expect_has "$vp check --ca-file $top_srcdir/contrib/bash-completion/v" \
	"$top_srcdir/contrib/bash-completion/veriport"
expect_words "$vp check --catalog-dir $top_srcdir/contri" "$top_srcdir/contrib"

# A new option in a command's help is completed with no edit here: a
# stand-in veriport whose check --help says more than today's.
fake=${TMPDIR:-/tmp}/completion.$$/veriport
cat >"$fake" <<EOF
#!/bin/sh
if [ "\$1" = check ] && [ "\${2-}" = --help ]; then
	printf '%s\n' "usage: veriport check --profile NAME --role ROLE [--frobnicate LEVEL]" \\
		"" "options:" "  --colour WHEN        when: always or never" \\
		"  --level low|high      how much; not --secret" "" \\
		"See also veriport(1) and --hidden."
	exit 0
fi
exec "$vp" "\$@"
EOF
chmod 755 "$fake"
expect_words "$fake check -" --profile --role --frobnicate --colour --level
expect_words "$fake check --level " low high

echo "completion: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
