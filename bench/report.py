#!/usr/bin/env python3
"""bench/RESULTS.md's benchmark section from bench/results.tsv (bench/run.sh).

    report.py RESULTS.TSV RESULTS.META RESULTS.MD

Replaces what lies between the bench:run markers of RESULTS.MD (or writes
the file), leaving the other sections (the soak's) as they are.
"""
import statistics
import sys

BEGIN, END = "<!-- bench:run begin -->", "<!-- bench:run end -->"
TOOLS = ["veriport", "nmap", "blackbox", "plugins", "yardstick"]
KINDS = {"tcp": "plain TCP", "tls": "implicit TLS (ECDSA and RSA ports)",
         "smtp": "SMTP STARTTLS", "drop": "mixed: 80% open, 10% closed, 10% dropped"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 12:
                rows.append(c)
    return rows


def num(x):
    try:
        return float(x)
    except ValueError:
        return None


class Cell:
    """Figures of the runs of one tool, kind and N."""

    def __init__(self, rows):
        self.wall = [num(r[4]) for r in rows]
        self.cpu = [num(r[5]) + num(r[6]) for r in rows]
        self.rss = [num(r[7]) / 1024 for r in rows]
        self.right = [int(r[8]) for r in rows]
        self.total = int(rows[0][9])
        self.diff = [int(r[10]) for r in rows if r[10] not in ("-", "")]
        self.skipped = [int(r[11]) for r in rows if r[11] not in ("-", "")]

    @staticmethod
    def med(v):
        return statistics.median(v)

    def fmt(self, v, unit, prec):
        m = self.med(v)
        if len(v) == 1:
            return "%.*f%s" % (prec, m, unit)
        return "%.*f%s (%.*f–%.*f)" % (prec, m, unit, prec, min(v), prec, max(v))


def main():
    rows = load(sys.argv[1])
    meta = {}
    with open(sys.argv[2]) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    out = []
    w = out.append
    cells = {}
    for r in rows:
        if r[0] in TOOLS:
            cells.setdefault((r[0], r[1], int(r[2])), []).append(r)
    cells = {k: Cell(v) for k, v in cells.items()}
    sizes = sorted({k[2] for k in cells})
    kinds = [k for k in KINDS if any(c[1] == k for c in cells)]
    timeout = float(meta.get("timeout", "3"))

    w(BEGIN)
    w("## Side by side (bench/run.sh)")
    w("")
    w("Written by `bench/run.sh` on %s (commit %s). Machine: %s CPUs (%s), "
      "%.1f GB, Linux %s; load average at the end %s. %s"
      % (meta.get("date"), meta.get("commit"), meta.get("nproc"), meta.get("cpu"),
         int(meta.get("mem", "0")) / 1048576, meta.get("kernel"), meta.get("loadavg"),
         meta.get("note", "")))
    w("")
    w("Versions: %s; %s; %s; monitoring-plugins %s; nginx %s; postfix %s; %s."
      % (meta.get("veriport"), meta.get("nmap"), meta.get("blackbox"), meta.get("plugins"),
         meta.get("nginx"), meta.get("postfix"), meta.get("openssl")))
    w("")
    w("Every figure is the median of %s runs, the range in brackets; the runs "
      "of the tools interleave (run 1 of every tool, then run 2, ...). Wall "
      "and CPU (user + sys) and peak RSS are `/usr/bin/time`'s, of the "
      "prober alone: for blackbox_exporter the exporter's CPU and memory "
      "(the Python client sending the N requests not counted) and the "
      "client's wall time; for monitoring-plugins all of xargs' children "
      "(CPU summed, RSS the largest single process)." % meta.get("runs"))
    w("")
    w("### Commands")
    w("")
    w("Targets in one network namespace on 127.0.0.0/8: channels are "
      "A addresses (127.1.0.1 ...) times P ports (N=50: 5x10, 500: 10x50, "
      "5,000: 10x500, 20,000: 20x1000), each channel its own endpoint; "
      "nginx (2 workers) on the plain ports 10001+ and TLS ports 11001+ "
      "(odd ports ECDSA P-256, even RSA 2048, no session resumption; the "
      "certificates name the 21 addresses in IP SANs), SMTP STARTTLS on "
      "2501+, nothing on 12001+ (closed), nft drop on 13001+ (the probes' "
      "own ports are 20000-65000). Timeout %gs everywhere, descriptor "
      "limit %s. blackbox_exporter, monitoring-plugins and nmap's ssl-cert "
      "run up to N=%s, nmap -sT up to N=%s: at 20,000 concurrent /probe "
      "requests the exporter and its client need more than the descriptor "
      "limit, and 20,000 plugin processes take minutes a run."
      % (timeout, meta.get("nofile"), meta.get("peer_max"), meta.get("nmap_max")))
    w("")
    w("The SMTP STARTTLS far end is `veriport respond` (one libuv process), "
      "not postfix. Postfix (a process per session, 50 ports x 6 smtpd) cannot "
      "greet 5,000 sessions opened at once within a 3 s timeout on these 2 "
      "cores: the yardstick got 3,685-4,419 of 5,000 `no-greeting` in 3 "
      "tries, so every tool would have measured postfix's capacity; at "
      "hundreds of sessions a second its master and tlsmgr also wedged once "
      "(every smtpd waiting for a seed in tls_server_init) until smtpd "
      "processes were kept alive (max_use). Postfix stays the SMTP server of "
      "the soak (bench/soak.sh), at 20 sessions every 10 s.")
    w("")
    w("```")
    w("veriport check --catalog-dir C --profile bench-KIND-N --role client \\")
    w("    --map srv=127.1.0.1,...,127.1.0.A --ca-file ca.pem --timeout %g --format json" % timeout)
    w("nmap -n -Pn -sT -p PORTS --datadir D   # D/nmap-services names the ports [--script ssl-cert] -oX out ADDRS")
    w("prometheus-blackbox-exporter --config.file=bb.yml   # modules tcp, tls, smtp (query_response, starttls), CA given")
    w("bench/bbclient.py 127.0.0.1:9115 MODULE <targets    # all N /probe requests at once")
    w("xargs -P %s -n 2 sh -c 'check_tcp [-S] | check_smtp -S -H $0 -p $1 -t %g'" % (meta.get("xargs_p"), timeout))
    w("yardstick tcp|tls|smtp N %d ca.pem <targets   # bench/yardstick.c: libuv + OpenSSL, N at once;" % (timeout * 1000))
    w("    # smtp: greeting, EHLO, STARTTLS, handshake, EHLO and QUIT over TLS, as veriport's check")
    w("openssl s_time -connect 127.1.0.1:PORT -new -time 3")
    w("```")
    w("")

    def cell(t, k, n):
        return cells.get((t, k, n))

    for k in kinds:
        w("### %s" % KINDS[k])
        w("")
        w("| N | tool | wall (s) | CPU (s) | peak RSS (MB) | right/expected |")
        w("|---|---|---|---|---|---|")
        for n in sizes:
            for t in TOOLS:
                c = cell(t, k, n)
                if c is None:
                    continue
                w("| %d | %s | %s | %s | %s | %s |" % (
                    n, t, c.fmt(c.wall, "", 2), c.fmt(c.cpu, "", 2), c.fmt(c.rss, "", 1),
                    "%d/%d" % (min(c.right), c.total) if min(c.right) == max(c.right)
                    else "%d–%d/%d" % (min(c.right), max(c.right), c.total)))
        w("")

    w("### Verdicts: every sweep against the same targets probed one by one")
    w("")
    w("The reference of each kind is one `veriport check --parallel 1` over "
      "a sample of the largest sweep's endpoints, each its own channel (%s "
      "endpoints that answer, and %s dropped ones: every dropped one costs a "
      "full timeout one at a time). Every result of every run is compared: "
      "with the reference's verdict/reason where the endpoint is in the "
      "sample, and with the verdict the target was built to give (ok, "
      "refused, filtered) for all of them."
      % (meta.get("ref_sample"), meta.get("ref_drops")))
    w("")
    w("| kind | N | results | differences from one by one (worst run) | wrong against the construction (worst run) | skipped |")
    w("|---|---|---|---|---|---|")
    for k in kinds:
        for n in sizes:
            c = cell("veriport", k, n)
            if c is None:
                continue
            w("| %s | %d | %d | %d | %d | %d |" % (k, n, c.total, max(c.diff) if c.diff else -1,
                                                  c.total - min(c.right), max(c.skipped) if c.skipped else -1))
    w("")

    # Targets.
    targets = []

    def ratio(a, b):
        return a / b if b else float("inf")

    def target(name, ok, figures):
        targets.append((name, "met" if ok else "**missed**", figures))

    total_diff = sum(max(c.diff) for (t, _, _), c in cells.items() if t == "veriport" and c.diff)
    total_wrong = sum(c.total - min(c.right) for (t, _, _), c in cells.items() if t == "veriport")
    target("every size: verdicts of one by one, 0 differences", total_diff == 0 and total_wrong == 0,
           "%d differences from the reference, %d wrong against the construction, over %s"
           % (total_diff, total_wrong, ", ".join("%s %s" % (k, "/".join(str(n) for n in sizes if cell("veriport", k, n)))
                                                  for k in kinds)))
    v, nm, bb = cell("veriport", "tcp", 5000), cell("nmap", "tcp", 5000), cell("blackbox", "tcp", 5000)
    if v and nm:
        target("plain TCP N=5,000: wall <= nmap -sT", Cell.med(v.wall) <= Cell.med(nm.wall),
               "%.2f s vs %.2f s (%.2fx)" % (Cell.med(v.wall), Cell.med(nm.wall), ratio(Cell.med(v.wall), Cell.med(nm.wall))))
    if v:
        target("plain TCP N=5,000: peak RSS <= 30 MB", Cell.med(v.rss) <= 30, "%.1f MB" % Cell.med(v.rss))
    if v and bb:
        target("plain TCP N=5,000: >= 10x faster than blackbox_exporter",
               ratio(Cell.med(bb.wall), Cell.med(v.wall)) >= 10,
               "%.2f s vs %.2f s: %.1fx" % (Cell.med(v.wall), Cell.med(bb.wall), ratio(Cell.med(bb.wall), Cell.med(v.wall))))
    for k in ("tls", "smtp"):
        for n in (500, 5000):
            v, bb = cell("veriport", k, n), cell("blackbox", k, n)
            if v and bb:
                target("%s N=%d: >= 1.5x faster than blackbox_exporter" % (k, n),
                       ratio(Cell.med(bb.wall), Cell.med(v.wall)) >= 1.5,
                       "%.2f s vs %.2f s: %.2fx" % (Cell.med(v.wall), Cell.med(bb.wall), ratio(Cell.med(bb.wall), Cell.med(v.wall))))
    for k in ("tls", "smtp"):
        for n in (500, 5000):
            v, y = cell("veriport", k, n), cell("yardstick", k, n)
            if v and y:
                pv, py = Cell.med(v.cpu) / n * 1e3, Cell.med(y.cpu) / n * 1e3
                target("%s N=%d: client CPU per handshake <= 1.25x the yardstick" % (k, n), pv <= 1.25 * py,
                       "%.3f ms vs %.3f ms: %.2fx (user+sys of the whole run over N, "
                       "veriport's start and JSON report included)" % (pv, py, ratio(pv, py)))
    inflight = {}
    for r in rows:
        if r[0] == "inflight":
            inflight.setdefault(int(r[10]), []).append(num(r[7]) / 1024)
    if len(inflight) >= 2:
        ps = sorted(inflight)
        lo, hi = ps[0], ps[-1]
        slope = (Cell.med(inflight[hi]) - Cell.med(inflight[lo])) * 1024 / (hi - lo)
        v5 = cell("veriport", "tls", 5000)
        whole = Cell.med(v5.rss) * 1024 / 5000 if v5 else float("nan")
        target("<= 64 KiB RSS per in-flight TLS probe", slope <= 64 and whole <= 64,
               "%.1f KiB: the slope of peak RSS over --parallel at TLS N=5,000 (%s); "
               "even the whole peak over N, results included, is %.1f KiB"
               % (slope, ", ".join("--parallel %d %.1f MB" % (p, Cell.med(inflight[p])) for p in ps), whole))
    for n in (500, 5000):
        v = cell("veriport", "drop", n)
        if v:
            target("dropped ports N=%d: wall <= timeout + 10%%" % n, Cell.med(v.wall) <= timeout * 1.1,
                   "%.2f s (bound %.2f s)" % (Cell.med(v.wall), timeout * 1.1))

    w("### Targets of issue 11")
    w("")
    w("| target | | figures |")
    w("|---|---|---|")
    for name, ok, fig in targets:
        w("| %s | %s | %s |" % (name, ok, fig))
    w("")

    w("### Ratios (medians)")
    w("")
    w("| kind | N | veriport wall / nmap | blackbox / veriport wall | veriport / yardstick wall | veriport / yardstick CPU |")
    w("|---|---|---|---|---|---|")
    for k in kinds:
        for n in sizes:
            v = cell("veriport", k, n)
            if v is None:
                continue
            f = []
            for t, inv, what in (("nmap", False, v.wall), ("blackbox", True, v.wall),
                                 ("yardstick", False, v.wall), ("yardstick", False, v.cpu)):
                c = cell(t, k, n)
                if c is None:
                    f.append("—")
                    continue
                o = c.wall if what is v.wall else c.cpu
                a, b = Cell.med(what), Cell.med(o)
                f.append("%.2f" % (ratio(b, a) if inv else ratio(a, b)))
            w("| %s | %d | %s |" % (k, n, " | ".join(f)))
    w("")
    st = {}
    for r in rows:
        if r[0] == "s_time":
            st.setdefault(r[2], []).append(num(r[8]))
    if st:
        w("### The machine's handshake cost: openssl s_time")
        w("")
        w("| port | handshakes per second of client user CPU | ms user CPU per handshake |")
        w("|---|---|---|")
        for p, v in sorted(st.items()):
            m = Cell.med(v)
            w("| %s (%s) | %.0f (%.0f–%.0f) | %.3f |" % (p, "ECDSA" if int(p) % 2 else "RSA", m, min(v), max(v),
                                                     1e3 / m if m else 0))
        w("")
    w(END)

    section = "\n".join(out) + "\n"
    try:
        with open(sys.argv[3]) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + section.rstrip("\n") + old[old.index(END) + len(END):]
    else:
        new = (old.rstrip("\n") + "\n\n" if old else "# Benchmarks\n\n") + section
    with open(sys.argv[3], "w") as f:
        f.write(new)


main()
