#!/usr/bin/env bash
# Daemon benchmark (issue 11's daemon targets): veriportd's RSS when idle
# between sweeps, and how fast its status socket answers while a sweep of
# N probes runs (1/5 TLS handshakes with nginx, 2/5 refused, 2/5 dropped by
# nft, so the loop is busy and probes stay in flight for the timeout).
# Every sweep is started on demand (`probe` on the socket) and polled at
# about 100 Hz with `status`, `metrics` and `nagios` until it ends.
#
# As root on Debian 12 (apt-get installs nginx, socat and python3):
#	bench/daemon.sh               # N=5000, 3 sweeps
#	N=500 RUNS=1 bench/daemon.sh
# BUILD=DIR uses veriport and veriportd built there; without it a copy of
# the tree is built with CFLAGS=-O2 and no sanitizers. Prints a Markdown
# table for bench/RESULTS.md. Everything runs in a network namespace of its
# own on 127.0.0.0/8, with the tests' egress guard.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-5000}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-3}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/daemon.sh: needs root (network namespaces, nft)" >&2
	exit 1
fi
for c in nginx socat python3 nft; do
	command -v "$c" >/dev/null 2>&1 && continue
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		nginx-light socat python3-minimal nftables >/dev/null || exit 1
	break
done

. "$here/tests/integration/lib.sh"
vpt_init bench-daemon bdm
VPT_NET4=10.226.250.0/24 VPT_NET6=fd7e:226:250::/48

if [ -z "${BUILD:-}" ]; then
	BUILD=$VPT_TMP/build
	"$here/tests/tree-copy.sh" "$BUILD"
	(cd "$BUILD" && ./bootstrap && ./configure CFLAGS=-O2 &&
		make -j"$(nproc)" veriport veriportd) >"$VPT_TMP/build.log" 2>&1 ||
		vpt_error "the build failed: $(tail -n 20 "$VPT_TMP/build.log")"
fi
VERIPORTD=$BUILD/veriportd
# Thousands of probes and nginx's listening sockets.
ulimit -n "$(ulimit -Hn)"

vpt_netns NS d 127.0.0.1
vpt_in "$NS" nft -f - <<'EOF' || vpt_error "nft: the drop rule"
table inet bench_drop {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 127.0.0.2 tcp dport 40000-65000 drop
	}
}
EOF

# nginx with TLS on a port range, one channel per port.
ntls=$((N / 5)) nref=$((2 * N / 5))
ndrop=$((N - ntls - nref))
vpt_tls_ca "$VPT_TMP/tls" "bench CA"
vpt_tls_cert "$VPT_TMP/tls" srv "DNS:localhost,IP:127.0.0.1"
# (its own configuration: the tests' vpt_nginx allows 64 connections)
mkdir -p "$VPT_TMP/nginx/tmp"
cat >"$VPT_TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
pid $VPT_TMP/nginx/nginx.pid;
error_log stderr warn;
events {
	worker_connections 16384;
}
http {
	access_log off;
	client_body_temp_path $VPT_TMP/nginx/tmp/body;
	proxy_temp_path $VPT_TMP/nginx/tmp/proxy;
	fastcgi_temp_path $VPT_TMP/nginx/tmp/fastcgi;
	uwsgi_temp_path $VPT_TMP/nginx/tmp/uwsgi;
	scgi_temp_path $VPT_TMP/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:20000-$((20000 + ntls - 1)) ssl;
		ssl_certificate $VPT_TMP/tls/srv.pem;
		ssl_certificate_key $VPT_TMP/tls/srv.key;
		return 200 "bench\n";
	}
}
EOF
vpt_spawn NGINX "$NS" "$VPT_TMP/nginx.log" nginx -p "$VPT_TMP/nginx" \
	-c "$VPT_TMP/nginx/nginx.conf" -e stderr
vpt_wait_listen "$NS" "$NGINX" tcp 127.0.0.1 20000 || vpt_error "nginx did not start: $(tail -n 5 "$VPT_TMP/nginx.log")"

# catalog NAME N: N channels from role here to roles tls/refused/dropped.
catalog() {
	local name=$1 n=$2 t=$(($2 / 5)) r=$((2 * $2 / 5)) i
	printf 'profile %s\ntitle daemon benchmark\nsource bench/daemon.sh\n' "$name"
	printf 'role here H\nrole tls T\nrole refused R\nrole dropped D\n'
	for ((i = 0; i < n; i++)); do
		if ((i < t)); then
			printf 'row t%d\n    vendor v\n    from here\n    to tls\n    port tcp/%d tls\n    purpose p\n' "$i" $((20000 + i))
		elif ((i < t + r)); then
			printf 'row r%d\n    vendor v\n    from here\n    to refused\n    port tcp/%d tcp\n    purpose p\n' "$i" $((30000 + i))
		else
			printf 'row d%d\n    vendor v\n    from here\n    to dropped\n    port tcp/%d tcp\n    purpose p\n' "$i" $((40000 + i))
		fi
	done
}
mkdir -p "$VPT_TMP/catalogs"
catalog bench "$N" >"$VPT_TMP/catalogs/bench.catalog"
catalog small 50 >"$VPT_TMP/catalogs/small.catalog"

