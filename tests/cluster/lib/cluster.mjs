// Cluster harness: a throwaway redis-server, N nodes of either kind joined to it, haproxy in front of
// two of them, the redis-emitter script, and official socket.io clients. Every process is started
// through tests/integration/lib/server.mjs (random free ports in [20000, 32000), retries) and is
// killed when the test process exits.
//
// Node kinds:
//   "node"   tests/cluster/node_node.mjs: Node socket.io 4.8 + @socket.io/redis-adapter 8.3
//   "soket"  soket's feature-server ($SOKET_FEATURE_SERVER, else build/dev/examples/feature-server/)
// Both are started as  --port P --host 127.0.0.1 --redis redis://127.0.0.1:RP --node-name NAME
// [--requests-timeout MS] [--sharded] [--redis-adapter streams]  and print "listening on http://127.0.0.1:P" once ready.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcp_connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, emit_ack, sleep } from "../../integration/lib/client.mjs";
import { REPO_ROOT, example_binary, start_program, stop_checked } from "../../integration/lib/server.mjs";

export const NODE_NODE_SCRIPT = join(REPO_ROOT, "tests", "cluster", "node_node.mjs");
export const EMITTER_SCRIPT = join(REPO_ROOT, "tests", "cluster", "emitter.mjs");
export const HAPROXY_TEMPLATE = join(REPO_ROOT, "examples", "haproxy", "haproxy.cfg");
export const KINDS = ["node", "soket"];
// The programs, as ctest found them (else from PATH).
const REDIS_SERVER = process.env.SOKET_REDIS_SERVER || "redis-server";
const HAPROXY = process.env.SOKET_HAPROXY || "haproxy";

// The node kinds of the cluster under test: $SOKET_CLUSTER_KINDS (comma list), default soket,soket,node.
export function cluster_kinds() {
  const raw = process.env.SOKET_CLUSTER_KINDS ?? "soket,soket,node";
  const kinds = raw
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (!KINDS.includes(kind)) throw new Error(`SOKET_CLUSTER_KINDS: unknown kind "${kind}" (use ${KINDS})`);
  }
  if (kinds.length < 2) throw new Error(`SOKET_CLUSTER_KINDS needs at least two nodes, got "${raw}"`);
  return kinds;
}

// $SOKET_CLUSTER_SHARDED=1 starts every node with --sharded (SPUBLISH/SSUBSCRIBE).
export function cluster_sharded() {
  return ["1", "true", "yes"].includes((process.env.SOKET_CLUSTER_SHARDED ?? "").toLowerCase());
}

// $SOKET_CLUSTER_ADAPTER=streams starts every node with --redis-adapter streams (the protocol of
// @socket.io/redis-streams-adapter); default "pubsub" (@socket.io/redis-adapter).
export function cluster_streams() {
  const adapter = (process.env.SOKET_CLUSTER_ADAPTER ?? "pubsub").toLowerCase();
  if (!["pubsub", "streams"].includes(adapter)) throw new Error(`SOKET_CLUSTER_ADAPTER: unknown adapter "${adapter}"`);
  return adapter === "streams";
}

// --- Redis ----------------------------------------------------------------------------------

// Sends one command (RESP array of bulk strings; each argument a string or a Buffer) and resolves
// with the raw reply text once a full reply of the simple kinds used here arrived (+OK, :N, -ERR,
// or a flat array); rejects on error.
export function redis_call(port, args, timeout_ms = 1000) {
  return new Promise((resolve, reject) => {
    const socket = tcp_connect({ host: "127.0.0.1", port });
    let reply = "";
    const timer = setTimeout(() => finish(new Error(`redis ${args[0]}: no reply within ${timeout_ms} ms`)), timeout_ms);
    const finish = (err) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply);
    };
    socket.on("error", finish);
    socket.on("connect", () => {
      const parts = [Buffer.from(`*${args.length}\r\n`)];
      for (const arg of args) {
        const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
        parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
      }
      socket.write(Buffer.concat(parts));
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      reply += chunk;
      if (resp_complete(reply)) finish(null);
    });
  });
}

function resp_complete(text) {
  const lines = text.split("\r\n");
  if (lines.length < 2) return false;
  const head = lines[0];
  if (head[0] !== "*") return true; // +, -, : : one line
  const count = Number(head.slice(1));
  let i = 1;
  for (let n = 0; n < count; ++n) {
    const line = lines[i];
    if (line === undefined || i >= lines.length - 1) return false;
    i += line[0] === "$" && line !== "$-1" ? 2 : 1;
  }
  return i <= lines.length - 1;
}

