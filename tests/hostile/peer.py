# Hostile peers for tests/hostile-peers.sh: servers that misbehave on
# purpose, one flavour per port on 127.0.0.1, so that veriport's bounds
# (time, memory, escaping) are tried against what a peer can send.
# Python 3 standard library only.
#
#   python3 peer.py [--certs DIR] FLAVOUR:PORT...
#
# Prints "listening" once every port is bound, and one line per
# connection or query when a flavour gives up ("FLAVOUR sent N bytes"),
# so the test can say how much a peer pushed. TLS flavours load
# DIR/FLAVOUR.pem (the chain, leaf first) and DIR/FLAVOUR.key, and so
# does healthy-smtp for its STARTTLS. UDP flavours: udp-flood, dns-loop,
# cldap-*. Runs until it is killed.
import asyncio
import os
import socket
import ssl
import struct
import sys

CHUNK = 64 * 1024
GIB = 1 << 30


def log(*args):
    print(*args, flush=True)


async def send(writer, data):
    writer.write(data)
    await writer.drain()


async def stream(writer, chunk, total):
    """Writes CHUNK until TOTAL bytes or the peer goes; returns the count."""
    sent = 0
    try:
        while sent < total:
            await send(writer, chunk)
            sent += len(chunk)
    except (ConnectionError, OSError):
        pass
    return sent


async def readline(reader):
    try:
        return await reader.readline()
    except (ConnectionError, OSError, ValueError):
        return b""


async def hold(reader):
    """Reads (and drops) whatever comes until the peer closes."""
    try:
        while await reader.read(CHUNK):
            pass
    except (ConnectionError, OSError):
        pass


# SMTP -------------------------------------------------------------------


async def smtp_session(reader, writer, ehlo, starttls):
    """A greeting, then EHLO answered by EHLO(writer); STARTTLS by
    STARTTLS(writer) (its own end of the session)."""
    await send(writer, b"220 hostile.test ESMTP\r\n")
    while True:
        line = await readline(reader)
        if not line:
            return 0
        verb = line[:4].upper()
        if verb == b"EHLO":
            n = await ehlo(writer)
            if n is not None:
                return n
        elif verb == b"STAR":
            return await starttls(reader, writer)
        elif verb == b"QUIT":
            await send(writer, b"221 bye\r\n")
            return 0
        else:
            await send(writer, b"502 no\r\n")


async def plain_ehlo(writer):
    await send(writer, b"250-hostile.test\r\n250 STARTTLS\r\n")


async def refuse_starttls(reader, writer):
    await send(writer, b"454 not now\r\n")
    return 0


async def silent(reader, writer):
    await hold(reader)
    return 0


async def drip(reader, writer):
    sent = 0
    try:
        for b in b"220 hostile.test ESMTP slowly\r\n":
            await send(writer, bytes([b]))
            sent += 1
            await asyncio.sleep(1)
    except (ConnectionError, OSError):
        pass
    return sent


async def endless_greeting(reader, writer):
    sent, n = 0, 0
    try:
        while sent < GIB:
            block = b"".join(
                b"220-hostile.test line %d of an endless greeting\r\n" % (n + i)
                for i in range(1000))
            n += 1000
            await send(writer, block)
            sent += len(block)
    except (ConnectionError, OSError):
        pass
    return sent


async def gigabyte_line(reader, writer):
    await send(writer, b"220 ")
    return 4 + await stream(writer, b"x" * CHUNK, GIB)


async def ehlo_100k(reader, writer):
    async def ehlo(w):
        body = b"".join(b"250-X-CAPABILITY-%d\r\n" % i for i in range(100000))
        await send(w, b"250-hostile.test\r\n" + body + b"250 STARTTLS\r\n")
        return None

    try:
        return await smtp_session(reader, writer, ehlo, refuse_starttls)
    except (ConnectionError, OSError):
        return 0


async def starttls_then(reader, writer, garbage):
    """STARTTLS taken, then GARBAGE: "hello" (4 KiB of it, once the
    ClientHello came), "plain" (in the go-ahead's own segment), or none."""
    async def go(r, w):
        if garbage == "plain":
            await send(w, b"220 go ahead\r\n" + os.urandom(4096))
        else:
            await send(w, b"220 go ahead\r\n")
        if garbage == "hello":
            await r.read(CHUNK)
            await send(w, os.urandom(4096))
        await hold(r)
        return 0

    try:
        return await smtp_session(reader, writer, plain_ehlo, go)
    except (ConnectionError, OSError):
        return 0


async def starttls_garbage(reader, writer):
    return await starttls_then(reader, writer, "hello")


async def starttls_plaintext(reader, writer):
    return await starttls_then(reader, writer, "plain")


async def starttls_silence(reader, writer):
    return await starttls_then(reader, writer, None)


# IMAP -------------------------------------------------------------------


