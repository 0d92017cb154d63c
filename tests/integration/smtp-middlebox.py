# A transparent SMTP proxy: the router redirects to it, SO_ORIGINAL_DST
# names the real server. MODE strip drops STARTTLS from the EHLO reply;
# MODE mask turns the greeting's text into asterisks.
import socket, struct, sys, threading

SO_ORIGINAL_DST = 80  # linux/netfilter_ipv4.h
RAW = object()  # nothing more to alter: bytes pass as they come


def strip(line, held, out):
    # A 250- line is held until the next line says whether a final
    # "250 STARTTLS" made it the last line of the reply.
    if line[:3] == b"250" and line[4:12].upper() == b"STARTTLS":
        if line[3:4] == b" " and held is not None:
            out.append(held[:3] + b" " + held[4:])
            return None
        return held
    if held is not None:
        out.append(held)
    if line[:4] == b"250-":
        return line
    out.append(line)
    return None


def mask(line, held, out):
    if line[:4] == b"220 ":
        line = b"220 " + b"*" * max(5, len(line.rstrip()) - 4) + b"\r\n"
    out.append(line)
    return RAW


def pump(src, dst, alter):
    buf, state = b"", None
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if alter is None or state is RAW:
                dst.sendall(data)
                continue
            buf += data
            out = []
            while b"\n" in buf and state is not RAW:
                line, buf = buf.split(b"\n", 1)
                state = alter(line + b"\n", state, out)
            if state is RAW:
                out.append(buf)
                buf = b""
            dst.sendall(b"".join(out))
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, alter):
    try:
        raw = client.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        port = struct.unpack("!H", raw[2:4])[0]
        server = socket.create_connection((socket.inet_ntoa(raw[4:8]), port), 5)
    except OSError as e:
        print("middlebox:", e, file=sys.stderr, flush=True)
        client.close()
        return
    threading.Thread(target=pump, args=(client, server, None), daemon=True).start()
    pump(server, client, alter)


mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
alter = {"strip": strip, "mask": mask}[mode]
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((addr, port))
listener.listen(64)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client, alter), daemon=True).start()
