#!/usr/bin/python3
"""Writes the seed corpora (fuzz/corpus/<target>/) from byte strings the unit and integration tests
use. Run it again after changing it; it replaces the corpus directories. Deterministic: one file per
seed, named by the hash of its bytes."""
import base64
import hashlib
import struct
import zlib
from pathlib import Path

import msgpack  # Debian python3-msgpack (scripts/install-deps.sh)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def ws_frame(opcode, payload, fin=True, rsv1=False, mask=b"\x11\x22\x33\x44"):
    """A client frame, masked, as tests/unit/ws_frame_reader_test.cpp builds them."""
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_deflate(data, wbits=15):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4] if out.endswith(b"\x00\x00\xff\xff") else out


def mp(value):
    return msgpack.packb(value, use_bin_type=True)


SEEDS = {}

# WebSocket frames: byte 0 = options (bit 0: permessage-deflate agreed), then the wire.
SEEDS["ws_frame"] = [
    b"\x00" + ws_frame(1, b"4hello"),
    b"\x00" + ws_frame(2, b"\x01\x02\xff"),
    b"\x00" + ws_frame(9, b"ping") + ws_frame(10, b""),
    b"\x00" + ws_frame(1, b"2pr", fin=False) + ws_frame(0, b"obe"),
    b"\x00" + ws_frame(8, struct.pack(">H", 1000) + b"bye"),
    b"\x00" + ws_frame(1, "4h\u00e9llo \u20ac".encode()),
    b"\x40" + ws_frame(1, b"4" + b"x" * 200),
    b"\x01" + ws_frame(1, raw_deflate(b"4" + b"hello " * 30), rsv1=True),
    b"\x03" + ws_frame(2, raw_deflate(bytes(range(256))), rsv1=True),
    b"\x00" + ws_frame(1, b"4\xc3", fin=False) + ws_frame(0, b"\xa9"),
]

# Compressed messages, cut at ff 00 fe; byte 0 = parameters.
SEEDS["deflate_inflate"] = [
    b"\x00" + raw_deflate(b'42["message","hello"]'),
    b"\x01" + raw_deflate(b"a" * 5000) + b"\xff\x00\xfe" + raw_deflate(b"second"),
    b"\x80" + raw_deflate(b"a" * 100000),  # a bomb for a 64-byte limit
    b"\x00\xff\xff\xff\xff",
    b"\x18" + raw_deflate(b"small window" * 20, wbits=9),
]

SEEDS["http_headers"] = [
    b"permessage-deflate; client_max_window_bits",
    b"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    b"permessage-deflate; server_max_window_bits=10, permessage-deflate",
    b'permessage-deflate; client_max_window_bits="12"',
    b"gzip;q=0.5, deflate",
    b"gzip, deflate, br",
    b"*;q=0.1, identity;q=1",
    b"deflate;q=0",
]

SEEDS["eio_packet"] = [
    b'0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}',
    b"1", b"2probe", b"3", b"4hello", b"5", b"6", b"4",
    b"4test1\x1e4test2\x1e2\x1e4test3",
    b"4hello\x1ebAQID/w==\x1e6",
    b"4a\x1e\x1e", b"bAAEC", b"7", b"9hello",
]
SEEDS["eio_roundtrip"] = SEEDS["eio_packet"]

# byte 0: even = text form, odd = binary form.
SEEDS["eio_payload_v3"] = [
    b"\x006:4hello2:2x1:6",
    b"\x000:",
    b"\x002:4\xc3\xa9",
    b"\x0010:b4AQID/w==",
    b"\x002:4\xf0\x9f\x98\x80",  # one emoji: two UTF-16 units
    b"\x01\x00\x06\xff4hello",
    b"\x01\x01\x04\xff\x04\x01\x02\x03\x00\x01\xff6",
]

# Messages cut at \0: 't' + text or 'b' + bytes.
SEEDS["sio_decoder"] = [
    b't0{"token":"123"}',
    b't0/custom,{"token":"abc"}',
    b't2["message-back",1,"2",{"3":[true]}]',
    b't3456[1,"2"]',
    b't2/admin,12["x"]',
    b't4/random,{"message":"Invalid namespace"}',
    b't452-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\0b\x01\x02\0b\xff',
    b't62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\0bA\0bB',
    b't51-/admin,["baz",{"_placeholder":true,"num":0}]\0b\x00\x01',
    b"t1", b"t1/admin,",
]

