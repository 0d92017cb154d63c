# What bench/run.sh and bench/soak.sh share: the packages they install for
# themselves (bench is not part of CI, so none of them is in
# .ci/install-deps), an optimised build without sanitizers, and the target
# world: one private network namespace whose loopback (127.0.0.0/8) holds
# nginx (plain, ECDSA and RSA TLS ports), postfix (STARTTLS ports), closed
# ports and nft-dropped ports. Sourced after tests/integration/lib.sh's
# vpt_init, so the namespace has its own resolv.conf and egress guard and
# the teardown stops every server by pid.

# Port blocks (BENCH_MAXP ports each, from the first port of the block).
# Many ports and few addresses, so a certificate names every address in a
# few IP SANs (21) as a real one would, not in hundreds.
BENCH_MAXP=1000
BENCH_TCP_PORT=10001   # nginx, plain
BENCH_TLS_PORT=11001   # nginx, TLS: odd ports ECDSA P-256, even ports RSA 2048
BENCH_SMTP_PORT=2501   # postfix or veriport respond, STARTTLS (BENCH_SMTP_MAXP ports)
BENCH_SMTP_MAXP=500
BENCH_CLOSED_PORT=12001 # nothing listens
BENCH_DROP_PORT=13001  # nft drops every packet to them
BENCH_MAXA=20          # target addresses 127.1.0.1 .. 127.1.0.20
BENCH_POSTFIX_MAXP=10  # postfix's ports (the soak's), from BENCH_SMTP_PORT

bench_log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# bench_packages PKG...: install what is missing (servers never started by
# Debian while installing).
bench_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	bench_log "installing ${missing[*]}"
	local made=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >"$VPT_TMP/apt.log" 2>&1
	local rc=$?
	[ -n "$made" ] && rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || vpt_error "apt-get install ${missing[*]}: $(tail -n 5 "$VPT_TMP/apt.log")"
}

# bench_build SRC BUILD: veriport and veriportd, -O2, no sanitizers, in a
# build folder of their own (the worktree's sanitizer build is left
# alone): a VPATH build of SRC, or, when SRC is configured in place (which
# a VPATH build cannot share), a copy of SRC's files refreshed in BUILD on
# every run and configured there. Sets VERIPORT and VERIPORTD.
bench_build() {
	local src=$1 build=$2
	if ! dpkg -s libuv1-dev libc-ares-dev libssl-dev check >/dev/null 2>&1; then
		bench_log "build dependencies missing: running .ci/install-deps"
		sh "$src/.ci/install-deps" >"$VPT_TMP/install-deps.log" 2>&1 ||
			vpt_error ".ci/install-deps: $(tail -n 5 "$VPT_TMP/install-deps.log")"
	fi
	if [ -f "$src/config.status" ]; then
		[ ! -f "$build/Makefile" ] || [ -f "$build/configure.ac" ] ||
			vpt_error "$build is a VPATH build; give BENCH_BUILD another folder"
		"$src/tests/tree-copy.sh" "$build" || vpt_error "cannot copy $src into $build"
		src=$build
	fi
	[ -x "$src/configure" ] || (cd "$src" && ./bootstrap) >"$VPT_TMP/bootstrap.log" 2>&1 ||
		vpt_error "bootstrap: $(tail -n 5 "$VPT_TMP/bootstrap.log")"
	mkdir -p "$build" || vpt_error "cannot create $build"
	if [ ! -f "$build/Makefile" ]; then
		bench_log "configuring $build (CFLAGS=-O2 -g, no sanitizers)"
		(cd "$build" && "$src/configure" CFLAGS='-O2 -g') >"$VPT_TMP/configure.log" 2>&1 ||
			vpt_error "configure: $(tail -n 5 "$VPT_TMP/configure.log")"
	fi
	grep -q -- '--enable-sanitizers' "$build/config.status" &&
		vpt_error "$build is configured with sanitizers; give BENCH_BUILD another folder"
	make -C "$build" -j2 veriport veriportd >"$VPT_TMP/make.log" 2>&1 ||
		vpt_error "make: $(tail -n 20 "$VPT_TMP/make.log")"
	VERIPORT=$build/veriport
	VERIPORTD=$build/veriportd
}

# bench_addrs A: the first A target addresses, one a line.
bench_addrs() {
	local i
	for ((i = 1; i <= $1; i++)); do echo "127.1.0.$i"; done
}

