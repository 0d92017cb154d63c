# Shared helpers for veriport's integration tests: a private world of network
# namespaces, real servers started inside it, assertions that print
# "ok - ..." / "not ok - ...", and a teardown (trap on EXIT) that leaves
# nothing behind even when the test fails. Sourced by bash scripts:
#
#	. "$(dirname "$0")/lib.sh"
#	vpt_init reachability reach      # test name, namespace tag
#	VPT_NET4=10.213.0.0/16 VPT_NET6=fd7e:213::/32
#	vpt_need_root; vpt_need_cmd jq:jq ...
#	vpt_netns CLI cli 10.213.3.10     # sets $CLI to the namespace's name
#	...
#	vpt_eq "what is checked" "$got" "$want"
#	vpt_finish                         # "NAME: N passed, M failed"
#
# Rules every test keeps (they come from the project card): namespaces and
# /etc/netns/NAME are named vpt-TAG-PID-*, each namespace has its own
# resolv.conf and an nft output guard that drops anything not addressed to
# loopback, link-local scope or the test's own ranges, and servers are
# stopped by pid.

# Exit codes of automake's test driver.
VPT_EXIT_SKIP=77
VPT_EXIT_ERROR=99

# How long a server may take to bind its port, in tenths of a second.
VPT_LISTEN_WAIT=100

vpt_init() {
	VPT_NAME=$1
	VPT_PREFIX="vpt-$2-$$"
	VPT_PASSED=0
	VPT_FAILED=0
	VPT_NAMESPACES=()
	VPT_PIDS=()
	VPT_MADE_ETC_NETNS=
	VPT_USES_RUN_SSHD=
	VPT_NET4=${VPT_NET4:-}
	VPT_NET6=${VPT_NET6:-}
	local here
	here=$(cd "$(dirname "$0")/../.." && pwd)
	top_srcdir=${top_srcdir:-$here}
	top_builddir=${top_builddir:-$here}
	VERIPORT_CATALOG_DIR=${VERIPORT_CATALOG_DIR:-$top_srcdir/catalogs}
	export VERIPORT_CATALOG_DIR
	VERIPORT=${VERIPORT:-$top_builddir/veriport}
	VPT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$VPT_PREFIX.XXXXXX") ||
		vpt_error "cannot create a temporary folder"
	trap vpt_teardown EXIT
	trap 'exit 130' INT TERM HUP
}

# The test cannot run here. CI must never skip: there it is a hard error.
vpt_skip() {
	if [ -n "${CI:-}" ]; then
		echo "ERROR: $VPT_NAME: $* (CI is set, and CI must never skip)" >&2
		exit $VPT_EXIT_ERROR
	fi
	echo "SKIP: $VPT_NAME: $*" >&2
	exit $VPT_EXIT_SKIP
}

# Something is wrong with the test's own world, not with veriport.
vpt_error() {
	echo "ERROR: ${VPT_NAME:-integration}: $*" >&2
	exit $VPT_EXIT_ERROR
}

vpt_need_root() {
	[ "$(id -u)" -eq 0 ] || vpt_skip "needs root to create network namespaces"
}

# vpt_need_cmd CMD:PACKAGE...
vpt_need_cmd() {
	local spec
	for spec in "$@"; do
		command -v "${spec%%:*}" >/dev/null 2>&1 ||
			vpt_skip "needs ${spec%%:*} (Debian package ${spec#*:}; .ci/install-deps installs it)"
	done
}

# vpt_in NS CMD...: run CMD inside namespace NS.
vpt_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# vpt_sysctl NS KEY VALUE: through /proc, so procps is not needed; a
# process inside NS sees NS's net.* settings there.
vpt_sysctl() {
	vpt_in "$1" sh -c "echo '$3' >'/proc/sys/${2//.//}'" ||
		vpt_error "$1: cannot set $2=$3"
}

