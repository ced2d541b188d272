"""Starts an example server binary on a free port in [20000, 32000) and stops it again."""

import os
import random
import re
import select
import signal
import subprocess
import threading
import time
import unittest

PORT_MIN = 20000
PORT_MAX = 32000
START_ATTEMPTS = 5
READY_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

BINARY_ENV = {
    "feature-server": "SOKET_FEATURE_SERVER",
    "socketio-conformance": "SOKET_SOCKETIO_CONFORMANCE",
    "engineio-conformance": "SOKET_ENGINEIO_CONFORMANCE",
    "chat": "SOKET_CHAT_SERVER",
}


def example_binary(name):
    """The binary of an example: its environment variable, else build/dev when run by hand."""
    env_name = BINARY_ENV.get(name)
    from_env = os.environ.get(env_name) if env_name else None
    if from_env:
        return from_env
    fallback = os.path.join(REPO_ROOT, "build", "dev", "examples", name, name)
    if os.path.exists(fallback):
        return fallback
    raise RuntimeError(f"no binary for {name}: set {env_name} or build {fallback}")


class Server:
    """A running example; `url` is http://127.0.0.1:PORT. Use as a context manager or call stop()."""

    def __init__(self, process, port, stderr_path):
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._stderr_path = stderr_path
        # Keep reading stdout so that a chatty server never blocks on a full pipe.
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()

    def _drain_stdout(self):
        try:
            while os.read(self.process.stdout.fileno(), 65536):
                pass
        except (OSError, ValueError):
            pass

    def exited(self):
        """The exit code if the server has exited by itself, else None."""
        return self.process.poll()

    def stderr(self):
        with open(self._stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()[-16384:]

    def stop(self):
        """SIGTERM, wait up to 5 s, then SIGKILL. Returns (returncode, crashed, killed)."""
        crashed = self.process.poll() is not None
        killed = False
        if not crashed:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                killed = True
                self.process.kill()
                self.process.wait()
        self._drain.join(timeout=STOP_GRACE_S)
        self.process.stdout.close()
        try:
            os.unlink(self._stderr_path)
        except OSError:
            pass
        return self.process.returncode, crashed, killed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _start_once(binary, args, port):
    import tempfile

    stderr_file = tempfile.NamedTemporaryFile(prefix="soket-stderr-", delete=False)
    process = subprocess.Popen(
        [binary, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file
    )
    stderr_file.close()
    deadline = time.monotonic() + READY_TIMEOUT_S
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if re.search(rb"listening on http://\S+", seen):
                return Server(process, port, stderr_file.name)
        elif process.poll() is not None:
            break
    process.kill()
    process.wait()
    process.stdout.close()
    os.unlink(stderr_file.name)
    raise RuntimeError(f"not listening on port {port} (exit {process.returncode}): {seen[-500:]!r}")


def start_server(name, host=False, extra_args=()):
    """Starts example `name`; `host` adds --host 127.0.0.1 (feature-server)."""
    binary = example_binary(name)
    last_error = None
    for _ in range(START_ATTEMPTS):
        port = random.randrange(PORT_MIN, PORT_MAX)
        args = ["--port", str(port)] + (["--host", "127.0.0.1"] if host else []) + list(extra_args)
        try:
            return _start_once(binary, args, port)
        except RuntimeError as err:
            last_error = err
    raise RuntimeError(f"could not start {name} after {START_ATTEMPTS} attempts: {last_error}")


class FeatureServerCase(unittest.TestCase):
    """Tests against one feature-server started with SERVER_ARGS for the whole class; each test's
    clients (self.clients) are disconnected after it, and the server must still be running."""

    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.server = start_server("feature-server", host=True, extra_args=list(cls.SERVER_ARGS))

    @classmethod
    def tearDownClass(cls):
        code, crashed, killed = cls.server.stop()
        assert not crashed, f"server exited during the tests: {cls.server.stderr()}"

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            if client.connected:
                client.disconnect()
        self.assertIsNone(self.server.exited(), f"server exited: {self.server.stderr()}")
