#!/bin/bash
# contrib/ against a real veriportd (issue 13, "Fleets"): the daemon runs in
# a client namespace with a private catalog and configuration and sweeps a
# server namespace (nginx on 80 and 443 with a certificate of a test CA;
# tcp/8081 and 8082 closed). Its actual output is then fed to what monitoring
# systems run:
#   - GET /metrics on its TCP listener through `promtool check metrics`;
#     every metric that contrib/prometheus/veriport.rules.yml and
#     contrib/grafana/veriport.json query is in that output;
#   - a real Prometheus scraping it and evaluating the rules: the alerts
#     the sweep calls for, and no other, are pending, their annotations
#     rendered;
#   - a real nrpe (private configuration, running as nagios) with the
#     commands of contrib/nrpe/veriport.cfg, asked with check_nrpe: output
#     and exit code; the socket's group decides whether nagios may read it;
#   - a real icinga2 daemon (as nagios) running both services of
#     contrib/icinga2/veriport.conf: veriport status on the socket, and
#     veriport check against nginx;
#   - zabbix_agentd -t with contrib/zabbix/userparameter_veriport.conf:
#     the values of the keys the template uses.
#
#   client  cv0 10.222.1.1 fd7e:222:1::1   veriportd, nrpe, check_nrpe
#     |
#   server  sv0 10.222.1.2 fd7e:222:1::2   nginx :80 :443; nothing on :8081
#                                          or :8082
#
# Channels: web-http, web-https (ok) and web-alt (refused) form the catalog
# group web, which web-http satisfies, so web-alt is not down anywhere;
# closed (refused, in no group) is down everywhere.
. "$(dirname "$0")/integration/lib.sh"

vpt_init contrib-live ctb
VPT_NET4=10.222.0.0/16
VPT_NET6=fd7e:222::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq curl:curl \
	nginx:nginx-light openssl:openssl promtool:prometheus prometheus:prometheus \
	/usr/sbin/nrpe:nagios-nrpe-server \
	/usr/lib/nagios/plugins/check_nrpe:nagios-nrpe-plugin \
	zabbix_agentd:zabbix-agent icinga2:icinga2-bin python3:python3-minimal
VERIPORTD=${VERIPORTD:-$top_builddir/veriportd}
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
[ -x "$VERIPORTD" ] || vpt_error "no veriportd binary at $VERIPORTD (build first)"
CONTRIB=$top_srcdir/contrib

CLI4=10.222.1.1 CLI6=fd7e:222:1::1
SRV4=10.222.1.2 SRV6=fd7e:222:1::2
PORT=9797

vpt_netns CLI cli "$SRV4"
vpt_netns SRV srv "$SRV4"
vpt_link "$CLI" cv0 "$SRV" sv0
vpt_addr "$CLI" cv0 "$CLI4/24" "$CLI6/64"
vpt_addr "$SRV" sv0 "$SRV4/24" "$SRV6/64"

vpt_tls_ca "$VPT_TMP/ca" "veriport contrib test CA"
# Valid for 30 days and a half: 30 whole days left while the test runs.
vpt_tls_cert "$VPT_TMP/ca" srv "IP:$SRV4,IP:$SRV6" \
	"$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$(date -u -d '+30 days 12 hours' +%Y%m%d%H%M%SZ)"
vpt_nginx NGINX "$SRV" "$VPT_TMP/nginx" <<EOF
	server {
		listen $SRV4:80;
		listen [$SRV6]:80;
		listen $SRV4:443 ssl;
		listen [$SRV6]:443 ssl;
		ssl_certificate $VPT_TMP/ca/srv.pem;
		ssl_certificate_key $VPT_TMP/ca/srv.key;
		location / { return 200 "veriport contrib test\n"; }
	}
EOF
for a in "$SRV4" "$SRV6"; do
	for p in 80 443; do
		vpt_wait_listen "$SRV" "$NGINX" tcp "$a" "$p" || vpt_error "nginx is not on $a:$p"
	done
done

# The daemon ------------------------------------------------------------------

mkdir -p "$VPT_TMP/catalogs" "$VPT_TMP/run" "$VPT_TMP/state" ||
	vpt_error "cannot create the daemon's folders"
cat >"$VPT_TMP/catalogs/contribtest.catalog" <<'EOF'
# Catalog of tests/contrib-live.sh; not a vendor table.
profile contribtest
title   contrib/ integration test
source  tests/contrib-live.sh (no vendor table)

role client  The namespace veriportd runs in
role server  The namespace of nginx

