"""feature-server driven by python-socketio's Client (Debian python3-socketio), as the course does."""

import os
import queue
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import socketio  # noqa: E402

from server import FeatureServerCase, start_server  # noqa: E402

TOKEN = "soket-secret-token"
# SOKET_PARSER=msgpack runs the same tests with python-socketio's msgpack serializer (python3-msgpack)
# against feature-server --parser msgpack.
PARSER = os.environ.get("SOKET_PARSER", "json")
SERIALIZER = "msgpack" if PARSER == "msgpack" else "default"
PARSER_ARGS = ["--parser", PARSER] if PARSER != "json" else []
WAIT_S = 5.0


class Events:
    """Thread-safe queues of received events, one per event name."""

    def __init__(self):
        self._queues = {}
        self._lock = threading.Lock()

    def queue(self, name):
        with self._lock:
            return self._queues.setdefault(name, queue.Queue())

    def handler(self, name):
        def on_event(*args):
            self.queue(name).put(args)

        return on_event

    def next(self, name, timeout=WAIT_S):
        try:
            return self.queue(name).get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f'no "{name}" event within {timeout} s') from None

    def empty(self, name):
        return self.queue(name).empty()


class FeatureServerTest(FeatureServerCase):
    SERVER_ARGS = PARSER_ARGS

    def client(self, events=None, transports=("websocket",), namespaces=None, auth=None, listen=()):
        sio = socketio.Client(reconnection=False, serializer=SERIALIZER)
        for name in listen:
            sio.on(name, events.handler(name), namespace=(namespaces or ["/"])[0])
        self.clients.append(sio)
        sio.connect(
            self.server.url,
            transports=list(transports),
            namespaces=namespaces,
            auth=auth,
            wait_timeout=WAIT_S,
        )
        return sio

    def test_connect_over_websocket_and_welcome(self):
        events = Events()
        sio = self.client(events, transports=["websocket"], listen=["welcome_message"])
        self.assertEqual(sio.transport(), "websocket")
        self.assertEqual(events.next("welcome_message"), ("Welcome to the WebSocket server!",))

    def test_connect_over_polling_and_welcome(self):
        events = Events()
        sio = self.client(events, transports=["polling"], listen=["welcome_message"])
        self.assertEqual(sio.transport(), "polling")
        self.assertEqual(events.next("welcome_message"), ("Welcome to the WebSocket server!",))

    def test_default_transports_connect(self):
        sio = self.client(transports=["polling", "websocket"])
        self.assertEqual(sio.call("echo", "default", timeout=WAIT_S), "default")

    def test_server_to_client_ack(self):
        # The server emits "question" with an ack id; python-socketio answers with the handler's
        # return value, and the server passes it back in its own ack.
        sio = socketio.Client(reconnection=False, serializer=SERIALIZER)
        sio.on("question", lambda q: f"python says {q}")
        self.clients.append(sio)
        sio.connect(self.server.url, transports=["websocket"], wait_timeout=WAIT_S)
        if PARSER == "msgpack":
            # python-socketio 5.7's msgpack packets drop an id of 0 (`if self.id:`), so its answer
            # to the namespace's first server-side ack (id 0, as in Node) never arrives: use it up.
            sio.call("ask-me", ("burn id 0", 300), timeout=WAIT_S)
        reply = sio.call("ask-me", ("hi", 2000), timeout=WAIT_S)
        self.assertEqual(reply, {"answer": ["python says hi"]})

    def test_sender_receiver_message_relay(self):
        # The course's receiver.py listens for "message"; sender.py emits it.
        receiver_events = Events()
        self.client(receiver_events, listen=["message"])
        sender_events = Events()
        sender = self.client(sender_events, transports=["polling"], listen=["message"])
        sender.emit("message", "halo dari sender.py")
        self.assertEqual(receiver_events.next("message"), ("halo dari sender.py",))
        self.assertEqual(sender_events.next("message"), ("halo dari sender.py",))

    def test_pesan_relay(self):
        events = Events()
        self.client(events, listen=["pesan"])
        sender = self.client()
        sender.emit("pesan", {"suhu": 29.5, "kelembapan": 70})
        self.assertEqual(events.next("pesan"), ({"suhu": 29.5, "kelembapan": 70},))

    def test_call_with_ack(self):
        for transports in (["websocket"], ["polling"]):
            with self.subTest(transports=transports):
                sio = self.client(transports=transports)
                self.assertEqual(sio.call("echo", "satu", timeout=WAIT_S), "satu")
                self.assertEqual(
                    list(sio.call("echo", ("a", 2, {"b": [True, None]}), timeout=WAIT_S)),
                    ["a", 2, {"b": [True, None]}],
                )
                sio.disconnect()

    def test_call_timeout_on_never_ack(self):
        sio = self.client()
        with self.assertRaises(socketio.exceptions.TimeoutError):
            sio.call("never-ack", "x", timeout=0.5)
        self.assertEqual(sio.call("echo", "after timeout", timeout=WAIT_S), "after timeout")

    def test_emit_with_callback(self):
        sio = self.client()
        got = queue.Queue()
        sio.emit("echo", ("x", 1), callback=lambda *args: got.put(args))
        self.assertEqual(got.get(timeout=WAIT_S), ("x", 1))

    def test_secure_rejected_without_token(self):
        for auth in (None, {"token": "salah"}):
            with self.subTest(auth=auth):
                events = Events()
                sio = socketio.Client(reconnection=False, serializer=SERIALIZER)
                self.clients.append(sio)
                sio.on("connect_error", events.handler("connect_error"), namespace="/secure")
                with self.assertRaises(socketio.exceptions.ConnectionError):
                    sio.connect(
                        self.server.url,
                        transports=["websocket"],
                        namespaces=["/secure"],
                        auth=auth,
                        wait_timeout=WAIT_S,
                    )
                (error,) = events.next("connect_error")
                message = error.get("message") if isinstance(error, dict) else error
                self.assertEqual(message, "authentication error")

    def test_secure_accepted_with_token(self):
        events = Events()
        sio = self.client(events, namespaces=["/secure"], auth={"token": TOKEN}, listen=["authed"])
        self.assertEqual(events.next("authed"), ({"ok": True},))
        self.assertEqual(sio.call("echo", "rahasia", namespace="/secure", timeout=WAIT_S), "rahasia")

    def test_binary_bytes_echo(self):
        for transports in (["websocket"], ["polling"]):
            with self.subTest(transports=transports):
                events = Events()
                sio = self.client(events, transports=transports, listen=["binary-back"])
                data = bytes(range(256)) * 4
                self.assertEqual(sio.call("binary", data, timeout=WAIT_S), data)
                self.assertEqual(events.next("binary-back"), (data,))
                nested = {"raw": b"\x00\x01\x02", "list": [b"\xff", "teks", {"deep": b"abc"}]}
                self.assertEqual(sio.call("binary", nested, timeout=WAIT_S), nested)
                sio.disconnect()

    def test_kick_disconnects(self):
        disconnected = threading.Event()
        sio = self.client()
        sio.on("disconnect", disconnected.set)
        sio.emit("kick")
        self.assertTrue(disconnected.wait(WAIT_S), "no disconnect after kick")
        other = self.client()
        self.assertEqual(other.call("echo", "still up", timeout=WAIT_S), "still up")

    def test_chat_namespace_isolation(self):
        root_events = Events()
        self.client(root_events, listen=["message"])
        chat_events = Events()
        chat = self.client(chat_events, namespaces=["/chat"], listen=["message"])
        chat.emit("message", "di chat", namespace="/chat")
        self.assertEqual(chat_events.next("message"), ("di chat",))
        self.assertRaises(AssertionError, root_events.next, "message", 0.3)