# daemon PROFILE TAG: veriportd for PROFILE; sets $PID and $SOCK.
daemon() {
	SOCK=$VPT_TMP/$2.sock
	cat >"$VPT_TMP/$2.conf" <<EOF
[veriport]
profile = $1
role = here
catalog-dir = $VPT_TMP/catalogs
ca-file = $VPT_TMP/tls/ca.pem
interval = 86400
jitter = 0
timeout = $TIMEOUT
[map]
tls = 127.0.0.1
refused = 127.0.0.1
dropped = 127.0.0.2
[status]
socket = $SOCK
state-dir = $VPT_TMP/state-$2
EOF
	mkdir -p "$VPT_TMP/state-$2"
	vpt_spawn PID "$NS" "$VPT_TMP/$2.log" "$VERIPORTD" --foreground \
		-c "$VPT_TMP/$2.conf"
	vpt_wait_until 10 test -S "$SOCK" || vpt_error "veriportd did not start: $(tail -n 5 "$VPT_TMP/$2.log")"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# anon_kb PID: the anonymous part of its RSS (heap, stacks), the rest
# being the program's and libraries' pages.
anon_kb() { awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup"; }
# pss_kb PID: its proportional share, shared library pages divided among
# the processes that map them.
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
# first_sweep: wait for the first sweep's results.
first_sweep() {
	vpt_wait_until $((TIMEOUT * 4 + 30)) sh -c \
		"printf 'status\n' | socat -t 10 - UNIX-CONNECT:$SOCK 2>/dev/null | head -c 1 | grep -q '{'"
}

# Idle RSS: the 50-channel profile, after its first sweep.
daemon small small
first_sweep || vpt_error "no first sweep of the small profile"
sleep 2
idle_small=$(rss_kb "$PID") anon_small=$(anon_kb "$PID") pss_small=$(pss_kb "$PID")
kill "$PID"
wait "$PID" 2>/dev/null

daemon bench big
t0=$(vpt_now_ms)
first_sweep || vpt_error "no first sweep of $N probes"
first_ms=$(($(vpt_now_ms) - t0))
sleep 2
idle_big=$(rss_kb "$PID") anon_big=$(anon_kb "$PID")

# The poller: RUNS sweeps on demand, each polled until veriport_sweeps_total
# grows; latencies of every answer in milliseconds.
python3 - "$SOCK" "$RUNS" >"$VPT_TMP/poll.out" <<'PY'
import re, socket, sys, time
path, runs = sys.argv[1], int(sys.argv[2])
def ask(cmd):
    t = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(cmd + b"\n")
    data, first = b"", None
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        if first is None:
            first = time.monotonic()
        data += b
    s.close()
    ask.ttfb = ((first or time.monotonic()) - t) * 1000
    return (time.monotonic() - t) * 1000, data
def sweeps():
    return int(re.search(rb"^veriport_sweeps_total (\d+)$", ask(b"metrics")[1], re.M).group(1))
lat, sizes, durations, by = [], {}, [], {}
for run in range(runs):
    before = sweeps()
    t0 = time.monotonic()
    if not ask(b"probe")[1].startswith(b"ok"):
        sys.exit("probe refused")
    done = False
    while not done:
        for cmd in (b"status", b"metrics", b"nagios"):
            ms, data = ask(cmd)
            lat.append(ask.ttfb)
            by.setdefault(cmd, []).append(ms)
            sizes[cmd] = len(data)
            if cmd == b"metrics":
                m = re.search(rb"^veriport_sweeps_total (\d+)$", data, re.M)
                done = done or int(m.group(1)) > before
            time.sleep(0.01)
    durations.append(time.monotonic() - t0)
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(len(lat), "%.2f %.2f %.2f" % (q(lat, 0.5), q(lat, 0.99), max(lat)),
      " ".join("%.1f" % d for d in durations), sizes.get(b"status", 0))
for cmd in (b"status", b"metrics", b"nagios"):
    v = by.get(cmd, [0])
    print("%s %d %.2f %.2f %.2f %d" % (cmd.decode(), len(v), q(v, 0.5), q(v, 0.99), max(v), sizes.get(cmd, 0)))
PY
[ -s "$VPT_TMP/poll.out" ] || vpt_error "the poller failed"
read -r answers p50 p99 max durations <<<"$(head -n 1 "$VPT_TMP/poll.out")"
status_bytes=${durations##* }
durations=${durations% *}
peak=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status")
verdicts=$(printf 'status\n' | socat -t 10 - "UNIX-CONNECT:$SOCK" |
	python3 -c 'import json,sys,collections; d=json.load(sys.stdin); print(dict(collections.Counter(r["verdict"] for r in d["results"])))')

cat <<EOF
## Daemon: idle memory and the status socket under a sweep (bench/daemon.sh)

$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');
N=$N probes ($ntls TLS with nginx, $nref refused, $ndrop dropped), timeout $TIMEOUT s.

| measure | value |
|---|---|
| idle RSS, 50 channels, after a sweep (PSS, anonymous) | $idle_small KB ($pss_small KB, $anon_small KB) |
| idle RSS, $N channels, after a sweep (anonymous) | $idle_big KB ($anon_big KB) |
| peak RSS (VmHWM), $N channels | $peak KB |
| first sweep of $N probes, start to results | $first_ms ms |
| sweeps on demand | $RUNS: $durations s |
| answers during those sweeps | $answers (status ${status_bytes} bytes, metrics, nagios) |
| first byte of an answer, p50 / p99 / max | $p50 / $p99 / $max ms |
$(tail -n +2 "$VPT_TMP/poll.out" | while read -r c n a b m z; do
	echo "| \`$c\` ($z bytes): $n answers, whole answer p50 / p99 / max | $a / $b / $m ms |"
done)
| verdicts of the last sweep | $verdicts |
EOF
vpt_finish >/dev/null
