"""Compression with python-socketio's Client (Debian python3-socketio) against feature-server.

Long-polling goes through requests, which asks for gzip/deflate: soket compresses the responses
from 1 KiB (httpCompression) and requests undoes it. The WebSocket side uses websocket-client 1.2.3,
which has no permessage-deflate: it never offers the extension, so a server started with
--per-message-deflate must keep talking plain frames to it.
"""

import os
import sys
import unittest

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import socketio  # noqa: E402

from server import FeatureServerCase  # noqa: E402

WAIT_S = 5.0


class CompressionTest(FeatureServerCase):
    SERVER_ARGS = ["--per-message-deflate"]

    def test_polling_responses_are_gzipped_from_1_kib(self):
        encodings = []  # (Content-Encoding, decoded size) of every polling GET
        session = requests.Session()

        def record(response, *args, **kwargs):
            if response.request.method == "GET":
                encodings.append((response.headers.get("Content-Encoding"), len(response.content)))

        session.hooks["response"].append(record)
        sio = socketio.Client(reconnection=False, http_session=session)
        self.clients.append(sio)
        sio.connect(self.server.url, transports=["polling"], wait_timeout=WAIT_S)
        self.assertEqual(sio.call("echo", "small", timeout=WAIT_S), "small")
        big = {"text": "suhu=27.5 " * 2000, "n": 20000}
        self.assertEqual(sio.call("echo", big, timeout=WAIT_S), big)
        data = bytes(range(256)) * 20
        self.assertEqual(sio.call("binary", data, timeout=WAIT_S), data)
        compressed = [size for coding, size in encodings if coding == "gzip"]
        plain = [size for coding, size in encodings if coding is None]
        self.assertGreaterEqual(len(compressed), 2, encodings)
        self.assertTrue(all(size >= 1024 for size in compressed), encodings)
        self.assertTrue(all(size < 1024 for size in plain), encodings)

    def test_websocket_client_without_the_extension_gets_plain_frames(self):
        sio = socketio.Client(reconnection=False)
        self.clients.append(sio)
        sio.connect(self.server.url, transports=["websocket"], wait_timeout=WAIT_S)
        headers = {k.lower(): v for k, v in (sio.eio.ws.getheaders() or {}).items()}
        self.assertNotIn("sec-websocket-extensions", headers)
        big = "x" * 50000
        self.assertEqual(sio.call("echo", big, timeout=WAIT_S), big)
        data = bytes(range(256)) * 40
        self.assertEqual(sio.call("binary", data, timeout=WAIT_S), data)


if __name__ == "__main__":
    unittest.main(verbosity=2)