group web  Web: HTTP, HTTPS or the alternative port, whichever the site uses

row web
    vendor   TCP/80 TCP/443 (HTTP, HTTPS) | client | server
    from     client
    to       server
    port     tcp/80 http web-http
    port     tcp/443 https web-https
    group    web
    purpose  nginx.

row web-alt
    vendor   TCP/8082 | client | server
    from     client
    to       server
    port     tcp/8082 tcp web-alt
    group    web
    purpose  Nothing listens: refused, but the group is satisfied (web).

row closed
    vendor   TCP/8081 | client | server
    from     client
    to       server
    port     tcp/8081 tcp closed
    purpose  Nothing listens: refused.
EOF
CONF=$VPT_TMP/veriport.conf
SOCK=$VPT_TMP/run/status.sock
cat >"$CONF" <<EOF
[veriport]
profile = contribtest
role = client
catalog-dir = $VPT_TMP/catalogs
interval = 10
jitter = 0
timeout = 1
ca-file = $VPT_TMP/ca/ca.pem

[map]
server = $SRV4, $SRV6

[status]
socket = $SOCK
mode = 0660
listen = 127.0.0.1:$PORT
state-dir = $VPT_TMP/state
EOF
vpt_spawn VPD "$CLI" "$VPT_TMP/veriportd.log" "$VERIPORTD" --foreground -c "$CONF"
vpt_wait_until 5 test -S "$SOCK" ||
	vpt_error "veriportd did not start: $(tail -n 5 "$VPT_TMP/veriportd.log")"
swept() { "$VERIPORT" status --socket "$SOCK" --format json >"$VPT_TMP/status.json" 2>/dev/null; }
vpt_wait_until 10 swept || vpt_error "no sweep ended: $(tail -n 5 "$VPT_TMP/veriportd.log")"
vpt_in "$CLI" curl -sS -o "$VPT_TMP/metrics.txt" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" >"$VPT_TMP/code"
code=$(cat "$VPT_TMP/code")
vpt_eq "GET /metrics on the TCP listener: HTTP status" "$code" 200

# Prometheus ------------------------------------------------------------------

promtool check metrics <"$VPT_TMP/metrics.txt" >"$VPT_TMP/promtool.out" 2>&1
rc=$?
vpt_eq "promtool check metrics on veriportd's /metrics: exit status" "$rc" 0
vpt_eq "promtool check metrics: no problem reported" "$(cat "$VPT_TMP/promtool.out")" ""
not_after=$(date -u -d "$(openssl x509 -in "$VPT_TMP/ca/srv.pem" -noout -enddate | sed 's/^notAfter=//')" +%s)
vpt_eq "veriport_tls_not_after_seconds: the end of nginx's certificate, at both addresses" \
	"$(sed -n 's/^veriport_tls_not_after_seconds{.*channel="web-https".*} //p' "$VPT_TMP/metrics.txt" | sort -u)" \
	"$not_after"
vpt_eq "the members of the catalog group carry its id, and the group is up" \
	"$(grep -cE '^veriport_channel_up\{.*channel="web-(http|https|alt)".*,group="web"\} ' "$VPT_TMP/metrics.txt") $(sed -n 's/^veriport_group_up{.*group="web"} //p' "$VPT_TMP/metrics.txt")" \
	"6 1"
# The families the daemon serves (# TYPE lines).
families=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$VPT_TMP/metrics.txt" | sort -u)
# used FILE: the veriport metric names FILE queries.
used() { grep -oE 'veriport_[a-z_]+' "$1" | sort -u; }
for f in prometheus/veriport.rules.yml grafana/veriport.json; do
	missing=$(comm -23 <(used "$CONTRIB/$f") <(printf '%s\n' "$families"))
	vpt_eq "every metric contrib/$f queries is in the real /metrics" "$missing" ""
	vpt_cmp "contrib/$f queries veriport metrics" "$(used "$CONTRIB/$f" | wc -l)" -ge 5
done

# A real Prometheus scrapes the daemon (job veriport, a site label) and a
# second target where nothing listens, and evaluates the rules every
# second: the refused channel's VeriportChannelDown and the dead target's
# VeriportTargetDown are pending (their `for:` is minutes), with the
# annotations naming verdict and reason; nothing else is.
PROM=$VPT_TMP/prometheus
mkdir -p "$PROM/data" || vpt_error "cannot create $PROM"
cat >"$PROM/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $CONTRIB/prometheus/veriport.rules.yml
scrape_configs:
  - job_name: veriport
    static_configs:
      - targets: ['127.0.0.1:$PORT', '127.0.0.1:$((PORT + 1))']
        labels: {site: zurich}
