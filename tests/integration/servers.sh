#!/bin/bash
# Every check kind against a real server (issue 4): servers from Debian's
# packages, each started here with a private configuration and the test's
# own CA, in a server namespace; ONE `veriport check --ca-file` sweep from a
# client namespace must end `ok` on every channel with the TLS facts of the
# certificate the server really sent, and `tls-error` with the right reason
# where the certificate is wrong on purpose (expired, another name). A second
# sweep without --ca-file finds the test CA untrusted.
#
#   client  cv0 10.214.1.2 fd7e:214:1::2   veriport (role client)
#             |  one veth, no router, no default route anywhere
#   server  sv0 10.214.1.1 fd7e:214:1::1   mail.vpt.test (A and AAAA):
#       postfix        25, 587 (STARTTLS), 465 (smtps)
#       dovecot        143, 110 (STARTTLS), 993, 995
#       slapd          389 (StartTLS), 636 (ldaps)
#       nginx          80; 443, 8443 (TLS); 8444 expired; 8445 other.vpt.test
#       sshd 22, unbound 53 udp+tcp, chronyd 123, snmpd 161, postgres 5432
#       (ssl on), rsync daemon 873
#
# Every channel is probed at both addresses of mail.vpt.test, so the sweep
# gives two results per channel (tests/integration/catalogs/servers.catalog).
. "$(dirname "$0")/lib.sh"

vpt_init servers srv
VPT_NET4=10.214.0.0/16
VPT_NET6=fd7e:214::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	setpriv:util-linux timeout:coreutils getent:libc-bin \
	unbound:unbound unbound-checkconf:unbound \
	/usr/sbin/sshd:openssh-server ssh-keygen:openssh-client \
	postfix:postfix postconf:postfix dovecot:dovecot-core \
	slapd:slapd ldapsearch:ldap-utils nginx:nginx-light chronyd:chrony \
	snmpd:snmpd snmpget:snmp rsync:rsync curl:curl psql:postgresql-client
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] ||
	vpt_skip "needs PostgreSQL's initdb and postgres (Debian package postgresql)"
vpt_need_cmd /usr/lib/dovecot/imap-login:dovecot-imapd \
	/usr/lib/dovecot/pop3-login:dovecot-pop3d
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs

# Per-probe timeout of the sweeps, in seconds: every server here answers in
# milliseconds, so a probe that needs it has failed.
TIMEOUT=5

CLI4=10.214.1.2 CLI6=fd7e:214:1::2
SRV4=10.214.1.1 SRV6=fd7e:214:1::1
NAME=mail.vpt.test
OTHER=other.vpt.test
CA_CN="veriport integration test CA"

# Servers running as their own users (postgres, nginx workers, dovecot's
# login processes) reach their files through this folder.
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"

# The network -------------------------------------------------------------------

vpt_netns CLI cli "$SRV4"
vpt_netns SRV srv "$SRV4"
vpt_link "$CLI" cv0 "$SRV" sv0
vpt_addr "$CLI" cv0 "$CLI4/24" "$CLI6/64"
vpt_addr "$SRV" sv0 "$SRV4/24" "$SRV6/64"

# PostgreSQL's initdb takes the longest: start it first, in the background,
# and make everything else meanwhile.
PG=$VPT_TMP/pg
mkdir -m 0700 "$PG" && chown postgres:postgres "$PG" || vpt_error "cannot create $PG"
vpt_spawn INITDB "$SRV" "$VPT_TMP/initdb.log" setpriv --reuid=postgres \
	--regid=postgres --init-groups "$PG_BIN/initdb" -D "$PG/data" \
	-U postgres -A trust -E UTF8 --locale=C --no-sync

# Certificates --------------------------------------------------------------------

