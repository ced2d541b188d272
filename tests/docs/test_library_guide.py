"""The programs of docs/library.md, run and driven by python-socketio (Debian's, 5.x) clients:
the chat server (middleware, rooms, acks both ways, binary, a second namespace), the shards
server (WebSocket clients on several threads) and two cluster nodes over a throwaway redis-server.
Usage: test_library_guide.py BUILD_DIR (with examples/library-guide/ in it)
"""

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import socketio

BUILD = sys.argv[1]
GUIDE = os.path.join(BUILD, "examples", "library-guide")
TIMEOUT = 10


class Program:
    """A guide program on a free port; `url` once it printed its listening line."""

    def __init__(self, *args):
        self.process = subprocess.Popen(list(args), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.stop()
                raise AssertionError(f"{args[0]} did not start")
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if found:
                self.url = found.group(1)
                return

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("did not stop on SIGTERM")
        return self.process.returncode


class Client:
    """A python-socketio client that queues every event it gets."""

    def __init__(self, url, auth=None, namespace="/", transports=None, answer=None,
                 wait_timeout=TIMEOUT):
        self.sio = socketio.Client(reconnection=False)
        self.events = queue.Queue()
        self.namespace = namespace

        @self.sio.on("*", namespace=namespace)
        def any_event(event, *args):
            self.events.put((event, args))
            if event == "question" and answer is not None:
                return answer

        self.sio.connect(url, auth=auth, namespaces=[namespace], transports=transports,
                         wait_timeout=wait_timeout)

    def wait_for(self, event):
        deadline = time.monotonic() + TIMEOUT
        while True:
            got, args = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            if got == event:
                return args

    def close(self):
        self.sio.disconnect()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChatServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Program(os.path.join(GUIDE, "library-guide-chat"), "0")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_middleware_refuses_a_client_without_a_name(self):
        client = socketio.Client(reconnection=False)
        errors = []
        client.on("connect_error", lambda data=None: errors.append(data))
        with self.assertRaises(socketio.exceptions.ConnectionError):
            # python-socketio 5.7 waits wait_timeout after a refused namespace before it raises
            client.connect(self.server.url, auth={}, wait_timeout=2)
        self.assertEqual(errors, [{"message": "a name is needed"}])

    def test_rooms_acks_and_binary(self):
        ana = Client(self.server.url, auth={"name": "ana"})
        budi = Client(self.server.url, auth={"name": "budi"}, transports=["websocket"],
                      answer="noon")
        try:
            self.assertEqual(ana.wait_for("welcome"), ("hello ana",))
            self.assertEqual(ana.sio.call("join", "garden", timeout=TIMEOUT),
                             {"room": "garden", "members": 1})
            self.assertEqual(budi.sio.call("join", "garden", timeout=TIMEOUT),
                             {"room": "garden", "members": 2})
            self.assertEqual(ana.wait_for("joined"), ("budi", "garden"))
            self.assertEqual(budi.sio.call("join", "", timeout=TIMEOUT),
                             {"error": "a room name is needed"})
            self.assertIs(budi.sio.call("say", ("garden", "hi all"), timeout=TIMEOUT), True)
            self.assertEqual(ana.wait_for("said"), ("budi", "hi all"))
            image = bytes(range(256)) * 4
            ana.sio.emit("avatar", ("garden", image))
            self.assertEqual(budi.wait_for("avatar"), ("ana", image))
            # the server asks the client back and relays its answer (python-socketio always
            # acks: ana's handler returns nothing, so her answer is empty)
            self.assertEqual(budi.sio.call("ask-back", timeout=TIMEOUT), {"answer": "noon"})
            self.assertEqual(ana.sio.call("ask-back", timeout=TIMEOUT), {"answer": None})
            self.assertEqual(budi.sio.call("quiz", timeout=TIMEOUT), {"answer": ["noon"]})
            poll = budi.sio.call("poll", "garden", timeout=TIMEOUT)
            self.assertEqual(poll["complete"], True)
            self.assertEqual(sorted(poll["answers"], key=str), [None, "noon"])
        finally:
            ana.close()
            budi.close()

    def test_admin_namespace(self):
        with self.assertRaises(socketio.exceptions.ConnectionError):
            Client(self.server.url, auth={"token": "wrong"}, namespace="/admin", wait_timeout=2)
        listener = Client(self.server.url, auth={"name": "citra"})
        admin = Client(self.server.url, auth={"token": "let-me-in"}, namespace="/admin")
        try:
            self.assertIs(admin.sio.call("announce", "closing at 5", namespace="/admin",
                                         timeout=TIMEOUT), True)
            self.assertEqual(listener.wait_for("announcement"), ("closing at 5",))
            listener.sio.call("join", "noisy", timeout=TIMEOUT)
            self.assertIs(admin.sio.call("kick", "noisy", namespace="/admin", timeout=TIMEOUT),
                          True)
            deadline = time.monotonic() + TIMEOUT
            while listener.sio.connected and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertFalse(listener.sio.connected)
        finally:
            admin.close()
            listener.close()


class Shards(unittest.TestCase):
    def test_broadcast_across_shards(self):
        server = Program(os.path.join(GUIDE, "library-guide-shards"), "0", "3")
        clients = []
        try:
            shards = set()
            for i in range(8):
                c = Client(server.url, transports=["websocket"])
                clients.append(c)
                shards.add(c.wait_for("shard")[0])
            self.assertIs(clients[0].sio.call("shout", "hello", timeout=TIMEOUT), True)
            for c in clients:
                self.assertEqual(c.wait_for("shouted"), ("hello",))
            # eight connections spread over three shards by the kernel: very likely more than one
            self.assertTrue(shards <= {0, 1, 2}, shards)
        finally:
            for c in clients:
                c.close()
            self.assertEqual(server.stop(), 0)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class Cluster(unittest.TestCase):
    def test_two_nodes_through_redis(self):
        tmp = tempfile.mkdtemp(prefix="soket-guide-redis-")
        port = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--dir", tmp],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nodes, clients = [], []
        try:
            deadline = time.monotonic() + TIMEOUT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            url = f"redis://127.0.0.1:{port}"
            binary = os.path.join(GUIDE, "library-guide-cluster")
            nodes = [Program(binary, "0", url, "node-a"), Program(binary, "0", url, "node-b")]
            clients = [Client(nodes[0].url), Client(nodes[1].url)]
            deadline = time.monotonic() + TIMEOUT
            while True:  # the nodes see each other once their Redis subscriptions are in place
                census = clients[0].sio.call("census", timeout=TIMEOUT)
                if census.get("sockets") == 2 and census.get("nodes") == ["node-b"]:
                    break
                if time.monotonic() > deadline:
                    self.fail(f"census: {census}")
                time.sleep(0.1)
            self.assertIs(clients[1].sio.call("shout", "rain", timeout=TIMEOUT), True)
            for c in clients:
                self.assertEqual(c.wait_for("shouted"), ("rain",))
        finally:
            for c in clients:
                c.close()
            for n in nodes:
                n.stop()
            redis.terminate()
            redis.wait(timeout=TIMEOUT)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