// PUBSUB NUMSUB (classic) or SHARDNUMSUB (sharded) of `channel`: the number of subscribers.
export async function redis_numsub(port, channel, sharded = false) {
  const reply = await redis_call(port, ["PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel]);
  const match = /:(\d+)\r\n$/.exec(reply);
  if (!match) throw new Error(`unexpected NUMSUB reply ${JSON.stringify(reply)}`);
  return Number(match[1]);
}

// PUBSUB CHANNELS (or SHARDCHANNELS) `pattern`: the channels someone subscribes to.
export async function redis_channels(port, pattern, sharded = false) {
  const reply = await redis_call(port, ["PUBSUB", sharded ? "SHARDCHANNELS" : "CHANNELS", pattern]);
  return reply
    .split("\r\n")
    .slice(1)
    .filter((line, i) => i % 2 === 1 && line !== "");
}

async function redis_pings(port) {
  return (await redis_call(port, ["PING"], 500)).startsWith("+PONG");
}

// A throwaway redis-server (no persistence) on a free port. Returns
// {port, url, pid(), kill(), restart(), stop()}: kill() is SIGKILL (an outage), restart() starts it
// again on the same port, stop() is SIGTERM then SIGKILL.
export async function start_redis() {
  const args_for = (port) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const start = (port) => start_program("redis-server", REDIS_SERVER, args_for, { port, probe: redis_pings });
  let program = await start();
  const port = program.port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => program.pid,
    logs: () => program.logs(),
    async kill() {
      await program.kill("SIGKILL");
    },
    async restart() {
      if (program.exited() === null) await program.kill("SIGKILL");
      program = await start(port);
    },
    async stop() {
      return program.stop();
    },
  };
}

// --- nodes ------------------------------------------------------------------------------------

function node_command(kind) {
  if (kind === "node") return { binary: process.execPath, prefix: [NODE_NODE_SCRIPT] };
  if (kind === "soket") return { binary: example_binary("feature-server"), prefix: [] };
  throw new Error(`unknown node kind ${kind}`);
}

// Starts one node of `kind` joined to `redis_url`. Returns the start_program handle plus
// {kind, name, url}. `soket_args` are added to a soket node's command line, `node_args` to a Node
// node's.
export async function start_node(
  kind,
  {
    redis_url,
    name,
    requests_timeout_ms,
    sharded = cluster_sharded(),
    streams = cluster_streams(),
    soket_args = [],
    node_args = [],
  },
) {
  const { binary, prefix } = node_command(kind);
  const args_for = (port) => [
    ...prefix,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--redis",
    redis_url,
    "--node-name",
    name,
    ...(requests_timeout_ms !== undefined ? ["--requests-timeout", String(requests_timeout_ms)] : []),
    ...(sharded ? ["--sharded"] : []),
    ...(streams ? ["--redis-adapter", "streams"] : []),
    ...(kind === "soket" ? soket_args : node_args),
  ];
  const program = await start_program(`${kind} node ${name}`, binary, args_for);
  return Object.assign(program, { kind, name });
}

// The channel every node subscribes to in namespace "/", whose subscriber count is the node count
// (that is how the Node adapters count the nodes: PUBSUB NUMSUB / SHARDNUMSUB).
export function count_channel(sharded = cluster_sharded(), streams = cluster_streams()) {
  return sharded || streams ? "socket.io#/#" : "socket.io-request#/#";
}

// Waits until `expected` nodes are subscribed on Redis (a node prints its "listening on" line
// possibly before its SUBSCRIBE went through).
export async function wait_subscribed(redis, expected, timeout_ms = 5000) {
  const sharded = cluster_sharded();
  const deadline = Date.now() + timeout_ms;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = await redis_numsub(redis.port, count_channel(sharded), sharded).catch(() => -1);
    if (seen === expected) return;
    await sleep(25);
  }
  throw new Error(`${seen} nodes subscribed on ${count_channel(sharded)} after ${timeout_ms} ms, expected ${expected}`);
}

// Redis plus one node per kind (names "A-node", "B-soket", ...), all started in parallel.
// Returns {redis, nodes, stop()}; stop() checks that every node still running exits cleanly on
// SIGTERM (nodes in `killed` are skipped).
export async function start_cluster(kinds, { requests_timeout_ms, soket_args, node_args } = {}) {
  const redis = await start_redis();
  const started = await Promise.allSettled(
    kinds.map((kind, i) =>
      start_node(kind, {
        redis_url: redis.url,
        name: `${String.fromCharCode(65 + i)}-${kind}`,
        requests_timeout_ms,
        soket_args,
        node_args,
      }),
    ),
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(started.filter((r) => r.status === "fulfilled").map((r) => r.value.kill()));
    await redis.stop();
    throw failed.reason;
  }
  const nodes = started.map((r) => r.value);
  await wait_subscribed(redis, nodes.length);
  const killed = new Set();
  return {
    redis,
    nodes,
    // SIGKILL one node (it stays down).
    async kill_node(node) {
      killed.add(node);
      await node.kill("SIGKILL");
    },
    async stop() {
      const results = await Promise.allSettled(nodes.filter((n) => !killed.has(n)).map((n) => stop_checked(n)));
      await redis.stop();
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    },
  };
}

