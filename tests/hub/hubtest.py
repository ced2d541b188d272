"""Test helpers: a real `soket serve` on free ports with a temporary data directory, line-protocol
device clients over TCP/UDP, a small HTTP client and polling waits.

Every test starts its own hub (ports drawn at random from [20000, 32000), retried when taken), so
the suites can run in parallel. The binary comes from $SOKET_BINARY (set by ctest), else the first
build/*/src/soket/cli/soket found.

With $SOKET_HUB_PG_STATE set (ctest's hub.*_postgresql tests: the directory where
tests/support/pg_server.sh wrote the URL of a throwaway PostgreSQL), every hub keeps its data on
that server instead of SQLite (`soket serve --store`), in a database of its own dropped by close().
"""

import glob
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

PORT_MIN = 20000
PORT_MAX = 32000
START_ATTEMPTS = 8
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
IO_TIMEOUT_S = 10.0

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(HERE, "fixtures")
PYTHON = "/usr/bin/python3"


def postgres_store_url():
    """A fresh database on the test PostgreSQL server when $SOKET_HUB_PG_STATE is set, else None."""
    state = os.environ.get("SOKET_HUB_PG_STATE")
    if not state:
        return None
    with open(os.path.join(state, "url"), encoding="utf-8") as f:
        admin = f.read().strip()
    name = f"soket_hub_{os.getpid()}_{random.randrange(10**9)}"
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", admin, "-c", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True, timeout=30)
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_postgres_store(url):
    admin = os.path.join(os.environ["SOKET_HUB_PG_STATE"], "url")
    with open(admin, encoding="utf-8") as f:
        admin = f.read().strip()
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                   capture_output=True, timeout=30)


def soket_binary():
    env = os.environ.get("SOKET_BINARY")
    if env:
        return env
    found = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "src", "soket", "cli", "soket")),
                   key=os.path.getmtime, reverse=True)
    if not found:
        raise RuntimeError("no soket binary: set SOKET_BINARY or build the soket target")
    return found[0]