TLS=$VPT_TMP/tls
vpt_tls_ca "$TLS" "$CA_CN"
vpt_tls_cert "$TLS" server "DNS:$NAME"
vpt_tls_cert "$TLS" expired "DNS:$NAME" 20200101000000Z 20210101000000Z
vpt_tls_cert "$TLS" other "DNS:$OTHER"
chmod 0644 "$TLS"/*.pem
# A chain file (leaf first) for the servers that take one.
cat "$TLS/server.pem" "$TLS/ca.pem" >"$TLS/server-chain.pem"

# unbound: the test zone, with PTR records so reverse lookups (postfix,
# sshd) are answered at once.
vpt_unbound UNBOUND "$SRV" "$VPT_TMP/unbound" "$SRV4" "$SRV6" <<EOF
local-data: ". 3600 IN SOA ns.vpt.test. hostmaster.vpt.test. 1 3600 600 86400 60"
local-data: ". 3600 IN NS ns.vpt.test."
local-data: "ns.vpt.test. 60 IN A $SRV4"
local-data: "$NAME. 60 IN A $SRV4"
local-data: "$NAME. 60 IN AAAA $SRV6"
local-data: "$NAME. 60 IN MX 10 $NAME."
local-data: "$OTHER. 60 IN A $SRV4"
local-data: "client.vpt.test. 60 IN A $CLI4"
local-data: "client.vpt.test. 60 IN AAAA $CLI6"
local-data-ptr: "$SRV4 $NAME"
local-data-ptr: "$SRV6 $NAME"
local-data-ptr: "$CLI4 client.vpt.test"
local-data-ptr: "$CLI6 client.vpt.test"
EOF

# sshd: a private configuration and host key; it only has to greet.
vpt_privsep_dir
ssh-keygen -q -t ed25519 -N '' -C vpt -f "$VPT_TMP/ssh_host_ed25519_key" ||
	vpt_error "ssh-keygen"
cat >"$VPT_TMP/sshd_config" <<EOF
ListenAddress $SRV4:22
ListenAddress [$SRV6]:22
HostKey $VPT_TMP/ssh_host_ed25519_key
PidFile none
UsePAM no
UseDNS no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
LogLevel ERROR
EOF
/usr/sbin/sshd -t -f "$VPT_TMP/sshd_config" >"$VPT_TMP/sshd-t.out" 2>&1 ||
	vpt_error "sshd -t: $(cat "$VPT_TMP/sshd-t.out")"
vpt_spawn SSHD "$SRV" "$VPT_TMP/sshd.log" \
	/usr/sbin/sshd -D -e -f "$VPT_TMP/sshd_config"

# postfix: 25 and 587 (STARTTLS, required on 587) and 465 (smtps).
vpt_postfix POSTFIX "$SRV" "$VPT_TMP/postfix" "$NAME" "$TLS/server.key" \
	"$TLS/server-chain.pem" "$SRV4" "$SRV6"

# dovecot: IMAP and POP3, STARTTLS on 143/110 and implicit TLS on 993/995.
# Nobody logs in: an empty password file is enough.
DC=$VPT_TMP/dovecot
mkdir -p "$DC/run" "$DC/state" || vpt_error "cannot create $DC"
: >"$DC/passwd"
chmod 0644 "$DC/passwd"
cat >"$DC/dovecot.conf" <<EOF
instance_name = $VPT_PREFIX-dovecot
base_dir = $DC/run
state_dir = $DC/state
log_path = /dev/stderr
protocols = imap pop3
listen = $SRV4, $SRV6
ssl = yes
ssl_cert = <$TLS/server-chain.pem
ssl_key = <$TLS/server.key
disable_plaintext_auth = yes
auth_mechanisms = plain
default_login_user = dovenull
default_internal_user = dovecot
passdb {
	driver = passwd-file
	args = $DC/passwd
}
userdb {
	driver = static
	args = uid=dovenull gid=dovenull home=/nonexistent
}
service imap-login {
	inet_listener imap {
		port = 143
	}
	inet_listener imaps {
		port = 993
		ssl = yes
	}
}
service pop3-login {
	inet_listener pop3 {
		port = 110
	}
	inet_listener pop3s {
		port = 995
		ssl = yes
	}
}
EOF
vpt_spawn DOVECOT "$SRV" "$VPT_TMP/dovecot.log" \
	dovecot -F -c "$DC/dovecot.conf"

# slapd: one empty database, StartTLS on 389 and ldaps on 636; -d keeps it
# in the foreground (slapd(8)), "stats" logs each operation.
SL=$VPT_TMP/slapd
mkdir -p "$SL/db" || vpt_error "cannot create $SL"
cat >"$SL/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $SL/slapd.pid
argsfile $SL/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $TLS/ca.pem
TLSCertificateFile $TLS/server.pem
TLSCertificateKeyFile $TLS/server.key
database mdb
maxsize 10485760
suffix "dc=vpt,dc=test"
rootdn "cn=admin,dc=vpt,dc=test"
directory $SL/db
EOF
vpt_spawn SLAPD "$SRV" "$VPT_TMP/slapd.log" \
	slapd -d stats -f "$SL/slapd.conf" \
	-h "ldap://$SRV4/ ldap://[$SRV6]/ ldaps://$SRV4/ ldaps://[$SRV6]/"

# nginx: plain HTTP on 80, mail.vpt.test's certificate on 443 and 8443, an
# expired one on 8444, one for other.vpt.test on 8445.
NG=$VPT_TMP/nginx
mkdir -p "$NG/www" || vpt_error "cannot create $NG"
chmod 0755 "$NG" "$NG/www"
echo "veriport test" >"$NG/www/index.html"
chmod 0644 "$NG/www/index.html"
# nginx_listen PORT [ssl]: the listen lines for both addresses.
nginx_listen() {
	printf '\t\tlisten %s:%s %s;\n\t\tlisten [%s]:%s %s;\n' \
		"$SRV4" "$1" "${2:-}" "$SRV6" "$1" "${2:-}"
}
# nginx_tls_server CERT PROTOCOLS PORT...: a server block with CERT (the
# leaf alone, no chain) and the TLS versions PROTOCOLS.
nginx_tls_server() {
	local cert=$1 protocols=$2 p
	shift 2
	echo "	server {"
	for p in "$@"; do nginx_listen "$p" ssl; done
	cat <<EOF
		server_name $NAME;
		ssl_certificate $TLS/$cert.pem;
		ssl_certificate_key $TLS/$cert.key;
		ssl_protocols $protocols;
		root $NG/www;
	}
EOF
}
vpt_nginx NGINX "$SRV" "$NG" < <(
	cat <<EOF
	server {
$(nginx_listen 80)
		server_name $NAME;
		root $NG/www;
	}
EOF
	# 8443 speaks TLS 1.2 only, so one probe reports the older version.
	nginx_tls_server server "TLSv1.2 TLSv1.3" 443
	nginx_tls_server server TLSv1.2 8443
	nginx_tls_server expired "TLSv1.2 TLSv1.3" 8444
	nginx_tls_server other "TLSv1.2 TLSv1.3" 8445
)

# chronyd: serves its local clock at stratum 10 to the test ranges; -x so
# it never touches the host's clock, no command port.
CH=$VPT_TMP/chrony
mkdir -p "$CH" || vpt_error "cannot create $CH"
cat >"$CH/chrony.conf" <<EOF
local stratum 10
allow $VPT_NET4
allow $VPT_NET6
bindaddress $SRV4
bindaddress $SRV6
port 123
cmdport 0
bindcmdaddress /
pidfile $CH/chronyd.pid
EOF
vpt_spawn CHRONYD "$SRV" "$VPT_TMP/chronyd.log" \
	chronyd -d -x -u root -f "$CH/chrony.conf"

# snmpd: read-only community public for the test ranges, no other
# configuration (-C), state in the test's folder.
SN=$VPT_TMP/snmpd
mkdir -p "$SN/state" || vpt_error "cannot create $SN"
cat >"$SN/snmpd.conf" <<EOF
rocommunity public $VPT_NET4
rocommunity6 public $VPT_NET6
sysLocation veriport integration test
sysContact nobody@vpt.test
EOF
vpt_spawn SNMPD "$SRV" "$VPT_TMP/snmpd.log" \
	env SNMP_PERSISTENT_DIR="$SN/state" snmpd -f -Lo -C -m '' -c "$SN/snmpd.conf" \
	-p "$SN/snmpd.pid" "udp:$SRV4:161,udp6:[$SRV6]:161"

# rsync: one read-only module. A daemon binds one --address, so one per
# address.
RS=$VPT_TMP/rsync
mkdir -p "$RS/pub" || vpt_error "cannot create $RS"
cat >"$RS/rsyncd.conf" <<EOF
use chroot = no
[pub]
	path = $RS/pub
	read only = yes
	comment = veriport test
EOF
vpt_spawn RSYNC4 "$SRV" "$VPT_TMP/rsync4.log" rsync --daemon --no-detach \
	--config="$RS/rsyncd.conf" --address="$SRV4" --port=873 --log-file=/dev/stderr
vpt_spawn RSYNC6 "$SRV" "$VPT_TMP/rsync6.log" rsync --daemon --no-detach \
	--config="$RS/rsyncd.conf" --address="$SRV6" --port=873 --log-file=/dev/stderr

# postgres: once initdb is done; TLS on (the key must belong to postgres
# and be private), and the test ranges may connect over TLS only.
wait "$INITDB" || vpt_error "initdb failed: $(tail -n 5 "$VPT_TMP/initdb.log")"
install -o postgres -g postgres -m 0600 "$TLS/server-chain.pem" "$PG/server.pem" &&
	install -o postgres -g postgres -m 0600 "$TLS/server.key" "$PG/server.key" ||
	vpt_error "cannot copy the certificate for postgres"
cat >>"$PG/data/pg_hba.conf" <<EOF
hostssl all all $VPT_NET4 trust
hostssl all all $VPT_NET6 trust
EOF
vpt_spawn POSTGRES "$SRV" "$VPT_TMP/postgres.log" setpriv --reuid=postgres \
	--regid=postgres --init-groups "$PG_BIN/postgres" -D "$PG/data" \
	-c listen_addresses="$SRV4,$SRV6" -c port=5432 \
	-c unix_socket_directories="$PG" -c ssl=on \
	-c ssl_cert_file="$PG/server.pem" -c ssl_key_file="$PG/server.key" \
	-c fsync=off -c logging_collector=off

# Every server is bound before anything is asked of it.
for a in "$SRV4" "$SRV6"; do
	for want in UNBOUND:udp:53 UNBOUND:tcp:53 SSHD:tcp:22 \
		POSTFIX:tcp:25 POSTFIX:tcp:587 POSTFIX:tcp:465 \
		DOVECOT:tcp:143 DOVECOT:tcp:993 DOVECOT:tcp:110 DOVECOT:tcp:995 \
		SLAPD:tcp:389 SLAPD:tcp:636 NGINX:tcp:80 NGINX:tcp:443 \
		NGINX:tcp:8443 NGINX:tcp:8444 NGINX:tcp:8445 CHRONYD:udp:123 \
		SNMPD:udp:161 POSTGRES:tcp:5432; do
		IFS=: read -r var proto port <<<"$want"
		vpt_wait_listen "$SRV" "${!var}" "$proto" "$a" "$port" ||
			vpt_error "${var,,} is not on $proto $a:$port"
	done
done
vpt_wait_listen "$SRV" "$RSYNC4" tcp "$SRV4" 873 || vpt_error "rsync is not on tcp $SRV4:873"
vpt_wait_listen "$SRV" "$RSYNC6" tcp "$SRV6" 873 || vpt_error "rsync is not on tcp $SRV6:873"
echo "# servers up after $SECONDS s"
dpkg-query -W -f '# ${Package} ${Version}\n' postfix dovecot-core slapd \
	nginx-common openssh-server unbound chrony snmpd "postgresql-${PG_BIN//[^0-9]/}" \
	rsync openssl 2>/dev/null

# The world, checked with the servers' usual clients ----------------------------

got=$(vpt_in "$CLI" getent ahostsv4 "$NAME" | awk 'NR == 1 { print $1 }')
vpt_eq "world: $NAME resolves in the client (A)" "$got" "$SRV4"
got=$(vpt_in "$CLI" getent ahostsv6 "$NAME" | awk 'NR == 1 { print $1 }')
vpt_eq "world: $NAME resolves in the client (AAAA)" "$got" "$SRV6"

# s_client HOST:PORT [OPTIONS...]: a TLS handshake from the client that
# trusts the test CA and checks the name; prints "CODE SUBJECT".
s_client() {
	local hp=$1
	shift
	vpt_in "$CLI" timeout 10 openssl s_client -connect "$hp" \
		-servername "$NAME" -verify_hostname "$NAME" \
		-CAfile "$TLS/ca.pem" "$@" </dev/null 2>/dev/null |
		awk '/^subject=/ { sub(/^subject=/, ""); s = $0 }
		     /Verify return code:/ { c = $4 }
		     END { print c + 0, s }'
}
for a in "$SRV4" "[$SRV6]"; do
	for spec in 25:smtp 587:smtp 465: 143:imap 993: 110:pop3 995: \
		389:ldap 636: 443: 8443: 5432:postgres; do
		port=${spec%%:*} starttls=${spec#*:}
		vpt_eq "world: openssl s_client $a:$port${starttls:+ -starttls $starttls} verifies" \
			"$(s_client "$a:$port" ${starttls:+-starttls "$starttls"})" \
			"0 CN = $NAME"
	done
	# X509_V_ERR_CERT_HAS_EXPIRED and X509_V_ERR_HOSTNAME_MISMATCH.
	vpt_eq "world: openssl s_client $a:8444 sees the expired certificate" \
		"$(s_client "$a:8444")" "10 CN = $NAME"
	vpt_eq "world: openssl s_client $a:8445 sees the other name" \
		"$(s_client "$a:8445")" "62 CN = $OTHER"
done
# ldapsearch checks the name against the URL's host, so it gets the name
# (whichever address it picks); s_client above covered both addresses.
vpt_eq "world: ldapsearch -ZZ (StartTLS, name verified) reads the rootDSE" \
	"$(vpt_in "$CLI" env LDAPTLS_CACERT="$TLS/ca.pem" LDAPTLS_REQCERT=demand \
	timeout 10 ldapsearch -LLL -x -ZZ -H "ldap://$NAME/" -o nettimeout=5 \
	-s base -b '' namingContexts 2>&1 | awk '/^namingContexts:/ { print $2 }')" \
	dc=vpt,dc=test
vpt_eq "world: ldapsearch over ldaps (name verified) reads the rootDSE" \
	"$(vpt_in "$CLI" env LDAPTLS_CACERT="$TLS/ca.pem" LDAPTLS_REQCERT=demand \
	timeout 10 ldapsearch -LLL -x -H "ldaps://$NAME/" -o nettimeout=5 \
	-s base -b '' namingContexts 2>&1 | awk '/^namingContexts:/ { print $2 }')" \
	dc=vpt,dc=test

# banner ADDR PORT N: the first N bytes a TCP server sends.
banner() {
	vpt_in "$CLI" timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2 && head -c $3 <&3" 2>/dev/null
}
for a in "$SRV4" "$SRV6"; do
	case $a in *:*) url="[$a]" udp=udp6 ;; *) url=$a udp=udp ;; esac
	vpt_eq "world: curl http://$url/ is 200" "$(vpt_in "$CLI" timeout 10 \
		curl -s -o /dev/null -w '%{http_code}' --resolve "$NAME:80:$a" \
		"http://$NAME/")" 200
	vpt_eq "world: curl https://$NAME/ at $a is 200" "$(vpt_in "$CLI" timeout 10 \
		curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS/ca.pem" \
		--resolve "$NAME:443:$a" "https://$NAME/")" 200
	vpt_eq "world: psql sslmode=verify-full at $a" "$(vpt_in "$CLI" timeout 10 \
		psql -X -At "host=$NAME hostaddr=$a port=5432 user=postgres dbname=postgres sslmode=verify-full sslrootcert=$TLS/ca.pem connect_timeout=5" \
		-c 'select ssl from pg_stat_ssl where pid = pg_backend_pid()' 2>&1)" t
	vpt_eq "world: sshd greets at $url:22" "$(banner "$a" 22 7)" SSH-2.0
	vpt_eq "world: the rsync daemon greets at $url:873" "$(banner "$a" 873 8)" @RSYNCD:
	vpt_match "world: snmpget sysDescr.0 at $url (community public)" \
		"$(vpt_in "$CLI" timeout 10 snmpget -v2c -c public -t 2 -r 1 -m '' -On \
		"$udp:$url:161" .1.3.6.1.2.1.1.1.0 2>&1)" \
		'^\.1\.3\.6\.1\.2\.1\.1\.1\.0 = STRING: '
	# NTP (RFC 5905): a 48-byte client request (LI 0, version 4, mode 3);
	# the answer's first byte has mode 4 (server) and its second the
	# stratum chronyd serves.
	vpt_eq "world: chronyd answers an NTP request at $url (mode, stratum)" \
		"$(vpt_in "$CLI" timeout 5 bash -c "exec 3<>/dev/udp/$a/123 &&
			printf '\\x23%047d' 0 | tr 0 '\\000' >&3 &&
			head -c 2 <&3" 2>/dev/null | od -An -tu1 |
			awk '{ print $1 % 8, $2 }')" "4 10"
done

# The sweep, trusting the test CA -----------------------------------------------

JSON=$VPT_TMP/sweep.json
# check OUT OPTIONS...: one JSON sweep in the client namespace; $? is
# veriport's.
check() {
	local out=$1
	shift
	vpt_in "$CLI" timeout 60 "$VERIPORT" check --catalog-dir "$CATALOGS" \
		--profile servers --role client --map "server=$NAME" \
		--timeout "$TIMEOUT" --format json "$@" >"$out" 2>"$out.err"
}
t0=$(date +%s%N)
check "$JSON" --ca-file "$TLS/ca.pem"
rc=$?
echo "# json sweep: exit $rc, wall clock $((($(date +%s%N) - t0) / 1000000)) ms"
[ -s "$JSON.err" ] && sed 's/^/# stderr: /' "$JSON.err"
# The expired and wrong-name ports are required channels that fail.
vpt_eq "sweep: exit status (a required channel failed)" "$rc" 2
if [ "$(jq -r type "$JSON" 2>/dev/null)" = object ]; then
	vpt_pass "sweep: output is JSON"
else
	vpt_fail "sweep: output is not JSON: $(head -c 300 "$JSON")"
	echo '{}' >"$JSON"
fi

# Channel -> expected verdict/reason at both addresses.
declare -A WANT=(
	[smtp]=ok/handshake-ok [submission]=ok/handshake-ok
	[smtps]=ok/handshake-ok
	[imap]=ok/handshake-ok [imaps]=ok/handshake-ok
	[pop3]=ok/handshake-ok [pop3s]=ok/handshake-ok
	[ldap]=ok/handshake-ok [ldaps]=ok/handshake-ok
	[https]=ok/handshake-ok [tls]=ok/handshake-ok [pgsql]=ok/handshake-ok
	[http]=ok/answered [http-connect]=ok/connected
	[ssh]=ok/answered [rsync]=ok/answered
	[dns-udp]=ok/answered [dns-tcp]=ok/answered
	[ntp]=ok/answered [snmp]=ok/answered
	[https-expired]=tls-error/cert-expired
	[https-wrong-name]=tls-error/hostname-mismatch
)
# What each TLS channel must report: CERT:VERSION:CHAIN, the certificate
# the server presents, the TLS version, and how many certificates it sends
# (postfix, dovecot and postgres get the leaf and the CA as a chain file;
# slapd adds the CA of TLSCACertificateFile by itself; nginx sends the leaf
# alone).
declare -A TLSWANT=(
	[smtp]=server:TLSv1.3:2 [submission]=server:TLSv1.3:2
	[smtps]=server:TLSv1.3:2
	[imap]=server:TLSv1.3:2 [imaps]=server:TLSv1.3:2
	[pop3]=server:TLSv1.3:2 [pop3s]=server:TLSv1.3:2
	[ldap]=server:TLSv1.3:2 [ldaps]=server:TLSv1.3:2
	[https]=server:TLSv1.3:1 [tls]=server:TLSv1.2:1
	[pgsql]=server:TLSv1.3:2
	[https-expired]=expired:TLSv1.3:1 [https-wrong-name]=other:TLSv1.3:1
)
STARTTLS="smtp submission imap pop3 ldap"
CHANNELS=$(printf '%s\n' "${!WANT[@]}" | sort)

# tls_facts CERT VERSION CHAIN VERIFIED: the TLS facts expected, in the
# shape tls_facts_got prints them.
tls_facts() {
	local pem=$TLS/$1.pem subject chain
	subject=$(openssl x509 -in "$pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
	chain="$subject < CN=$CA_CN"
	[ "$3" -eq 2 ] && chain="$chain | CN=$CA_CN < CN=$CA_CN"
	printf 'version=%s verified=%s subject=%s issuer=CN=%s sans=DNS:%s not_after=%s sha256=%s spki_sha256=%s chain=%s' \
		"$2" "$4" "$subject" "$CA_CN" "${subject#CN=}" "$(vpt_tls_not_after "$pem")" \
		"$(vpt_tls_sha256 "$pem")" "$(vpt_tls_spki_sha256 "$pem")" "$chain"
}
tls_facts_got='if (.tls | type) != "object" then "no tls object"
	else .tls | "version=\(.version) verified=\(.verified) subject=\(.subject) issuer=\(.issuer) sans=\(.sans | if type == "array" then join(", ") else . end) not_after=\(.not_after) sha256=\(.sha256) spki_sha256=\(.spki_sha256) chain=\(.chain // [] | map("\(.subject) < \(.issuer)") | join(" | "))" end'

for ch in $CHANNELS; do
	want=${WANT[$ch]}
	for a in "$SRV4" "$SRV6"; do
		vpt_eq "$ch $a" "$(vpt_result "$JSON" "$ch" "$a" '"\(.verdict)/\(.reason)"')" "$want"
		vpt_eq "$ch $a: evidence is an array of strings" \
			"$(vpt_result "$JSON" "$ch" "$a" '.evidence | type == "array" and length > 0 and all(type == "string")')" true
		tlswant=${TLSWANT[$ch]:-}
		if [ -n "$tlswant" ]; then
			IFS=: read -r cert version chain <<<"$tlswant"
			verified=true
			[ "$cert" = server ] || verified=false
			vpt_eq "$ch $a: tls facts" \
				"$(vpt_result "$JSON" "$ch" "$a" "$tls_facts_got")" \
				"$(tls_facts "$cert" "$version" "$chain" "$verified")"
		else
			vpt_eq "$ch $a: has a tls object" \
				"$(vpt_result "$JSON" "$ch" "$a" 'has("tls")')" false
		fi
		case " $STARTTLS " in
		*" $ch "*)
			vpt_eq "$ch $a: STARTTLS offered" \
				"$(vpt_result "$JSON" "$ch" "$a" '.starttls.offered')" true
			;;
		esac
	done
done
vpt_eq "sweep: number of results (every channel at both addresses)" \
	"$(jq '.results | length' "$JSON")" $((2 * ${#WANT[@]}))
vpt_eq "sweep: summary" "$(jq -S -c .summary "$JSON")" \
	"{\"ok\":$((2 * ${#WANT[@]} - 4)),\"tls-error\":4}"
# What the plain-text servers said is kept as evidence.
vpt_eq "ssh $SRV4: evidence carries sshd's banner" \
	"$(vpt_result "$JSON" ssh "$SRV4" '.evidence | any(startswith("SSH-2.0-OpenSSH"))')" true
vpt_eq "smtp $SRV4: greeting is postfix's banner" \
	"$(vpt_result "$JSON" smtp "$SRV4" '.greeting')" "220 $NAME ESMTP veriport test"
vpt_eq "http $SRV4: HTTP status" "$(vpt_result "$JSON" http "$SRV4" '.http.status')" 200
vpt_eq "https $SRV6: HTTP status over TLS" "$(vpt_result "$JSON" https "$SRV6" '.http.status')" 200

# The same server without --ca-file: the test CA is in no system store ----------

UNTRUSTED=$VPT_TMP/untrusted.json
check "$UNTRUSTED" --only https
rc=$?
[ -s "$UNTRUSTED.err" ] && sed 's/^/# stderr: /' "$UNTRUSTED.err"
vpt_eq "untrusted sweep: exit status" "$rc" 2
for a in "$SRV4" "$SRV6"; do
	vpt_eq "untrusted: https $a" \
		"$(vpt_result "$UNTRUSTED" https "$a" '"\(.verdict)/\(.reason)"')" \
		tls-error/untrusted-issuer
	vpt_eq "untrusted: https $a: tls facts" \
		"$(vpt_result "$UNTRUSTED" https "$a" "$tls_facts_got")" \
		"$(tls_facts server TLSv1.3 1 false)"
done

# Nothing tried to leave the test world.
for ns in "$CLI" "$SRV"; do
	vpt_eq "guard: packets $ns sent outside the test ranges" "$(vpt_guard_drops "$ns")" 0
done
echo "# runtime ${SECONDS} s"

vpt_finish