// --- clients ----------------------------------------------------------------------------------

// An official client on `node` (anything with {url, name}) using only `transport`
// ("websocket" | "polling"); `label` says where it is, for messages. `opts` go to io().
export async function client_on(node, transport, opts = {}) {
  const socket = await connect(node.url, { transports: [transport], ...opts });
  socket.node_name = node.name;
  socket.label = `${node.name}/${transport}`;
  return socket;
}

// A WebSocket and a polling client on every node. Each answers "question" unless `silent`.
export async function clients_everywhere(nodes, { answer_questions = true } = {}) {
  const clients = await Promise.all(
    nodes.flatMap((node) => ["websocket", "polling"].map((transport) => client_on(node, transport))),
  );
  if (answer_questions) for (const c of clients) c.on("question", (_q, cb) => cb?.(`${c.label} is here`));
  return clients;
}

// Waits until `count` (asked on `via`) equals `expected`: disconnected clients of earlier tests
// may take a moment to leave their nodes.
export async function wait_count(via, expected, timeout_ms = 5000) {
  const deadline = Date.now() + timeout_ms;
  let last;
  while (Date.now() < deadline) {
    [last] = await emit_ack(via, "count", [], timeout_ms);
    if (last?.count === expected) return;
    await sleep(50);
  }
  throw new Error(`count stayed ${JSON.stringify(last)} for ${timeout_ms} ms, expected ${expected}`);
}

// Asks `via` for the rooms of socket `id` until `predicate(rooms)` holds (remote joins and leaves are
// applied asynchronously on the other nodes).
export async function wait_rooms(via, id, predicate, timeout_ms = 5000, what = "rooms") {
  const deadline = Date.now() + timeout_ms;
  let last;
  while (Date.now() < deadline) {
    [last] = await emit_ack(via, "rooms-of", [id], timeout_ms);
    if (predicate(last?.rooms ?? null)) return last.rooms;
    await sleep(50);
  }
  throw new Error(`${what}: rooms of ${id} stayed ${JSON.stringify(last)} for ${timeout_ms} ms`);
}

// --- @socket.io/redis-emitter -----------------------------------------------------------------

// Runs tests/cluster/emitter.mjs against `redis_url` with the operations `ops` (see that file);
// resolves once it exited 0.
export function run_emitter(redis_url, ops, timeout_ms = 10000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EMITTER_SCRIPT, "--redis", redis_url, "--ops", JSON.stringify(ops)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout_ms);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`emitter exited (code ${code}, signal ${signal}): ${output}`));
    });
  });
}

// --- haproxy ----------------------------------------------------------------------------------

// The example config with the frontend on 127.0.0.1:`port` and the two backends on the ports of
// `backends` (two nodes).
export function haproxy_config(port, backends) {
  if (backends.length !== 2) throw new Error("the haproxy example has two backends");
  const template = readFileSync(HAPROXY_TEMPLATE, "utf8");
  let config = template
    .replace(/^(\s*bind\s+)\*:5000\b/m, `$1127.0.0.1:${port}`)
    .replace(/127\.0\.0\.1:5001\b/, `127.0.0.1:${backends[0].port}`)
    .replace(/127\.0\.0\.1:5002\b/, `127.0.0.1:${backends[1].port}`);
  if (config === template || /:500[012]\b/.test(config.replace(/^\s*#.*$/gm, ""))) {
    throw new Error(`${HAPROXY_TEMPLATE} no longer has "bind *:5000" and backends 127.0.0.1:5001/5002`);
  }
  return config;
}

function tcp_accepts(port) {
  return new Promise((resolve) => {
    const socket = tcp_connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

// haproxy (in the foreground, -db) in front of two nodes. Returns the start_program handle
// plus {config_path}; stop() also removes the temporary config.
export async function start_haproxy(backends) {
  const dir = mkdtempSync(join(tmpdir(), "soket-haproxy-"));
  const config_path = join(dir, "haproxy.cfg");
  const program = await start_program(
    "haproxy",
    HAPROXY,
    (port) => {
      writeFileSync(config_path, haproxy_config(port, backends));
      return ["-f", config_path, "-db"];
    },
    { probe: tcp_accepts },
  );
  const stop = program.stop;
  return Object.assign(program, {
    config_path,
    async stop() {
      try {
        return await stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}