sio_msgpack = [
    mp({"type": 0, "nsp": "/", "data": {"token": "123"}}),
    mp({"type": 2, "nsp": "/", "data": ["hello", "world"]}),
    mp({"type": 2, "nsp": "/admin", "data": ["bin", b"\x01\x02\xff"], "id": 7}),
    mp({"type": 3, "nsp": "/", "data": [1, "2"], "id": 456}),
    mp({"type": 4, "nsp": "/", "data": {"message": "nope"}}),
    mp({"type": 1, "nsp": "/chat"}),
    mp({"type": 2, "nsp": "/", "data": ["t", 1.5, None, True, {"k": [1, -1, 2**40]}],
        "options": {"compress": True}}),
]
SEEDS["sio_msgpack"] = sio_msgpack
# byte 0 even: JSON parser; odd: msgpack.
SEEDS["sio_roundtrip"] = [b"\x00" + s[1:] for s in SEEDS["sio_decoder"] if s.startswith(b"t")] + [
    b"\x01" + s for s in sio_msgpack] + [
    b"\x003456[1e4001,\"2\"]",  # infinity, written back as null (the campaign's report)
    b"\x01" + mp({"type": 2, "nsp": "/", "data": ["f", float("inf"), float("nan")]})]

node_stream_binary = base64.b64decode(
    "gqZwYWNrZXSDpHR5cGUCpGRhdGGSo2JpbsQDAQL/o25zcKEvpG9wdHODpXJvb21zkaFypmV4Y2VwdJClZmxhZ3OA")
node_pubsub = bytes.fromhex(
    "84a3756964a3616263a36e7370a12fa47479706509a46461746182a9726571756573744964a27131a67061636b6574"
    "92a970696e672d6e6f6465c40107")
SEEDS["msgpack_codec"] = sio_msgpack + [
    node_stream_binary, node_pubsub,
    mp([None, False, 0, -1, 127, 128, -33, 2**32, -2**63, 2**64 - 1, 1.25, "é", b""]),
    b"\xd4\x00\x00",  # notepack's undefined
    b"\xd6\xff\x65\x53\xf1\x00",  # timestamp 32
    b"\xc7\x03\x05abc",  # another ext
    b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00",  # NaN
    mp({1: "integer key", "a": {"b": {"c": [[[]]]}}}),
    # A repeated key whose first value was a binary (the campaign's first round-trip report).
    base64.b64decode("hKOjdWmcXGFicwEBcGluZy1ubwBlxAEAZcQBBw=="),
]

SEEDS["resp"] = [
    b"\x05+OK\r\n", b"\x01-ERR wrong\r\n", b"\x03:42\r\n", b"\x00:-9223372036854775808\r\n",
    b"\x07$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n",
    b"\x02*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$3\r\nabc\r\n",
    b"\x09*2\r\n*1\r\n:1\r\n*0\r\n",
]
SEEDS["resp_roundtrip"] = [b"SET\0key\0value", b"PUBLISH\0\0a\0\r\nb", b"XADD\0socket.io\0*\0uid\0n1"]

entry = lambda *kv: b"\x01" + b"\0".join(kv)
SEEDS["stream_codec"] = [
    entry(b"uid", b"n1", b"nsp", b"/", b"type", b"3", b"data", base64.b64encode(node_stream_binary)),
    entry(b"uid", b"n1", b"nsp", b"/", b"type", b"5", b"data", b'{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["x"]}'),
    entry(b"uid", b"n2", b"nsp", b"/chat", b"type", b"1"),
    entry(b"nsp", b"", b"uid", b"x"),
    b"\x00" + node_pubsub,
    b"\x00" + mp({"uid": "abc", "nsp": "/", "type": 10, "data": {"requestId": "q1", "packet": ["pong"]}}),
]

