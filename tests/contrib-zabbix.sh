#!/bin/bash
# contrib/zabbix/veriport_template.yaml imported into a real Zabbix 6.0:
# Debian's frontend (zabbix-frontend-php, its API) on PHP's built-in web
# server in a namespace of the test, over a private PostgreSQL cluster
# loaded with Debian's Zabbix schema and data (zabbix-server-pgsql; the
# server itself is not run). The API parses every item key, preprocessing
# step and trigger expression on import, so: the template imports, twice
# (updating), with the items, discovery, prototypes, override, macros and
# value map it declares; a host links to it; and mutated templates (an
# unknown function, a bad find() operator, a trigger on a key the template
# lacks) are refused. About 30-50 s, half of it loading the schema and
# data.
. "$(dirname "$0")/integration/lib.sh"

vpt_init contrib-zabbix ctb
VPT_NET4=10.222.0.0/16
VPT_NET6=fd7e:222::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq curl:curl python3:python3-minimal \
	php:php-cli psql:postgresql-client unshare:util-linux setpriv:util-linux
ZBX_WEB=/usr/share/zabbix
ZBX_SQL=/usr/share/zabbix-server-pgsql
[ -f "$ZBX_WEB/api_jsonrpc.php" ] || vpt_skip "needs the Zabbix frontend (Debian package zabbix-frontend-php)"
[ -f "$ZBX_SQL/schema.sql.gz" ] || vpt_skip "needs the Zabbix schema (Debian package zabbix-server-pgsql)"
php -m | grep -qx pgsql || vpt_skip "needs PHP's PostgreSQL module (Debian package php-pgsql)"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] ||
	vpt_skip "needs PostgreSQL's initdb and postgres (Debian package postgresql)"
TEMPLATE=$top_srcdir/contrib/zabbix/veriport_template.yaml
NAME="Veriport by Zabbix agent"
PORT=8080

# postgres reaches its folder through this one.
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"
vpt_netns ZNS zbx 10.222.9.1

# PostgreSQL on a Unix socket in the test's folder, no TCP.
PG=$VPT_TMP/pg
mkdir -m 0700 "$PG" && chown postgres:postgres "$PG" || vpt_error "cannot create $PG"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_postgres "$PG_BIN/initdb" -D "$PG/data" -U postgres -A trust -E UTF8 --locale=C \
	--no-sync >"$VPT_TMP/initdb.log" 2>&1 || vpt_error "initdb: $(tail -n 5 "$VPT_TMP/initdb.log")"
vpt_spawn POSTGRES "$ZNS" "$VPT_TMP/postgres.log" setpriv --reuid=postgres --regid=postgres \
	--init-groups "$PG_BIN/postgres" -D "$PG/data" -k "$PG" -c listen_addresses= \
	-c fsync=off -c synchronous_commit=off -c full_page_writes=off
psql_q() { psql -X -q -h "$PG" -U postgres -v ON_ERROR_STOP=1 "$@"; }
vpt_wait_until 10 psql_q -c 'select 1' postgres >/dev/null 2>&1 ||
	vpt_error "postgres did not start: $(tail -n 5 "$VPT_TMP/postgres.log")"
t0=$(vpt_now_ms)
psql_q -c 'create database zabbix' postgres || vpt_error "create database zabbix"
zcat "$ZBX_SQL/schema.sql.gz" | psql_q -1 zabbix >"$VPT_TMP/schema.log" 2>&1 ||
	vpt_error "the Zabbix schema: $(tail -n 5 "$VPT_TMP/schema.log")"
# The data without the images (map icons, which a template import does
# not use): their foreign keys are not checked while it loads.
{
	echo 'SET session_replication_role = replica;'
	zcat "$ZBX_SQL/data.sql.gz"
} | psql_q -1 zabbix >"$VPT_TMP/data.log" 2>&1 ||
	vpt_error "the Zabbix data: $(tail -n 5 "$VPT_TMP/data.log")"
echo "# Zabbix schema and data loaded in $(($(vpt_now_ms) - t0)) ms"

