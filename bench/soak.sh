#!/usr/bin/env bash
# The soak of issue 9: veriportd sweeping a profile every 10 s (the
# smallest interval) for SOAK_MINUTES (30) against targets in a private
# namespace (bench/lib.sh's world) that partly work (nginx plain and TLS,
# postfix STARTTLS), partly fail (closed ports, nft drop, nft reject with
# ICMP admin-prohibited) and partly are intercepted (sslsplit re-signing
# two TLS ports with a CA of its own), while bench/soak.py polls the status
# socket at 10 Hz and samples the daemon's RSS and open descriptors every
# 10 s. Writes bench/soak.tsv and the soak section of bench/RESULTS.md.
#
#	bench/soak.sh                     # 30 minutes
#	SOAK_MINUTES=2 bench/soak.sh      # a quick look
#
# Environment: SOAK_MINUTES, SOAK_ADDRS (target addresses, 10), BENCH_BUILD,
# BENCH_RESULTS, BENCH_NOTE.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$BENCH_DIR/.." && pwd)
top_builddir=${BENCH_BUILD:-/tmp/veriport-bench-build}
. "$top_srcdir/tests/integration/lib.sh"
. "$BENCH_DIR/lib.sh"
vpt_init soak bch
VPT_NET4=10.226.0.0/16 VPT_NET6=fd7e:226::/32
vpt_need_root

