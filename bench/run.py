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

--baseline DIR adds the row "before": bench-server of another build (an older commit, built the
same way), interleaved with the others, and the column soket/before; in the devices scenarios,
that build's hub (DIR/src/soket/cli/soket).

--tls runs the Socket.IO scenarios over wss:// (soket and Node over HTTPS with a throwaway
certificate made with openssl): run it next to a plain run to see what TLS costs.

--soket-threads 1,2 replaces the soket row by one row per io thread count (soket-1t, soket-2t:
bench-server --threads N). A server with more than one thread is pinned to --multi-server-cpu
(default 0,1: both cores, so it shares core 1 with the generator), single-threaded servers to
--server-cpu; the table then adds 2t/1t.

cluster-broadcast: a cluster of 2 nodes over Redis, soket against Node. A throwaway redis-server
(free port, no persistence, pinned to --redis-cpu) serves the whole run; per repetition and
implementation two nodes (bench-server --redis URL, node server.mjs --redis URL; --sharded for
sharded pub/sub) on --server-cpu, 1000 receivers spread over both (500 each), one sender on node
A emitting `bcast` (io.emit: local receivers, then Redis, then node B's); deliveries/s and the CPU
of both nodes and of redis-server per delivery. Each repetition also runs the single-node
broadcast with the same load, so the table shows what the adapter adds per message.

  bench/run.py cluster-broadcast --reps 3
"""
import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
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
    # HTTP long-polling (a GET held open, POSTs for what the client sends), and half of the clients
    # polling, half on WebSocket. soket, node and before only: the raw servers speak WebSocket.
    "echo-polling": ("echo", ["-c", "50", "-k", "1", "--transport", "polling"]),
    "broadcast-polling": ("broadcast", ["-c", "200", "--senders", "1", "-k", "4",
                                        "--transport", "polling"]),
    "echo-mixed": ("echo", ["-c", "100", "-k", "1", "--transport", "mixed"]),
    "conns": ("conns", ["-c", "18000", "--steps", "1000,5000,10000,18000", "--sources", "8",
                        "--settle", "2"]),
    "handshakes": ("conns", ["-c", "5000", "--settle", "0.5", "--sources", "4"]),
    # Open loop: 18 000 connections started at 20 000/s, each handshake timed from when it was due.
    "handshakes-20k": ("conns", ["-c", "18000", "--connect-rate", "20000", "--settle", "0.5",
                                 "--sources", "8"]),
    "devices": ("devices", ["-c", "100", "-k", "16", "--sources", "4"]),
    "devices-1k": ("devices", ["-c", "1000", "-k", "4", "--sources", "4"]),
    # What the hub can store at most: enough readings in flight that the writer is never idle.
    "devices-deep": ("devices", ["-c", "100", "-k", "200", "--sources", "4"]),
    "devices-rate": ("devices", ["-c", "100", "--rate", "30000", "--sources", "4"]),
}
# Clusters over Redis: scenario -> (generator scenario, arguments, nodes). Only soket and node.
CLUSTER_SCENARIOS = {
    "cluster-broadcast": ("broadcast", ["-c", "1000", "--senders", "1", "-k", "4"], 2),
}
CLUSTER_SERVERS = ("soket", "node")
# The device scenarios run against the hub and the raw line server only.
DEVICE_SERVERS = ("soket", "soket-pg", "before", "raw")
# "soket-pg": the hub with its data on a throwaway PostgreSQL on this machine (--store).
_POSTGRES = None


def postgres():
    global _POSTGRES
    if _POSTGRES is None:
        import atexit

        _POSTGRES = benchlib.Postgres()
        atexit.register(_POSTGRES.stop)
    return _POSTGRES
POLLING_SCENARIOS = ("echo-polling", "broadcast-polling", "echo-mixed")
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
METRICS["devices-deep"] = METRICS["devices"]
METRICS["devices-rate"] = METRICS["devices"]
METRICS["echo-k8"] = METRICS["echo"]
METRICS["latency"] = METRICS["echo"]
METRICS["room"] = METRICS["broadcast"]
METRICS["echo-polling"] = METRICS["echo"]
METRICS["echo-mixed"] = METRICS["echo"]
METRICS["broadcast-polling"] = METRICS["broadcast"]
METRICS["handshakes"] = METRICS["conns"]
METRICS["handshakes-20k"] = METRICS["conns"]
# Cluster rows: "single_*" are the single-node broadcast of the same repetition; the derived keys
# are added by cluster_derived().
METRICS["cluster-broadcast"] = [
    ("rate", "deliveries/s, 2 nodes", True), ("p50_us", "p50 us", False),
    ("p99_us", "p99 us", False),
    ("server_cpu_us_per_delivery", "nodes CPU us/delivery (A + B)", False),
    ("aux_cpu_us_per_delivery", "redis CPU us/delivery", False),
    ("total_cpu_us_per_delivery", "total CPU us/delivery (nodes + redis)", False),
    ("deliveries_per_cpu_s", "deliveries per CPU-second (nodes + redis)", True),
    ("node_a_cpu", "node A cores busy", None), ("node_b_cpu", "node B cores busy", None),
    ("aux_cpu", "redis cores busy", None), ("generator_cpu", "generator cores busy", None),
    ("single_rate", "single node: deliveries/s", True),
    ("single_p50_us", "single node: p50 us", False),
    ("single_server_cpu_us_per_delivery", "single node: CPU us/delivery", False),
    ("single_server_cpu", "single node: cores busy", None),
    ("single_generator_cpu", "single node: generator cores busy", None),
    ("single_cpu_us_per_message", "single node: CPU us per broadcast (1000 deliveries)", False),
    ("total_cpu_us_per_message", "2 nodes + redis: CPU us per broadcast", False),
    ("added_cpu_us_per_message", "added by the cluster per broadcast", False),
]


def server_commands(build, servers, devices=False, baseline=None, tls_args=()):
    """Server name -> (argv, io threads). "soket-Nt" is bench-server with N io threads; "before"
    is bench-server of the `baseline` build; for the devices scenarios "soket" is the hub (soket
    serve), "before" the hub of the `baseline` build and "raw" the raw line server."""
    if devices:
        hubs = {"soket": [os.path.join(build, "src", "soket", "cli", "soket")],
                "soket-pg": [os.path.join(build, "src", "soket", "cli", "soket")],
                "raw": [os.path.join(build, "bench", "bench-raw-line-server")]}
        if baseline:
            hubs["before"] = [os.path.join(baseline, "src", "soket", "cli", "soket")]
        return {name: (hubs[name], 1) for name in servers}
    soket = os.path.join(build, "bench", "bench-server")
    cmds = {
        "soket": ([soket], 1),
        "node": (["node", os.path.join(HERE, "node", "server.mjs")], 1),
        "raw": ([os.path.join(build, "bench", "bench-raw-server")], 1),
        "rawt": ([os.path.join(build, "bench", "bench-raw-transport-server")], 1),
    }
    if baseline:
        cmds["before"] = ([os.path.join(baseline, "bench", "bench-server")], 1)
    out = {}
    for name in servers:
        if name.startswith("soket-") and name.endswith("t"):
            n = int(name[len("soket-"):-1])
            out[name] = ([soket, "--threads", str(n)], n)
        else:
            out[name] = cmds[name]
    return {name: (argv + list(tls_args), n) for name, (argv, n) in out.items()}


def ratio_columns(servers):
    """(label, numerator, denominator) of the ratio columns the table shows."""
    cols = []
    socket_rows = [s for s in servers if s.startswith("soket")]
    for other in ("node", "raw", "rawt"):
        if other in servers:
            cols += [(f"{s}/{other}", s, other) for s in socket_rows]
    if "before" in servers:
        cols += [(f"{s}/before", s, "before") for s in socket_rows]
        if "node" in servers:
            cols.append(("before/node", "before", "node"))
    threaded = [s for s in socket_rows if s.startswith("soket-")]
    if "soket-1t" in threaded:
        cols += [(f"{s[len('soket-'):]}/1t", s, "soket-1t") for s in threaded if s != "soket-1t"]
    return cols


def run_one(bench, name, cmd, scenario, gen_args, common, server_cpu, gen_cpu):
    if scenario == "devices" and name == "soket-pg":
        # Stored readings are counted with psql once the hub has stopped (the generator's --db
        # reads a SQLite file); a fresh database per run, so the count is this run's.
        url = postgres().database()
        with benchlib.Hub(cmd[0], cpu=server_cpu, store_url=url) as hub:
            time.sleep(0.3)
            result = benchlib.run_bench(bench, scenario, hub.port, gen_args + common, hub.pid,
                                        name, cpu=gen_cpu)
        if "error" not in result:
            result["stored"] = int(benchlib.Postgres.psql(
                url, "SELECT count(*) FROM readings WHERE device_id LIKE 'bench-%' "
                     "AND key = 'temp'"))
            if result["stored"] < result.get("acknowledged", 0):
                result["error"] = f"stored {result['stored']} < acknowledged {result['acknowledged']}"
        return result
    if scenario == "devices" and name in ("soket", "before"):
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


def run_cluster_one(bench, name, argv, redis, nodes, gen_args, common, server_cpu, gen_cpu,
                    sharded):
    """One repetition of a cluster scenario for one implementation: `nodes` servers joined through
    `redis`, the generator's connections spread over them; a dict with "error" on failure."""
    argv = argv + ["--redis", redis.url] + (["--sharded"] if sharded else [])
    try:
        redis.wait_subscribed(0, sharded)  # the previous repetition's nodes are gone
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(benchlib.Server(argv, benchlib.free_port(),
                                                           cpu=server_cpu))
                       for _ in range(nodes)]
            redis.wait_subscribed(nodes, sharded)
            time.sleep(0.3)
            return benchlib.run_bench(bench, "broadcast", [s.port for s in servers],
                                      gen_args + common, [s.pid for s in servers], name,
                                      cpu=gen_cpu, aux_pid=redis.pid)
    except (RuntimeError, OSError) as e:
        return {"error": f"{name} cluster: {e}"}


