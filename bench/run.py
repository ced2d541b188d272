#!/usr/bin/python3
"""Runs benchmark scenarios against soket (bench-server), Node socket.io (bench/node/server.mjs)
and the raw Beast WebSocket baseline (bench-raw-server) in the same run: server pinned to one core,
load generator to the other, several repetitions interleaved, then a table of medians with the
ratios soket/node and soket/raw.

The devices scenarios run the hub itself (`soket serve`, fresh data directory, default durability)
against the raw line server (bench-raw-line-server: OK per line, nothing stored), which shows the
generator's own ceiling; there is no Node equivalent of the hub.

  bench/run.py echo broadcast room --reps 5
  bench/run.py devices --reps 5
  bench/run.py all --build build/bench --json results.json

--soket-threads 1,2 replaces the soket row by one row per io thread count (soket-1t, soket-2t:
bench-server --threads N). A server with more than one thread is pinned to --multi-server-cpu
(default 0,1: both cores, so it shares core 1 with the generator), single-threaded servers to
--server-cpu; the table then adds 2t/1t.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402

# Scenario -> generator arguments. "latency" is echo at a fixed rate (open loop).
SCENARIOS = {
    "echo": ("echo", ["-c", "100", "-k", "1"]),
    "echo-k8": ("echo", ["-c", "100", "-k", "8"]),
    "broadcast": ("broadcast", ["-c", "1000", "--senders", "1", "-k", "4"]),
    "room": ("room", ["-c", "1000", "--rooms", "10", "--senders", "10", "-k", "2"]),
    "latency": ("echo", ["-c", "100", "--rate", "20000"]),
    "conns": ("conns", ["-c", "18000", "--steps", "1000,5000,10000,18000", "--sources", "8",
                        "--settle", "2"]),
    "handshakes": ("conns", ["-c", "5000", "--settle", "0.5", "--sources", "4"]),
    "devices": ("devices", ["-c", "100", "-k", "16", "--sources", "4"]),
    "devices-1k": ("devices", ["-c", "1000", "-k", "4", "--sources", "4"]),
    "devices-rate": ("devices", ["-c", "100", "--rate", "30000", "--sources", "4"]),
}
# The device scenarios run against the hub and the raw line server only.
DEVICE_SERVERS = ("soket", "raw")
DEFAULT_SET = ["echo", "broadcast", "room", "latency", "handshakes", "conns"]

# Metrics shown per scenario: (result key, label, higher is better).
METRICS = {
    "echo": [("rate", "acks/s", True), ("p50_us", "p50 us", False), ("p99_us", "p99 us", False),
             ("server_cpu_us_per_ack", "server CPU us/ack", False),
             ("server_cpu", "server cores busy", None), ("generator_cpu", "generator cores busy", None)],
    "broadcast": [("rate", "deliveries/s", True), ("p50_us", "p50 us", False),
                  ("p99_us", "p99 us", False),
                  ("server_cpu_us_per_delivery", "server CPU us/delivery", False),
                  ("server_cpu", "server cores busy", None),
                  ("generator_cpu", "generator cores busy", None)],
    "conns": [("handshakes_per_s", "handshakes/s", True), ("bytes_per_conn", "bytes/conn", False),
              ("handshake_p99_us", "handshake p99 us", False)],
}
METRICS["devices"] = [("rate", "readings/s (OK)", True), ("p50_us", "p50 us", False),
                      ("p99_us", "p99 us", False), ("p999_us", "p999 us", False),
                      ("server_cpu_us_per_reading", "server CPU us/reading", False),
                      ("server_cpu", "server cores busy", None),
                      ("generator_cpu", "generator cores busy", None),
                      ("acknowledged", "acknowledged (whole run)", None),
                      ("stored", "stored (counted in the db)", None)]
METRICS["devices-1k"] = METRICS["devices"]
METRICS["devices-rate"] = METRICS["devices"]
METRICS["echo-k8"] = METRICS["echo"]
METRICS["latency"] = METRICS["echo"]
METRICS["room"] = METRICS["broadcast"]
METRICS["handshakes"] = METRICS["conns"]


def server_commands(build, servers, devices=False):
    """Server name -> (argv, io threads). "soket-Nt" is bench-server with N io threads; for the
    devices scenarios "soket" is the hub (soket serve) and "raw" the raw line server."""
    if devices:
        return {
            name: ({"soket": [os.path.join(build, "src", "soket", "cli", "soket")],
                    "raw": [os.path.join(build, "bench", "bench-raw-line-server")]}[name], 1)
            for name in servers
        }
    soket = os.path.join(build, "bench", "bench-server")
    cmds = {
        "soket": ([soket], 1),
        "node": (["node", os.path.join(HERE, "node", "server.mjs")], 1),
        "raw": ([os.path.join(build, "bench", "bench-raw-server")], 1),
        "rawt": ([os.path.join(build, "bench", "bench-raw-transport-server")], 1),
    }
    out = {}
    for name in servers:
        if name.startswith("soket-") and name.endswith("t"):
            n = int(name[len("soket-"):-1])
            out[name] = ([soket, "--threads", str(n)], n)
        else:
            out[name] = cmds[name]
    return out


def ratio_columns(servers):
    """(label, numerator, denominator) of the ratio columns the table shows."""
    cols = []
    socket_rows = [s for s in servers if s.startswith("soket")]
    for other in ("node", "raw", "rawt"):
        if other in servers:
            cols += [(f"{s}/{other}", s, other) for s in socket_rows]
    threaded = [s for s in socket_rows if s.startswith("soket-")]
    if "soket-1t" in threaded:
        cols += [(f"{s[len('soket-'):]}/1t", s, "soket-1t") for s in threaded if s != "soket-1t"]
    return cols


def run_one(bench, name, cmd, scenario, gen_args, common, server_cpu, gen_cpu):
    if scenario == "devices" and name == "soket":
        with benchlib.Hub(cmd[0], cpu=server_cpu) as hub:
            time.sleep(0.3)
            return benchlib.run_bench(bench, scenario, hub.port,
                                      gen_args + common + ["--db", hub.db], hub.pid, name,
                                      cpu=gen_cpu)
    with benchlib.Server(cmd, benchlib.free_port(), cpu=server_cpu) as server:
        time.sleep(0.3)
        result = benchlib.run_bench(bench, scenario, server.port, gen_args + common, server.pid,
                                    name, cpu=gen_cpu)
    return result


def load_average():
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def table(key, results, servers):
    lines = [f"\n## {key}", ""]
    ratios = ratio_columns(servers)
    header = ["metric"] + servers + [label for label, _, _ in ratios]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for metric, label, _ in METRICS[key]:
        med = {s: median([r.get(metric) for r in results[s]]) for s in servers}
        row = [label] + [fmt(med[s]) for s in servers]
        for _, num, den in ratios:
            a, b = med[num], med[den]
            row.append(f"{a / b:.2f}" if a is not None and b else "-")
        lines.append("| " + " | ".join(row) + " |")
    errors = [(s, r["error"]) for s in servers for r in results[s] if "error" in r]
    for s, e in errors:
        lines.append(f"\n{s}: error: {e}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=["all"],
                    help=f"any of {', '.join(SCENARIOS)} or all")
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "bench"),
                    help="build directory with bench/soket-bench etc.")
    ap.add_argument("--servers", default="soket,node,raw,rawt",
                    help="soket, node, raw (Beast), rawt (raw app on soket's WebSocket layer)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--warmup", default="1")
    ap.add_argument("--duration", default="5")
    ap.add_argument("--soket-threads", default="",
                    help="comma list of io thread counts: soket-1t, soket-2t, ... instead of soket")
    ap.add_argument("--server-cpu", default="0", help="taskset CPU list of single-threaded servers")
    ap.add_argument("--multi-server-cpu", default="0,1",
                    help="taskset CPU list of servers with more than one io thread")
    ap.add_argument("--gen-cpu", default="1", help="taskset CPU list of the generator")
    ap.add_argument("--extra", default="", help="more generator arguments, space-separated")
    ap.add_argument("--json", help="write every result to this file")
    a = ap.parse_args()

    names = DEFAULT_SET if a.scenarios == ["all"] else a.scenarios
    for n in names:
        if n not in SCENARIOS:
            ap.error(f"unknown scenario {n}")
    all_servers = [s for s in a.servers.split(",") if s]
    if a.soket_threads:
        threads = [f"soket-{n}t" for n in a.soket_threads.split(",") if n]
        at = all_servers.index("soket") if "soket" in all_servers else 0
        all_servers = (all_servers[:at] + threads +
                       [s for s in all_servers[at:] if s != "soket"])
    bench = os.path.join(a.build, "bench", "soket-bench")
    common = ["--warmup", a.warmup, "--duration", a.duration] + a.extra.split()
    everything = {}
    out = []
    for key in names:
        scenario, gen_args = SCENARIOS[key]
        devices = scenario == "devices"
        servers = [s for s in all_servers if not devices or s in DEVICE_SERVERS]
        cmds = server_commands(a.build, servers, devices)
        results = {s: [] for s in servers}
        load_before = load_average()
        for rep in range(a.reps):
            for s in servers:
                argv, threads = cmds[s]
                cpu = a.multi_server_cpu if threads > 1 else a.server_cpu
                r = run_one(bench, s, argv, scenario, gen_args, common, cpu, a.gen_cpu)
                results[s].append(r)
                summary = {k: r.get(k) for k, _, _ in METRICS[key]}
                print(f"[{key} rep {rep + 1}/{a.reps}] {s}: {r.get('error') or summary}",
                      file=sys.stderr, flush=True)
        everything[key] = results
        text = table(key, results, servers)
        text += f"\n\n{load_before} before, {load_average()} after"
        out.append(text)
        print(text, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