async def imap_caps_100k(reader, writer):
    try:
        await send(writer, b"* OK hostile IMAP\r\n")
        line = await readline(reader)
        tag = line.split(b" ", 1)[0] or b"a1"
        body = b"".join(b"* CAPABILITY IMAP4rev1 STARTTLS X%d\r\n" % i
                        for i in range(100000))
        await send(writer, body + tag + b" OK done\r\n")
        await hold(reader)
        return len(body)
    except (ConnectionError, OSError):
        return 0


async def imap_literal(reader, writer):
    try:
        await send(writer, b"* OK hostile IMAP\r\n")
        await readline(reader)
        await send(writer, b"* CAPABILITY {999999999}\r\n")
        return await stream(writer, b"y" * CHUNK, 999999999)
    except (ConnectionError, OSError):
        return 0


# LDAP (BER) -------------------------------------------------------------


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + ber_len(len(body)) + body


async def ldap_answer(reader, writer, answer, more=b"", total=0):
    try:
        await reader.read(CHUNK)
        await send(writer, answer)
        sent = len(answer)
        if more:
            sent += await stream(writer, more, total)
        await hold(reader)
        return sent
    except (ConnectionError, OSError):
        return 0


async def ber_2g(reader, writer):
    # An LDAPMessage SEQUENCE claiming 2^31 bytes, then zeros.
    return await ldap_answer(reader, writer,
                             b"\x30\x84\x80\x00\x00\x00\x02\x01\x01",
                             b"\x00" * CHUNK, 64 * CHUNK)


async def ber_indefinite(reader, writer):
    # X.690 §8.1.3.6 indefinite lengths, which LDAP forbids (RFC 4511
    # §5.1), nested and never ended.
    return await ldap_answer(reader, writer,
                             b"\x30\x80\x02\x01\x01\x78\x80" + b"\x30\x80" * 1000)


async def ber_deep(reader, writer):
    # 3,000 nested definite SEQUENCEs inside an ExtendedResponse.
    inner = b""
    for _ in range(3000):
        inner = tlv(0x30, inner)
    return await ldap_answer(reader, writer,
                             tlv(0x30, b"\x02\x01\x01" + tlv(0x78, inner)))


# TLS --------------------------------------------------------------------


async def tls_hold(reader, writer):
    await hold(reader)
    return 0


# HTTP -------------------------------------------------------------------


async def http_headers(reader, writer):
    try:
        await reader.read(CHUNK)
        await send(writer, b"HTTP/1.1 200 OK\r\n")
        block = b"".join(b"X-Hostile-%d: endless\r\n" % i for i in range(2000))
        return await stream(writer, block, GIB)
    except (ConnectionError, OSError):
        return 0


async def http_chunked(reader, writer):
    try:
        await reader.read(CHUNK)
        await send(writer, b"HTTP/1.1 200 OK\r\nServer: hostile\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n")
        return await stream(writer, b"f" * CHUNK, GIB)
    except (ConnectionError, OSError):
        return 0


# A healthy peer, only slow: an SSH banner after 400 ms, so a probe is
# always waiting on the network when tests/hostile-stall.sh stops veriport.
async def slow_ssh(reader, writer):
    await asyncio.sleep(0.4)
    await send(writer, b"SSH-2.0-hostile_slow_but_healthy\r\n")
    await hold(reader)
    return 0


# A healthy SMTP server with STARTTLS (RFC 3207), for the sweeps that
# tests/integration/status-abuse.sh compares: EHLO again over TLS, QUIT.
async def healthy_smtp(reader, writer, ctx):
    try:
        await send(writer, b"220 healthy.test ESMTP\r\n")
        tls = False
        while True:
            line = await readline(reader)
            verb = line[:4].upper()
            if not line or verb == b"QUIT":
                await send(writer, b"221 bye\r\n")
                return 0
            if verb == b"EHLO":
                await send(writer, b"250-healthy.test\r\n250 SIZE 1000\r\n"
                           if tls else
                           b"250-healthy.test\r\n250 STARTTLS\r\n")
            elif verb == b"STAR" and not tls:
                await send(writer, b"220 go ahead\r\n")
                await writer.start_tls(ctx)
                tls = True
            else:
                await send(writer, b"502 no\r\n")
    except (ConnectionError, OSError, ssl.SSLError):
        return 0


TCP = {
    "slow-ssh": slow_ssh,
    "silent": silent,
    "drip": drip,
    "endless-greeting": endless_greeting,
    "gigabyte-line": gigabyte_line,
    "ehlo-100k": ehlo_100k,
    "starttls-garbage": starttls_garbage,
    "starttls-plaintext": starttls_plaintext,
    "starttls-silence": starttls_silence,
    "imap-caps-100k": imap_caps_100k,
    "imap-literal": imap_literal,
    "ber-2g": ber_2g,
    "ber-indefinite": ber_indefinite,
    "ber-deep": ber_deep,
    "tls-never-reads": silent,
    "http-headers": http_headers,
    "http-chunked": http_chunked,
}
# Flavours served over TLS from the first byte; the rest of the name says
# which certificate files.
TLS_PREFIXES = ("chain-", "names-", "san-ip-")


