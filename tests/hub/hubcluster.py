"""Cluster helpers: a throwaway redis-server and several `soket serve` nodes sharing one store and
that Redis (docs/hub-cluster.md).

The store is a parameter: by default the nodes share one SQLite file (one data directory; WAL lets
several processes use it on one machine). $SOKET_HUB_STORE, or `store=` given to HubCluster, is a
store URL passed to every node as `--store URL` instead (e.g. a PostgreSQL URL once the hub has
that store); the tests read the store only through the REST API, so they run unchanged on it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from hubtest import Hub, drop_postgres_store, postgres_store_url, wait_until

REDIS_SERVER = os.environ.get("SOKET_REDIS_SERVER", "/usr/bin/redis-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """redis-server on a free port without persistence; stopped by its PID."""

    def __init__(self):
        last = None
        for _ in range(5):
            self.port = free_port()
            if self._start(self.port):
                return
            last = self.last_error
        raise RuntimeError(f"redis-server did not start: {last}")

    def restart(self):
        """Stops it and starts a new, empty redis-server on the same port (a Redis restart)."""
        self.stop()
        deadline = time.monotonic() + 10
        while not self._start(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start again: {self.last_error}")
            time.sleep(0.2)

    def _start(self, port):
        self.last_error = None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return True
            except OSError as err:
                self.last_error = err
            time.sleep(0.05)
        self.stop()
        return False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class HubCluster:
    """Nodes named a, b, ... on one Redis and one store. Use as a context manager."""

    def __init__(self, names=("a", "b"), config_text=None, store=None):
        self.store = store if store is not None else os.environ.get("SOKET_HUB_STORE")
        # ctest's hub.cluster_postgresql: one fresh database on the test server for all the nodes.
        self.own_store = not self.store and bool(os.environ.get("SOKET_HUB_PG_STATE"))
        if self.own_store:
            self.store = postgres_store_url()
        self.tmp = tempfile.mkdtemp(prefix="soket-hubcluster-")
        self.shared_dir = os.path.join(self.tmp, "shared-data")
        self.config_text = config_text
        self.redis = Redis()
        self.nodes = {}
        try:
            for name in names:
                self.add(name)
        except BaseException:
            self.close()
            raise

    def add(self, name):
        args = ["--redis", self.redis.url, "--node-id", name]
        data_dir = self.shared_dir
        if self.store:
            args += ["--store", self.store]
            data_dir = None  # each node's own data directory; the store is elsewhere
        # Info level: when a test fails, each node's log tells what the cluster did (print_logs).
        node = Hub(self.config_text, extra_args=args, data_dir=data_dir, log_level="info")
        self.nodes[name] = node
        return node

    def __getitem__(self, name):
        return self.nodes[name]

    def leader(self, timeout=10):
        """The name of the node that leads (waits until exactly one living node does)."""
        def one():
            leaders = [n for n, hub in self.nodes.items()
                       if hub.process.poll() is None and hub.get_json("/healthz").get("leader")]
            return leaders[0] if len(leaders) == 1 else None
        return wait_until(one, timeout, interval=0.1, what="one leader")

    def print_logs(self, lines=120):
        """Prints the end of every node's log (for a failed test)."""
        for name, node in self.nodes.items():
            log = node.stdout.decode("utf-8", "replace") + node.stderr()
            tail = log.splitlines()[-lines:]
            print(f"---- node {name}: the last {len(tail)} lines of its log ----", file=sys.stderr)
            for line in tail:
                print(f"  {line}", file=sys.stderr)

    def close(self):
        for node in self.nodes.values():
            node.close()
        self.redis.stop()
        if self.own_store:
            drop_postgres_store(self.store)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
