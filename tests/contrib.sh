#!/bin/bash
# contrib/ as the monitoring systems read it (issue 13, "Fleets"), without a
# daemon (tests/contrib-live.sh runs them against a real veriportd):
#   - prometheus: `promtool check rules`, `promtool test rules` (every alert
#     is shown firing and not firing there), and mutated rules fail them;
#   - grafana: the dashboard's structure (jq), and every query parses as
#     PromQL (promtool check rules on a rule file made of them);
#   - icinga2: `icinga2 daemon -C` on a minimal configuration that includes
#     contrib/icinga2/veriport.conf, in a folder of the test (the service
#     is never started), and the services its apply rules make;
#   - nrpe: every command line parses (veriport says UNKNOWN about the
#     socket, not about its options);
#   - zabbix: the template's structure (python3-yaml): keys, masters,
#     trigger expressions, macros, against the user parameters' keys.
. "$(dirname "$0")/integration/lib.sh"

vpt_init contrib ctb
vpt_need_cmd jq:jq promtool:prometheus icinga2:icinga2-bin python3:python3-minimal
python3 -c 'import yaml' 2>/dev/null || vpt_skip "needs python3-yaml (.ci/install-deps installs it)"
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CONTRIB=$top_srcdir/contrib
RULES=$CONTRIB/prometheus/veriport.rules.yml
DASH=$CONTRIB/grafana/veriport.json

# Prometheus -------------------------------------------------------------------

out=$(promtool check rules "$RULES" 2>&1)
vpt_eq "promtool check rules: exit status" "$?" 0
vpt_match "promtool check rules: the rules are found" "$out" "SUCCESS: 9 rules found"
out=$(promtool test rules "$CONTRIB/prometheus/veriport.rules.test.yml" 2>&1)
rc=$?
vpt_eq "promtool test rules: exit status" "$rc" 0
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'

# Every alert has a test where it fires and one where it does not.
coverage=$(python3 - "$RULES" "$CONTRIB/prometheus/veriport.rules.test.yml" <<'EOF'
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = yaml.safe_load(open(sys.argv[2]))
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
fires, quiet = set(), set()
for t in tests["tests"]:
    for a in t.get("alert_rule_test", []):
        (fires if a.get("exp_alerts") else quiet).add(a["alertname"])
for a in alerts:
    print(a, "fires" if a in fires else "NEVER-FIRES", "quiet" if a in quiet else "NEVER-QUIET")
EOF
)
vpt_eq "every alert has a test where it fires and one where it does not" \
	"$(printf '%s\n' "$coverage" | grep -c NEVER)" 0
vpt_eq "alerts in the rules" "$(printf '%s\n' "$coverage" | wc -l)" 9

# The tests have teeth: each mutation of the rules makes them fail.
mutate() { # WHAT SED-EXPRESSION
	mkdir -p "$VPT_TMP/mutant"
	cp "$CONTRIB/prometheus/veriport.rules.test.yml" "$VPT_TMP/mutant/"
	sed -e "$2" "$RULES" >"$VPT_TMP/mutant/veriport.rules.yml"
	if cmp -s "$RULES" "$VPT_TMP/mutant/veriport.rules.yml"; then
		vpt_fail "mutation '$1' changed nothing in the rules"
	elif promtool test rules "$VPT_TMP/mutant/veriport.rules.test.yml" >/dev/null 2>&1; then
		vpt_fail "promtool test rules passes the mutated rules: $1"
	else
		vpt_pass "promtool test rules fails the mutated rules: $1"
	fi
}
mutate "intercepted channels count as down" 's/verdict=~"intercepted|unverified"/verdict=~"unverified"/'
mutate "failed members of a satisfied group count as down" '/unless on(job, instance, group)/,+1d'
mutate "channel down after 1 minute" '0,/for: 10m/s//for: 1m/'
mutate "certificate warning at 30 days" 's/< 14 \* 86400/< 30 * 86400/'
mutate "sweeps stale after one interval" 's/> 3 \* veriport_sweep_interval_seconds/> veriport_sweep_interval_seconds/'
mutate "target down for any job" 's/up{job=~".\*veriport.\*"}/up/'

