# A plain SMTP server for tests/hostile.sh: a greeting, EHLO offering
# STARTTLS, then refusing it, on every port from FIRST to LAST on
# 127.0.0.1. Python 3 standard library only; stops after SECONDS.
import asyncio
import sys


async def client(reader, writer):
    writer.write(b"220 hostile.test ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-hostile.test\r\n250 STARTTLS\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 not here\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()


async def main(first, last, seconds):
    for port in range(first, last + 1):
        await asyncio.start_server(client, "127.0.0.1", port)
    print("listening", flush=True)
    await asyncio.sleep(seconds)


asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
