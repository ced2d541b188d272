#!/usr/bin/env python3
"""c100k: 100 000 concurrent Socket.IO connections on this machine, soket against Node socket.io.

One process may hold at most 20 000 open files here, so the servers are several processes joined
as one cluster through a throwaway Redis (soket: bench-server --redis; Node: bench/node/server.mjs
--redis with @socket.io/redis-adapter), and the connections come from several generator processes
(`soket-bench hold`), each spreading its connections round robin over every server and over the
source addresses 127.0.0.1..127.0.0.N. For each implementation:

  1. every generator opens its share and reports it ready (all must be);
  2. the RSS of every server process and of Redis is read, and the kernel's TCP memory
     (/proc/net/sockstat);
  3. one connection emits "bcast"; the servers send "msg" to every connection of the cluster; each
     generator times every delivery from the send time in the payload: the largest is the time
     to the last receiver;
  4. the connections are held for --hold seconds, longer than the ping interval (25 s), and must
     each have answered at least one ping and still be open at the end.

From the per-connection memory it projects what 1 000 000 connections would need. Not a test:

  bench/c100k.py                         # 100 000, soket then node
  bench/c100k.py --conns 20000 --servers soket --hold 30
"""
import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402

PER_PROCESS = 16000  # connections per server and per generator process (the fd limit is 20 000)


def tcp_kernel_bytes():
    """The kernel's memory for TCP buffers (pages from /proc/net/sockstat) and the sockets count."""
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()
                values = dict(zip(fields[1::2], map(int, fields[2::2])))
                return values.get("mem", 0) * os.sysconf("SC_PAGE_SIZE"), values.get("inuse", 0)
    return 0, 0


def slab_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1]) * 1024
    return 0


def server_argv(build, name, redis_url):
    if name == "soket":
        return [os.path.join(build, "bench", "bench-server"), "--redis", redis_url]
    return ["node", os.path.join(HERE, "node", "server.mjs"), "--redis", redis_url]