# The frontend reads /etc/zabbix/zabbix.conf.php: a folder of the test is
# mounted there in a mount namespace of the web server alone.
mkdir -p "$VPT_TMP/etc-zabbix" || vpt_error "cannot create $VPT_TMP/etc-zabbix"
cat >"$VPT_TMP/etc-zabbix/zabbix.conf.php" <<EOF
<?php
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '$PG';
\$DB['PORT'] = '0';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'postgres';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER_NAME = 'veriport contrib test';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
vpt_spawn PHP "$ZNS" "$VPT_TMP/php.log" unshare -m --propagation private sh -c \
	'mount --bind "$1" /etc/zabbix && exec php -S "127.0.0.1:$2" -t "$3"' sh \
	"$VPT_TMP/etc-zabbix" "$PORT" "$ZBX_WEB"
vpt_wait_listen "$ZNS" "$PHP" tcp 127.0.0.1 "$PORT" || vpt_error "php -S is not on 127.0.0.1:$PORT"

# api METHOD PARAMS-JSON: the API's answer (result or error).
AUTH=null
api() {
	jq -cn --arg m "$1" --argjson p "$2" --argjson a "$AUTH" \
		'{jsonrpc: "2.0", method: $m, params: $p, id: 1} + (if $a then {auth: $a} else {} end)' >"$VPT_TMP/request.json"
	vpt_in "$ZNS" curl -sS -m 60 -H 'Content-Type: application/json-rpc' \
		--data-binary @"$VPT_TMP/request.json" "http://127.0.0.1:$PORT/api_jsonrpc.php"
}
# import FILE: configuration.import of FILE, creating and updating.
import() {
	api configuration.import "$(jq -n --rawfile s "$1" '{format: "yaml", source: $s, rules: {
		groups: {createMissing: true},
		templates: {createMissing: true, updateExisting: true},
		items: {createMissing: true, updateExisting: true},
		triggers: {createMissing: true, updateExisting: true},
		discoveryRules: {createMissing: true, updateExisting: true},
		valueMaps: {createMissing: true, updateExisting: true}}}')" |
		jq -r '.error.data // .result'
}

version=$(api apiinfo.version '{}' | jq -r .result)
vpt_match "the Zabbix API answers, version 6.0 (the template's)" "$version" '^6\.0\.'
AUTH=$(api user.login '{"username": "Admin", "password": "zabbix"}' | jq '.result')
[ "$AUTH" != null ] || vpt_error "cannot log in to the Zabbix API"

vpt_eq "configuration.import of contrib/zabbix/veriport_template.yaml" "$(import "$TEMPLATE")" true
vpt_eq "configuration.import again (updating what is there)" "$(import "$TEMPLATE")" true

tmpl=$(api template.get "$(jq -n --arg n "$NAME" '{filter: {host: $n}, output: ["templateid"],
	selectItems: "count", selectTriggers: "count", selectDiscoveries: "count",
	selectMacros: ["macro", "value"], selectValueMaps: "extend"}')")
vpt_eq "template: items, triggers, discovery rules" \
	"$(jq -r '.result[0] | "\(.items) \(.triggers) \(.discoveries)"' <<<"$tmpl")" "9 7 1"
vpt_eq "template: macros" \
	"$(jq -r '[.result[0].macros[] | "\(.macro)=\(.value)"] | sort | join(" ")' <<<"$tmpl")" \
	'{$VERIPORT.CERT.CRIT}=3 {$VERIPORT.CERT.WARN}=14 {$VERIPORT.NODATA}=30m {$VERIPORT.SOCKET}=/run/veriport/status.sock'
vpt_eq "template: the value map of veriport.status" \
	"$(jq -r '[.result[0].valuemaps[0].mappings[] | "\(.value)=\(.newvalue)"] | join(" ")' <<<"$tmpl")" \
	"0=OK 1=WARNING 2=CRITICAL 3=UNKNOWN"