SEEDS["cluster_payload"] = [
    b'{"uid":"n1","type":3,"data":{"packet":{"type":2,"data":["x",1],"nsp":"/"},'
    b'"opts":{"rooms":["r"],"except":[],"flags":{"timeout":5000}}}}',
    b'{"type":2,"requestId":"q","opts":{"rooms":[],"except":[]}}',
    b'{"type":5,"requestId":"q","sockets":[{"id":"s1","handshake":{},"rooms":["s1"],"data":null}]}',
    node_stream_binary, node_pubsub,
    mp(["uid", {"type": 2, "data": ["bin", b"\x00"], "nsp": "/"}, {"rooms": ["a"], "except": [], "flags": {}}]),
]

SEEDS["handshake_query"] = [
    b"/socket.io/?EIO=4&transport=polling",
    b"/socket.io/?EIO=4&transport=polling&t=N8hyd6w&sid=abc123",
    b"/socket.io/?EIO=3&transport=polling&j=0&b64=1",
    b"/socket.io/?EIO=4&transport=websocket&token=a%20b%2Bc&x=%E2%82%AC",
    b"/socket.io?EIO=4&transport=polling&a=&=b&&c",
    b"d=4hello%5Cn%5C%5Cn",
    b"d=6%3A4hello",
    b"/%zz?bad=%",
]

SEEDS["device_line"] = [
    b"\x00HELLO greenhouse-1\n",
    b"\x01HELLO  lamp.gang_3\ts3cr3t!#\r\n",
    b"\x02HELLO lamp-1 s3cret group=gang-1 kind=lamp\ntemp=27.5 hum=61\n",
    b"\x23temp=27.5,hum=61;led=on\n{\"temp\":27.5,\"hum\":61,\"ok\":true}\n",
    b"\x05OK\nACK lamp-on\nERR no such command\nhello there\n",
    b"\x07HELLO a x=1 x2=1 x3=1 x4=1 x5=1 x6=1 x7=1 x8=1 x9=1\nk=\n=v\nt=+1e3 u=0x1F v=nan\n",
    b"\x21suhu=30" + b"a" * 120 + b"\nafter\r\n",
    b"\x00{\"a\":{\"b\":[1,2]},\"x\":1e400}\n\x01\x7f\xff\n",
    # The campaign's report: a JSON escape put a control character into an error reason.
    b"\x00{\"\\rkind\\u0001\":1}\n",
]

SEEDS["chat_line"] = [
    b"\x00budi\nhalo semua\n",
    b"\x41budi",  # the course client: no newline, the idle gap ends it
    b"\x05  \t \nsiti\r\n\x07bell\nhalo\r\n",
    b"\x0a" + b"n" * 40 + b"\nani\n" + b"m" * 200 + b"\nok\n",
    b"\x00{name} {max}\nhi\n",
    b"\x01\xff\xfe\nnama\n\xc3\xa9t\xc3\xa9\n",
]

village = (ROOT / "config" / "village.toml").read_bytes()
SEEDS["hub_config"] = [
    village,
    b'bind = "127.0.0.1"\nhttp_port = 5001\n[auth]\ndashboard_token = "dash"\n[auth.devices]\n'
    b'"lamp-1" = "one"\n"*" = "any"\n[groups]\ngang-9 = ["lamp-9a", "lamp-9b"]\n',
    b'[[village.alleys]]\nname = "Gang 2"\nlamps = ["lamp-2a"]\nschedule = { on = "18:00", off = "05:30" }\n',
    b'[[village.greenhouses]]\nname = "GH"\ndevice = "gh-1"\ntemp = { min = 18, max = 30 }\n',
    b"http_port = 70000\n", b"unknown = 1\n", b"[cluster]\nredis = \"redis://127.0.0.1:6379\"\n",
    b"18:00", b"24:00",
    # The campaign's report: toml++ cast a float beyond int64 unchecked; TOML's inf and nan.
    b"[server]\nudp_port = 20e64\n", b"[limits.devices]\nlines_per_second = nan\nmax_connections = inf\n",
]


def main():
    corpus = HERE / "corpus"
    total = 0
    for target, seeds in SEEDS.items():
        d = corpus / target
        d.mkdir(parents=True, exist_ok=True)
        # Files named regress-* were added by hand from a report: they stay.
        for old in d.iterdir():
            if not old.name.startswith("regress-"):
                old.unlink()
        for seed in seeds:
            (d / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
            total += len(seed)
    print(f"{len(SEEDS)} corpora, {total} bytes")


if __name__ == "__main__":
    main()
