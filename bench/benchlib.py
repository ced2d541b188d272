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


def process_rss(pid):
    """Resident memory of process `pid` in bytes (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


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
        return process_rss(self.pid)

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


def run_bench(bench, scenario, port, args, server_pid=None, label=None, cpu=None, timeout=600,
              aux_pid=None):
    """Runs soket-bench once; returns its JSON result (a dict, with "error" on failure). `port`
    and `server_pid` may be lists (the nodes of a cluster: --ports, CPU summed over the PIDs);
    `aux_pid` (a PID or a list) is a process whose CPU is reported apart, e.g. redis-server."""
    join = lambda v: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
    ports = ["--ports", join(port)] if isinstance(port, (list, tuple)) else ["--port", str(port)]
    cmd = [bench, scenario] + ports + [str(a) for a in args]
    if server_pid:
        cmd += ["--server-pid", join(server_pid)]
    if aux_pid:
        cmd += ["--aux-pid", join(aux_pid)]
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


def redis_command(port, *args, host="127.0.0.1", timeout=5):
    """Sends one command to Redis (RESP) and returns its decoded reply: int, str, list or None;
    an error reply raises RuntimeError. Enough for PING, PUBSUB and CLIENT LIST."""
    out = f"*{len(args)}\r\n".encode()
    for arg in args:
        data = str(arg).encode()
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection((host, port), timeout=timeout) as s, s.makefile("rb") as f:
        s.sendall(out)

        def read():
            line = f.readline()
            if not line.endswith(b"\r\n"):
                raise RuntimeError(f"redis: connection closed ({line!r})")
            kind, rest = line[:1], line[1:-2].decode()
            if kind == b"+":
                return rest
            if kind == b"-":
                raise RuntimeError(f"redis: {rest}")
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                if n < 0:
                    return None
                data = f.read(n + 2)
                return data[:-2].decode()
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError(f"redis: unexpected reply {line!r}")

        return read()


class Redis:
    """A throwaway redis-server on 127.0.0.1:`port` (free port below 32768 by default): no RDB
    snapshots, no AOF, nothing written to disk. Stopped by its PID."""

    def __init__(self, port=None, cpu=None, binary="redis-server", timeout=10):
        self.port = port or free_port()
        self.workdir = tempfile.mkdtemp(prefix="soket-bench-redis-")
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.workdir, "--loglevel", "warning"]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if redis_command(self.port, "PING") == "PONG":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start: {self.proc.stderr.read()[-2000:]}")
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def subscribed_clients(self, sharded=False, streams=False):
        """Clients of this Redis holding pattern subscriptions (classic adapter: `socket.io#/#*`)
        and channel subscriptions (its request/response channels), or shard-channel subscriptions
        when `sharded`, or (streams adapter) channel subscriptions only: one such client per node
        of a socket.io cluster."""
        count = 0
        for line in redis_command(self.port, "CLIENT", "LIST").splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if sharded:
                count += int(fields.get("ssub", 0)) > 0
            elif streams:
                count += int(fields.get("sub", 0)) > 0 and int(fields.get("psub", 0)) == 0
            else:
                count += int(fields.get("psub", 0)) > 0 and int(fields.get("sub", 0)) > 0
        return count

    def wait_subscribed(self, nodes, sharded=False, timeout=10, streams=False):
        """Waits until `nodes` clients have subscribed (see subscribed_clients)."""
        deadline = time.monotonic() + timeout
        while self.subscribed_clients(sharded, streams) < nodes:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{nodes} nodes did not subscribe in Redis within {timeout} s: "
                                   f"{redis_command(self.port, 'CLIENT', 'LIST')}")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def make_certificate(directory):
    """A throwaway self-signed certificate for 127.0.0.1 (EC P-256, like a modern site's);
    returns the server arguments that use it."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    return ["--tls-cert", cert, "--tls-key", key]
