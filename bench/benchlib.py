"""Shared helpers of the benchmark scripts: free ports, starting servers, running the generator."""
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time


def free_port(low=20000, high=32000, kind=socket.SOCK_STREAM):
    """A port in [low, high) that nothing uses (checked by binding 127.0.0.1); TCP unless `kind` is
    socket.SOCK_DGRAM. Below 32768, so it never collides with the generator's source ports."""
    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in [{low}, {high})")


class Server:
    """A server process started with `argv` (+ --port unless `port_flag` is None); waits for its
    "listening on" line."""

    def __init__(self, argv, port, cpu=None, env=None, timeout=15, port_flag="--port"):
        self.port = port
        cmd = list(argv) + ([port_flag, str(port)] if port_flag else [])
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=full_env)
        deadline = time.monotonic() + timeout
        while True:
            line = self.proc.stdout.readline()
            if "listening on" in line:
                break
            if not line or time.monotonic() > deadline:
                self.stop()
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError(f"server {cmd} did not start: {line!r} {err[-2000:]}")

    @property
    def pid(self):
        return self.proc.pid

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_bench(bench, scenario, port, args, server_pid=None, label=None, cpu=None, timeout=600):
    """Runs soket-bench once; returns its JSON result (a dict, with "error" on failure)."""
    cmd = [bench, scenario, "--port", str(port)] + [str(a) for a in args]
    if server_pid:
        cmd += ["--server-pid", str(server_pid)]
    if label:
        cmd += ["--label", label]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"error": f"no JSON from {cmd}: rc={proc.returncode} {proc.stderr[-2000:]}"}
    return json.loads(lines[-1])


class Hub(Server):
    """`soket serve` on free ports (HTTP, device TCP/UDP, chat) with a fresh data directory and
    the default durability (fsync per committed batch); no simulator. `port` is the device
    gateway's TCP port, `db` the SQLite file."""

    def __init__(self, soket, cpu=None, timeout=15):
        self.data_dir = tempfile.mkdtemp(prefix="soket-bench-hub-")
        self.db = os.path.join(self.data_dir, "soket.db")
        tcp = free_port()
        argv = [soket, "serve", "--http-port", str(free_port()), "--tcp-port", str(tcp),
                "--udp-port", str(free_port(kind=socket.SOCK_DGRAM)),
                "--chat-port", str(free_port()), "--data-dir", self.data_dir, "--log-level", "warn"]
        super().__init__(argv, tcp, cpu=cpu, timeout=timeout, port_flag=None)

    def stop(self):
        super().stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
