#!/usr/bin/env bash
# The benchmark of issue 11: veriport check against the tools admins use
# instead, on the same channels, in one run, as root on a Debian 12 machine:
#
#	bench/run.sh                      # everything, medians of 3
#	BENCH_SIZES="50 500" BENCH_RUNS=1 bench/run.sh   # a quick look
#
# It installs its own extra packages, builds veriport without sanitizers
# (-O2, BENCH_BUILD, a folder of its own: see bench_build), starts its targets in a
# private network namespace on 127.0.0.0/8 (bench/lib.sh: nginx with ECDSA
# and RSA certificates, postfix with STARTTLS, closed and nft-dropped
# ports), and for every sweep kind (tcp, tls, smtp, drop) and size N runs
# veriport, nmap, blackbox_exporter, monitoring-plugins and the libuv+OpenSSL
# yardstick (bench/yardstick.c) over the same N channels. It writes the raw
# figures to bench/results.tsv and the tables to bench/RESULTS.md (kept
# between the markers, so the soak section survives).
#
# Environment: BENCH_SIZES (50 500 5000 20000), BENCH_RUNS (3), BENCH_KINDS
# (tcp tls smtp drop), BENCH_TOOLS (veriport nmap blackbox plugins
# yardstick), BENCH_PEER_MAX (largest N blackbox_exporter, monitoring-plugins
# and nmap's ssl-cert run at; 20000), BENCH_NMAP_MAX (nmap -sT alone; 20000),
# BENCH_SMTP_MAX (largest SMTP N; 5000), BENCH_TIMEOUT (3 s),
# BENCH_XARGS_P (plugins run at once; 128), BENCH_REF_SAMPLE (endpoints
# probed one by one per kind; 1000), BENCH_REF_DROPS (dropped ones; 6),
# BENCH_INFLIGHT (--parallel values for the in-flight memory slope, TLS
# N=5000; "100 1000 5000"), BENCH_BUILD (/tmp/veriport-bench-build),
# BENCH_RESULTS (bench/RESULTS.md), BENCH_NOTE (a line for the report).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$BENCH_DIR/.." && pwd)
top_builddir=${BENCH_BUILD:-/tmp/veriport-bench-build}
. "$top_srcdir/tests/integration/lib.sh"
. "$BENCH_DIR/lib.sh"
vpt_init bench bch
VPT_NET4=10.226.0.0/16 VPT_NET6=fd7e:226::/32
vpt_need_root