MINUTES=${SOAK_MINUTES:-30}
ADDRS=${SOAK_ADDRS:-10}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
TSV=${RESULTS%/*}/soak.tsv
INTERVAL=10 TIMEOUT=3
MITM=127.2.0.1

bench_packages nginx-light postfix sslsplit openssl python3-minimal nftables iproute2
bench_build "$top_srcdir" "$top_builddir"
bench_log "starting the targets"
bench_world
# Rejected ports; the interceptor.
vpt_in "$NS" nft add rule inet bch_drop input ip daddr 127.1.0.0/16 tcp dport 15001-15010 \
	reject with icmpx type admin-prohibited || vpt_error "cannot add the reject rule"
# sslsplit resolves its addresses with AI_ADDRCONFIG, which finds no IPv4
# in a namespace that only has loopback: a veth pair inside the namespace,
# one end with an address of this helper's range, gives it one.
vpt_link "$NS" bch0 "$NS" bch1
vpt_addr "$NS" bch0 10.226.0.1/32
# A CA named like SSLsplit's (catalogs/interceptors.list knows it).
vpt_tls_ca "$VPT_TMP/corp" "SSLsplit Root CA"
vpt_spawn SSLSPLIT "$NS" "$VPT_TMP/sslsplit.log" sslsplit -D \
	-k "$VPT_TMP/corp/ca.key" -c "$VPT_TMP/corp/ca.pem" \
	ssl "$MITM" 14001 127.1.0.1 "$BENCH_TLS_PORT" \
	ssl "$MITM" 14002 127.1.0.1 $((BENCH_TLS_PORT + 1))
vpt_wait_listen "$NS" "$SSLSPLIT" tcp "$MITM" 14002 ||
	vpt_error "sslsplit did not start: $(tail -n 5 "$VPT_TMP/sslsplit.log")"

CAT=$VPT_TMP/catalogs
mkdir -p "$CAT" "$VPT_TMP/run" "$VPT_TMP/state"
cp "$top_srcdir/catalogs/interceptors.list" "$CAT/interceptors.list"
row() { # ID PORT CHECK TO
	printf 'row %s\n    vendor soak\n    from client\n    to %s\n    port tcp/%s %s\n' "$1" "$4" "$2" "$3"
	[ "$3" = smtp-starttls ] && printf '    starttls required\n'
	printf '    purpose soak\n\n'
}
{
	printf 'profile soak\ntitle bench soak\nsource bench/soak.sh\n\n'
	printf 'role client The daemon\nrole srv The targets\nrole mitm Behind sslsplit\n\n'
	for i in 0 1 2 3; do row "tcp-$i" $((BENCH_TCP_PORT + i)) tcp srv; done
	row tls-ec "$BENCH_TLS_PORT" tls srv
	row tls-rsa $((BENCH_TLS_PORT + 1)) tls srv
	row smtp-0 "$BENCH_SMTP_PORT" smtp-starttls srv
	row smtp-1 $((BENCH_SMTP_PORT + 1)) smtp-starttls srv
	row closed-0 "$BENCH_CLOSED_PORT" tcp srv
	row closed-1 $((BENCH_CLOSED_PORT + 1)) tcp srv
	row dropped-0 "$BENCH_DROP_PORT" tcp srv
	row dropped-1 $((BENCH_DROP_PORT + 1)) tls srv
	row rejected-0 15001 tcp srv
	row rejected-1 15002 smtp-starttls srv
	row mitm-ec 14001 tls mitm
	row mitm-rsa 14002 tls mitm
} >"$CAT/soak.catalog"
CONF=$VPT_TMP/veriport.conf
SOCK=$VPT_TMP/run/status.sock
cat >"$CONF" <<EOF
[veriport]
profile = soak
role = client
catalog-dir = $CAT
interval = $INTERVAL
jitter = 0
timeout = $TIMEOUT
ca-file = $TLS/ca.pem

[map]
srv = $(bench_addrs "$ADDRS" | paste -sd,)
mitm = $MITM

[status]
socket = $SOCK
state-dir = $VPT_TMP/state
EOF
"$VERIPORTD" --check-config -c "$CONF" >"$VPT_TMP/check-config.out" 2>&1 ||
	vpt_error "veriportd --check-config: $(cat "$VPT_TMP/check-config.out")"
vpt_spawn VPD "$NS" "$VPT_TMP/veriportd.log" "$VERIPORTD" --foreground -c "$CONF"
vpt_wait_until 10 test -S "$SOCK" || vpt_error "veriportd did not start: $(tail -n 5 "$VPT_TMP/veriportd.log")"

bench_log "soak: $MINUTES minutes, veriportd pid $VPD"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
python3 "$BENCH_DIR/soak.py" "$SOCK" "$VPD" $((MINUTES * 60)) "$VPT_TMP/samples.tsv" \
	"$VPT_TMP/summary.json" || vpt_error "soak.py failed"
vpt_alive "$VPD" || vpt_error "veriportd died: $(tail -n 5 "$VPT_TMP/veriportd.log")"
vpt_unix_ask "$SOCK" metrics >"$VPT_TMP/metrics.txt"
cp "$VPT_TMP/samples.tsv" "$TSV"

python3 - "$VPT_TMP/samples.tsv" "$VPT_TMP/summary.json" "$VPT_TMP/metrics.txt" "$RESULTS" \
	"$started" "$MINUTES" "$(nproc)" "$(uname -r)" "${BENCH_NOTE:-}" <<'EOF'
import json, sys
samples_p, summary_p, metrics_p, results_p, started, minutes, nproc, kernel, note = sys.argv[1:10]
BEGIN, END = "<!-- bench:soak begin -->", "<!-- bench:soak end -->"
rows = [l.split("\t") for l in open(samples_p).read().splitlines()[1:]]
rows = [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
s = json.load(open(summary_p))
metrics = {}
for l in open(metrics_p):
    if l.startswith("veriport_sweep") and " " in l:
        k, v = l.rsplit(" ", 1)
        metrics[k] = v.strip()
warm = [r for r in rows if r[0] >= 120] or rows
rss = [r[1] for r in warm]
fds = [r[2] for r in warm]
out = [BEGIN, "## Soak: veriportd for %s minutes (bench/soak.sh)" % minutes, ""]
w = out.append
w("Started %s; %s CPUs, Linux %s. %s" % (started, nproc, kernel, note))
w("")
w("veriportd (built -O2, no sanitizers) sweeps the `soak` profile every 10 s "
  "(jitter 0, timeout 3 s): %d results per sweep over 10 target addresses: "
  "nginx plain and TLS (ECDSA, RSA), postfix STARTTLS, closed ports, "
  "nft-dropped ports, ports rejected with ICMP admin-prohibited, and two TLS "
  "ports behind sslsplit re-signing with a CA of its own. `bench/soak.py` "
  "polls `status` on the Unix socket at 10 Hz and samples VmRSS and "
  "/proc/PID/fd every 10 s (raw: bench/soak.tsv)." % s["results"])
w("")
w("| figure | value |")
w("|---|---|")
w("| sweeps seen | %d (daemon: %s, errors %s) |" % (s["sweeps"], metrics.get("veriport_sweeps_total", "?"),
                                                     metrics.get("veriport_sweep_errors_total", "?")))
w("| verdicts per sweep | %s |" % ", ".join("%s %d" % kv for kv in sorted(s["verdicts"].items())))
w("| verdict flaps (a result changing between sweeps) | %d%s |" % (s["flaps"], (": " + "; ".join(s["flap_examples"])) if s["flaps"] else ""))
w("| RSS after warm-up (2 min on): first / last / min / max | %d / %d / %d / %d KB |" % (rss[0], rss[-1], min(rss), max(rss)))
w("| open descriptors after warm-up: first / last / min / max | %d / %d / %d / %d |" % (fds[0], fds[-1], min(fds), max(fds)))
w("| status polls answered / failed after the first sweep (before it: not yet JSON) | %d / %d %s (%d) |" % (
    s["polls"], s["poll_failures"], s["poll_errors"] or "", s["polls_before_first_sweep"]))
w("| status latency p50 / p99 / max (connect, `status`, read to EOF) | %.2f / %.2f / %.2f ms |" % (
    s["latency_ms"]["p50"], s["latency_ms"]["p99"], s["latency_ms"]["max"]))
w("")
w("| minute | RSS (KB) | fds | sweeps so far |")
w("|---|---|---|---|")
for r in rows:
    if r[0] % 300 < 10 or r is rows[-1]:
        w("| %.1f | %d | %d | %d |" % (r[0] / 60, r[1], r[2], r[3]))
w(END)
section = "\n".join(out)
try:
    old = open(results_p).read()
except FileNotFoundError:
    old = "# Benchmarks\n"
if BEGIN in old and END in old:
    new = old[:old.index(BEGIN)] + section + old[old.index(END) + len(END):]
else:
    new = old.rstrip("\n") + "\n\n" + section + "\n"
open(results_p, "w").write(new)
print(section)
EOF
vpt_finish