# vpt_netns VAR TAG RESOLVER: create namespace vpt-TAG-PID-TAG, set $VAR to
# its name, give it a resolv.conf naming RESOLVER, loopback up, no DAD and
# no router advertisements (addresses usable at once, routes only the
# test's), and the egress guard.
vpt_netns() {
	local var=$1 ns="$VPT_PREFIX-$2" resolver=$3
	ip netns add "$ns" 2>"$VPT_TMP/netns.err" ||
		vpt_skip "needs root to create network namespaces ($(cat "$VPT_TMP/netns.err"))"
	VPT_NAMESPACES+=("$ns")
	printf -v "$var" '%s' "$ns"
	if [ ! -d /etc/netns ]; then
		mkdir -p /etc/netns || vpt_error "cannot create /etc/netns"
		VPT_MADE_ETC_NETNS=1
	fi
	mkdir -p "/etc/netns/$ns" || vpt_error "cannot create /etc/netns/$ns"
	printf 'nameserver %s\n' "$resolver" >"/etc/netns/$ns/resolv.conf"
	local key
	for key in accept_dad accept_ra autoconf; do
		vpt_sysctl "$ns" "net.ipv6.conf.all.$key" 0
		vpt_sysctl "$ns" "net.ipv6.conf.default.$key" 0
	done
	vpt_in "$ns" ip link set lo up || vpt_error "$ns: lo up"
	vpt_guard "$ns"
}

# vpt_guard NS: the egress guard. Anything a process in NS sends that is not
# addressed to loopback, link-local scope (ARP/NDP/MLD never leave the link)
# or VPT_NET4/VPT_NET6 is dropped and counted, so a server that tries to
# reach the outside world (a resolver chasing the root servers) cannot.
vpt_guard() {
	[ -n "$VPT_NET4" ] && [ -n "$VPT_NET6" ] ||
		vpt_error "set VPT_NET4 and VPT_NET6 before vpt_netns"
	vpt_in "$1" nft -f - <<EOF || vpt_error "$1: cannot load the nft egress guard"
table inet vpt_guard {
	chain output {
		type filter hook output priority 0; policy accept;
		oifname "lo" accept
		meta nfproto ipv4 ip daddr != { 127.0.0.0/8, 224.0.0.0/24, $VPT_NET4 } counter drop comment "vpt-guard"
		meta nfproto ipv6 ip6 daddr != { ::1, fe80::/10, ff02::/16, $VPT_NET6 } counter drop comment "vpt-guard"
	}
}
EOF
}

# vpt_guard_drops NS: packets the guard of NS dropped so far.
vpt_guard_drops() {
	vpt_in "$1" nft list chain inet vpt_guard output |
		awk '/vpt-guard/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) }
		     END { print n + 0 }'
}

# vpt_link NS1 IF1 NS2 IF2: a veth pair made directly inside the two
# namespaces (it never appears in the host's), both ends up.
vpt_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		vpt_error "veth $1/$2 - $3/$4"
	vpt_in "$1" ip link set "$2" up || vpt_error "$1: $2 up"
	vpt_in "$3" ip link set "$4" up || vpt_error "$3: $4 up"
}

# vpt_addr NS IF ADDR/LEN...: IPv4 and IPv6 addresses (v6 without DAD).
vpt_addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) vpt_in "$ns" ip -6 addr add "$a" dev "$dev" nodad ;;
		*) vpt_in "$ns" ip addr add "$a" dev "$dev" ;;
		esac || vpt_error "$ns: address $a on $dev"
	done
}

# vpt_route NS PREFIX VIA
vpt_route() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	vpt_in "$1" ip "$fam" route add "$2" via "$3" ||
		vpt_error "$1: route $2 via $3"
}

# vpt_routed_world DNS NET4 NET6 ADDR...: the world most tests need. A
# client (CLI) and a server (SRV), each joined by a veth to a router (RTR)
# that forwards between them; the server also holds the service addresses
# ADDR... (in NET4 and NET6, which the router routes to it). No default
# route anywhere, so nothing can leave the world; every namespace asks
# DNS. The test sets the link addresses first: CLI4 CLI6 RTR4_C RTR6_C
# (client side) and RTR4_S RTR6_S SRV4 SRV6 (server side).
vpt_routed_world() {
	local dns=$1 net4=$2 net6=$3 a
	shift 3
	vpt_netns CLI cli "$dns"
	vpt_netns RTR rtr "$dns"
	vpt_netns SRV srv "$dns"
	vpt_link "$CLI" cv0 "$RTR" rc0
	vpt_link "$RTR" rs0 "$SRV" sv0
	vpt_addr "$CLI" cv0 "$CLI4/24" "$CLI6/64"
	vpt_addr "$RTR" rc0 "$RTR4_C/24" "$RTR6_C/64"
	vpt_addr "$RTR" rs0 "$RTR4_S/24" "$RTR6_S/64"
	vpt_addr "$SRV" sv0 "$SRV4/24" "$SRV6/64"
	for a in "$@"; do
		case $a in
		*:*) vpt_addr "$SRV" sv0 "$a/128" ;;
		*) vpt_addr "$SRV" sv0 "$a/32" ;;
		esac
	done
	vpt_route "$CLI" "$VPT_NET4" "$RTR4_C"
	vpt_route "$CLI" "$VPT_NET6" "$RTR6_C"
	vpt_route "$RTR" "$net4" "$SRV4"
	vpt_route "$RTR" "$net6" "$SRV6"
	vpt_route "$SRV" "$VPT_NET4" "$RTR4_S"
	vpt_route "$SRV" "$VPT_NET6" "$RTR6_S"
	vpt_sysctl "$RTR" net.ipv4.ip_forward 1
	vpt_sysctl "$RTR" net.ipv6.conf.all.forwarding 1
}