# UDP --------------------------------------------------------------------


def dns_question_end(q):
    at = 12
    while at < len(q) and q[at] != 0:
        at += 1 + q[at]
    return at + 1 + 4


def dns_answer(q, ident=None, answer=b"", an=0):
    ident = struct.unpack("!H", q[:2])[0] if ident is None else ident
    qend = dns_question_end(q)
    return (struct.pack("!HHHHHH", ident, 0x8180, 1, an, 0, 0) +
            q[12:qend] + answer)


def dns_loop(q):
    # An answer whose owner name is a pointer to itself (RFC 1035 §4.1.4
    # pointers only point back; this one points at its own offset), and a
    # second record whose name points at the first.
    at = dns_question_end(q)
    rr = struct.pack("!HHHIH", 0xC000 | at, 6, 1, 60, 0)
    return [dns_answer(q, answer=rr + rr, an=2)]


def dns_flood(q):
    ident = struct.unpack("!H", q[:2])[0]
    foreign = dns_answer(q, ident=ident ^ 0x5A5A)
    return [foreign] * 3000 + [None, dns_answer(q)]


def cldap_id(q):
    """The request's messageID TLV, as it came: LDAPMessage ::= SEQUENCE {
    messageID INTEGER, ... }."""
    at = 2 if q[1] < 0x80 else 2 + (q[1] & 0x7F)
    return q[at:at + 2 + q[at + 1]]


def cldap_reply(size):
    def reply(q):
        ident = cldap_id(q)
        contexts = []
        total = 0
        i = 0
        while total < size:
            v = tlv(0x04, b"DC=hostile%06d,DC=example,DC=test" % i)
            contexts.append(v)
            total += len(v)
            i += 1
        attrs = tlv(0x30, tlv(0x30, tlv(0x04, b"supportedLDAPVersion") +
                              tlv(0x31, tlv(0x04, b"3"))) +
                    tlv(0x30, tlv(0x04, b"namingContexts") +
                        tlv(0x31, b"".join(contexts))))
        entry = tlv(0x30, ident + tlv(0x64, tlv(0x04, b"") + attrs))
        done = tlv(0x30, ident + tlv(0x65, b"\x0a\x01\x00\x04\x00\x04\x00"))
        return [entry + done]
    return reply


UDP = {
    "udp-flood": dns_flood,
    "dns-loop": dns_loop,
    "cldap-20k": cldap_reply(20 * 1024),
    "cldap-63k": cldap_reply(63 * 1024),
}


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self, flavour, answer):
        self.flavour = flavour
        self.answer = answer

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        asyncio.ensure_future(self.reply(data, addr))

    async def reply(self, data, addr):
        sent, largest = 0, 0
        try:
            for d in self.answer(data):
                if d is None:
                    await asyncio.sleep(0.05)
                    continue
                self.transport.sendto(d, addr)
                sent += 1
                largest = max(largest, len(d))
        except (IndexError, ValueError, OSError) as e:
            log(self.flavour, "cannot answer:", e)
        log(self.flavour, "sent", sent, "datagrams of up to", largest, "bytes")


def tcp_handler(flavour, fn):
    async def handle(reader, writer):
        try:
            n = await fn(reader, writer)
        except (ConnectionError, OSError, ssl.SSLError):
            n = 0
        log(flavour, "sent", n, "bytes")
        writer.close()
    return handle


async def main(args):
    certs = "."
    if args[:1] == ["--certs"]:
        certs, args = args[1], args[2:]
    loop = asyncio.get_running_loop()
    for spec in args:
        flavour, port = spec.rsplit(":", 1)
        port = int(port)
        if flavour in UDP:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            sock.bind(("127.0.0.1", port))
            await loop.create_datagram_endpoint(
                lambda f=flavour: Datagrams(f, UDP[f]), sock=sock)
            continue
        ctx = None
        fn = TCP.get(flavour)
        if flavour.startswith(TLS_PREFIXES) or flavour == "healthy-smtp":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(certs, flavour + ".pem"),
                                os.path.join(certs, flavour + ".key"))
            fn = tls_hold
        if flavour == "healthy-smtp":
            fn = (lambda c: lambda r, w: healthy_smtp(r, w, c))(ctx)
            ctx = None
        if fn is None:
            sys.exit("unknown flavour " + flavour)
        await asyncio.start_server(tcp_handler(flavour, fn), "127.0.0.1",
                                   port, ssl=ctx)
    log("listening")
    await asyncio.Event().wait()


asyncio.run(main(sys.argv[1:]))
