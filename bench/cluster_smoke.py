#!/usr/bin/python3
"""bench.cluster_smoke: the cluster-broadcast setup of bench/run.py, a few seconds long. A
throwaway redis-server, two bench-server nodes joined through it (classic pub/sub, sharded, then
the Redis Streams adapter),
soket-bench with a few receivers on each node and one sender on node A: every broadcast must
reach the receivers on node B too, the CPU of both nodes and of redis must be reported, and
SIGTERM must stop each node cleanly (exit code 0). Exits 77 (ctest: skipped) when redis-server is
not installed."""
import argparse
import contextlib
import shutil
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import benchlib  # noqa: E402

SKIP = 77
RECEIVERS = 10  # 5 per node


def check_cluster(result, mode):
    if "error" in result:
        raise SystemExit(f"FAIL cluster ({mode}): {result['error']}")
    per_server = result.get("deliveries_per_server") or []
    if len(per_server) != 2 or min(per_server) <= 0:
        raise SystemExit(f"FAIL cluster ({mode}): deliveries per node {per_server} in {result}")
    per_emit = result["deliveries"] / max(result.get("emits", 0), 1)
    if per_emit < 0.75 * RECEIVERS:
        raise SystemExit(f"FAIL cluster ({mode}): {per_emit:.1f} deliveries per emit, expected "
                         f"{RECEIVERS}")
    for key in ("server_cpu_each", "aux_cpu_us_per_delivery"):
        if key not in result:
            raise SystemExit(f"FAIL cluster ({mode}): no {key} in {result}")
    print(f"ok cluster ({mode}): deliveries per node {per_server}, {per_emit:.1f} per emit, "
          f"rate={result['rate']:.0f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--redis-server", default="redis-server")
    a = ap.parse_args()
    if not shutil.which(a.redis_server):
        print(f"SKIP bench.cluster_smoke: {a.redis_server} not found")
        return SKIP
    short = ["--warmup", "0.3", "--duration", "0.5"]
    with benchlib.Redis(binary=a.redis_server) as redis:
        for mode in ("classic", "sharded", "streams"):
            sharded, streams = mode == "sharded", mode == "streams"
            argv = [a.server, "--redis", redis.url] + (["--sharded"] if sharded else [])
            argv += ["--redis-adapter", "streams"] if streams else []
            redis.wait_subscribed(0, sharded, streams=streams)
            with contextlib.ExitStack() as stack:
                nodes = [stack.enter_context(benchlib.Server(argv, benchlib.free_port()))
                         for _ in range(2)]
                redis.wait_subscribed(2, sharded, streams=streams)
                result = benchlib.run_bench(
                    a.bench, "broadcast", [n.port for n in nodes],
                    ["-c", str(RECEIVERS), "--senders", "1", "-k", "2"] + short,
                    [n.pid for n in nodes], "soket", timeout=30, aux_pid=redis.pid)
                check_cluster(result, mode)
                for i, node in enumerate(nodes):
                    node.stop()
                    if node.proc.returncode != 0:
                        raise SystemExit(f"FAIL cluster ({mode}): node {'AB'[i]} exited with "
                                         f"{node.proc.returncode}")
    print("bench.cluster_smoke: broadcasts crossed the cluster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