# vpt_spawn VAR NS LOG CMD...: start CMD in the foreground of namespace NS,
# in the background of this script; $VAR gets its pid (ip netns exec execs
# CMD, so the pid is the server's) and the teardown stops it.
vpt_spawn() {
	local var=$1 ns=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	VPT_PIDS+=("$!")
	printf -v "$var" '%s' "$!"
}

# vpt_wait_listen NS PID tcp|udp ADDR PORT: wait until something in NS is
# bound to ADDR:PORT (bounded); fail at once if PID exited.
vpt_wait_listen() {
	local ns=$1 pid=$2 proto=$3 addr=$4 port=$5 i want
	case $addr in *:*) want="[$addr]:$port" ;; *) want="$addr:$port" ;; esac
	for ((i = 0; i < VPT_LISTEN_WAIT; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		if vpt_in "$ns" ss -Hln --"$proto" | awk '{ print $4 }' |
			grep -qxF "$want"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# vpt_privsep_dir: OpenSSH's sshd refuses to start without its privilege
# separation folder, and needs it for every connection; make it when
# missing and remove it again at the end. Tests running side by side
# (make -j check) share it: each registers as a user, and the last one out
# removes it if a test made it.
vpt_privsep_dir() {
	: >"/run/vpt-sshd-user.$$" || vpt_error "cannot write /run/vpt-sshd-user.$$"
	VPT_USES_RUN_SSHD=1
	if [ ! -d /run/sshd ]; then
		mkdir -p -m 0755 /run/sshd || vpt_error "cannot create /run/sshd"
		: >/run/vpt-sshd-made
	fi
}

# Servers ---------------------------------------------------------------------
# Real servers from Debian's packages, each with a private configuration in
# a folder of the test (DIR) and its log in DIR.log, started in the
# foreground of a namespace with vpt_spawn, so the teardown stops them by
# pid. They only start: a test waits for their ports (vpt_wait_listen), all
# at once after starting everything, since they come up side by side.

# vpt_bracket ADDR: ADDR, in brackets when it is IPv6 ([fd00::1]), as
# servers take it beside a port or in a list.
vpt_bracket() {
	case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac
}

# vpt_unbound VAR NS DIR ADDR... <ZONE: unbound on port 53 (UDP and TCP) of
# ADDR..., answering VPT_NET4/VPT_NET6. Authoritative for everything
# (local-zone "." static), so it answers the test names, says NXDOMAIN for
# the rest and never recurses. ZONE, on standard input, is unbound server:
# lines (local-data: "...", local-data-ptr: "...").
vpt_unbound() {
	local var=$1 ns=$2 dir=$3 a
	shift 3
	mkdir -p "$dir" || vpt_error "cannot create $dir"
	{
		cat <<EOF
server:
	verbosity: 1
	use-syslog: no
	logfile: ""
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$dir"
	pidfile: ""
	num-threads: 1
EOF
		for a in "$@"; do printf '\tinterface: %s\n' "$a"; done
		cat <<EOF
	port: 53
	do-ip4: yes
	do-ip6: yes
	do-udp: yes
	do-tcp: yes
	access-control: $VPT_NET4 allow
	access-control: $VPT_NET6 allow
	module-config: "iterator"
	local-zone: "." static
EOF
		sed 's/^[[:space:]]*/\t/'
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$dir/unbound.conf"
	unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1 ||
		vpt_error "unbound-checkconf: $(cat "$dir/checkconf.out")"
	vpt_spawn "$var" "$ns" "$dir.log" unbound -d -c "$dir/unbound.conf"
}

# vpt_sshd [-p PORT] VAR NS DIR ADDR...: OpenSSH's sshd on PORT (22) of
# ADDR..., with a host key of its own in DIR and nobody allowed in: it only
# has to greet. Checked with sshd -t first; makes the privilege separation
# folder.
vpt_sshd() {
	local port=22
	if [ "$1" = -p ]; then
		port=$2
		shift 2
	fi
	local var=$1 ns=$2 dir=$3 a
	shift 3
	vpt_privsep_dir
	mkdir -p "$dir" || vpt_error "cannot create $dir"
	ssh-keygen -q -t ed25519 -N '' -C vpt -f "$dir/ssh_host_ed25519_key" ||
		vpt_error "ssh-keygen"
	{
		for a in "$@"; do echo "ListenAddress $(vpt_bracket "$a"):$port"; done
		cat <<EOF
HostKey $dir/ssh_host_ed25519_key
PidFile none
UsePAM no
UseDNS no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
LogLevel ERROR
EOF
	} >"$dir/sshd_config"
	/usr/sbin/sshd -t -f "$dir/sshd_config" >"$dir/sshd-t.out" 2>&1 ||
		vpt_error "sshd -t: $(cat "$dir/sshd-t.out")"
	vpt_spawn "$var" "$ns" "$dir.log" /usr/sbin/sshd -D -e -f "$dir/sshd_config"
}

# vpt_postfix VAR NS DIR HOSTNAME KEY CHAIN ADDR...: postfix on ADDR..., a
# configuration folder of its own, nothing chrooted, three smtpd listeners
# (25 and 587 offer STARTTLS, 587 requires it; 465 is TLS from the first
# byte, RFC 8314) with the certificate CHAIN (leaf first) and its KEY,
# greeting "220 HOSTNAME ESMTP veriport test"; master in the foreground,
# logging to stdout. The queue is in DIR; postfix creates its layout.
vpt_postfix() {
	local var=$1 ns=$2 dir=$3 name=$4 key=$5 chain=$6 a listen=
	shift 6
	for a in "$@"; do listen="${listen:+$listen, }$(vpt_bracket "$a")"; done
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" && chown postfix "$dir/data" ||
		vpt_error "cannot create $dir"
	cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $name
mydomain = ${name#*.}
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
inet_interfaces = $listen
inet_protocols = all
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file = /dev/stdout
smtpd_banner = \$myhostname ESMTP veriport test
smtpd_tls_chain_files = $key, $chain
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
EOF
	cat >"$dir/etc/master.cf" <<EOF
25         inet       n - n - - smtpd
587        inet       n - n - - smtpd -o smtpd_tls_security_level=encrypt
465        inet       n - n - - smtpd -o smtpd_tls_wrappermode=yes
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
	vpt_spawn "$var" "$ns" "$dir.log" postfix -c "$dir/etc" start-fg
}

# vpt_nginx VAR NS DIR <SERVERS: nginx with one worker, in the foreground,
# logging to stderr; SERVERS, on standard input, is what goes inside its
# http { } block (server blocks). Checked with nginx -t first.
vpt_nginx() {
	local var=$1 ns=$2 dir=$3
	mkdir -p "$dir/tmp" || vpt_error "cannot create $dir"
	{
		cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log stderr notice;
events {
	worker_connections 64;
}
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
EOF
		cat
		echo "}"
	} >"$dir/nginx.conf"
	vpt_in "$ns" nginx -t -p "$dir" -c "$dir/nginx.conf" -e stderr >"$dir/nginx-t.out" 2>&1 ||
		vpt_error "nginx -t: $(cat "$dir/nginx-t.out")"
	vpt_spawn "$var" "$ns" "$dir.log" nginx -p "$dir" -c "$dir/nginx.conf" -e stderr
}

# Certificates ----------------------------------------------------------------
# A test CA made at run time (P-256, quick to generate) and leaf
# certificates signed by it. `openssl ca` rather than `openssl x509 -req`,
# because only `ca` sets arbitrary validity dates on OpenSSL 3.0, and an
# expired certificate is one of the things tests need.

# vpt_tls_ca DIR COMMON-NAME: DIR/ca.pem and DIR/ca.key, and the small
# database `openssl ca` keeps in DIR.
vpt_tls_ca() {
	local dir=$1 cn=$2
	mkdir -p "$dir" || vpt_error "cannot create $dir"
	: >"$dir/index.txt"
	cat >"$dir/ca.cnf" <<EOF
[ca]
default_ca = vpt
[vpt]
database = $dir/index.txt
new_certs_dir = $dir
certificate = $dir/ca.pem
private_key = $dir/ca.key
rand_serial = yes
default_md = sha256
policy = vpt_policy
unique_subject = no
[vpt_policy]
commonName = supplied
[vpt_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::VPT_SAN
EOF
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 \
		-subj "/CN=$cn" \
		-addext "basicConstraints = critical, CA:TRUE" \
		-addext "keyUsage = critical, keyCertSign, cRLSign" \
		>"$dir/ca.log" 2>&1 || vpt_error "openssl req (CA): $(cat "$dir/ca.log")"
}

# vpt_tls_cert DIR NAME SAN [START END]: DIR/NAME.pem and DIR/NAME.key for
# the subjectAltName SAN ("DNS:a.test,IP:10.0.0.1"; the first DNS name is
# also the CN), signed by DIR's CA, valid from START to END
# (YYYYMMDDHHMMSSZ; default: from an hour ago for 30 days).
vpt_tls_cert() {
	local dir=$1 name=$2 san=$3 start=${4:-} end=${5:-} cn
	cn=${san%%,*}
	cn=${cn#*:}
	[ -n "$start" ] || start=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
	[ -n "$end" ] || end=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$cn" \
		>"$dir/$name.log" 2>&1 &&
		VPT_SAN=$san openssl ca -batch -notext -config "$dir/ca.cnf" \
			-extensions vpt_leaf -startdate "$start" -enddate "$end" \
			-in "$dir/$name.csr" -out "$dir/$name.pem" >>"$dir/$name.log" 2>&1 ||
		vpt_error "openssl (certificate $name): $(cat "$dir/$name.log")"
}

# vpt_tls_sha256 PEM: lower-case hex SHA-256 of the certificate (DER).
vpt_tls_sha256() {
	openssl x509 -in "$1" -outform DER | sha256sum | awk '{ print $1 }'
}

# vpt_tls_spki_sha256 PEM: lower-case hex SHA-256 of its
# SubjectPublicKeyInfo (DER), the value an HPKP-style pin is made of.
vpt_tls_spki_sha256() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
		sha256sum | awk '{ print $1 }'
}

# vpt_tls_not_after PEM: the end of validity as ISO 8601 UTC.
vpt_tls_not_after() {
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" \
		+%Y-%m-%dT%H:%M:%SZ
}

# JSON ----------------------------------------------------------------------

# vpt_result FILE CHANNEL ADDRESS JQ: JQ applied to the one result of
# CHANNEL at ADDRESS ("-" for a null address) in veriport's JSON, or
# "N results" when there is not exactly one.
vpt_result() {
	jq -r --arg c "$2" --arg a "$3" "
		[.results[]? | select(.channel == \$c and (.address // \"-\") == \$a)]
		| if length == 1 then .[0] | $4 else \"\\(length) results\" end" "$1"
}

# Time, processes and clients -------------------------------------------------

# vpt_now_ms: the wall clock in milliseconds, without a fork (bash 5).
vpt_now_ms() {
	local us=${EPOCHREALTIME/[.,]/}
	echo $((us / 1000))
}

# vpt_wait_until SECONDS CMD...: run CMD every tenth of a second until it
# succeeds (status 0) or SECONDS (a decimal) have passed (status 1).
vpt_wait_until() {
	local end
	end=$(($(vpt_now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(vpt_now_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# vpt_alive PID: PID runs (a zombie, exited but not yet reaped, does not).
vpt_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# vpt_wait_exit PID SECONDS: wait, bounded, for PID (a child of this
# script, as vpt_spawn makes them) to exit; the status is PID's exit
# status, or 124 when it still runs after SECONDS.
vpt_wait_exit() {
	vpt_wait_until "$2" vpt_exited "$1" || return 124
	wait "$1"
}

vpt_exited() {
	! vpt_alive "$1"
}

# vpt_unix_ask SOCKET LINE: one command line on the Unix stream socket
# SOCKET; prints what comes back until the peer closes (at most 10 s).
vpt_unix_ask() {
	printf '%s\n' "$2" | socat -t 10 -T 10 - "UNIX-CONNECT:$1"
}

# vpt_tcp_ask NS ADDR PORT LINE: the same over TCP, from inside NS.
vpt_tcp_ask() {
	printf '%s\n' "$4" |
		vpt_in "$1" socat -t 10 -T 10 - "TCP:$(vpt_bracket "$2"):$3"
}

# vpt_idle_clients [-n NS] TARGET N SECONDS: N clients connect at once to
# TARGET (a Unix socket path, or ADDR:PORT for TCP, [ADDR]:PORT for IPv6;
# from inside namespace NS with -n), send nothing, and read until the
# server closes each or SECONDS have passed. Prints "connected N" as soon
# as all are connected, then, at the end, one line per client: the
# milliseconds from the start until the server closed it (-1: still open)
# and the first line it received ("-": none). Run it in the background and
# wait for the "connected" line.
vpt_idle_clients() {
	local in=()
	if [ "$1" = -n ]; then
		in=(ip netns exec "$2")
		shift 2
	fi
	"${in[@]}" python3 - "$@" <<'EOF'
import selectors, socket, sys, time

target, n, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
t0 = time.monotonic()
for i in range(n):
    if target.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(target)
    else:
        host, port = target.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
print("connected %d" % n, flush=True)
got = [b""] * n
closed = [None] * n
left = n
while left and time.monotonic() - t0 < limit:
    for key, _ in sel.select(timeout=0.05):
        i = key.data
        try:
            data = key.fileobj.recv(4096)
        except OSError:
            data = b""
        if data:
            got[i] += data
            continue
        closed[i] = time.monotonic() - t0
        sel.unregister(key.fileobj)
        key.fileobj.close()
        left -= 1
for i in range(n):
    line = got[i].split(b"\n")[0].decode(errors="replace") or "-"
    print(-1 if closed[i] is None else int(closed[i] * 1000), line)
EOF
}

# Assertions ----------------------------------------------------------------

vpt_pass() {
	VPT_PASSED=$((VPT_PASSED + 1))
	echo "ok - $*"
}

vpt_fail() {
	VPT_FAILED=$((VPT_FAILED + 1))
	echo "not ok - $*"
}

# vpt_eq WHAT GOT WANT
vpt_eq() {
	if [ "$2" = "$3" ]; then
		vpt_pass "$1: $3"
	else
		vpt_fail "$1: got '$2', expected '$3'"
	fi
}

# vpt_cmp WHAT GOT OP BOUND: integer comparison (OP: -lt -le -gt -ge).
vpt_cmp() {
	if [[ $2 =~ ^-?[0-9]+$ ]] && [ "$2" "$3" "$4" ]; then
		vpt_pass "$1: $2 $3 $4"
	else
		vpt_fail "$1: got '$2', expected $3 $4"
	fi
}

# vpt_match WHAT TEXT ERE: TEXT has a line matching the extended regex.
vpt_match() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then
		vpt_pass "$1"
	else
		vpt_fail "$1: no line matches /$3/"
	fi
}

# vpt_finish: the closing line CI reads, and the exit status.
vpt_finish() {
	echo "$VPT_NAME: $VPT_PASSED passed, $VPT_FAILED failed"
	[ "$VPT_FAILED" -eq 0 ] || exit 1
	exit 0
}

# Teardown ------------------------------------------------------------------

vpt_teardown() {
	local status=$? pid ns i f
	trap - EXIT INT TERM HUP
	if [ "$status" -ne 0 ] && [ "$status" -ne $VPT_EXIT_SKIP ]; then
		for f in "$VPT_TMP"/*.log; do
			[ -s "$f" ] || continue
			echo "--- $(basename "$f") (last lines)"
			tail -n 20 "$f"
		done
	fi
	for pid in "${VPT_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		local alive=
		for pid in "${VPT_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for pid in "${VPT_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${VPT_NAMESPACES[@]}"; do
		# Anything still inside is one of ours (a server's child): the
		# namespace exists only for this test.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	[ -n "$VPT_MADE_ETC_NETNS" ] && rmdir /etc/netns 2>/dev/null
	if [ -n "$VPT_USES_RUN_SSHD" ]; then
		rm -f "/run/vpt-sshd-user.$$"
		if ! compgen -G '/run/vpt-sshd-user.*' >/dev/null &&
			[ -e /run/vpt-sshd-made ]; then
			rmdir /run/sshd 2>/dev/null
			rm -f /run/vpt-sshd-made
		fi
	fi
	# VPT_KEEP=DIR keeps the test's files (configurations, logs, what
	# veriport printed) for a post-mortem.
	if [ -n "${VPT_KEEP:-}" ]; then
		mkdir -p "$VPT_KEEP" && cp -R "$VPT_TMP"/. "$VPT_KEEP"/
	fi
	rm -rf "$VPT_TMP"
	exit "$status"
}
