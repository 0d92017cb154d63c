# Hostile clients of veriportd's TCP status listener, all at once, for
# tests/integration/status-abuse.sh. Python 3 standard library only.
#
#   python3 abuse.py HOST PORT SECONDS [RATE]
#
# For SECONDS: 1,000 idle connections from 127.0.0.1 (each reopened a
# second after the daemon closes it), 20 slowloris HTTP clients (one
# header byte a second) from 127.0.0.10, garbage and over-long lines and
# half-closed clients (a command then SHUT_WR, or SHUT_WR alone) from
# 127.0.0.11, 20 clients that send "status" and never read from
# 127.0.0.12, and RATE (default 60) requests a second of GET /status and
# GET /metrics from 127.0.0.2-127.0.0.9 (under the per-address rate
# limit). Prints "started" once the idle connections are open, and a JSON
# summary at the end.
import asyncio
import json
import os
import socket
import sys
import time

HOST, PORT, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
RATE = float(sys.argv[4]) if len(sys.argv) > 4 else 60
SOURCES = ["127.0.0.%d" % i for i in range(2, 10)]
stats = {}


def count(key, n=1):
    stats[key] = stats.get(key, 0) + n


async def connect(local=None, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if local:
        s.bind((local, 0))
    s.setblocking(False)
    await asyncio.get_running_loop().sock_connect(s, (HOST, PORT))
    return await asyncio.open_connection(sock=s)


async def forever(name, fn, pause):
    """Runs FN again and again until the end, counting its failures."""
    while time.monotonic() < END:
        try:
            await fn()
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            count(name + "_errors")
        await asyncio.sleep(pause)


async def idle():
    r, w = await connect(local="127.0.0.1")
    count("idle_opened")
    try:
        await asyncio.wait_for(r.read(), END - time.monotonic())
        count("idle_closed_by_daemon")
    except asyncio.TimeoutError:
        pass
    w.close()


async def slowloris():
    r, w = await connect(local="127.0.0.10")
    count("slowloris_opened")
    try:
        for b in b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
            if time.monotonic() >= END:
                break
            w.write(bytes([b]))
            await w.drain()
            await asyncio.sleep(1)
    except (ConnectionError, OSError):
        count("slowloris_closed_by_daemon")
    w.close()


async def answer_of(data, half_close=False):
    r, w = await connect(local="127.0.0.11")
    w.write(data)
    await w.drain()
    if half_close:
        w.transport.write_eof()
    got = await asyncio.wait_for(r.read(1 << 20), 10)
    w.close()
    return got


async def garbage():
    got = await answer_of(os.urandom(3000) + b"\n")
    count("garbage_answered" if got else "garbage_closed")
    got = await answer_of(b"status" + b"x" * 5000 + b"\n")
    count("overlong_answered" if got else "overlong_closed")
    got = await answer_of(b"\n" * 300)
    count("newlines_answered" if got else "newlines_closed")


async def half_closed():
    got = await answer_of(b"status\n", half_close=True)
    count("halfclosed_status_json" if got.startswith(b"{") else
          "halfclosed_status_busy" if got.startswith(b"error: too many") else
          "halfclosed_status_other")
    got = await answer_of(b"", half_close=True)
    count("halfclosed_empty_answered" if got else "halfclosed_empty_closed")


async def never_reads():
    r, w = await connect(local="127.0.0.12", rcvbuf=1024)
    w.write(b"status\n")
    await w.drain()
    count("neverread_opened")
    await asyncio.sleep(max(0, END - time.monotonic()))
    w.close()


async def request(path, src):
    t0 = time.monotonic()
    r, w = await connect(local=src)
    w.write(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path)
    await w.drain()
    got = await asyncio.wait_for(r.read(), 10)
    w.close()
    code = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "none"
    count("http_" + code)
    LATENCY.append(time.monotonic() - t0)


async def flood():
    tasks, i, t0 = [], 0, time.monotonic()
    while time.monotonic() < END:
        path = b"/status" if i % 2 == 0 else b"/metrics"
        tasks.append(asyncio.ensure_future(
            guarded(request(path, SOURCES[i % len(SOURCES)]))))
        i += 1
        # On a schedule, so a busy moment is caught up after it.
        await asyncio.sleep(max(0, t0 + i / RATE - time.monotonic()))
    await asyncio.gather(*tasks)
    count("http_sent", i)


async def guarded(coro):
    try:
        await coro
    except (ConnectionError, OSError, asyncio.TimeoutError,
            asyncio.IncompleteReadError):
        count("http_errors")


async def main():
    global END
    END = time.monotonic() + SECONDS
    tasks = [asyncio.ensure_future(forever("idle", idle, 1))
             for _ in range(1000)]
    while stats.get("idle_opened", 0) < 1000 and time.monotonic() < END:
        await asyncio.sleep(0.05)
    print("started", flush=True)
    tasks += [asyncio.ensure_future(forever("slowloris", slowloris, 0.1))
              for _ in range(20)]
    tasks += [asyncio.ensure_future(forever("never_reads", never_reads, 0.1))
              for _ in range(20)]
    tasks.append(asyncio.ensure_future(forever("garbage", garbage, 0.1)))
    tasks.append(asyncio.ensure_future(forever("halfclosed", half_closed, 0.1)))
    tasks.append(asyncio.ensure_future(flood()))
    await asyncio.gather(*tasks)
    lat = sorted(LATENCY) or [0]
    stats["http_p99_ms"] = round(lat[int(0.99 * (len(lat) - 1))] * 1000, 1)
    stats["http_max_ms"] = round(lat[-1] * 1000, 1)
    print(json.dumps(stats, sort_keys=True), flush=True)


LATENCY = []
END = 0
asyncio.run(main())