# Grafana ----------------------------------------------------------------------

jq empty "$DASH" 2>/dev/null
vpt_eq "the dashboard is JSON" "$?" 0
vpt_eq "dashboard uid and title" "$(jq -r '"\(.uid) \(.title)"' "$DASH")" "veriport veriport"
vpt_cmp "dashboard schemaVersion" "$(jq '.schemaVersion' "$DASH")" -ge 36
vpt_eq "template variables" "$(jq -r '[.templating.list[].name] | join(" ")' "$DASH")" \
	"datasource job site instance profile"
vpt_eq "the data source variable is a Prometheus one" \
	"$(jq -r '.templating.list[0] | "\(.type) \(.query)"' "$DASH")" "datasource prometheus"
vpt_eq "site, instance and profile match series without the label too (allValue .*)" \
	"$(jq -r '[.templating.list[] | select(.name == "site" or .name == "instance" or .name == "profile") | .allValue] | join(" ")' "$DASH")" \
	".* .* .*"
for t in "Channels down" "Verdicts" "Latency" "Certificate expiry" "Sweep age"; do
	vpt_eq "panel '$t'" "$(jq --arg t "$t" '[.panels[] | select(.title == $t)] | length' "$DASH")" 1
done
vpt_eq "panel ids are unique" "$(jq '[.panels[].id] | (length == (unique | length))' "$DASH")" true
vpt_eq "every panel has a type, a grid position inside 24 columns and the data source variable" \
	"$(jq '[.panels[] | select((.type | length) == 0 or .gridPos.w == null or .gridPos.h == null
		or .gridPos.x + .gridPos.w > 24 or .datasource.uid != "${datasource}")] | length' "$DASH")" 0
vpt_eq "every panel has queries, each with an expression and the data source variable" \
	"$(jq '[.panels[] | select((.targets | length) == 0
		or any(.targets[]; (.expr | length) == 0 or .datasource.uid != "${datasource}"))] | length' "$DASH")" 0
vpt_eq "every query is filtered by the job, site and instance variables" \
	"$(jq '[.panels[].targets[].expr | select(test("job=~\"\\$job\"") and test("site=~\"\\$site\"")
		and test("instance=~\"\\$instance\"") | not)] | length' "$DASH")" 0
# Every query is PromQL: a rule file of them, the variables put as regexes.
jq -r '"groups:\n  - name: dashboard\n    rules:",
	(.panels[].targets[].expr | gsub("\\$[a-z]+"; ".*") | "      - record: dashboard:query\n        expr: \(tojson)")' \
	"$DASH" >"$VPT_TMP/dashboard.rules.yml"
out=$(promtool check rules "$VPT_TMP/dashboard.rules.yml" 2>&1)
rc=$?
vpt_eq "every dashboard query parses as PromQL (promtool check rules)" "$rc" 0
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
vpt_cmp "dashboard queries" "$(grep -c 'record:' "$VPT_TMP/dashboard.rules.yml")" -ge 15

# Icinga 2 ---------------------------------------------------------------------

