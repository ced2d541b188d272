"""The chat between the TCP chat port and Socket.IO /chat without noise: opening the dashboard
(a /chat connection that only watches) announces nothing to the TCP users, a web user is announced
when it first speaks and leaves once its last connection under that name goes; a TCP user's
"<name>: " prefix (the course client's) is not shown twice; a web user cannot take the name of a
TCP chat user who is connected."""

import os
import socket
import sys
import threading
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, tcp_user, wait_until  # noqa: E402

QUIET_S = 1.0  # how long "nothing arrives" is watched for


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, event, *args):
        with self.lock:
            self.items.append((event, args))

    def of(self, event):
        with self.lock:
            return [args for e, args in self.items if e == event]


def assert_quiet(test, user, what):
    """Nothing arrives on the TCP chat user's socket for QUIET_S."""
    user.sock.settimeout(QUIET_S)
    try:
        data = user.buffer + user.sock.recv(4096)
    except socket.timeout:
        data = user.buffer
    test.assertEqual(data, b"", what)


def web_user(hub, name, recorder=None):
    client = socketio.Client(reconnection=False)
    if recorder:
        for event in ("message", "system", "name", "history"):
            client.on(event, lambda *a, e=event: recorder.add(e, *a), namespace="/chat")
    client.connect(hub.url, namespaces=["/chat"], auth={"name": name}, wait_timeout=10)
    return client


class ChatBridge(unittest.TestCase):
    def setUp(self):
        self.hub = Hub()
        self.addCleanup(self.hub.close)

    def test_watching_is_not_joining(self):
        rizky = tcp_user(self.hub, "rizky")
        self.addCleanup(rizky.close)
        for _ in range(3):  # the dashboard opened and closed three times
            web_user(self.hub, "webby").disconnect()
        assert_quiet(self, rizky, "a /chat connection that only watches was announced")

        first = web_user(self.hub, "webby")
        second = web_user(self.hub, "webby")  # the same person in a second tab
        self.assertEqual(first.call("message", "halo", namespace="/chat", timeout=10), {"ok": True})
        self.assertEqual(rizky.read_line(), "webby Telah bergabung ke dalam chat !")
        self.assertEqual(rizky.read_line(), "webby: halo")
        self.assertEqual(second.call("message", "lagi", namespace="/chat", timeout=10),
                         {"ok": True})
        self.assertEqual(rizky.read_line(), "webby: lagi")  # no second join
        first.disconnect()
        assert_quiet(self, rizky, "a leave while webby still has a connection")
        second.disconnect()
        self.assertEqual(rizky.read_line(), "webby telah meninggalkan room chat !")

    def test_tcp_name_is_shown_once(self):
        seen = Recorder()
        watcher = web_user(self.hub, "watcher", seen)
        self.addCleanup(watcher.disconnect)
        rizky = tcp_user(self.hub, "rizky")
        self.addCleanup(rizky.close)
        # The course's client prefixes its own name; the TCP users see the line as sent.
        rizky.send("rizky: selamat pagi\n")
        self.assertEqual(rizky.read_line(), "rizky: selamat pagi")
        rizky.send("tanpa awalan\n")
        self.assertEqual(rizky.read_line(), "tanpa awalan")
        messages = wait_until(lambda: len(seen.of("message")) >= 2 and seen.of("message"),
                              what="two /chat messages")
        self.assertEqual([(m[0]["user"], m[0]["text"], m[0]["origin"]) for m in messages],
                         [("rizky", "selamat pagi", "tcp"), ("rizky", "tanpa awalan", "tcp")])
        stored = wait_until(lambda: [m for m in self.hub.get_json("/api/chat")["messages"]
                                     if m["user"] == "rizky"][:2] or None, what="stored chat")
        self.assertEqual(sorted(m["text"] for m in self.hub.get_json("/api/chat")["messages"]
                                if m["user"] == "rizky"),
                         ["selamat pagi", "tanpa awalan"], stored)
        self.assertEqual(seen.of("name")[0][0], {"name": "watcher", "fixed": False})

    def test_web_user_cannot_take_a_tcp_users_name(self):
        rizky = tcp_user(self.hub, "rizky")
        self.addCleanup(rizky.close)
        for name in ("rizky", "RIZKY"):
            client = socketio.Client(reconnection=False)
            errors = []
            client.on("connect_error", lambda data: errors.append(data), namespace="/chat")
            client.connect(self.hub.url, namespaces=["/chat"], auth={"name": name}, wait=False)
            try:
                wait_until(lambda: errors, what=f"connect_error for the name {name}")
                self.assertIn("TCP chat user", str(errors[0]))
            finally:
                client.disconnect()
        assert_quiet(self, rizky, "the refused web user was announced")
        # Once rizky has gone, the name is free on the web.
        other = tcp_user(self.hub, "other")
        self.addCleanup(other.close)
        rizky.close()
        self.assertEqual(other.read_line(), "rizky telah meninggalkan room chat !")
        web_user(self.hub, "rizky").disconnect()


if __name__ == "__main__":
    unittest.main(verbosity=2)
