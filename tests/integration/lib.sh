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
	VPT_MADE_RUN_SSHD=
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
# separation folder; make it when missing and remove it again at the end.
vpt_privsep_dir() {
	if [ ! -d /run/sshd ]; then
		mkdir -p -m 0755 /run/sshd || vpt_error "cannot create /run/sshd"
		VPT_MADE_RUN_SSHD=1
	fi
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
	[ -n "$VPT_MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null
	# VPT_KEEP=DIR keeps the test's files (configurations, logs, what
	# veriport printed) for a post-mortem.
	if [ -n "${VPT_KEEP:-}" ]; then
		mkdir -p "$VPT_KEEP" && cp -R "$VPT_TMP"/. "$VPT_KEEP"/
	fi
	rm -rf "$VPT_TMP"
	exit "$status"
}
