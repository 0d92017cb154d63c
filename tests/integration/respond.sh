#!/bin/bash
# veriport respond, for real: a responder namespace stands in for the
# product's role, veriport check probes it from a client namespace through
# a router, and every check kind comes out as today's verdicts say
# (handshake-ok with the responder's certificate declared, answered, ...),
# the token where each client records it. Then: the control port answers
# for a one-way datagram; 300 idle connections and a slowloris on port 25
# while a normal check still gets ok; a shipped catalog with a generated
# certificate and a port some other process holds; an unprivileged
# responder; usage errors. Under flock /tmp/veriport-heavy.lock (HELPERS).
#
#   address        what
#   10.229.1.2     client namespace (veriport check, the hostile clients)
#   10.229.3.10    responder namespace (veriport respond), and its v6
. "$(dirname "$0")/lib.sh"

vpt_init respond rsp
VPT_NET4=10.229.0.0/16
VPT_NET6=fd7e:229::/32
vpt_need_root
vpt_need_cmd ip:iproute2 ss:iproute2 nft:nftables jq:jq openssl:openssl \
	python3:python3 socat:socat setpriv:util-linux
[ -x "$VERIPORT" ] || vpt_error "no veriport binary at $VERIPORT (build first)"
CATALOGS=$top_srcdir/tests/integration/catalogs
T0=$(vpt_now_ms)

CLI4=10.229.1.2 CLI6=fd7e:229:1::2
RTR4_C=10.229.1.1 RTR6_C=fd7e:229:1::1
RTR4_S=10.229.2.1 RTR6_S=fd7e:229:2::1
SRV4=10.229.2.2 SRV6=fd7e:229:2::2
RSP4=10.229.3.10 RSP6=fd7e:229:3::10
# An address in the test's range that nothing holds: the roles a check
# does not probe here point at it.
NOWHERE=10.229.9.9
chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"
vpt_routed_world "$RSP4" 10.229.3.0/24 fd7e:229:3::/64 "$RSP4" "$RSP6"