IC=$VPT_TMP/icinga2
mkdir -p "$IC/var" || vpt_error "cannot create $IC"
# A master and one agent (mx1, whose services run on it), as in a fleet.
cat >"$IC/icinga2.conf" <<EOF
include <itl>
const NodeName = "icinga.example.net"
const ZoneName = "master"
object Endpoint NodeName {}
object Zone ZoneName { endpoints = [ NodeName ] }
object Endpoint "mx1.zurich.example.net" { host = "192.0.2.25" }
object Zone "mx1.zurich.example.net" { endpoints = [ "mx1.zurich.example.net" ]; parent = ZoneName }
object Host "mx1.zurich.example.net" {
	check_command = "dummy"
	address = "192.0.2.25"
	zone = ZoneName
	vars.agent_endpoint = name
	vars.veriport = true
	vars.veriport_warning = 0.5
}
object Host "gw.basel.example.net" {
	check_command = "dummy"
	zone = ZoneName
	vars.veriport_checks["dmz"] = {
		veriport_profile = "seppmail"
		veriport_role = "appliance"
		veriport_map = [ "mail-server=192.0.2.30", "smarthost=192.0.2.31" ]
		veriport_optional = true
	}
}
object Host "plain.example.net" {
	check_command = "dummy"
	zone = ZoneName
}
include "$CONTRIB/icinga2/veriport.conf"
EOF
# Every file icinga2 writes goes to the test's folder, as this user.
icinga2_run() {
	icinga2 "$@" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)" \
		-DCacheDir="$IC/var" -DDataDir="$IC/var" -DLogDir="$IC/var" \
		-DInitRunDir="$IC/var" -DPidPath="$IC/var/icinga2.pid" \
		-DSpoolDir="$IC/var" -DStatePath="$IC/var/icinga2.state" \
		-DModAttrPath="$IC/var/modified-attributes.conf" -DVarsPath="$IC/var/icinga2.vars"
}
out=$(icinga2_run daemon -C -c "$IC/icinga2.conf" 2>&1)
rc=$?
vpt_eq "icinga2 daemon -C with contrib/icinga2/veriport.conf: exit status" "$rc" 0
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
vpt_match "icinga2: the two apply rules make two services" "$out" "Instantiated 2 Services"
vpt_match "icinga2: the two CheckCommands are there (8 of the ITL's)" "$out" "Instantiated 10 CheckCommands"
objects=$(icinga2_run object list --type Service 2>&1)
vpt_eq "icinga2: the services, by host" \
	"$(printf '%s\n' "$objects" | sed -n "s/^Object '\\(.*\\)' of type 'Service':$/\\1/p" | sort | tr '\n' ';')" \
	"gw.basel.example.net!veriport dmz;mx1.zurich.example.net!veriport;"
vpt_eq "icinga2: the service runs on the agent of a host with agent_endpoint, on the master else" \
	"$(printf '%s\n' "$objects" | sed -n 's/^  \* command_endpoint = //p' | sort | tr '\n' ' ')" \
	'"" "mx1.zurich.example.net" '
vpt_match "icinga2: the dictionary's entries are the service's variables" "$objects" \
	'veriport_map = \[ "mail-server=192.0.2.30", "smarthost=192.0.2.31" \]'
command=$(icinga2_run object list --type CheckCommand --name veriport-check 2>&1)
vpt_match "icinga2: veriport-check runs veriport check" "$command" \
	'command = \[ "/usr/bin/veriport", "check" \]'
# Every option the CheckCommands pass is one `veriport check --help` or
# `veriport status --help` lists.
for c in veriport:status veriport-check:check; do
	opts=$(icinga2_run object list --type CheckCommand --name "${c%%:*}" 2>&1 |
		sed -n 's/^    \* \(-[-a-z0-9]*\)$/\1/p' | sort)
	help=$("$VERIPORT" "${c#*:}" --help 2>&1)
	unknown=
	for o in $opts; do
		printf '%s\n' "$help" | grep -qE -- "(^|[ ,])$o([ ,=]|\$)" || unknown+="$o "
	done
	vpt_eq "icinga2: every option of CheckCommand ${c%%:*} is in veriport ${c#*:} --help" "$unknown" ""
	vpt_cmp "icinga2: options of CheckCommand ${c%%:*}" "$(printf '%s\n' "$opts" | wc -w)" -ge 4
done

# NRPE -------------------------------------------------------------------------

NRPE_CFG=$CONTRIB/nrpe/veriport.cfg
vpt_eq "nrpe: every line is a comment or a command[NAME]=... definition" \
	"$(grep -vcE '^(#.*|command\[[a-z_]+\]=/usr/bin/veriport .*|)$' "$NRPE_CFG")" 0