def wait_until(predicate, timeout=IO_TIMEOUT_S, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a truthy value (returned); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Hub:
    """`soket serve` on free ports. Use as a context manager; `restart()` keeps the data dir."""

    def __init__(self, config_text=None, extra_args=(), tty_stdin=False, pipe_stdin=False,
                 log_level="warn", data_dir=None):
        self.log_level = log_level
        self.tty_stdin = tty_stdin
        self.pipe_stdin = pipe_stdin
        self.tty = None  # the operator's end of the terminal when tty_stdin
        self.tmp = tempfile.mkdtemp(prefix="soket-hubtest-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")  # given: shared with others
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(self.tmp, "soket.toml")
            with open(self.config_path, "w", encoding="utf-8") as f:
                f.write(config_text)
        self.extra_args = list(extra_args)
        # A store given by the caller (nodes of a cluster share one) is the caller's to drop.
        self.store_url = None if "--store" in self.extra_args else postgres_store_url()
        if self.store_url:
            self.extra_args += ["--store", self.store_url]
        self.process = None
        self.stdout = b""
        self._reader = None
        self.http_port = self.tcp_port = self.udp_port = self.chat_port = None
        self.start()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, same_ports=False):
        last = None
        for attempt in range(START_ATTEMPTS):
            if not (same_ports and attempt == 0 and self.http_port):
                ports = random.sample(range(PORT_MIN, PORT_MAX), 4)
                self.http_port, self.tcp_port, self.udp_port, self.chat_port = ports
            try:
                self._start_once()
                return
            except RuntimeError as err:
                last = err
        raise RuntimeError(f"soket serve did not start after {START_ATTEMPTS} attempts: {last}")

    def _start_once(self):
        args = [soket_binary(), "serve", "--http-port", str(self.http_port), "--tcp-port",
                str(self.tcp_port), "--udp-port", str(self.udp_port), "--chat-port",
                str(self.chat_port), "--data-dir", self.data_dir, "--bind", "127.0.0.1",
                "--log-level", self.log_level]
        if self.config_path:
            args += ["--config", self.config_path]
        args += self.extra_args
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        stdin = subprocess.PIPE if self.pipe_stdin else subprocess.DEVNULL
        if self.tty_stdin:
            import pty

            if self.tty is not None:
                os.close(self.tty)
            self.tty, stdin = pty.openpty()
        with open(self.stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE,
                                            stderr=stderr)
        if self.tty_stdin:
            os.close(stdin)
        self.stdout = b""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.stdout += chunk
                if re.search(rb"listening on https?://127\.0\.0\.1:%d" % self.http_port, self.stdout):
                    self._reader = threading.Thread(target=self._drain, daemon=True)
                    self._reader.start()
                    return
            elif self.process.poll() is not None:
                break
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        raise RuntimeError(f"not ready (exit {self.process.returncode}): {self.stderr()[-600:]}")

    def _drain(self):
        try:
            while True:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.stdout += chunk
        except (OSError, ValueError):
            pass

    def _reap(self, timeout):
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"soket serve did not exit within {timeout} s of SIGTERM")
        finally:
            if self._reader:
                self._reader.join(timeout=5)
            self.process.stdout.close()
        return code

    def terminate(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; returns the exit code (fails if it takes longer than `timeout`)."""
        if self.process.poll() is not None:
            raise AssertionError(f"soket serve had already exited ({self.process.returncode}): "
                                 f"{self.stderr()[-600:]}")
        self.process.send_signal(signal.SIGTERM)
        return self._reap(timeout)

    def kill(self):
        self.process.kill()
        self.process.wait()
        if self._reader:
            self._reader.join(timeout=5)
        self.process.stdout.close()

    def restart(self):
        """Stops (SIGTERM) if running and starts again on the same data dir (and ports if free)."""
        if self.process.poll() is None:
            self.terminate()
        self.start(same_ports=True)

    def type(self, line):
        """Types `line` and Enter at the hub's terminal (tty_stdin) or into its pipe (pipe_stdin)."""
        if self.pipe_stdin:
            self.process.stdin.write((line + "\n").encode())
            self.process.stdin.flush()
            return
        os.write(self.tty, (line + "\n").encode())

    def close(self):
        if self.tty is not None:
            os.close(self.tty)
            self.tty = None
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
        if self.store_url:
            drop_postgres_store(self.store_url)
            self.store_url = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def db_path(self):
        return os.path.join(self.data_dir, "soket.db")

    # -- HTTP ------------------------------------------------------------------------------------

    def http(self, method, path, body=None, headers=None, timeout=IO_TIMEOUT_S):
        """Returns (status, headers dict lower-cased, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            hdrs = dict(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=hdrs)
            res = conn.getresponse()
            data = res.read()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, data
        finally:
            conn.close()

    def get_json(self, path, expect=200, headers=None):
        status, hdrs, data = self.http("GET", path, headers=headers)
        if status != expect:
            raise AssertionError(f"GET {path}: {status} (wanted {expect}): {data[:300]!r}")
        return json.loads(data)

    def post_json(self, path, body, expect=202, headers=None):
        status, hdrs, data = self.http("POST", path, body=body, headers=headers)
        if status != expect:
            raise AssertionError(f"POST {path}: {status} (wanted {expect}): {data[:300]!r}")
        return json.loads(data)

    def device(self, device_id=None, token=None, attrs=""):
        return Device(self, device_id, token, attrs)

    def readings(self, device_id, limit=100000, headers=None):
        return self.get_json(f"/api/devices/{device_id}/readings?limit={limit}", headers=headers)["readings"]

    def devices(self, headers=None):
        return {d["id"]: d for d in self.get_json("/api/devices", headers=headers)["devices"]}


class LineClient:
    """A TCP client reading `\\n`-terminated lines (keeps the raw bytes to check exact framing)."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=IO_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.raw = b""  # everything ever received

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def read_line(self, timeout=IO_TIMEOUT_S):
        """The next line without its `\\n` (bytes kept exact: a `\\r` would stay)."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line within {timeout} s; have {self.buffer[:200]!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError(f"closed by the server; have {self.buffer[:200]!r}")
            self.buffer += chunk
            self.raw += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def read_until_closed(self, timeout=IO_TIMEOUT_S):
        """Reads until the server closes; returns what arrived. Fails if it stays open."""
        deadline = time.monotonic() + timeout
        data = self.buffer
        self.buffer = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the server did not close the connection")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Device(LineClient):
    """A device on the hub's TCP gateway; sends HELLO when given an id."""

    def __init__(self, hub, device_id=None, token=None, attrs=""):
        super().__init__(hub.tcp_port)
        self.id = device_id
        if device_id:
            hello = f"HELLO {device_id}" + (f" {token}" if token else "") + (f" {attrs}" if attrs else "")
            self.send(hello + "\n")
            reply = self.read_line()
            if reply != "OK":
                raise AssertionError(f"{hello!r} -> {reply!r}")

    def request(self, line):
        """Sends one line and returns the reply line."""
        self.send(line + "\n")
        return self.read_line()


def tcp_user(hub, name):
    """A user of the hub's TCP chat: answers its `user?` prompt and checks the welcome lines."""
    user = LineClient(hub.chat_port)
    prompt = b""
    while len(prompt) < 5:
        prompt += user.sock.recv(5 - len(prompt))
    assert prompt == b"user?", prompt
    user.send(name + "\n")
    assert user.read_line() == f"{name} Telah bergabung ke dalam chat !"
    assert user.read_line() == "Kamu telah terhubung !"
    return user


def udp_request(hub, payload, timeout=IO_TIMEOUT_S, sock=None):
    """Sends one datagram to the hub's UDP port and returns the reply datagram as text."""
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    try:
        sock.settimeout(timeout)
        sock.sendto(payload.encode() if isinstance(payload, str) else payload,
                    ("127.0.0.1", hub.udp_port))
        data, _ = sock.recvfrom(65536)
        return data.decode()
    finally:
        if own:
            sock.close()


def error_body(test, data):
    """Asserts `data` is the hub's JSON error body and returns its error object."""
    body = json.loads(data)
    test.assertIn("error", body, body)
    test.assertIsInstance(body["error"].get("code"), str, body)
    test.assertIsInstance(body["error"].get("message"), str, body)
    test.assertTrue(body["error"]["message"], body)
    return body["error"]


def course_fixture(name, replacements):
    """A course program from fixtures/ with its host/port replaced, written next to the test."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        text = f.read()
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{old!r} not in fixture {name}")
        text = text.replace(old, new)
    fd, path = tempfile.mkstemp(prefix="course-", suffix=".py")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Program:
    """A child process whose stdout is collected in the background; stdin stays a pipe."""

    def __init__(self, args, env=None):
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env)
        self.output = b""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        while True:
            try:
                chunk = os.read(self.process.stdout.fileno(), 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def text(self):
        with self._lock:
            return self.output.decode(errors="replace")

    def type(self, line):
        self.process.stdin.write((line + "\n").encode())
        self.process.stdin.flush()

    def wait_for(self, text, timeout=IO_TIMEOUT_S, count=1):
        wait_until(lambda: self.text().count(text) >= count, timeout,
                   what=f"{text!r} x{count} in output:\n{self.text()[-1500:]}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self._reader.join(timeout=5)
        self.process.stdout.close()


def query(hub, sql, params=()):
    """Rows of `sql` on the hub's database (read-only; fine while the hub runs, WAL)."""
    import sqlite3

    db = sqlite3.connect(f"file:{hub.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()