# bench_cert DIR NAME ec|rsa: a leaf for every target address, signed by
# DIR's CA (vpt_tls_ca).
bench_cert() {
	local dir=$1 name=$2 kind=$3 san="IP:127.0.0.1" i key
	for ((i = 1; i <= BENCH_MAXA; i++)); do san="$san,IP:127.1.0.$i"; done
	if [ "$kind" = ec ]; then
		key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	else
		key=(-newkey rsa:2048)
	fi
	openssl req -new "${key[@]}" -nodes -keyout "$dir/$name.key" \
		-out "$dir/$name.csr" -subj "/CN=bench $name" >"$dir/$name.log" 2>&1 &&
		VPT_SAN=$san openssl ca -batch -notext -config "$dir/ca.cnf" \
			-extensions vpt_leaf -startdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" \
			-enddate "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)" \
			-in "$dir/$name.csr" -out "$dir/$name.pem" >>"$dir/$name.log" 2>&1 ||
		vpt_error "openssl (certificate $name): $(cat "$dir/$name.log")"
	chmod 0644 "$dir/$name.pem" "$dir/$name.key"
}

# bench_respond: `veriport respond` on the SMTP ports instead of postfix
# (bench/run.sh): at thousands of sessions a second postfix's master and
# tlsmgr deadlocked here within a few sweeps (every smtpd waiting in
# tls_server_init, connections left unanswered), which no client can be
# measured against. respond is one libuv process; its SMTP far end greets,
# offers STARTTLS and completes the handshake with the bench's ECDSA
# certificate.
bench_respond() {
	local dir=$VPT_TMP/respond p
	mkdir -p "$dir" || vpt_error "cannot create $dir"
	: >"$dir/interceptors.list"
	{
		printf 'profile smtpfarm\ntitle bench SMTP far end\nsource bench/lib.sh\n\n'
		printf 'role client The prober\nrole srv The SMTP ports\n\n'
		for ((p = BENCH_SMTP_PORT; p < BENCH_SMTP_PORT + BENCH_SMTP_MAXP; p++)); do
			printf 'row s%d\n    vendor bench\n    from client\n    to srv\n' "$p"
			printf '    port tcp/%d smtp-starttls\n    starttls required\n    purpose bench\n\n' "$p"
		done
	} >"$dir/smtpfarm.catalog"
	vpt_spawn RESPOND "$NS" "$VPT_TMP/respond.log" "$VERIPORT" respond \
		--catalog-dir "$dir" --profile smtpfarm --role srv --bind 0.0.0.0 \
		--cert "$TLS/ec.pem" --key "$TLS/ec.key" --max-clients 20000 \
		--duration 86400
	vpt_wait_listen "$NS" "$RESPOND" tcp 0.0.0.0 $((BENCH_SMTP_PORT + BENCH_SMTP_MAXP - 1)) ||
		vpt_error "veriport respond did not start: $(tail -n 5 "$VPT_TMP/respond.log")"
}

