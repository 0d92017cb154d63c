#!/usr/bin/env python3
"""N concurrent /probe requests to a Prometheus blackbox_exporter.

Reads "ADDRESS PORT" lines on standard input, sends every request at once
(one HTTP/1.0 connection each) and prints "ADDRESS PORT ok|fail SECONDS",
ok when the exporter answered probe_success 1. Used by bench/run.sh.

    bbclient.py HOST:PORT MODULE <targets
"""
import asyncio
import sys


async def probe(host, port, module, addr, tport):
    req = "GET /probe?module=%s&target=%s:%s HTTP/1.0\r\n\r\n" % (module, addr, tport)
    try:
        r, w = await asyncio.open_connection(host, port)
        w.write(req.encode())
        await w.drain()
        body = await r.read()
        w.close()
    except OSError as e:
        return "%s %s fail client:%s" % (addr, tport, e.__class__.__name__)
    text = body.decode(errors="replace")
    ok = "\nprobe_success 1" in text
    dur = "-"
    for line in text.splitlines():
        if line.startswith("probe_duration_seconds "):
            dur = line.split()[1]
    return "%s %s %s %s" % (addr, tport, "ok" if ok else "fail", dur)


async def main():
    host, port = sys.argv[1].rsplit(":", 1)
    module = sys.argv[2]
    targets = [line.split()[:2] for line in sys.stdin if line.strip()]
    out = await asyncio.gather(*(probe(host, int(port), module, a, p) for a, p in targets))
    sys.stdout.write("\n".join(out) + "\n")


asyncio.run(main())
