"""Limits against abuse in `soket serve` (docs/limits.md), shortened by [limits] in soket.toml and
--limit flags: connections per address on the device and chat ports, the device line rate (per TCP
connection and per UDP sender) and length, the chat name timeout, the HTTP header timeout, and their
counters in /metrics."""

import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, LineClient, udp_request, wait_until  # noqa: E402

CONFIG = """
[limits.http]
header_timeout = 1
[limits.devices]
max_connections_per_address = 5
lines_per_second = 5
line_burst = 5
max_line_length = 100
[limits.chat]
name_timeout = 1
"""


def metric(text, name, labels=""):
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    if not match:
        raise AssertionError(f"{name}{labels} not in metrics:\n{text}")
    return float(match.group(1))


def from_address(port, address):
    """A line client whose socket is bound to `address` (another loopback address)."""
    client = LineClient.__new__(LineClient)
    client.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.sock.bind((address, 0))
    client.sock.settimeout(10)
    client.sock.connect(("127.0.0.1", port))
    client.buffer = b""
    client.raw = b""
    return client


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(config_text=CONFIG, extra_args=["--limit", "chat.max_connections_per_address=2"])

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def metrics(self):
        status, _, data = self.hub.http("GET", "/metrics")
        self.assertEqual(status, 200)
        return data.decode()

    def test_device_port_per_address_cap(self):
        # Devices of other tests keep their place for the 1 s reply grace after they close.
        wait_until(lambda: metric(self.metrics(), "soket_connections", '{gateway="tcp"}') == 0,
                   what="no device connection left from other tests")
        held = [self.hub.device(f"cap-{i}") for i in range(5)]
        try:
            refused = LineClient(self.hub.tcp_port)
            self.assertEqual(refused.read_until_closed(), b"ERR too many connections\n")
            refused.close()
            # Another address is not affected, and the ones held still work.
            other = from_address(self.hub.tcp_port, "127.0.0.2")
            other.send("HELLO cap-other\n")
            self.assertEqual(other.read_line(), "OK")
            other.close()
            self.assertEqual(held[0].request("temp=1"), "OK")
            wait_until(lambda: metric(self.metrics(), "soket_connections_refused_total",
                                      '{listener="tcp",limit="per_address"}') >= 1,
                       what="the refusal in /metrics")
        finally:
            for device in held:
                device.close()
        # A freed place is taken again.
        wait_until(lambda: self._device_connects("cap-again"), what="a place freed")

    def _device_connects(self, device_id):
        client = LineClient(self.hub.tcp_port)
        try:
            client.send(f"HELLO {device_id}\n")
            return client.read_line() == "OK"
        except (ConnectionError, AssertionError):
            return False
        finally:
            client.close()

    def test_device_line_rate_and_length(self):
        before = metric(self.metrics(), "soket_rate_limited_total", '{gateway="tcp"}')
        with self.hub.device("rate-1") as device:
            time.sleep(1.1)  # the HELLO's token is back
            device.send("".join(f"n={i}\n" for i in range(20)))
            replies = [device.read_line() for _ in range(20)]
            self.assertEqual(replies[:5], ["OK"] * 5, replies)
            self.assertGreaterEqual(replies.count("ERR rate limit"), 14, replies)
            self.assertEqual(replies.count("OK") + replies.count("ERR rate limit"), 20, replies)
            # The connection stays, and a second later it is served again.
            time.sleep(1.1)
            self.assertEqual(device.request("n=100"), "OK")
            self.assertEqual(device.request("x" * 150), "ERR line too long")
            self.assertEqual(device.request("n=101"), "OK")
        text = self.metrics()
        dropped = replies.count("ERR rate limit")
        self.assertEqual(metric(text, "soket_rate_limited_total", '{gateway="tcp"}'), before + dropped)
        self.assertGreaterEqual(metric(text, "soket_limit_too_large_total", '{limit="tcp_line"}'), 1)
        stored = [r["value"] for r in self.hub.readings("rate-1")]
        self.assertEqual(len(stored), 20 - dropped + 2)

    def test_udp_sender_rate(self):
        before = metric(self.metrics(), "soket_rate_limited_total", '{gateway="udp"}')
        flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            flood.bind(("127.0.0.1", 0))
            other.bind(("127.0.0.1", 0))
            flood_id = f"udp-127.0.0.1-{flood.getsockname()[1]}"
            other_id = f"udp-127.0.0.1-{other.getsockname()[1]}"
            target = ("127.0.0.1", self.hub.udp_port)
            # 50 a second for 2.5 s from one sender (the limit: 5 at once, then 5 a second) while
            # another sender sends 4 a second.
            sent = other_sent = 0
            start = time.monotonic()
            while time.monotonic() - start < 2.5:
                flood.sendto(f"n={sent}".encode(), target)
                sent += 1
                if sent % 12 == 1:
                    other.sendto(f"n={other_sent}".encode(), target)
                    other_sent += 1
                time.sleep(0.02)
            elapsed = time.monotonic() - start

            def drain(sock, most):
                replies = []
                sock.settimeout(1.5)
                try:
                    while len(replies) < most:
                        replies.append(sock.recvfrom(65536)[0].decode())
                except socket.timeout:
                    pass
                return replies

            replies, other_replies = drain(flood, sent), drain(other, other_sent)
            ok, limited = replies.count("OK\n"), replies.count("ERR rate limit\n")
            self.assertEqual(ok + limited, len(replies), replies)
            # The burst, then the rate; the replies to the rest: about one a second, not one each.
            self.assertGreaterEqual(ok, 5 + int(5 * (elapsed - 0.5)), replies)
            self.assertLessEqual(ok, 5 + int(5 * elapsed) + 1, replies)
            self.assertGreaterEqual(limited, 1, replies)
            self.assertLessEqual(limited, int(elapsed) + 1, replies)
            self.assertGreater(sent, ok + 10)  # a flood indeed
            # The other sender is not limited.
            self.assertEqual(other_replies, ["OK\n"] * other_sent)
            # Only what passed is stored (the burst first), and every dropped datagram is counted.
            wait_until(lambda: len(self.hub.readings(flood_id)) >= ok, what="the readings stored")
            stored = [r["value"] for r in self.hub.readings(flood_id)]
            self.assertEqual(len(stored), ok, stored)
            self.assertLessEqual({0, 1, 2, 3, 4}, set(stored), stored)
            self.assertEqual(len(self.hub.readings(other_id)), other_sent)
            self.assertEqual(metric(self.metrics(), "soket_rate_limited_total", '{gateway="udp"}'),
                             before + sent - ok)
            # After a pause the sender is served again.
            time.sleep(1.1)
            self.assertEqual(udp_request(self.hub, "n=1000", sock=flood), "OK\n")
        finally:
            flood.close()
            other.close()

    def test_chat_name_timeout_and_per_address_cap(self):
        slow = LineClient(self.hub.chat_port)
        self.assertEqual(slow.sock.recv(5), b"user?")
        started = time.monotonic()
        data = slow.read_until_closed(timeout=5)
        elapsed = time.monotonic() - started
        self.assertIn("Waktu habis".encode(), data)
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 4)
        slow.close()
        time.sleep(0.3)  # its place is free once the server saw it go
        # Named in time: stays past the timeout.
        named = LineClient(self.hub.chat_port)
        named.send("ani\n")
        named.read_line()  # "user?ani Telah bergabung ..." (the prompt has no newline)
        second = LineClient(self.hub.chat_port)  # the second place of 127.0.0.1 (--limit flag)
        third = LineClient(self.hub.chat_port)
        self.assertIn(b"Chat penuh", third.read_until_closed())
        third.close()
        second.close()
        time.sleep(1.5)
        named.send("halo\n")
        self.assertEqual(named.read_line(), "Kamu telah terhubung !")
        self.assertEqual(named.read_line(), "halo")
        named.close()
        text = self.metrics()
        self.assertGreaterEqual(metric(text, "soket_limit_timeouts_total", '{limit="chat_name"}'), 1)
        self.assertGreaterEqual(
            metric(text, "soket_connections_refused_total", '{listener="chat",limit="per_address"}'), 1)

    def test_http_header_timeout(self):
        before = metric(self.metrics(), "soket_limit_timeouts_total", '{limit="http_header"}')
        sock = socket.create_connection(("127.0.0.1", self.hub.http_port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        self.assertEqual(sock.recv(100), b"")
        elapsed = time.monotonic() - started
        sock.close()
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 4)
        self.assertEqual(metric(self.metrics(), "soket_limit_timeouts_total", '{limit="http_header"}'),
                         before + 1)

    def test_every_limit_counter_is_in_metrics(self):
        text = self.metrics()
        for listener in ("http", "tcp", "chat"):
            for limit in ("total", "per_address"):
                metric(text, "soket_connections_refused_total", f'{{listener="{listener}",limit="{limit}"}}')
        for limit in ("http_header", "socketio_connect", "tcp_idle", "chat_name", "chat_idle"):
            metric(text, "soket_limit_timeouts_total", f'{{limit="{limit}"}}')
        for limit in ("http_headers", "url", "http_body", "tcp_line"):
            metric(text, "soket_limit_too_large_total", f'{{limit="{limit}"}}')
        for gateway in ("socketio", "tcp", "udp", "chat"):
            metric(text, "soket_rate_limited_total", f'{{gateway="{gateway}"}}')


class BadLimits(unittest.TestCase):
    def test_a_bad_limit_flag_or_key_stops_the_server_with_the_reason(self):
        for args, config, expected in (
            (["--limit", "http.header_timeout=-1"], None, "must be a number of seconds"),
            (["--limit", "devices.nope=1"], None, "unknown setting 'limits.devices.nope'"),
            (["--limit", "oops"], None, "expected SECTION.KEY=VALUE"),
            ([], "[limits.chat]\nmax_line_length = 0\n", "'limits.chat.max_line_length' must be 1 or more"),
        ):
            with self.assertRaises(RuntimeError) as caught:
                Hub(config_text=config, extra_args=args).close()
            self.assertIn(expected, str(caught.exception))


if __name__ == "__main__":
    unittest.main()