def run(name, a):
    n_servers = max(1, math.ceil(a.conns / a.per_process))
    n_gens = max(1, math.ceil(a.conns / a.per_process))
    shares = [a.conns // n_gens + (1 if i < a.conns % n_gens else 0) for i in range(n_gens)]
    bench = os.path.join(a.build, "bench", "soket-bench")
    tmp = tempfile.mkdtemp(prefix="soket-c100k-")
    result = {"server": name, "conns": a.conns, "server_processes": n_servers,
              "generator_processes": n_gens}
    slab_before = slab_bytes()
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(benchlib.Redis())
        servers = [stack.enter_context(benchlib.Server(server_argv(a.build, name, redis.url),
                                                       benchlib.free_port(), timeout=30))
                   for _ in range(n_servers)]
        redis.wait_subscribed(n_servers)
        base = [benchlib.process_rss(s.pid) for s in servers]
        ports = ",".join(str(s.port) for s in servers)
        gens = []
        started = time.monotonic()
        for i, share in enumerate(shares):
            ready = os.path.join(tmp, f"ready-{i}")
            args = [bench, "hold", "--ports", ports, "-c", str(share), "--sources", str(a.sources),
                    "--ready-file", ready, "--go-file", os.path.join(tmp, "go"),
                    "--senders", "1" if i == 0 else "0", "--duration", str(a.hold),
                    "--handshake-concurrency", "512", "--label", name]
            gens.append((ready, subprocess.Popen(args, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE, text=True)))
        deadline = time.monotonic() + a.connect_timeout
        while not all(os.path.exists(r) for r, _ in gens):
            if time.monotonic() > deadline or any(p.poll() is not None for _, p in gens):
                break
            time.sleep(0.2)
        ready_counts = []
        for r, _ in gens:
            try:
                with open(r) as f:
                    ready_counts.append(int(f.read().strip() or 0))
            except OSError:
                ready_counts.append(0)
        result["connect_s"] = round(time.monotonic() - started, 2)
        result["ready"] = sum(ready_counts)
        time.sleep(a.settle)
        server_rss = [benchlib.process_rss(s.pid) for s in servers]
        result["server_rss_total"] = sum(server_rss)
        result["server_rss_base_total"] = sum(base)
        result["redis_rss"] = benchlib.process_rss(redis.pid)
        result["bytes_per_conn"] = round((sum(server_rss) - sum(base)) / max(1, result["ready"]))
        tcp_mem, tcp_inuse = tcp_kernel_bytes()
        result["kernel_tcp_buffer_bytes"] = tcp_mem
        result["tcp_sockets_in_use"] = tcp_inuse
        result["kernel_slab_growth"] = slab_bytes() - slab_before
        open(os.path.join(tmp, "go"), "w").close()
        outputs = []
        for _, p in gens:
            out, err = p.communicate(timeout=a.hold + a.connect_timeout + 60)
            lines = [l for l in out.splitlines() if l.startswith("{")]
            outputs.append(json.loads(lines[-1]) if lines else {"error": err[-1000:]})
        errors = [o["error"] for o in outputs if "error" in o]
        if errors:
            result["errors"] = errors[:3]
        result["deliveries"] = sum(o.get("deliveries", 0) for o in outputs)
        lasts = [o["last_delivery_us"] for o in outputs if "last_delivery_us" in o]
        if lasts:
            result["bcast_to_last_receiver_ms"] = round(max(lasts) / 1e3, 1)
            result["bcast_p50_ms_per_generator"] = [round(o.get("p50_delivery_us", 0) / 1e3, 1)
                                                   for o in outputs]
        result["answered_a_ping"] = sum(o.get("answered_a_ping", 0) for o in outputs)
        result["failed"] = sum(o.get("failed", 0) for o in outputs)
        failures = [o["first_failure"] for o in outputs if "first_failure" in o]
        if failures:
            result["first_failures"] = failures[:3]
        result["open_at_end"] = sum(o.get("ready_at_end", 0) for o in outputs)
        result["handshake_p99_ms_per_generator"] = [round(o.get("handshake_p99_us", 0) / 1e3, 1)
                                                   for o in outputs]
        result["server_rss_each"] = server_rss
    per_conn_user = result["bytes_per_conn"]
    per_conn_kernel = result["kernel_slab_growth"] / max(1, result["ready"])
    result["kernel_bytes_per_conn"] = round(per_conn_kernel)
    # Both ends are on this machine: the slab growth holds the kernel side of two sockets per
    # connection; a server alone keeps one.
    processes_1m = math.ceil(1_000_000 / a.per_process)
    result["projected_1M_processes"] = processes_1m
    result["projected_1M_server_gb"] = round(
        ((per_conn_user + per_conn_kernel / 2) * 1_000_000 + sum(base) / n_servers * processes_1m)
        / 2**30, 2)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "release"))
    ap.add_argument("--conns", type=int, default=100000)
    ap.add_argument("--servers", default="soket,node")
    ap.add_argument("--sources", type=int, default=16, help="source addresses 127.0.0.1..N")
    ap.add_argument("--hold", type=float, default=40, help="seconds held after all are ready")
    ap.add_argument("--settle", type=float, default=3, help="seconds before reading memory")
    ap.add_argument("--connect-timeout", type=float, default=300)
    ap.add_argument("--per-process", type=int, default=PER_PROCESS,
                    help="connections per server process and per generator process")
    ap.add_argument("--json", help="write the results to this file")
    a = ap.parse_args()
    results = []
    for name in [s for s in a.servers.split(",") if s]:
        r = run(name, a)
        results.append(r)
        print(json.dumps(r), flush=True)
    keys = ["ready", "failed", "open_at_end", "answered_a_ping", "deliveries", "bcast_to_last_receiver_ms",
            "connect_s", "server_rss_total", "redis_rss", "bytes_per_conn",
            "kernel_bytes_per_conn", "projected_1M_server_gb"]
    print("\n| measure | " + " | ".join(r["server"] for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for k in keys:
        print(f"| {k} | " + " | ".join(str(r.get(k, "-")) for r in results) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    bad = [r for r in results if r["ready"] < a.conns or r["open_at_end"] < a.conns
           or r["answered_a_ping"] < a.conns or r["deliveries"] < a.conns]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