TID=$(jq -r '.result[0].templateid' <<<"$tmpl")
rule=$(api discoveryrule.get "$(jq -n --arg t "$TID" '{templateids: [$t], output: ["key_"],
	selectItems: ["key_"], selectTriggers: ["description", "priority"], selectOverrides: "extend",
	selectLLDMacroPaths: ["lld_macro"]}')")
vpt_eq "discovery: its item prototypes" \
	"$(jq -r '[.result[0].items[].key_ | sub("\\[.*"; "")] | sort | join(" ")' <<<"$rule")" \
	"veriport.channel.cert.days veriport.channel.excused veriport.channel.latency veriport.channel.reason veriport.channel.verdict"
vpt_eq "discovery: its trigger prototypes (priority 4 high, 2 warning)" \
	"$(jq -r '[.result[0].triggers[] | "\(.priority) \(.description | sub("^veriport: "; ""))"] | sort | join("; ")' <<<"$rule")" \
	"2 the certificate of {#TARGET} ({#CHANNEL}) ends in less than {\$VERIPORT.CERT.WARN} days; 4 the certificate of {#TARGET} ({#CHANNEL}) ends in less than {\$VERIPORT.CERT.CRIT} days; 4 {#CHANNEL} to {#TARGET} {#ADDRESS} ({#TRANSPORT}/{#PORT}) is down; 4 {#CHANNEL} to {#TARGET} {#ADDRESS} ({#TRANSPORT}/{#PORT}) is intercepted"
vpt_eq "discovery: the override makes an optional channel's down trigger a warning" \
	"$(jq -r '.result[0].overrides[0] | "\(.filter.conditions[0].macro) \(.filter.conditions[0].value) \(.operations[0].value) \(.operations[0].opseverity.severity)"' <<<"$rule")" \
	"{#OPTIONAL} ^true\$ is down 2"
vpt_eq "discovery: LLD macros" \
	"$(jq -r '[.result[0].lld_macro_paths[].lld_macro] | sort | join(" ")' <<<"$rule")" \
	"{#ADDRESS} {#CHANNEL} {#OPTIONAL} {#PORT} {#TARGET} {#TRANSPORT}"

group=$(api hostgroup.get '{"filter": {"name": ["Linux servers"]}, "output": ["groupid"]}' | jq -r '.result[0].groupid')
host=$(api host.create "$(jq -n --arg g "$group" --arg t "$TID" '{host: "mx1.zurich.example.net",
	groups: [{groupid: $g}], templates: [{templateid: $t}],
	interfaces: [{type: 1, main: 1, useip: 1, ip: "192.0.2.25", dns: "", port: "10050"}]}')")
vpt_eq "a host links to the template" "$(jq -r 'if .result then "created" else .error.data end' <<<"$host")" created
hostid=$(jq -r '.result.hostids[0]' <<<"$host")
vpt_eq "the host has the template's items" \
	"$(api item.get "$(jq -n --arg h "$hostid" '{hostids: [$h], countOutput: true}')" | jq -r .result)" 9

# The import checks what it takes: each mutation is refused.
mutant() { # WHAT SED-EXPRESSION WANT-ERE
	sed -e "$2" "$TEMPLATE" >"$VPT_TMP/mutant.yaml"
	if cmp -s "$TEMPLATE" "$VPT_TMP/mutant.yaml"; then
		vpt_fail "mutation '$1' changed nothing"
		return
	fi
	vpt_match "a mutated template is refused: $1" "$(import "$VPT_TMP/mutant.yaml")" "$3"
}
mutant "unknown trigger function" 's/now()-last/nowx()-last/' 'unknown function "nowx"'
mutant "bad find() operator" 's/,,"regexp",/,,"regexpx",/' 'invalid third parameter in function "find"'
mutant "trigger on a key the template lacks" 's/veriport\.sweep\.errors\[{\$VERIPORT\.SOCKET}\])-min/veriport.sweep.errorz[{$VERIPORT.SOCKET}])-min/' \
	'Incorrect item key "veriport\.sweep\.errorz'

vpt_finish
