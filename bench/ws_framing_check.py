#!/usr/bin/python3
"""bench.ws_framing: the server's gathered, pre-framed writes stay well-formed. A raw client sends
large broadcasts with WebSocket pings between them (pongs are queued while large writes are
under way, some of them left half-written by a full socket buffer) and checks every frame byte for byte: each pong intact and in order, each message
whole, nothing interleaved."""
import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.s.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                       b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       b"Sec-WebSocket-Version: 13\r\n\r\n")
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    @staticmethod
    def frame(opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        h = bytes([0x80 | opcode])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            h += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return h + mask + masked

    def read_frame(self):
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                assert not b1 & 0x80, "server frames must not be masked"
                n, off = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, off = struct.unpack(">H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
                if (n < 126 or off > 2) and len(self.buf) >= off + n:
                    payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
                    assert b0 & 0x80, "fragmented frame"
                    return b0 & 0x0F, payload
            data = self.s.recv(1 << 20)
            if not data:
                raise SystemExit("FAIL: server closed the connection")
            self.buf += data


def run(port, count, size):
    c = Client(port)
    op, p = c.read_frame()
    assert op == 1 and p.startswith(b"0{"), p[:40]
    c.s.sendall(Client.frame(1, b"40"))
    op, p = c.read_frame()
    assert op == 1 and p.startswith(b"40{"), p[:40]
    body = b"y" * size
    expected = b'42["msg","' + body + b'"]'
    # Everything in one send: the server reads pings while its answers are still being written.
    # (Small enough that the kernel buffers hold it: the client reads only afterwards.)
    c.s.sendall(b"".join(Client.frame(1, b'42["bcast","' + body + b'"]') +
                         Client.frame(9, b"p%d" % i) for i in range(count)))
    msgs = pongs = 0
    while msgs < count or pongs < count:
        op, p = c.read_frame()
        if op == 0xA:
            assert p == b"p%d" % pongs, f"pong {pongs} is {p!r}"
            pongs += 1
        elif op == 1:
            if p != expected:
                i = next((k for k in range(min(len(p), len(expected))) if p[k] != expected[k]),
                         min(len(p), len(expected)))
                raise SystemExit(f"FAIL: message {msgs} differs at byte {i}: {p[i - 5:i + 20]!r}")
            msgs += 1
        else:
            raise SystemExit(f"FAIL: unexpected opcode {op}: {p[:40]!r}")
    c.s.close()
    print(f"ok {count} messages of {size} bytes with {count} pings: frames intact")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    a = ap.parse_args()
    with benchlib.Server([a.server], benchlib.free_port()) as s:
        run(s.port, 3, 200000)   # pings land inside 200 KB frames being written
        run(s.port, 500, 100)    # many small frames gathered into one write
        run(s.port, 4, 70000)    # just over asio's 64 KiB write slices


if __name__ == "__main__":
    main()