SIZES=${BENCH_SIZES:-50 500 5000 20000}
RUNS=${BENCH_RUNS:-3}
KINDS=${BENCH_KINDS:-tcp tls smtp drop}
TOOLS=${BENCH_TOOLS:-veriport nmap blackbox plugins yardstick}
PEER_MAX=${BENCH_PEER_MAX:-20000}
NMAP_MAX=${BENCH_NMAP_MAX:-20000}
SMTP_MAX=${BENCH_SMTP_MAX:-5000}
TIMEOUT=${BENCH_TIMEOUT:-3}
XARGS_P=${BENCH_XARGS_P:-128}
REF_SAMPLE=${BENCH_REF_SAMPLE:-1000}
REF_DROPS=${BENCH_REF_DROPS:-6}
INFLIGHT=${BENCH_INFLIGHT:-100 1000 5000}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
RAW=${RESULTS%/*}/results.tsv
PLUGINS=/usr/lib/nagios/plugins
# One descriptor limit for every tool (veriport sizes --parallel by it):
# the hard limit, or 65536 if that is more.
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ] && NOFILE=65536

bench_packages nmap prometheus-blackbox-exporter monitoring-plugins-basic \
	monitoring-plugins-standard time nginx-light postfix openssl jq \
	python3-minimal nftables iproute2 gcc libc6-dev libuv1-dev libssl-dev pkgconf
bench_build "$top_srcdir" "$top_builddir"
YS=$VPT_TMP/yardstick
gcc -O2 -o "$YS" "$BENCH_DIR/yardstick.c" $(pkg-config --cflags --libs libuv libssl libcrypto) ||
	vpt_error "cannot build bench/yardstick.c"
ulimit -n "$NOFILE" || vpt_error "cannot raise the descriptor limit to $NOFILE"

bench_log "starting the targets"
bench_world respond
CAT=$VPT_TMP/catalogs OUT=$VPT_TMP/out
mkdir -p "$CAT" "$OUT"
: >"$CAT/interceptors.list"

# geometry KIND N: "A P", A target addresses times P ports = N channels.
geometry() {
	local max=$BENCH_MAXP
	[ "$1" = smtp ] && max=$BENCH_SMTP_MAXP
	case $2 in
	50) echo "5 10" ;;
	500) echo "10 50" ;;
	5000) echo "10 500" ;;
	20000) echo "20 1000" ;;
	*)
		local a=$((($2 + max - 1) / max))
		[ "$a" -ge 1 ] || a=1
		echo "$a $((($2 + a - 1) / a))"
		;;
	esac
}

# ports KIND P: "PORT CHECK EXPECTED" per port of the sweep.
ports() {
	local kind=$1 p=$2 i
	case $kind in
	tcp) for ((i = 0; i < p; i++)); do echo "$((BENCH_TCP_PORT + i)) tcp ok"; done ;;
	tls) for ((i = 0; i < p; i++)); do echo "$((BENCH_TLS_PORT + i)) tls ok"; done ;;
	smtp) for ((i = 0; i < p; i++)); do echo "$((BENCH_SMTP_PORT + i)) smtp-starttls ok"; done ;;
	drop)
		local bad=$(((p + 9) / 10))
		for ((i = 0; i < p - 2 * bad; i++)); do echo "$((BENCH_TCP_PORT + i)) tcp ok"; done
		for ((i = 0; i < bad; i++)); do echo "$((BENCH_CLOSED_PORT + i)) tcp refused"; done
		for ((i = 0; i < bad; i++)); do echo "$((BENCH_DROP_PORT + i)) tcp filtered"; done
		;;
	esac
}

row() { # ID PORT CHECK TO
	printf 'row %s\n    vendor bench\n    from client\n    to %s\n    port tcp/%s %s\n' "$1" "$4" "$2" "$3"
	[ "$3" = smtp-starttls ] && printf '    starttls required\n'
	printf '    purpose bench\n\n'
}

# sweep_files KIND N: the catalog bench-KIND-N, its targets (ADDRESS PORT
# EXPECTED, address-major), the --map of its addresses, and nmap's ports.
sweep_files() {
	local kind=$1 n=$2 a p port check want addr
	read -r a p <<<"$(geometry "$kind" "$n")"
	local base=$CAT/$kind-$n
	ports "$kind" "$p" >"$base.ports"
	bench_addrs "$a" >"$base.addrs"
	{
		printf 'profile bench-%s-%s\ntitle bench %s N=%s\nsource bench/run.sh\n\n' "$kind" "$n" "$kind" "$n"
		printf 'role client The prober\nrole srv The target addresses\n\n'
		while read -r port check want; do row "p$port" "$port" "$check" srv; done <"$base.ports"
	} >"$CAT/bench-$kind-$n.catalog"
	while read -r addr; do
		while read -r port check want; do echo "$addr $port $want $check"; done <"$base.ports"
	done <"$base.addrs" >"$base.targets"
	paste -sd, "$base.addrs" >"$base.map"
	awk '{ print $1 }' "$base.ports" | paste -sd, >"$base.nmapports"
}

# The one-by-one reference of KIND: a sample of its largest sweep's
# endpoints (every dropped one would take a timeout each), each its own
# channel, probed with --parallel 1.
reference() {
	local kind=$1 n=$2 base=$CAT/$1-$2 maps=()
	{
		grep -v ' filtered ' "$base.targets" | shuf -n "$REF_SAMPLE" --random-source=<(yes)
		grep ' filtered ' "$base.targets" | shuf -n "$REF_DROPS" --random-source=<(yes)
	} >"$CAT/ref-$kind.targets"
	{
		printf 'profile ref-%s\ntitle one by one %s\nsource bench/run.sh\n\n' "$kind" "$kind"
		printf 'role client The prober\nrole srv The target addresses\n\n'
		awk '{ printf "row e%d\n    vendor bench\n    from client\n    to srv\n    port tcp/%s %s\n", NR, $2, $4
		       if ($4 == "smtp-starttls") print "    starttls required"
		       print "    purpose bench\n" }' "$CAT/ref-$kind.targets"
	} >"$CAT/ref-$kind.catalog"
	mapfile -t maps < <(awk '{ print "--map"; print "e" NR "=" $1 }' "$CAT/ref-$kind.targets")
	bench_log "reference $kind: $(wc -l <"$CAT/ref-$kind.targets") endpoints, one at a time"
	vpt_in "$NS" "$VERIPORT" check --catalog-dir "$CAT" --profile "ref-$kind" --role client \
		"${maps[@]}" --ca-file "$TLS/ca.pem" --timeout "$TIMEOUT" --parallel 1 \
		--format json >"$OUT/ref-$kind.json" 2>"$OUT/ref-$kind.err"
	jq -r '.results[] | "\(.address) \(.port) \(.verdict)/\(.reason)"' "$OUT/ref-$kind.json" |
		sort >"$OUT/ref-$kind.v"
}

# timed OUTFILE CMD...: CMD inside the namespace under /usr/bin/time; the
# figures ("wall user sys maxrss_kb") go to OUTFILE.
timed() {
	local t=$1
	shift
	vpt_in "$NS" /usr/bin/time -f '%e %U %S %M' -o "$t" "$@"
}

# settle: wait (at most 30 s) until the namespace holds no TCP connection
# but listeners and TIME-WAIT, so a tool never meets the servers still busy
# with the previous tool's abandoned connections (after a 20,000-handshake
# flood nginx ran out of worker_connections and closed the next tool's
# idle connections: "19000 worker_connections are not enough, reusing
# connections").
settle() {
	local i n
	for ((i = 0; i < 300; i++)); do
		n=$(vpt_in "$NS" ss -Htan | grep -cvE '^(LISTEN|TIME-WAIT)')
		[ "$n" -eq 0 ] && return 0
		sleep 0.1
	done
	bench_log "settle: $n connections still open after 30 s"
}

# Each tool: run KIND N RUN, leave "ADDRESS PORT VERDICT" lines (ok,
# refused, filtered, fail: a failure the tool does not tell apart, error)
# in $OUT/TOOL-KIND-N-RUN.v and its figures in .t.
run_veriport() {
	local kind=$1 n=$2 r=$3 o=$OUT/veriport-$1-$2-$3
	timed "$o.t" "$VERIPORT" check --catalog-dir "$CAT" --profile "bench-$kind-$n" \
		--role client --map "srv=$(cat "$CAT/$kind-$n.map")" --ca-file "$TLS/ca.pem" \
		--timeout "$TIMEOUT" --format json >"$o.json" 2>"$o.err"
	jq -r '.results[] | "\(.address) \(.port) \(.verdict) \(.reason)"' "$o.json" >"$o.vr"
	awk '{ print $1, $2, $3 }' "$o.vr" >"$o.v"
}

run_nmap() {
	local kind=$1 n=$2 r=$3 o=$OUT/nmap-$1-$2-$3 script=()
	[ "$kind" = tls ] || [ "$kind" = smtp ] && script=(--script ssl-cert)
	timed "$o.t" nmap -n -Pn -sT -p "$(cat "$CAT/$kind-$n.nmapports")" \
		--datadir "$CAT/nmap" "${script[@]}" -oX "$o.xml" \
		$(tr '\n' ' ' <"$CAT/$kind-$n.addrs") >"$o.out" 2>"$o.err"
	python3 - "$o.xml" "${#script[@]}" >"$o.v" <<'EOF'
import sys, xml.etree.ElementTree as ET
want_cert = sys.argv[2] != "0"
for host in ET.parse(sys.argv[1]).getroot().iter("host"):
    addr = host.find("address").get("addr")
    for port in host.iter("port"):
        state = port.find("state").get("state")
        v = {"open": "ok", "closed": "refused", "filtered": "filtered"}.get(state, "error")
        if v == "ok" and want_cert:
            s = port.find("script[@id='ssl-cert']")
            if s is None or "Subject" not in s.get("output", ""):
                v = "error"
        print(addr, port.get("portid"), v)
EOF
}

run_blackbox() {
	local kind=$1 n=$2 r=$3 o=$OUT/blackbox-$1-$2-$3 module=$1 pid bb
	[ "$kind" = drop ] && module=tcp
	ip netns exec "$NS" /usr/bin/time -f '%e %U %S %M' -o "$o.t" prometheus-blackbox-exporter \
		--config.file="$CAT/blackbox.yml" --web.listen-address=127.0.0.1:9115 \
		>"$o.log" 2>&1 &
	pid=$!
	vpt_wait_until 10 vpt_in "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9115' 2>/dev/null ||
		vpt_error "blackbox_exporter did not start: $(tail -n 3 "$o.log")"
	vpt_in "$NS" /usr/bin/time -f '%e %U %S %M' -o "$o.ct" python3 "$BENCH_DIR/bbclient.py" \
		127.0.0.1:9115 "$module" <"$CAT/$kind-$n.targets" >"$o.raw" 2>"$o.err"
	bb=$(pgrep -P "$pid")
	[ -n "$bb" ] && kill -TERM "$bb"
	wait "$pid"
	# The exporter's own CPU and memory, the client's wall time.
	read -r cw _ < <(tail -n 1 "$o.ct")
	read -r _ u s m < <(tail -n 1 "$o.t")
	echo "$cw $u $s $m" >"$o.t"
	awk '{ print $1, $2, $3 }' "$o.raw" >"$o.v"
}

run_plugins() {
	local kind=$1 n=$2 r=$3 o=$OUT/plugins-$1-$2-$3 cmd
	case $kind in
	tcp | drop) cmd="$PLUGINS/check_tcp -t $TIMEOUT" ;;
	tls) cmd="$PLUGINS/check_tcp -S -t $TIMEOUT" ;;
	smtp) cmd="$PLUGINS/check_smtp -S -t $TIMEOUT" ;;
	esac
	awk '{ print $1, $2 }' "$CAT/$kind-$n.targets" >"$o.in"
	# shellcheck disable=SC2016
	timed "$o.t" xargs -P "$XARGS_P" -n 2 sh -c \
		'out=$('"$cmd"' -H "$0" -p "$1" 2>&1); echo "$0 $1 $? $out"' <"$o.in" >"$o.raw" 2>"$o.err"
	awk '{ v = "error"
	       if ($3 == 0) v = "ok"
	       else if ($0 ~ /[Rr]efused/) v = "refused"
	       else if ($0 ~ /[Tt]imeout/) v = "filtered"
	       print $1, $2, v }' "$o.raw" >"$o.v"
}

run_yardstick() {
	local kind=$1 n=$2 r=$3 o=$OUT/yardstick-$1-$2-$3 mode=$1
	[ "$kind" = drop ] && mode=tcp
	awk '{ print $1, $2 }' "$CAT/$kind-$n.targets" >"$o.in"
	timed "$o.t" "$YS" "$mode" "$n" $((TIMEOUT * 1000)) "$TLS/ca.pem" <"$o.in" >"$o.v" 2>"$o.err"
}

# score TOOL KIND N RUN: one line of results.tsv. right: channels whose
# verdict is the expected one (blackbox's "fail" is right for a refused or
# filtered channel: it does not tell them apart); for veriport also the
# differences from the one-by-one reference and skipped/deadline results.
score() {
	local tool=$1 kind=$2 n=$3 r=$4 o=$OUT/$1-$2-$3-$4 wall u s m right total diff=- skipped=-
	read -r wall u s m < <(tail -n 1 "$o.t")
	total=$(wc -l <"$CAT/$kind-$n.targets")
	right=$(awk 'NR == FNR { want[$1 " " $2] = $3; next }
		{ k = $1 " " $2; w = want[k]
		  if ($3 == w || ($3 == "fail" && w != "ok")) n++ }
		END { print n + 0 }' "$CAT/$kind-$n.targets" "$o.v")
	if [ "$tool" = veriport ]; then
		awk 'NR == FNR { ref[$1 " " $2] = $3; next }
			{ k = $1 " " $2; if (k in ref && ref[k] != $3 "/" $4) print k, ref[k], $3 "/" $4 }' \
			"$OUT/ref-$kind.v" "$o.vr" >"$o.diff"
		diff=$(wc -l <"$o.diff")
		[ "$diff" -eq 0 ] || bench_log "differences: $(head -n 3 "$o.diff" | tr '\n' ';')"
		skipped=$(awk '$3 == "skipped" { n++ } END { print n + 0 }' "$o.vr")
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$kind" "$n" "$r" \
		"$wall" "$u" "$s" "$m" "$right" "$total" "$diff" "$skipped" >>"$RAW.new"
	bench_log "$tool $kind N=$n run $r: ${wall}s user ${u}s sys ${s}s ${m} KB, $right/$total right${diff:+, $diff differ from one by one}"
}

# Configuration the tools share: nmap's service names for the ports (its
# data folder has only this file; the rest comes from /usr/share/nmap).
mkdir -p "$CAT/nmap"
{
	for ((i = 0; i < BENCH_MAXP; i++)); do
		printf 'http\t%d/tcp\t0.001\n' $((BENCH_TCP_PORT + i))
		printf 'https\t%d/tcp\t0.001\n' $((BENCH_TLS_PORT + i))
		printf 'smtp\t%d/tcp\t0.001\n' $((BENCH_SMTP_PORT + i))
		printf 'closed\t%d/tcp\t0.001\n' $((BENCH_CLOSED_PORT + i))
		printf 'dropped\t%d/tcp\t0.001\n' $((BENCH_DROP_PORT + i))
	done
} >"$CAT/nmap/nmap-services"
cat >"$CAT/blackbox.yml" <<EOF
modules:
  tcp:
    prober: tcp
    timeout: ${TIMEOUT}s
    tcp:
      preferred_ip_protocol: ip4
  tls:
    prober: tcp
    timeout: ${TIMEOUT}s
    tcp:
      preferred_ip_protocol: ip4
      tls: true
      tls_config:
        ca_file: $TLS/ca.pem
  smtp:
    prober: tcp
    timeout: ${TIMEOUT}s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 "
        - send: "EHLO bench.test"
        - expect: "^250[ -]STARTTLS"
        - expect: "^250 "
        - send: "STARTTLS"
        - expect: "^220 "
        - starttls: true
      tls_config:
        ca_file: $TLS/ca.pem
EOF

: >"$RAW.new"
size_ok() { # KIND N: does KIND run at N
	[ "$1" != smtp ] || [ "$2" -le "$SMTP_MAX" ]
}
for kind in $KINDS; do
	max=0
	for n in $SIZES; do
		size_ok "$kind" "$n" || continue
		sweep_files "$kind" "$n"
		[ "$n" -gt "$max" ] && max=$n
	done
	[ "$max" -gt 0 ] || continue
	# Warm-up (postfix spawns its smtpd processes, caches fill), then the
	# reference.
	awk '{ print $1, $2 }' "$CAT/$kind-$max.targets" |
		vpt_in "$NS" "$YS" "$([ "$kind" = drop ] && echo tcp || echo "$kind")" 200 $((TIMEOUT * 1000)) \
			"$TLS/ca.pem" >/dev/null
	reference "$kind" "$max"
done

for kind in $KINDS; do
	for n in $SIZES; do
		size_ok "$kind" "$n" || continue
		for ((r = 1; r <= RUNS; r++)); do
			for tool in $TOOLS; do
				max=$PEER_MAX
				[ "$tool" = nmap ] && { [ "$kind" = tcp ] || [ "$kind" = drop ]; } &&
					max=$NMAP_MAX
				[ "$tool" = veriport ] || [ "$tool" = yardstick ] ||
					[ "$n" -le "$max" ] || continue
				settle
				"run_$tool" "$kind" "$n" "$r"
				score "$tool" "$kind" "$n" "$r"
			done
		done
	done
done

# Memory per in-flight TLS probe: the same TLS N=5000 sweep at several
# --parallel values; the slope of peak RSS over the in-flight limit.
case " $KINDS " in *" tls "*) ;; *) INFLIGHT= ;; esac
[ -f "$CAT/tls-5000.targets" ] || INFLIGHT=
for par in $INFLIGHT; do
	for ((r = 1; r <= RUNS; r++)); do
		o=$OUT/inflight-$par-$r
		timed "$o.t" "$VERIPORT" check --catalog-dir "$CAT" --profile bench-tls-5000 \
			--role client --map "srv=$(cat "$CAT/tls-5000.map")" --ca-file "$TLS/ca.pem" \
			--timeout "$TIMEOUT" --parallel "$par" --format json >"$o.json" 2>"$o.err"
		read -r wall u s m < <(tail -n 1 "$o.t")
		right=$(jq '[.results[] | select(.verdict == "ok")] | length' "$o.json")
		printf 'inflight\ttls\t5000\t%s\t%s\t%s\t%s\t%s\t%s\t5000\t%s\t-\n' "$r" \
			"$wall" "$u" "$s" "$m" "$right" "$par" >>"$RAW.new"
		bench_log "veriport tls N=5000 --parallel $par run $r: ${wall}s ${m} KB"
	done
done

# The machine's own cost of a TLS handshake: openssl s_time against one
# ECDSA and one RSA port (connections per second of client user time).
if case " $KINDS " in *" tls "*) true ;; *) false ;; esac then
	for port in $BENCH_TLS_PORT $((BENCH_TLS_PORT + 1)); do
		for ((r = 1; r <= RUNS; r++)); do
			rate=$(vpt_in "$NS" openssl s_time -connect "127.1.0.1:$port" -new -time 3 \
				-CAfile "$TLS/ca.pem" 2>/dev/null |
				awk '/connections\/user sec/ { for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) print $(i - 1) }' |
				head -n 1)
			printf 's_time\ttls\t%s\t%s\t-\t-\t-\t-\t%s\t-\t-\t-\n' "$port" "$r" "${rate:-0}" >>"$RAW.new"
			bench_log "openssl s_time port $port run $r: ${rate:-?} handshakes per user second"
		done
	done
fi

mv "$RAW.new" "$RAW"
{
	echo "nproc=$(nproc)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "mem=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit=$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null)"
	echo "veriport=$("$VERIPORT" --version 2>/dev/null | head -n 1)"
	echo "nmap=$(nmap --version | head -n 1)"
	echo "blackbox=$(prometheus-blackbox-exporter --version 2>&1 | head -n 1)"
	echo "plugins=$(dpkg-query -W -f '${Version}' monitoring-plugins-basic)"
	echo "nginx=$(dpkg-query -W -f '${Version}' nginx-light)"
	echo "postfix=$(dpkg-query -W -f '${Version}' postfix)"
	echo "openssl=$(openssl version)"
	echo "timeout=$TIMEOUT"
	echo "runs=$RUNS"
	echo "xargs_p=$XARGS_P"
	echo "nofile=$NOFILE"
	echo "ref_sample=$REF_SAMPLE"
	echo "ref_drops=$REF_DROPS"
	echo "peer_max=$PEER_MAX"
	echo "nmap_max=$NMAP_MAX"
	echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "note=${BENCH_NOTE:-}"
} >"${RAW%.tsv}.meta"
python3 "$BENCH_DIR/report.py" "$RAW" "${RAW%.tsv}.meta" "$RESULTS" ||
	vpt_error "bench/report.py failed"
bench_log "wrote $RAW and $RESULTS"
vpt_finish