# bench_world [respond]: the namespace ($NS) and its servers; SMTP is
# postfix, or veriport respond when asked. Sets TLS (the folder of ca.pem,
# ec.pem/key, rsa.pem/key).
bench_world() {
	chmod 0711 "$VPT_TMP" || vpt_error "chmod $VPT_TMP"
	vpt_netns NS ns 127.0.0.1
	vpt_sysctl "$NS" net.core.somaxconn 65535
	vpt_sysctl "$NS" net.ipv4.tcp_max_syn_backlog 65535
	# Every port of a target is below 20000, so no probe's own port
	# is ever one of theirs (or one the drop rule matches).
	vpt_sysctl "$NS" net.ipv4.ip_local_port_range "20000 65000"
	vpt_sysctl "$NS" net.ipv4.tcp_tw_reuse 1
	vpt_in "$NS" nft -f - <<EOF || vpt_error "cannot load the drop rules"
table inet bch_drop {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 127.1.0.0/16 tcp dport $BENCH_DROP_PORT-$((BENCH_DROP_PORT + BENCH_MAXP - 1)) drop
	}
}
EOF
	TLS=$VPT_TMP/tls
	vpt_tls_ca "$TLS" "veriport bench CA"
	bench_cert "$TLS" ec ec
	bench_cert "$TLS" rsa rsa
	chmod 0644 "$TLS/ca.pem"

	local dir=$VPT_TMP/nginx p
	mkdir -p "$dir/tmp" || vpt_error "cannot create $dir"
	{
		cat <<EOF
daemon off;
master_process on;
worker_processes 2;

pid $dir/nginx.pid;
error_log stderr warn;
events {
	worker_connections 19000;
	multi_accept on;
}
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	ssl_session_cache off;
	ssl_session_tickets off;
	server {
EOF
		for ((p = BENCH_TCP_PORT; p < BENCH_TCP_PORT + BENCH_MAXP; p++)); do
			echo "		listen $p backlog=65535;"
		done
		echo '		return 200 "bench\n";'
		echo '	}'
		for k in ec rsa; do
			echo '	server {'
			for ((p = BENCH_TLS_PORT; p < BENCH_TLS_PORT + BENCH_MAXP; p++)); do
				if { [ $k = ec ] && [ $((p % 2)) -eq 1 ]; } ||
					{ [ $k = rsa ] && [ $((p % 2)) -eq 0 ]; }; then
					echo "		listen $p ssl backlog=65535;"
				fi
			done
			echo "		ssl_certificate $TLS/$k.pem;"
			echo "		ssl_certificate_key $TLS/$k.key;"
			echo '		return 200 "bench\n";'
			echo '	}'
		done
		echo '}'
	} >"$dir/nginx.conf"
	vpt_in "$NS" nginx -t -p "$dir" -c "$dir/nginx.conf" -e stderr >"$dir/nginx-t.out" 2>&1 ||
		vpt_error "nginx -t: $(cat "$dir/nginx-t.out")"
	vpt_spawn NGINX "$NS" "$dir.log" nginx -p "$dir" -c "$dir/nginx.conf" -e stderr

	vpt_wait_listen "$NS" "$NGINX" tcp 0.0.0.0 $((BENCH_TLS_PORT + BENCH_MAXP - 1)) ||
		vpt_error "nginx did not start: $(tail -n 5 "$VPT_TMP/nginx.log")"
	if [ "${1:-}" = respond ]; then
		bench_respond
		return
	fi

	dir=$VPT_TMP/postfix
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" && chown postfix "$dir/data" ||
		vpt_error "cannot create $dir"
	cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
inet_interfaces = all
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
biff = no
# No maillog_file: postlogd, one process for every smtpd's lines, fell
# behind at thousands of sessions and wedged them all (watchdog timeout);
# without it smtpd logs to syslog, which the namespace does not have.
smtpd_banner = \$myhostname ESMTP veriport bench
smtpd_peername_lookup = no
smtpd_tls_chain_files = $TLS/ec.key, $TLS/ec.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 0
smtpd_tls_session_cache_database =
default_process_limit = 1000
# smtpd processes live for the whole run: each new one asks tlsmgr for a
# seed, and with hundreds starting and ending at once master and tlsmgr
# deadlocked here (every smtpd then waits in tls_server_init).
max_use = 1000000
max_idle = 3600s
EOF
	{
		for ((p = BENCH_SMTP_PORT; p < BENCH_SMTP_PORT + BENCH_POSTFIX_MAXP; p++)); do
			echo "$p inet n - n - 6 smtpd"
		done
		cat <<EOF
pickup     unix       n - n 60 1 pickup
cleanup    unix       n - n - 0 cleanup
qmgr       unix       n - n 300 1 qmgr
tlsmgr     unix       - - n 1000? 1 tlsmgr
rewrite    unix       - - n - - trivial-rewrite
bounce     unix       - - n - 0 bounce
defer      unix       - - n - 0 bounce
trace      unix       - - n - 0 bounce
verify     unix       - - n - 1 verify
flush      unix       n - n 1000? 0 flush
proxymap   unix       - - n - - proxymap
showq      unix       n - n - - showq
error      unix       - - n - - error
retry      unix       - - n - - error
discard    unix       - - n - - discard
anvil      unix       - - n - 1 anvil
scache     unix       - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
	} >"$dir/etc/master.cf"
	vpt_spawn POSTFIX "$NS" "$dir.log" postfix -c "$dir/etc" start-fg
	vpt_wait_listen "$NS" "$POSTFIX" tcp 0.0.0.0 $((BENCH_SMTP_PORT + BENCH_POSTFIX_MAXP - 1)) ||
		vpt_error "postfix did not start: $(tail -n 5 "$VPT_TMP/postfix.log")"
}
