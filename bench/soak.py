#!/usr/bin/env python3
"""The soak's observer (bench/soak.sh): polls veriportd's status socket at
10 Hz for a while, samples the daemon's RSS and open descriptors every 10 s,
and counts verdict flaps: a result (channel, address) whose verdict/reason
differs from the one it had in the previous sweep.

    soak.py SOCKET PID SECONDS SAMPLES.TSV SUMMARY.JSON
"""
import json
import os
import socket
import sys
import time

sock_path, pid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
samples_path, summary_path = sys.argv[4], sys.argv[5]


def ask(line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(line.encode() + b"\n")
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def proc_figures():
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


t0 = time.monotonic()
latencies, failures, early, errors = [], 0, 0, {}
last_started, sweeps = None, 0
verdicts, flaps, flap_examples = {}, 0, []
first_seen = {}
next_sample = t0
samples = open(samples_path, "w")
samples.write("seconds\trss_kb\tfds\tsweeps\tpolls\n")
while True:
    now = time.monotonic()
    if now - t0 >= seconds:
        break
    if now >= next_sample:
        rss, fds = proc_figures()
        samples.write("%.0f\t%d\t%d\t%d\t%d\n" % (now - t0, rss, fds, sweeps, len(latencies)))
        samples.flush()
        next_sample += 10
    a = time.monotonic()
    try:
        body = ask("status")
        latencies.append((time.monotonic() - a) * 1000)
        doc = json.loads(body)
    except (OSError, ValueError) as e:
        # Before the first sweep has ended the answer is not JSON yet.
        if sweeps == 0:
            early += 1
        else:
            failures += 1
            errors[e.__class__.__name__] = errors.get(e.__class__.__name__, 0) + 1
        doc = None
    if doc is not None and doc.get("started") and doc.get("started") != last_started:
        last_started = doc["started"]
        sweeps += 1
        for r in doc.get("results", []):
            k = (r["channel"], r.get("address") or "-")
            v = "%s/%s" % (r["verdict"], r["reason"])
            first_seen.setdefault(k, v)
            if k in verdicts and verdicts[k] != v:
                flaps += 1
                if len(flap_examples) < 10:
                    flap_examples.append("%s %s: %s -> %s (sweep %d)" % (k[0], k[1], verdicts[k], v, sweeps))
            verdicts[k] = v
    time.sleep(max(0.0, 0.1 - (time.monotonic() - a)))
samples.close()

latencies.sort()


def pct(p):
    if not latencies:
        return None
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]


by_verdict = {}
for v in verdicts.values():
    by_verdict[v] = by_verdict.get(v, 0) + 1
json.dump({
    "seconds": seconds,
    "polls": len(latencies),
    "poll_failures": failures,
    "poll_errors": errors,
    "polls_before_first_sweep": early,
    "latency_ms": {"p50": pct(50), "p99": pct(99), "max": latencies[-1] if latencies else None},
    "sweeps": sweeps,
    "results": len(verdicts),
    "verdicts": by_verdict,
    "flaps": flaps,
    "flap_examples": flap_examples,
}, open(summary_path, "w"), indent=1)