EOF
vpt_spawn PROMETHEUS "$CLI" "$VPT_TMP/prometheus.log" prometheus \
	--config.file="$PROM/prometheus.yml" --storage.tsdb.path="$PROM/data" \
	--web.listen-address=127.0.0.1:9090
vpt_wait_listen "$CLI" "$PROMETHEUS" tcp 127.0.0.1 9090 || vpt_error "prometheus is not on 127.0.0.1:9090"
prom_alerts() { vpt_in "$CLI" curl -sS -m 5 http://127.0.0.1:9090/api/v1/alerts; }
# pending: the pending and firing alerts, one line each.
pending() {
	prom_alerts | jq -r '.data.alerts[] | "\(.state) \(.labels.alertname) \(.labels.instance) \(.labels.site) \(.labels.channel // "-") \(.labels.address // "-")"' |
		sort
}
alerts_are() { [ "$(pending | wc -l)" -ge "$1" ]; }
vpt_wait_until 20 alerts_are 3
vpt_eq "prometheus: the rules on the real daemon's metrics: what is pending" \
	"$(pending | tr '\n' ';')" \
	"pending VeriportChannelDown 127.0.0.1:$PORT zurich closed $SRV4;pending VeriportChannelDown 127.0.0.1:$PORT zurich closed $SRV6;pending VeriportTargetDown 127.0.0.1:$((PORT + 1)) zurich - -;"
vpt_eq "prometheus: VeriportChannelDown's description names verdict and reason" \
	"$(prom_alerts | jq -r --arg a "$SRV6" '.data.alerts[] | select(.labels.alertname == "VeriportChannelDown" and .labels.address == $a) | .annotations.description')" \
	"contribtest role client at site zurich: the required channel closed (client to server) is refused (tcp-reset). \`veriport status\` on the host shows the evidence."

# The socket is the daemon's group's, as with the Debian package (group
# veriport, mode 0660): here that group is nagios, whom nrpe runs as. The
# folders above it let everyone through, as /run does. The agents run a
# copy of veriport in the test's folder: the build tree may be in one
# they cannot enter.
chmod 0711 "$VPT_TMP" && chgrp nagios "$VPT_TMP/run" "$SOCK" && chmod 0750 "$VPT_TMP/run" ||
	vpt_error "cannot hand the socket to the group nagios"
mkdir -p "$VPT_TMP/bin" && install -m 0755 "$VERIPORT" "$VPT_TMP/bin/veriport" ||
	vpt_error "cannot copy veriport to $VPT_TMP/bin"

# NRPE ------------------------------------------------------------------------

NRPE_DIR=$VPT_TMP/nrpe
mkdir -p "$NRPE_DIR" && chown nagios: "$NRPE_DIR" || vpt_error "cannot create $NRPE_DIR"
sed -e "s|/usr/bin/veriport|$VPT_TMP/bin/veriport|g" -e "s|/run/veriport/status.sock|$SOCK|g" \
	"$CONTRIB/nrpe/veriport.cfg" >"$NRPE_DIR/veriport.cfg"
cat >"$NRPE_DIR/nrpe.cfg" <<EOF
pid_file=$NRPE_DIR/nrpe.pid
log_file=$NRPE_DIR/nrpe.log
server_address=127.0.0.1
server_port=5666
nrpe_user=nagios
nrpe_group=nagios
allowed_hosts=127.0.0.1
dont_blame_nrpe=0
allow_bash_command_substitution=0
command_timeout=20
connection_timeout=30
disable_syslog=1
include=$NRPE_DIR/veriport.cfg
EOF
vpt_spawn NRPE "$CLI" "$VPT_TMP/nrpe.log" /usr/sbin/nrpe -c "$NRPE_DIR/nrpe.cfg" -f
vpt_wait_listen "$CLI" "$NRPE" tcp 127.0.0.1 5666 || vpt_error "nrpe is not on 127.0.0.1:5666"
# nrpe_ask COMMAND: check_nrpe from the client namespace; the output, then
# a last line "exit=N".
nrpe_ask() {
	local out rc
	out=$(vpt_in "$CLI" /usr/lib/nagios/plugins/check_nrpe -H 127.0.0.1 -p 5666 -t 20 -c "$1" 2>&1)
	rc=$?
	printf '%s\nexit=%d\n' "$out" "$rc"
}
# The first line names the failed channel (the closed port, refused at both
# addresses); the perfdata carry a time per channel and address.
first_line() { printf '%s\n' "$1" | head -n 1; }
out=$(nrpe_ask check_veriport)
vpt_eq "check_nrpe check_veriport: exit status (critical: a required channel is refused)" \
	"${out##*exit=}" 2
vpt_match "check_nrpe check_veriport: the first line names the failed channel" "$(first_line "$out")" \
	"^VERIPORT CRITICAL - closed tcp/8081 $SRV4 $SRV4: refused/tcp-reset; contribtest as client: 8 probed, 4 ok, 2 required failed"
vpt_match "check_nrpe check_veriport: perfdata with a time per channel and address" "$(first_line "$out")" \
	"'time web-https $SRV6'=[0-9.]+s;;;0;"
vpt_match "check_nrpe check_veriport: the long output lists the failures" "$out" \
	"^closed tcp/8081 $SRV6 $SRV6: refused/tcp-reset$"
out=$(nrpe_ask check_veriport_latency)
vpt_eq "check_nrpe check_veriport_latency: exit status" "${out##*exit=}" 2
vpt_match "check_nrpe check_veriport_latency: the thresholds are in the perfdata" "$(first_line "$out")" \
	"'time web-http $SRV4'=[0-9.]+s;0\\.500;2\\.000;0;"
out=$(nrpe_ask no_such_command)
vpt_eq "check_nrpe of a command contrib/nrpe/veriport.cfg does not define: unknown" "${out##*exit=}" 3
# Icinga 2 ---------------------------------------------------------------------

# A real icinga2 daemon, running as nagios with the objects of
# contrib/icinga2/veriport.conf: the service "veriport" of a host with
# vars.veriport reads the daemon's socket; the service "veriport dmz" of a
# host with vars.veriport_checks runs veriport check against nginx. Both
# are checked at once (an external command forces them), and their results
# read from the state file icinga2 writes when it stops.
# The check reads the catalog folder as an installed one: with its
# interceptors list (without it, veriport says so on standard error, and
# icinga2 puts standard error first in the output).
IC=$VPT_TMP/icinga2
mkdir -p "$IC/var" && chown nagios: "$IC/var" || vpt_error "cannot create $IC"
cp "$top_srcdir/catalogs/interceptors.list" "$VPT_TMP/catalogs/" ||
	vpt_error "cannot copy the interceptors list"
sed -e "s|/usr/bin/veriport|$VPT_TMP/bin/veriport|g" "$CONTRIB/icinga2/veriport.conf" >"$IC/veriport.conf"
cat >"$IC/icinga2.conf" <<EOF
include <itl>
object CheckerComponent "checker" {}
object ExternalCommandListener "command" { command_path = "$IC/var/icinga2.cmd" }
object FileLogger "notice" { path = "$IC/var/notice.log"; severity = "notice" }
object Host "mx1.zurich.example.net" {
	check_command = "dummy"
	vars.veriport = true
	vars.veriport_socket = "$SOCK"
	vars.veriport_warning = 0.5
}
object Host "gw.basel.example.net" {
	check_command = "dummy"
	vars.veriport_checks["dmz"] = {
		veriport_profile = "contribtest"
		veriport_role = "client"
		veriport_catalog_dir = "$VPT_TMP/catalogs"
		veriport_map = [ "server=$SRV4" ]
		veriport_only = [ "web-http", "web-https" ]
		veriport_ca_file = [ "$VPT_TMP/ca/ca.pem" ]
		veriport_timeout = 1
	}
}
include "$IC/veriport.conf"
EOF
vpt_spawn ICINGA "$CLI" "$VPT_TMP/icinga2.log" icinga2 daemon -c "$IC/icinga2.conf" \
	-DRunAsUser=nagios -DRunAsGroup=nagios -DCacheDir="$IC/var" -DDataDir="$IC/var" \
	-DLogDir="$IC/var" -DInitRunDir="$IC/var" -DPidPath="$IC/var/icinga2.pid" \
	-DSpoolDir="$IC/var" -DStatePath="$IC/var/icinga2.state" \
	-DModAttrPath="$IC/var/modified-attributes.conf" -DVarsPath="$IC/var/icinga2.vars"
vpt_wait_until 20 test -p "$IC/var/icinga2.cmd" ||
	vpt_error "icinga2 did not start: $(tail -n 5 "$VPT_TMP/icinga2.log")"
now=$(date +%s)
printf '[%s] SCHEDULE_FORCED_SVC_CHECK;%s;%s;%s\n' \
	"$now" mx1.zurich.example.net veriport "$now" \
	"$now" gw.basel.example.net "veriport dmz" "$now" >"$IC/var/icinga2.cmd"
checks_done() { [ "$(grep -c "/veriport' .*terminated with exit code" "$IC/var/notice.log")" -ge 2 ]; }
vpt_wait_until 20 checks_done || vpt_fail "icinga2 did not run both veriport services"
kill -TERM "$ICINGA"
vpt_wait_exit "$ICINGA" 20
vpt_eq "icinga2 stops cleanly" "$?" 0
# The services' last results: NAME|EXIT|FIRST LINE|ARGUMENTS.
results=$(python3 - "$IC/var/icinga2.state" <<'EOF'
import json, sys
data, i = open(sys.argv[1], "rb").read(), 0
while i < len(data):
    j = data.index(b":", i)
    n = int(data[i:j])
    o = json.loads(data[j + 1:j + 1 + n])
    i = j + 2 + n
    cr = o["update"].get("last_check_result") if o.get("type") == "Service" else None
    if cr:
        print("%s|%d|%s|%s" % (o["name"], cr["exit_status"], cr["output"].split("\n")[0], " ".join(cr["command"][1:])))
EOF
)
printf '%s\n' "$results" | sed 's/^/# /'
result_of() { printf '%s\n' "$results" | awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }'; }
vpt_eq "icinga2 service veriport: exit status (critical)" "$(result_of 'mx1.zurich.example.net!veriport' 2)" 2
vpt_match "icinga2 service veriport: the output names the failed channel" \
	"$(result_of 'mx1.zurich.example.net!veriport' 3)" \
	"^VERIPORT CRITICAL - closed tcp/8081 $SRV4 $SRV4: refused/tcp-reset"
vpt_match "icinga2 service veriport: the host's socket and threshold are on the command line" \
	"$(result_of 'mx1.zurich.example.net!veriport' 4)" \
	"^status --format nagios --socket $SOCK -w 0\\.5"
vpt_eq "icinga2 service veriport dmz (veriport check): exit status (ok)" "$(result_of 'gw.basel.example.net!veriport dmz' 2)" 0
vpt_match "icinga2 service veriport dmz: the output" "$(result_of 'gw.basel.example.net!veriport dmz' 3)" \
	"^VERIPORT OK - contribtest as client: 2 probed, 2 ok"
vpt_match "icinga2 service veriport dmz: every variable of the dictionary on the command line" \
	"$(result_of 'gw.basel.example.net!veriport dmz' 4)" \
	"--ca-file $VPT_TMP/ca/ca.pem --catalog-dir $VPT_TMP/catalogs .*--map server=$SRV4 --only web-http --only web-https --profile contribtest --role client --timeout 1"

# nagios outside the socket's group: what the docs warn about.
chgrp root "$SOCK" || vpt_error "chgrp root $SOCK"
out=$(nrpe_ask check_veriport)
vpt_eq "check_nrpe, nagios not in the socket's group: exit status (unknown)" "${out##*exit=}" 3
vpt_eq "check_nrpe, nagios not in the socket's group: says why" "$(first_line "$out")" \
	"VERIPORT UNKNOWN - $SOCK: Permission denied"

# Zabbix ----------------------------------------------------------------------

ZDIR=$VPT_TMP/zabbix
mkdir -p "$ZDIR" && chown zabbix: "$ZDIR" || vpt_error "cannot create $ZDIR"
sed -e "s|/usr/bin/veriport|$VPT_TMP/bin/veriport|g" "$CONTRIB/zabbix/userparameter_veriport.conf" \
	>"$ZDIR/userparameter_veriport.conf"
cat >"$ZDIR/zabbix_agentd.conf" <<EOF
LogType=console
PidFile=$ZDIR/zabbix_agentd.pid
Server=127.0.0.1
AllowRoot=0
User=zabbix
Include=$ZDIR/userparameter_veriport.conf
EOF
# zabbix_value KEY: the value zabbix_agentd -t gets for KEY[SOCK], without
# its "KEY [t|" frame. The test mode runs the user parameter as the user
# who calls it, so it is called as zabbix, as whom the agent runs.
zabbix_value() {
	setpriv --reuid zabbix --regid zabbix --init-groups \
		zabbix_agentd -c "$ZDIR/zabbix_agentd.conf" -t "$1[$SOCK]" 2>"$ZDIR/$1.err" |
		python3 -c 'import sys
s = sys.stdin.read()
i = s.find(" [t|")
print(s[i + 4:].rstrip()[:-1] if i >= 0 and s.rstrip().endswith("]") else "NO VALUE: " + s)'
}
vpt_eq "zabbix veriport.status, zabbix not in the socket's group: 3 (unknown)" \
	"$(zabbix_value veriport.status)" 3
chgrp zabbix "$SOCK" "$VPT_TMP/run" || vpt_error "cannot hand the socket to the group zabbix"
vpt_eq "zabbix veriport.status: the Nagios exit status" "$(zabbix_value veriport.status)" 2
vpt_match "zabbix veriport.nagios: the plugin line without perfdata" "$(zabbix_value veriport.nagios)" \
	"^VERIPORT CRITICAL - closed tcp/8081 $SRV4 $SRV4: refused/tcp-reset; contribtest as client: 8 probed, 4 ok, 2 required failed, 0 optional failed, 0 unverified\$"
zabbix_value veriport.json >"$ZDIR/json"
vpt_eq "zabbix veriport.json: status and results" \
	"$(jq -r '"\(.status) \(.results | length)"' "$ZDIR/json" 2>&1)" "2 8"
vpt_eq "zabbix veriport.json: verdicts by channel and address" \
	"$(jq -r '[.results[] | "\(.channel) \(.address) \(.verdict)/\(.reason)"] | sort | join(", ")' "$ZDIR/json")" \
	"closed $SRV4 refused/tcp-reset, closed $SRV6 refused/tcp-reset, web-alt $SRV4 refused/tcp-reset, web-alt $SRV6 refused/tcp-reset, web-http $SRV4 ok/answered, web-http $SRV6 ok/answered, web-https $SRV4 ok/handshake-ok, web-https $SRV6 ok/handshake-ok"
vpt_eq "zabbix veriport.json: excused, the members of the satisfied group (not closed)" \
	"$(jq -r '[.results[] | select(.excused == 1) | .channel] | unique | join(" ")' "$ZDIR/json")" \
	"web-alt web-http web-https"
vpt_eq "zabbix veriport.json: the certificate's days left (30-day certificate)" \
	"$(jq -r '[.results[] | select(.channel == "web-https") | .days_left] | unique | join(" ")' "$ZDIR/json")" "30"
zabbix_value veriport.metrics >"$ZDIR/metrics"
vpt_eq "zabbix veriport.metrics: the daemon's metrics" \
	"$(grep -cE '^veriport_(last_sweep_timestamp_seconds|sweep_interval_seconds|sweep_errors_total|config_last_reload_successful|build_info)[{ ]' "$ZDIR/metrics")" 5

# What the template reads of those values is there: the fields of every
# JSONPath (discovery and item prototypes) in each result, and every
# Prometheus pattern's metric in the metrics.
out=$(python3 - "$CONTRIB/zabbix/veriport_template.yaml" "$ZDIR/json" "$ZDIR/metrics" <<'EOF'
import json, re, sys, yaml
t = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]["templates"][0]
doc = json.load(open(sys.argv[2]))
metrics = open(sys.argv[3]).read()
problems, n = [], 0
for r in t["discovery_rules"]:
    for m in r["lld_macro_paths"]:
        field = m["path"][2:]
        n += 1
        if any(field not in x for x in doc["results"]):
            problems.append("LLD macro %s: no %s in a result" % (m["lld_macro"], field))
    for p in r["item_prototypes"]:
        for step in p["preprocessing"]:
            if step["type"] == "JSONPATH":
                m = re.fullmatch(r"\$\.results\[\?\(.*\)\]\.([a-z_]+)\.first\(\)", step["parameters"][0])
                n += 1
                if not m or any(m.group(1) not in x for x in doc["results"]):
                    problems.append("prototype %s: %s" % (p["key"], step["parameters"][0]))
for i in t["items"]:
    for step in i.get("preprocessing", []):
        if step["type"] == "PROMETHEUS_PATTERN":
            n += 1
            if not re.search(r"^%s[{ ]" % re.escape(step["parameters"][0]), metrics, re.M):
                problems.append("item %s: no %s" % (i["key"], step["parameters"][0]))
print("; ".join(problems) or "clean", n)
EOF
)
vpt_eq "zabbix template: every JSONPath field and Prometheus pattern is in the agent's values" "$out" "clean 16"

vpt_finish