def cluster_derived(cluster, single):
    """One repetition's row: the cluster result, the single-node result under "single_*", and
    the derived costs."""
    r = dict(cluster)
    r.update({f"single_{k}": v for k, v in single.items() if k != "error"})
    if "error" in single:
        r["error"] = r.get("error", "") + f" single node: {single['error']}"
    nodes_us, redis_us = r.get("server_cpu_us_per_delivery"), r.get("aux_cpu_us_per_delivery")
    each = r.get("server_cpu_each") or []
    if len(each) >= 2:
        r["node_a_cpu"], r["node_b_cpu"] = each[0], each[1]
    if nodes_us is not None and redis_us is not None:
        total = nodes_us + redis_us
        r["total_cpu_us_per_delivery"] = total
        r["deliveries_per_cpu_s"] = 1e6 / total if total else None
        receivers = r.get("conns", 0)
        r["total_cpu_us_per_message"] = total * receivers
        single_us = r.get("single_server_cpu_us_per_delivery")
        if single_us is not None:
            r["single_cpu_us_per_message"] = single_us * receivers
            r["added_cpu_us_per_message"] = (total - single_us) * receivers
    return r


def run_cluster(key, a, bench, common, all_servers):
    """cluster-broadcast: see the module's doc. Returns (results per server, table text)."""
    scenario, gen_args, nodes = CLUSTER_SCENARIOS[key]
    servers = [s for s in CLUSTER_SERVERS
               if any(x == s or x.startswith(s + "-") for x in all_servers)]
    cmds = server_commands(a.build, servers)
    results = {s: [] for s in servers}
    load_before = load_average()
    with benchlib.Redis(cpu=a.redis_cpu) as redis:
        for rep in range(a.reps):
            for s in servers:
                argv, _ = cmds[s]
                cluster = run_cluster_one(bench, s, argv, redis, nodes, gen_args, common,
                                          a.server_cpu, a.gen_cpu, a.sharded)
                single = run_one(bench, s, argv, scenario, gen_args, common, a.server_cpu,
                                 a.gen_cpu)
                r = cluster_derived(cluster, single)
                results[s].append(r)
                summary = {k: r.get(k) for k, _, _ in METRICS[key]}
                print(f"[{key} rep {rep + 1}/{a.reps}] {s}: {r.get('error') or summary}",
                      file=sys.stderr, flush=True)
    text = table(key, results, servers)
    if "soket" in servers and "node" in servers:
        per_cpu = [median([r.get("deliveries_per_cpu_s") for r in results[s]])
                   for s in ("soket", "node")]
        rate = [median([r.get("rate") for r in results[s]]) for s in ("soket", "node")]
        if all(per_cpu) and all(rate):
            ratio = per_cpu[0] / per_cpu[1]
            text += (f"\n\naim (soket cluster >= 3x the Node cluster's deliveries for the same "
                     f"CPU): {ratio:.2f}x deliveries per CPU-second (nodes + redis), "
                     f"{rate[0] / rate[1]:.2f}x deliveries/s: {'met' if ratio >= 3 else 'not met'}")
    text += (f"\n\n{nodes} nodes and redis-server pinned to CPU {a.server_cpu} / {a.redis_cpu}, "
             f"generator to {a.gen_cpu}; {'sharded' if a.sharded else 'classic'} pub/sub")
    text += f"\n{load_before} before, {load_average()} after"
    return results, text


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
            row.append(f"{a / b:.2f}" if a is not None and b and a > 0 and b > 0 else "-")
        lines.append("| " + " | ".join(row) + " |")
    errors = [(s, r["error"]) for s in servers for r in results[s] if "error" in r]
    for s, e in errors:
        lines.append(f"\n{s}: error: {e}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=["all"],
                    help=f"any of {', '.join(list(SCENARIOS) + list(CLUSTER_SCENARIOS))} or all")
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
    ap.add_argument("--redis-cpu", default="0", help="cluster scenarios: taskset CPU list of redis")
    ap.add_argument("--sharded", action="store_true",
                    help="cluster scenarios: sharded pub/sub (createShardedAdapter, --sharded)")
    ap.add_argument("--extra", default="", help="more generator arguments, space-separated")
    ap.add_argument("--baseline",
                    help="another build directory (an older commit): its bench-server runs as "
                         "the row \"before\", interleaved with the others, with soket/before")
    ap.add_argument("--tls", action="store_true",
                    help="wss:// with a throwaway certificate (soket and node only): the cost of TLS")
    ap.add_argument("--json", help="write every result to this file")
    a = ap.parse_args()

    names = DEFAULT_SET if a.scenarios == ["all"] else a.scenarios
    for n in names:
        if n not in SCENARIOS and n not in CLUSTER_SCENARIOS:
            ap.error(f"unknown scenario {n}")
    all_servers = [s for s in a.servers.split(",") if s]
    if a.soket_threads:
        threads = [f"soket-{n}t" for n in a.soket_threads.split(",") if n]
        at = all_servers.index("soket") if "soket" in all_servers else 0
        all_servers = (all_servers[:at] + threads +
                       [s for s in all_servers[at:] if s != "soket"])
    if a.baseline:
        at = next((i + 1 for i, s in enumerate(all_servers) if s.startswith("soket")), 0)
        all_servers.insert(at, "before")
    bench = os.path.join(a.build, "bench", "soket-bench")
    common = ["--warmup", a.warmup, "--duration", a.duration] + a.extra.split()
    tls_args = []
    if a.tls:
        plain_only = [s for s in all_servers if s in ("raw", "rawt", "before")]
        if plain_only or any(n in CLUSTER_SCENARIOS or SCENARIOS[n][0] == "devices" for n in names):
            ap.error("--tls: Socket.IO scenarios against soket and node only")
        tls_args = benchlib.make_certificate(tempfile.mkdtemp(prefix="soket-bench-tls-"))
        common.append("--tls")
    everything = {}
    out = []
    for key in names:
        if key in CLUSTER_SCENARIOS:
            everything[key], text = run_cluster(key, a, bench, common, all_servers)
            out.append(text)
            print(text, flush=True)
            continue
        scenario, gen_args = SCENARIOS[key]
        devices = scenario == "devices"
        servers = [s for s in all_servers if not devices or s in DEVICE_SERVERS]
        if key in POLLING_SCENARIOS:
            servers = [s for s in servers if s not in ("raw", "rawt")]
        cmds = server_commands(a.build, servers, devices, a.baseline, tls_args)
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