CA=$VPT_TMP/ca
vpt_tls_ca "$CA" "veriport respond test CA"
vpt_tls_cert "$CA" responder "IP:$RSP4,IP:$RSP6"
chmod 0644 "$CA"/*.pem "$CA"/*.key

# token FILE KEY: a value of a token file.
token() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# The whole catalog, every kind, with a declared certificate -------------
vpt_spawn RESP_A "$SRV" "$VPT_TMP/respond-a.log" "$VERIPORT" respond \
	--catalog-dir "$CATALOGS" --profile respond --role responder \
	--bind "$RSP4" --bind "$RSP6" --duration 60 \
	--token-file "$VPT_TMP/token-a" \
	--cert "$CA/responder.pem" --key "$CA/responder.key"
vpt_wait_until 10 test -s "$VPT_TMP/token-a" ||
	vpt_error "respond wrote no token file: $(cat "$VPT_TMP/respond-a.log")"
vpt_wait_listen "$SRV" "$RESP_A" tcp "$RSP4" 7979 ||
	vpt_error "respond: no control port: $(cat "$VPT_TMP/respond-a.log")"
TOKEN=$(token "$VPT_TMP/token-a" token)
vpt_match "token file: token" "$TOKEN" '^vpr-[0-9a-f]{16}$'
vpt_eq "token file: spki-sha256 is the certificate's" \
	"$(token "$VPT_TMP/token-a" spki-sha256)" "$(vpt_tls_spki_sha256 "$CA/responder.pem")"
vpt_eq "token file: control port, profile, role" \
	"$(token "$VPT_TMP/token-a" control-port) $(token "$VPT_TMP/token-a" profile) $(token "$VPT_TMP/token-a" role)" \
	"7979 respond responder"
vpt_eq "token file: mode" "$(stat -c %a "$VPT_TMP/token-a")" 644
START=$(cat "$VPT_TMP/respond-a.log")
vpt_match "start table: token" "$START" "^token $TOKEN$"
vpt_match "start table: tcp/25 smtp-starttls" "$START" '^tcp/25 +smtp-starttls +smtp$'
vpt_match "start table: udp/514 syslog" "$START" '^udp/514 +syslog +syslog$'
vpt_match "start table: where it listens" "$START" "listening on $RSP4, $RSP6"

# Hostile clients on port 25: 300 that connect and say nothing, and one
# that sends a byte every half second and never a line.
vpt_idle_clients -n "$CLI" "$RSP4:25" 300 25 >"$VPT_TMP/idle.out" &
IDLE=$!
VPT_PIDS+=("$IDLE")
vpt_wait_until 10 grep -q '^connected 300' "$VPT_TMP/idle.out" ||
	vpt_error "idle clients did not connect: $(cat "$VPT_TMP/idle.out")"
vpt_in "$CLI" python3 - "$RSP4" >"$VPT_TMP/slowloris.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 25))
s.settimeout(0.5)
t0 = time.monotonic()
closed = -1
while time.monotonic() - t0 < 25:
    try:
        s.send(b"E")
        if s.recv(4096) == b"":
            closed = time.monotonic() - t0
            break
    except socket.timeout:
        pass
    except OSError:
        closed = time.monotonic() - t0
        break
print(-1 if closed < 0 else int(closed * 1000))
PY
SLOW=$!
VPT_PIDS+=("$SLOW")
sleep 0.5
RSS=$(awk '/^VmRSS/ { print $2 }' "/proc/$RESP_A/status")
echo "# responder RSS with 300 idle clients and a slowloris on tcp/25: $RSS kB"
vpt_cmp "responder memory with 300 idle clients (kB)" "$RSS" -lt 65536

# A normal check while they hold on.
C0=$(vpt_now_ms)
vpt_in "$CLI" "$VERIPORT" check --catalog-dir "$CATALOGS" --profile respond \
	--role client --map "responder=$RSP4,$RSP6" --ca-file "$CA/ca.pem" \
	--timeout 3 --format json >"$VPT_TMP/check-a.json" 2>"$VPT_TMP/check-a.err"
CHECK_STATUS=$?
echo "# check of 25 channels x 2 addresses: $(($(vpt_now_ms) - C0)) ms"
jq -e .results "$VPT_TMP/check-a.json" >/dev/null ||
	vpt_error "check: no JSON: $(cat "$VPT_TMP/check-a.err")"
vpt_eq "check exit status (syslog is unverified)" "$CHECK_STATUS" 1
J=$VPT_TMP/check-a.json
for ch in $(jq -r '[.results[].channel] | unique | .[]' "$J"); do
	for a in "$RSP4" "$RSP6"; do
		want=ok
		[ "$ch" = syslog ] && want=unverified
		vpt_eq "$ch at $a" "$(vpt_result "$J" "$ch" "$a" .verdict)" "$want"
	done
done
vpt_eq "channels checked" "$(jq '[.results[].channel] | unique | length' "$J")" 25
for ch in smtp submission smtps imap imaps pop3 pop3s ssh rsync razor; do
	vpt_eq "$ch: the token in the greeting" \
		"$(vpt_result "$J" "$ch" "$RSP4" "(.greeting // \"\") | contains(\"$TOKEN\")")" true
done
for ch in http https; do
	vpt_eq "$ch: the token in Server" \
		"$(vpt_result "$J" "$ch" "$RSP4" ".http.server")" "veriport-respond $TOKEN"
done
for ch in ldap ldaps cldap snmp pyzor dcc; do
	vpt_eq "$ch: the token in the evidence" \
		"$(vpt_result "$J" "$ch" "$RSP4" "[.evidence[] | contains(\"$TOKEN\")] | any")" true
done
SPKI=$(token "$VPT_TMP/token-a" spki-sha256)
for ch in smtp smtps imap pop3s ldap ldaps https syslog-tls pgsql; do
	vpt_eq "$ch: TLS with the responder's key, verified" \
		"$(vpt_result "$J" "$ch" "$RSP6" '"\(.tls.spki_sha256) \(.tls.verified)"')" "$SPKI true"
done

# The control port: a datagram of ours to udp/514, then the question.
PAYLOAD="<14>1 - - rsp-test - - - one-way $TOKEN"
vpt_in "$CLI" python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), (sys.argv[1], 514))' \
	"$RSP4" "$PAYLOAD"
DIGEST=$(printf '%s' "$PAYLOAD" | sha256sum | cut -c1-32)
sleep 0.3
vpt_eq "control: seen" "$(vpt_tcp_ask "$CLI" "$RSP4" 7979 "seen $TOKEN $DIGEST")" "yes $CLI4 514"
vpt_eq "control: not seen" \
	"$(vpt_tcp_ask "$CLI" "$RSP6" 7979 "seen $TOKEN 00000000000000000000000000000000")" no
vpt_eq "control: wrong token" \
	"$(vpt_tcp_ask "$CLI" "$RSP4" 7979 "seen vpr-00000000deadbeef $DIGEST")" "error: token"
LONG=$(head -c 300 /dev/zero | tr '\0' x)
vpt_eq "control: a line over 200 bytes" "$(vpt_tcp_ask "$CLI" "$RSP4" 7979 "$LONG")" \
	"error: line too long"

# The hostile ones were closed by the responder's bounds.
wait "$SLOW"
SLOW_MS=$(tail -n 1 "$VPT_TMP/slowloris.out")
vpt_cmp "slowloris closed by the 10 s bound (ms)" "$SLOW_MS" -le 12000
vpt_cmp "slowloris not closed before it (ms)" "$SLOW_MS" -ge 9000
wait "$IDLE"
vpt_eq "idle clients left open" "$(awk 'NR > 1 && $1 == -1' "$VPT_TMP/idle.out" | wc -l)" 0
vpt_cmp "idle clients closed at the bound at once (of 300)" \
	"$(awk 'NR > 1 && $1 >= 0 && $1 < 2000' "$VPT_TMP/idle.out" | wc -l)" -ge 44
vpt_eq "idle clients got the greeting" \
	"$(awk -v t="$TOKEN" 'NR > 1 && index($0, t) > 0' "$VPT_TMP/idle.out" | wc -l)" 300

kill -TERM "$RESP_A"
vpt_wait_exit "$RESP_A" 10
vpt_eq "respond exit status: every port reached" "$?" 0
END=$(cat "$VPT_TMP/respond-a.log")
vpt_match "end table: SMTP with STARTTLS" "$END" \
	"^ +[0-9.]+s $CLI4:[0-9]+ +tcp/25 +EHLO, STARTTLS, TLS, EHLO, QUIT$"
vpt_match "end table: DNS over UDP" "$END" \
	"^ +[0-9.]+s $CLI4:[0-9]+ +udp/53 +DNS SOA\? \. \(17 bytes, answered\)$"
vpt_match "end table: IPv6 sources" "$END" "^ +[0-9.]+s \[$CLI6\]:[0-9]+ +tcp/993 +TLS, LOGOUT$"
vpt_match "end table: the slowloris" "$END" "tcp/25 +\(line too long\)|tcp/25 +\(timed out\)"
vpt_match "end table: closed at the bound" "$END" "connections closed at the bound of 256 clients"
vpt_match "end table: all reached" "$END" "^25 of 25 ports reached$"

# A shipped catalog, a generated certificate, a port another holds --------
vpt_spawn HOLDER "$SRV" "$VPT_TMP/holder.log" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(); time.sleep(60)'
vpt_wait_listen "$SRV" "$HOLDER" tcp 0.0.0.0 8080 || vpt_error "python on 8080"
vpt_spawn RESP_B "$SRV" "$VPT_TMP/respond-b.log" "$VERIPORT" respond \
	--profile seppmail --role appliance --duration 60 \
	--token-file "$VPT_TMP/token-b"
vpt_wait_until 10 test -s "$VPT_TMP/token-b" ||
	vpt_error "respond B wrote no token file: $(cat "$VPT_TMP/respond-b.log")"
vpt_wait_listen "$SRV" "$RESP_B" tcp 0.0.0.0 25 || vpt_error "respond B: no tcp/25"
TOKEN_B=$(token "$VPT_TMP/token-b" token)
vpt_match "a taken port names its holder" "$(cat "$VPT_TMP/respond-b.log")" \
	"port 8080 is taken by python3 \(pid $HOLDER\)"
vpt_in "$CLI" "$VERIPORT" check --profile seppmail --role internet \
	--map "appliance=$RSP4" --map "mail-server=$NOWHERE" --map "dns-internal=$NOWHERE" \
	--map "dns-external=$NOWHERE" --map "seppmail-support=$NOWHERE" \
	--only smtp-from-internet --only gina-https \
	--timeout 3 --format json >"$VPT_TMP/check-b.json" 2>"$VPT_TMP/check-b.err"
J=$VPT_TMP/check-b.json
jq -e .results "$J" >/dev/null || vpt_error "check B: no JSON: $(cat "$VPT_TMP/check-b.err")"
for ch in smtp-from-internet gina-https; do
	vpt_eq "$ch: today an unknown self-signed certificate" \
		"$(vpt_result "$J" "$ch" "$RSP4" '"\(.verdict)/\(.reason)"')" "tls-error/untrusted-issuer"
	vpt_eq "$ch: the token in the certificate subject" \
		"$(vpt_result "$J" "$ch" "$RSP4" .tls.subject)" "CN=veriport-respond $TOKEN_B"
	vpt_eq "$ch: its key is the token file's" \
		"$(vpt_result "$J" "$ch" "$RSP4" .tls.spki_sha256)" "$(token "$VPT_TMP/token-b" spki-sha256)"
done
kill -TERM "$RESP_B"
vpt_wait_exit "$RESP_B" 10
vpt_eq "respond B exit status: some ports not reached" "$?" 1
vpt_match "respond B: what was not reached" "$(cat "$VPT_TMP/respond-b.log")" \
	'^not reached: tcp/8443 \(admin-https\)$'
kill -TERM "$HOLDER" 2>/dev/null

# Unprivileged: the privileged ports say why, the others still run --------
vpt_spawn RESP_C "$SRV" "$VPT_TMP/respond-c.log" setpriv --reuid=65534 \
	--regid=65534 --clear-groups "$VERIPORT" respond --profile seppmail \
	--role appliance --bind "$RSP4" --duration 1 --control-port 17979
vpt_wait_exit "$RESP_C" 10
vpt_eq "unprivileged respond: exit status (nothing reached)" "$?" 1
C=$(cat "$VPT_TMP/respond-c.log")
vpt_match "unprivileged: port 25 needs root" "$C" "port 25 needs root or CAP_NET_BIND_SERVICE"
vpt_match "unprivileged: 8443 still listens" "$C" "^ +listening on $RSP4$"

# Usage and catalog errors are 3; so is no port at all. -------------------
vpt_in "$SRV" "$VERIPORT" respond --profile respond --catalog-dir "$CATALOGS" \
	--role nosuch >/dev/null 2>"$VPT_TMP/usage.err"
vpt_eq "unknown role: exit 3" "$?" 3
vpt_match "unknown role: the roles named" "$(cat "$VPT_TMP/usage.err")" "roles: client, responder"
vpt_in "$SRV" "$VERIPORT" respond --profile respond >/dev/null 2>&1
vpt_eq "no role: exit 3" "$?" 3
vpt_in "$SRV" setpriv --reuid=65534 --regid=65534 --clear-groups "$VERIPORT" \
	respond --catalog-dir "$CATALOGS" --profile respond --role responder \
	--only smtp --bind "$RSP4" --duration 1 >/dev/null 2>&1
vpt_eq "no port could be opened: exit 3" "$?" 3

echo "# respond.sh took $(($(vpt_now_ms) - T0)) ms"
vpt_finish
