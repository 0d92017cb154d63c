#!/bin/sh
# The JSON documents against docs/veriport.schema.json (issue 13): real
# `check --format json` output (loopback only: closed ports, a canary, a
# skipped family, nothing mapped) and `catalog list|show --json` for every
# shipped profile validate; a document missing a field or with a field of
# the wrong type does not, so the schema is strict enough to mean it.
set -u
top=${top_srcdir:-.}
vp="${top_builddir:-.}/veriport"
schema="$top/docs/veriport.schema.json"
passes=0 fails=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "SKIP: schema.sh needs python3-jsonschema (.ci/install-deps)"
	[ -n "${CI:-}" ] && exit 1
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# validate NAME EXPECTED(valid|invalid) FILE
validate() {
	name=$1 want=$2
	cp "$3" "$tmp/doc.json"
	got=$(python3 - "$schema" "$tmp/doc.json" 2>"$tmp/why" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:3]:
    print("  ", "/".join(map(str, e.absolute_path)), e.message[:160], file=sys.stderr)
print("invalid" if errors else "valid")
PY
)
	if [ "$got" = "$want" ]; then pass; else fail "$name: $got, expected $want: $(cat "$tmp/why")"; fi
}

"$vp" catalog list --json >"$tmp/d.json"
validate "catalog list --json" valid "$tmp/d.json"
for p in mailstore-server mailstore-spe mailstore-gateway seppmail sx-mailcrypt; do
	"$vp" catalog show "$p" --json >"$tmp/d.json"
	validate "catalog show $p --json" valid "$tmp/d.json"
done

one="--profile sx-mailcrypt --role appliance --only smtp-to-internet --format json --timeout 0.5"
"$vp" check $one --map 'internet=127.0.0.1:1,[::1]:1' >"$tmp/refused.json"
validate "check (refused)" valid "$tmp/refused.json"
"$vp" check $one --map 'internet=127.0.0.1:1' --canary 127.0.0.1 >"$tmp/d.json"
validate "check --canary" valid "$tmp/d.json"
"$vp" check $one --map 'internet=[::1]:1' -4 >"$tmp/d.json"
validate "check -4 (skipped)" valid "$tmp/d.json"
"$vp" check --profile sx-mailcrypt --role appliance --format json >"$tmp/d.json"
validate "check (nothing mapped)" valid "$tmp/d.json"
grep -q '"schema": "veriport/1"' "$tmp/refused.json" && pass || fail 'no "schema": "veriport/1"'
"$vp" status --from "$tmp/refused.json" --from "$tmp/none.json" --format json >"$tmp/fleet.json"
validate "status --from (a document and a missing file)" valid "$tmp/fleet.json"
sed '0,/"error": /s//"document": 1, "error": /' "$tmp/fleet.json" >"$tmp/d.json"
validate "a fleet source with a document and an error" invalid "$tmp/d.json"

# Negative cases: a missing field, a wrong type, an unknown verdict, a
# field the schema does not know, another schema version.
sed '0,/"verdict": "refused",/{/"verdict": "refused",/d}' "$tmp/refused.json" >"$tmp/d.json"
validate "a result without its verdict" invalid "$tmp/d.json"
sed '0,/"port": 1,/s//"port": "1",/' "$tmp/refused.json" >"$tmp/d.json"
validate "a port as a string" invalid "$tmp/d.json"
sed '0,/"verdict": "refused"/s//"verdict": "closed"/' "$tmp/refused.json" >"$tmp/d.json"
validate "an unknown verdict" invalid "$tmp/d.json"
sed '0,/"profile":/s//"colour": 1, "profile":/' "$tmp/refused.json" >"$tmp/d.json"
validate "an unknown field" invalid "$tmp/d.json"
sed 's#"veriport/1"#"veriport/2"#' "$tmp/refused.json" >"$tmp/d.json"
validate "another schema version" invalid "$tmp/d.json"
"$vp" catalog show seppmail --json | sed '0,/"purpose": /s//"purpose": 7, "x": /' >"$tmp/d.json"
validate "catalog show with a number for a purpose" invalid "$tmp/d.json"

# The verdict words of the schema are reason.h's, no more, no fewer.
want=$(sed -n '/define VERDICTS/,/^$/s/.*X([A-Z_]*, "\([a-z-]*\)").*/\1/p' "$top/include/veriport/reason.h" | sort | tr '\n' ' ')
got=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["$defs"]["verdict"]["enum"])) + " ")' "$schema")
[ "$want" = "$got" ] && pass || fail "schema verdicts '$got', reason.h '$want'"

echo "schema: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