class RecoveryServerTest(unittest.TestCase):
    """feature-server --recovery-ms with python-socketio 5.7, which has no connection state recovery
    on its client side (it never sends a pid): it works as before, and sees the offset the server
    adds as the last argument of each event, as it would from Node socket.io."""

    @classmethod
    def setUpClass(cls):
        cls.server = start_server(
            "feature-server", host=True, extra_args=PARSER_ARGS + ["--recovery-ms", "60000"]
        )

    @classmethod
    def tearDownClass(cls):
        code, crashed, killed = cls.server.stop()
        assert not crashed, f"server exited during the tests: {cls.server.stderr()}"

    def test_events_carry_an_offset_and_nothing_is_recovered(self):
        events = Events()
        sio = socketio.Client(reconnection=False, serializer=SERIALIZER)
        sio.on("welcome_message", events.handler("welcome_message"))
        try:
            sio.connect(self.server.url, transports=["websocket"], wait_timeout=WAIT_S)
            welcome = events.next("welcome_message")
            self.assertEqual(welcome[0], "Welcome to the WebSocket server!")
            self.assertEqual(len(welcome), 2)
            self.assertIsInstance(welcome[1], str)
            whoami = sio.call("whoami", timeout=WAIT_S)
            self.assertEqual(whoami["id"], sio.get_sid())
            self.assertFalse(whoami["recovered"])
            self.assertEqual(sio.call("echo", "still fine", timeout=WAIT_S), "still fine")
        finally:
            sio.disconnect()
        self.assertIsNone(self.server.exited(), f"server exited: {self.server.stderr()}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