n=0
while IFS= read -r line; do
	name=${line#command[}
	name=${name%%]*}
	cmd=${line#*]=}
	cmd=${cmd//\/usr\/bin\/veriport/$VERIPORT}
	cmd=${cmd//\/run\/veriport\/status.sock/$VPT_TMP/no-daemon.sock}
	out=$(eval "$cmd" 2>/dev/null)
	rc=$?
	vpt_eq "nrpe $name without a daemon: UNKNOWN about the socket" "$rc:$out" \
		"3:VERIPORT UNKNOWN - $VPT_TMP/no-daemon.sock: No such file or directory"
	n=$((n + 1))
done < <(grep '^command\[' "$NRPE_CFG")
vpt_eq "nrpe: commands" "$n" 2

# Zabbix -----------------------------------------------------------------------

out=$(python3 - "$CONTRIB/zabbix/veriport_template.yaml" "$CONTRIB/zabbix/userparameter_veriport.conf" <<'EOF'
import re, sys, yaml
tmpl = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]
params = {m.group(1) for m in re.finditer(r"^UserParameter=([a-z.]+)\[\*\],", open(sys.argv[2]).read(), re.M)}
problems = []
def say(*a):
    problems.append(" ".join(str(x) for x in a))
if tmpl["version"] != "6.0":
    say("version", tmpl["version"])
uuids = []
def walk(o):
    if isinstance(o, dict):
        if "uuid" in o:
            uuids.append(o["uuid"])
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(tmpl)
if len(uuids) != len(set(uuids)) or not all(re.fullmatch(r"[0-9a-f]{32}", u) for u in uuids):
    say("uuids are not unique 32-digit hex")
(t,) = tmpl["templates"]
name = t["template"]
macros = {m["macro"] for m in t["macros"]}
items = {i["key"]: i for i in t["items"]}
rules = t["discovery_rules"]
protos = {p["key"]: p for r in rules for p in r["item_prototypes"]}
valuemaps = {v["name"] for v in t["valuemaps"]}
def base(key):
    return key.split("[", 1)[0]
for key, i in list(items.items()) + list(protos.items()) + [(r["key"], r) for r in rules]:
    if i.get("type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE":
        if base(key) not in params:
            say("item", key, "is no user parameter")
    elif i["type"] == "DEPENDENT":
        if i["master_item"]["key"] not in items:
            say("item", key, "has no master", i["master_item"]["key"])
        if i.get("delay") != "0":
            say("dependent item", key, "has a delay")
    else:
        say("item", key, "of type", i["type"])
    for m in re.findall(r"\{\$[A-Z.]+\}", key):
        if m not in macros:
            say("item", key, "uses the undefined macro", m)
    if "valuemap" in i and i["valuemap"]["name"] not in valuemaps:
        say("item", key, "has no value map", i["valuemap"]["name"])
triggers = [(tr, items) for i in t["items"] for tr in i.get("triggers", [])]
triggers += [(tr, items) for tr in tmpl.get("triggers", [])]
lld = {m["lld_macro"] for r in rules for m in r["lld_macro_paths"]}
triggers += [(tr, {**items, **protos}) for r in rules for tr in r["trigger_prototypes"]]
for tr, known in triggers:
    refs = re.findall(r"/([^/]+)/([a-z.]+\[[^\]]*\])", tr["expression"])
    if not refs:
        say("trigger", tr["name"], "names no item")
    for host, key in refs:
        if host != name or key not in known:
            say("trigger", tr["name"], "refers to", host, key)
    for m in re.findall(r"\{\$[A-Z.]+\}", tr["expression"] + tr["name"]):
        if m not in macros:
            say("trigger", tr["name"], "uses the undefined macro", m)
    if tr["priority"] not in ("INFO", "WARNING", "AVERAGE", "HIGH", "DISASTER"):
        say("trigger", tr["name"], "priority", tr["priority"])
for p in list(protos.values()) + [tr for r in rules for tr in r["trigger_prototypes"]]:
    for m in re.findall(r"\{#[A-Z]+\}", yaml.safe_dump(p)):
        if m not in lld:
            say("prototype uses the undefined LLD macro", m)
print("\n".join(problems) if problems else "clean")
print("counts", len(items), len(protos), len(triggers), len(params))
EOF
)
vpt_eq "zabbix: the template's keys, masters, triggers and macros hold together" \
	"$(printf '%s\n' "$out" | head -n 1)" clean
[ "$(printf '%s\n' "$out" | head -n 1)" = clean ] || printf '%s\n' "$out" | sed 's/^/# /'
vpt_eq "zabbix: items, item prototypes, triggers, user parameters" \
	"$(printf '%s\n' "$out" | sed -n 's/^counts //p')" "9 5 11 4"

vpt_finish
