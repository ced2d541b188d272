// One Socket.IO cluster over Redis, nodes of both kinds: soket's feature-server and the Node
// socket.io 4.8 reference (node_node.mjs), with the events of tests/cluster/EVENTS.md. The node
// kinds come from $SOKET_CLUSTER_KINDS (default soket,soket,node); with node,node,node the same tests
// prove themselves against the reference alone. Clients on every node, WebSocket and polling.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, record, sleep } from "../integration/lib/client.mjs";
import {
  client_on,
  clients_everywhere,
  cluster_kinds,
  cluster_sharded,
  cluster_streams,
  redis_call,
  redis_channels,
  run_emitter,
  start_cluster,
  start_haproxy,
  wait_count,
  wait_rooms,
  wait_subscribed,
} from "./lib/cluster.mjs";

const KINDS = cluster_kinds();
// $SOKET_CLUSTER_SHARDED=1: every node runs the sharded adapter (SPUBLISH/SSUBSCRIBE).
const SHARDED = cluster_sharded();
// $SOKET_CLUSTER_ADAPTER=streams: every node runs the Redis Streams adapter.
const STREAMS = cluster_streams();
const ADAPTER = `${STREAMS ? "streams" : "pub/sub"}${SHARDED ? ", sharded" : ""}`;
const T = { timeout: 20000 };
// How long to wait for a message that must NOT come (duplicates, wrong receivers).
const QUIET_MS = 300;
// How long a cluster request may take when a node or Redis is gone: the requests timeout the
// nodes are started with (1500 ms) plus the margin each kind adds before it answers.
const SHORT_REQUESTS_MS = 1500;
const DEGRADED_ANSWER_MS = SHORT_REQUESTS_MS + 1500;

const names = (clients) => clients.map((c) => c.label);
const others = (clients, me) => clients.filter((c) => c !== me);

// Resolves with the argument list of the next `event` at every client of `clients` (in order), or
// rejects naming every client that got none in time. A rejection nobody awaits (an earlier
// assertion failed) is not reported as unhandled.
function each_gets(clients, event, timeout_ms = 5000) {
  const all = Promise.allSettled(clients.map((c) => next_event(c, event, timeout_ms))).then((results) => {
    const missing = clients.filter((_, i) => results[i].status === "rejected").map((c) => c.label);
    if (missing.length) throw new Error(`no "${event}" within ${timeout_ms} ms at ${missing.join(", ")}`);
    return results.map((r) => r.value);
  });
  all.catch(() => {});
  return all;
}

// Records `event` on every client, to check after a quiet period that nothing more came.
function record_all(clients, event) {
  const got = new Map();
  for (const c of clients) got.set(c, record(c, event));
  return {
    of: (c) => got.get(c),
    // Asserts that each client got exactly the argument lists `expected(c)` (after QUIET_MS).
    async settle(expected, what) {
      await sleep(QUIET_MS);
      for (const c of clients) assert.deepEqual(got.get(c), expected(c), `${what} at ${c.label}`);
    },
  };
}

// Resolves with the first argument list of `event` on `socket` for which `predicate(args)` holds.
function next_matching(socket, event, predicate, timeout_ms = 5000) {
  return new Promise((resolve, reject) => {
    const handler = (...args) => {
      if (!predicate(args)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(args);
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`${socket.label}: no matching "${event}" within ${timeout_ms} ms`));
    }, timeout_ms);
    socket.on(event, handler);
  });
}

function disconnect_reason(socket, timeout_ms = 5000) {
  return next_event(socket, "disconnect", timeout_ms).then(([reason]) => reason);
}

async function join(socket, room) {
  assert.deepEqual(await emit_ack(socket, "join", [room]), [{ joined: room }]);
}

describe(`cluster of ${KINDS.join(", ")} (${ADAPTER})`, () => {
  let cluster;
  let open = [];
  const fresh = async (opts) => {
    const clients = await clients_everywhere(cluster.nodes, opts);
    open.push(...clients);
    return clients;
  };

  before(async () => {
    cluster = await start_cluster(KINDS);
  });
  after(async () => {
    close_all(open);
    await cluster?.stop();
  });
  // Every test starts with no client left from the one before (polling ones leave within ms).
  beforeEach(async () => {
    close_all(open);
    open = [];
    const probe = await client_on(cluster.nodes[0], "websocket");
    try {
      await wait_count(probe, 1);
    } finally {
      probe.disconnect();
    }
  });

  it("every node answers whoami with its name and a socket id", T, async () => {
    const clients = await fresh();
    for (const c of clients) {
      const [me] = await emit_ack(c, "whoami");
      assert.deepEqual(me, { node: c.node_name, id: c.id, recovered: false }, c.label);
    }
  });

  it("message reaches every client on every node once, sender included", T, async () => {
    const clients = await fresh();
    const got = record_all(clients, "message");
    // One sender per node, alternating transports.
    const senders = cluster.nodes.map((_, i) => clients[2 * i + (i % 2)]);
    for (const sender of senders) {
      const arrived = each_gets(clients, "message");
      sender.emit("message", `from ${sender.label}`, { n: 1, nested: ["é ✓", null, 1.5] });
      await arrived;
    }
    await got.settle(
      () => senders.map((s) => [`from ${s.label}`, { n: 1, nested: ["é ✓", null, 1.5] }]),
      "message",
    );
  });

  it("broadcast reaches every other client on every node, never the sender", T, async () => {
    const clients = await fresh();
    const got = record_all(clients, "broadcast");
    for (const sender of clients) {
      const arrived = each_gets(others(clients, sender), "broadcast");
      sender.emit("broadcast", sender.label);
      await arrived;
    }
    await got.settle((c) => names(others(clients, c)).map((l) => [l]), "broadcast");
  });

  it("to-room reaches the members on every node and only them", T, async () => {
    const clients = await fresh();
    // Members: the WebSocket client of even nodes, the polling client of odd ones, and both
    // clients of the last node. The sender, A's polling client, is not a member.
    const last = cluster.nodes.at(-1).name;
    const members = clients.filter((c, i) => i % 4 === 0 || i % 4 === 3 || c.node_name === last);
    const sender = clients[1];
    await Promise.all(members.map((m) => join(m, "lab")));
    const got = record_all(clients, "room-message");
    for (let round = 0; round < 2; ++round) {
      const arrived = each_gets(members, "room-message");
      sender.emit("to-room", "lab", { round, temp: 27.5 });
      await arrived;
    }
    await got.settle(
      (c) => (members.includes(c) ? [[{ round: 0, temp: 27.5 }], [{ round: 1, temp: 27.5 }]] : []),
      "room-message",
    );
  });

  it("binary payloads cross nodes intact (to-room, broadcast)", T, async () => {
    const clients = await fresh();
    const all_bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const small = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    await Promise.all(clients.map((c) => join(c, "bin")));
    const [sender] = clients;

    // From the first node and from the last (the Node node in a mixed cluster).
    let arrived;
    for (const from of [sender, clients.at(-1)]) {
      arrived = each_gets(clients, "room-message");
      from.emit("to-room", "bin", all_bytes, { label: "nested", data: small, list: [small, "text"] });
      for (const [i, args] of (await arrived).entries()) {
        const where = `${clients[i].label} from ${from.label}`;
        assert.equal(args.length, 2, where);
        assert.ok(Buffer.isBuffer(args[0]) && args[0].equals(all_bytes), `256 bytes at ${where}`);
        assert.equal(args[1].label, "nested", where);
        assert.ok(Buffer.isBuffer(args[1].data) && args[1].data.equals(small), `nested buffer at ${where}`);
        assert.ok(args[1].list[0].equals(small), `buffer in a list at ${where}`);
        assert.equal(args[1].list[1], "text", where);
      }
    }

    arrived = each_gets(others(clients, sender), "broadcast");
    sender.emit("broadcast", small, "after");
    for (const [i, args] of (await arrived).entries()) {
      assert.ok(Buffer.isBuffer(args[0]) && args[0].equals(small), `broadcast buffer at client ${i}`);
      assert.equal(args[1], "after");
    }
  });

  it("count on every node equals the real total", T, async () => {
    const clients = await fresh();
    await wait_count(clients[0], clients.length);
    for (const c of clients) assert.deepEqual(await emit_ack(c, "count"), [{ count: clients.length }], c.label);
    const extra = await client_on(cluster.nodes.at(-1), "polling");
    open.push(extra);
    for (const c of clients) assert.deepEqual(await emit_ack(c, "count"), [{ count: clients.length + 1 }], c.label);
  });

  it("rooms-of finds a socket on another node", T, async () => {
    const clients = await fresh();
    const [asker] = clients;
    const target = clients.at(-1); // on the last node
    await join(target, "r-one");
    await join(target, "r-two");
    assert.deepEqual(await emit_ack(asker, "rooms-of", [target.id]), [{ rooms: [target.id, "r-one", "r-two"].sort() }]);
    for (const c of clients) {
      const [{ rooms }] = await emit_ack(asker, "rooms-of", [c.id]);
      assert.ok(Array.isArray(rooms) && rooms.includes(c.id), `rooms of ${c.label}: ${JSON.stringify(rooms)}`);
    }
    assert.deepEqual(await emit_ack(asker, "rooms-of", ["no-such-socket-id"]), [{ rooms: null }]);
  });

  it("join-all puts every socket of every node in the room; to-room then reaches everyone", T, async () => {
    const clients = await fresh();
    const [asker] = clients;
    assert.deepEqual(await emit_ack(asker, "join-all", ["everyone"]), ["ok"]);
    for (const c of clients) await wait_rooms(asker, c.id, (r) => r?.includes("everyone"), 5000, c.label);
    const got = record_all(clients, "room-message");
    const arrived = each_gets(clients, "room-message");
    clients.at(-1).emit("to-room", "everyone", "hello all");
    await arrived;
    await got.settle(() => [["hello all"]], "room-message");
  });

  it("kick-room disconnects the members on every node and only them", T, async () => {
    const clients = await fresh();
    const members = clients.filter((_, i) => i % 2 === 1); // the polling client of every node
    const stay = clients.filter((c) => !members.includes(c));
    await Promise.all(members.map((m) => join(m, "doomed")));
    const reasons = Promise.all(members.map((m) => disconnect_reason(m)));
    const stayed = stay.map((c) => record(c, "disconnect"));
    stay[0].emit("kick-room", "doomed");
    assert.deepEqual(await reasons, members.map(() => "io server disconnect"));
    await sleep(QUIET_MS);
    for (const [i, c] of stay.entries()) {
      assert.deepEqual(stayed[i], [], `${c.label} was disconnected`);
      assert.deepEqual(await emit_ack(c, "echo", ["still here"]), ["still here"], c.label);
    }
    await wait_count(stay[0], stay.length);
  });

  it("server-side-emit: every client gets relayed once, from its own node", T, async () => {
    const clients = await fresh();
    const got = record_all(clients, "relayed");
    for (const sender of [clients[0], clients.at(-1)]) {
      const arrived = each_gets(clients, "relayed");
      sender.emit("server-side-emit", `via ${sender.node_name}`);
      await arrived;
    }
    await got.settle(
      (c) => [
        [`via ${clients[0].node_name}`, c.node_name],
        [`via ${clients.at(-1).node_name}`, c.node_name],
      ],
      "relayed",
    );
  });

  it("server-side-emit-ack: the responses are the names of the other nodes", T, async () => {
    const clients = await fresh();
    for (const node of cluster.nodes) {
      const asker = clients.find((c) => c.node_name === node.name);
      const [reply] = await emit_ack(asker, "server-side-emit-ack", [], 8000);
      assert.equal(reply.err, null, `${node.name}: ${JSON.stringify(reply)}`);
      assert.deepEqual(
        [...reply.responses].sort(),
        cluster.nodes.filter((n) => n !== node).map((n) => n.name).sort(),
        node.name,
      );
    }
  });

  it("ask-all: every client on every node answers", T, async () => {
    const clients = await fresh();
    await wait_count(clients[0], clients.length);
    for (const asker of [clients[0], clients.at(-1)]) {
      assert.deepEqual(await emit_ack(asker, "ask-all", [], 6000), [{ timedOut: false, answers: clients.length }]);
    }
  });

  it("ask-all: one client that never answers makes it time out with the others' answers", T, async () => {
    const clients = await fresh();
    const silent = await client_on(cluster.nodes[1], "polling"); // no "question" handler
    open.push(silent);
    await wait_count(clients[0], clients.length + 1);
    const started = Date.now();
    const [reply] = await emit_ack(clients[0], "ask-all", [], 6000);
    assert.deepEqual(reply, { timedOut: true, answers: clients.length });
    assert.ok(Date.now() - started >= 1900, `timed out after ${Date.now() - started} ms, before the 2 s`);
  });

  it("remote-join, remote-leave, remote-emit, remote-disconnect on sockets of other nodes", T, async () => {
    const clients = await fresh();
    const actor = clients[0]; // on node A
    const targets = clients.filter((c) => c.node_name !== actor.node_name);
    const outsider = clients[1]; // A's polling client: never targeted
    const at_outsider = record(outsider, "direct");

    for (const target of targets) {
      assert.deepEqual(await emit_ack(actor, "remote-join", [target.id, "remote-room"]), ["ok"], target.label);
    }
    for (const target of targets) {
      await wait_rooms(actor, target.id, (r) => r?.includes("remote-room"), 5000, `remote-join ${target.label}`);
    }
    let arrived = each_gets(targets, "room-message");
    outsider.emit("to-room", "remote-room", "joined remotely");
    assert.deepEqual(await arrived, targets.map(() => ["joined remotely"]));

    const leaver = targets[0];
    assert.deepEqual(await emit_ack(actor, "remote-leave", [leaver.id, "remote-room"]), ["ok"]);
    await wait_rooms(actor, leaver.id, (r) => Array.isArray(r) && !r.includes("remote-room"), 5000, "remote-leave");
    const at_leaver = record(leaver, "room-message");
    arrived = each_gets(targets.slice(1), "room-message");
    outsider.emit("to-room", "remote-room", "after leave");
    await arrived;

    for (const target of targets) {
      const direct = next_event(target, "direct");
      assert.deepEqual(await emit_ack(actor, "remote-emit", [target.id, "direct", { to: target.label }]), ["ok"]);
      assert.deepEqual(await direct, [{ to: target.label }]);
    }

    assert.deepEqual(await emit_ack(actor, "remote-join", ["no-such-socket-id", "x"]), ["not found"]);

    const victims = targets.filter((_, i) => i % 2 === 1); // the polling client of every other node
    for (const victim of victims) {
      const reason = disconnect_reason(victim);
      assert.deepEqual(await emit_ack(actor, "remote-disconnect", [victim.id]), ["ok"]);
      assert.equal(await reason, "io server disconnect", victim.label);
    }
    await sleep(QUIET_MS);
    assert.deepEqual(at_leaver, [], "remote-leave: the socket still got the room message");
    assert.deepEqual(at_outsider, [], "remote-emit reached a socket it did not name");
    assert.equal(outsider.connected, true);
    await wait_count(actor, clients.length - victims.length);
  });

  // The streams protocol on the wire, checked the same way on Node nodes (streams_node_only) and on
  // soket nodes: what goes on the stream, and what on pub/sub.
  const streams_skip = STREAMS ? false : "the pub/sub adapter has no stream";
  it("streams: broadcasts and joins go on the stream; requests go on pub/sub", { ...T, skip: streams_skip }, async () => {
    const { createClient } = await import("redis");
    const { decode } = await import("@msgpack/msgpack");
    const clients = await fresh();
    const redis = createClient({ url: cluster.redis.url });
    const sub = redis.duplicate();
    await Promise.all([redis.connect(), sub.connect()]);
    try {
      // A pattern subscription: a SUBSCRIBE would count as one more node (PUBSUB NUMSUB). Sharded
      // pub/sub has no patterns: there only the stream is checked.
      const published = [];
      if (!SHARDED) await sub.pSubscribe("socket.io#/#", (payload) => published.push(decode(payload)), true);
      const last = await redis.xRevRange("socket.io", "+", "-", { COUNT: 1 });
      const after = last[0]?.id ?? "0-0";
      const senders = cluster.nodes.map((node) => clients.find((c) => c.node_name === node.name));
      for (const sender of senders) {
        const arrived = each_gets(others(clients, sender), "broadcast");
        sender.emit("broadcast", `wire from ${sender.label}`);
        await arrived;
        assert.deepEqual(await emit_ack(sender, "join-all", ["wire"]), ["ok"]);
        assert.equal((await emit_ack(sender, "count"))[0].count, clients.length);
        assert.equal((await emit_ack(sender, "server-side-emit-ack", [], 8000))[0].err, null);
        assert.deepEqual(await emit_ack(sender, "ask-all", [], 6000), [{ timedOut: false, answers: clients.length }]);
      }
      await sleep(QUIET_MS);
      const n = cluster.nodes.length;

      const entries = (await redis.xRange("socket.io", after, "+")).filter((e) => e.id !== after);
      for (const { id, message } of entries) {
        assert.deepEqual(Object.keys(message).sort(), ["data", "nsp", "type", "uid"], `entry ${id}`);
        assert.equal(message.nsp, "/", `entry ${id}`);
        const data = JSON.parse(message.data); // no binary here: JSON text
        assert.ok(message.type === "3" || message.type === "4", `entry ${id} of type ${message.type}`);
        if (message.type === "3") {
          assert.equal(data.requestId, undefined, `a broadcast with acks on the stream: ${message.data}`);
          assert.deepEqual(data.packet.data[0], "broadcast", `entry ${id}: ${message.data}`);
        } else {
          assert.deepEqual(data.rooms, ["wire"], `entry ${id}: ${message.data}`);
        }
      }
      const on_stream = (type) => entries.filter((e) => e.message.type === type);
      assert.equal(on_stream("3").length, n, "one broadcast entry per node");
      assert.equal(on_stream("4").length, n, "one sockets_join entry per node");
      assert.equal(new Set(on_stream("3").map((e) => e.message.uid)).size, n, "each node its own uid");

      if (SHARDED) return;
      const on_channel = (type, pred = () => true) => published.filter((m) => m.type === type && pred(m));
      assert.equal(on_channel(7).length, n, "one fetch_sockets per node on pub/sub");
      assert.equal(on_channel(9).length, n, "one server_side_emit (with ack) per node on pub/sub");
      assert.equal(on_channel(3, (m) => typeof m.data.requestId === "string").length, n, "broadcasts with acks");
      assert.equal(on_channel(3, (m) => m.data.requestId === undefined).length, 0, "broadcasts on pub/sub");
      assert.equal(on_channel(4).length, 0, "sockets_join on pub/sub");
      for (const m of published) assert.equal(m.nsp, "/", JSON.stringify(m));
    } finally {
      await Promise.allSettled([redis.quit(), sub.quit()]);
    }
  });

  // @socket.io/redis-emitter 5.1 PUBLISHes on the classic channels only: no sharded counterpart,
  // and the streams adapter listens on none of them.
  const emitter_skip = SHARDED
    ? "the redis-emitter does not speak sharded Pub/Sub"
    : STREAMS
      ? "the redis-emitter does not speak the streams protocol"
      : false;
  it("@socket.io/redis-emitter from another process reaches clients on every node", { ...T, skip: emitter_skip }, async () => {
    const clients = await fresh();
    const members = clients.filter((_, i) => i % 2 === 0); // the WebSocket client of every node
    await Promise.all(members.map((m) => join(m, "emitter-room")));
    const bytes = Buffer.from([1, 2, 3, 250, 251, 0]);
    const to_all = record_all(clients, "from-emitter");
    const to_room = record_all(clients, "from-emitter-room");
    const relayed = record_all(clients, "relayed");

    const all_arrived = each_gets(clients, "from-emitter");
    const room_arrived = each_gets(members, "from-emitter-room");
    const relay_arrived = each_gets(clients, "relayed");
    await run_emitter(cluster.redis.url, [
      { op: "emit", event: "from-emitter", args: ["to all", { $buffer: bytes.toString("base64") }] },
      { op: "emit", to: "emitter-room", event: "from-emitter-room", args: [{ n: 42 }] },
      { op: "server-side-emit", args: ["relay", "from the emitter"] },
    ]);
    for (const [i, args] of (await all_arrived).entries()) {
      assert.equal(args[0], "to all", clients[i].label);
      assert.ok(Buffer.isBuffer(args[1]) && args[1].equals(bytes), `emitter buffer at ${clients[i].label}`);
    }
    await room_arrived;
    await relay_arrived;
    await to_room.settle((c) => (members.includes(c) ? [[{ n: 42 }]] : []), "from-emitter-room");
    await relayed.settle((c) => [["from the emitter", c.node_name]], "relayed (emitter serverSideEmit)");
    assert.equal(to_all.of(clients[0]).length, 1);

    // socketsJoin: the members of emitter-room on every node also join "joined-by-emitter".
    await run_emitter(cluster.redis.url, [{ op: "sockets-join", in: "emitter-room", rooms: ["joined-by-emitter"] }]);
    for (const c of clients) {
      await wait_rooms(
        clients[1],
        c.id,
        (r) => Array.isArray(r) && r.includes("joined-by-emitter") === members.includes(c),
        5000,
        `sockets-join ${c.label}`,
      );
    }

    // disconnectSockets: the members of emitter-room on every node, and only them.
    const reasons = Promise.all(members.map((m) => disconnect_reason(m)));
    await run_emitter(cluster.redis.url, [{ op: "disconnect-sockets", in: "joined-by-emitter", close: true }]);
    assert.deepEqual(await reasons, members.map(() => "io server disconnect"));
    await wait_count(clients[1], clients.length - members.length);
  });
});

describe(`Redis killed and restarted under ${KINDS.join(", ")} (${ADAPTER})`, () => {
  let cluster;
  let clients = [];
  before(async () => {
    cluster = await start_cluster(KINDS, { requests_timeout_ms: SHORT_REQUESTS_MS });
    clients = await clients_everywhere(cluster.nodes);
    await wait_count(clients[0], clients.length);
  });
  after(async () => {
    close_all(clients);
    await cluster?.stop();
  });

  it("local delivery goes on, count answers in time, cross-node delivery resumes", { timeout: 30000 }, async (t) => {
    await cluster.redis.kill();

    // Same-node broadcast still works on every node: the WebSocket and polling client of a node.
    // (Not with Node's sharded or streams adapter: its ClusterAdapter delivers locally only once
    // SPUBLISH / XADD has completed, and node-redis holds that command until Redis is back.)
    for (let i = 0; i < cluster.nodes.length && !SHARDED; ++i) {
      if (STREAMS && cluster.nodes[i].kind === "node") continue;
      const [ws, polling] = [clients[2 * i], clients[2 * i + 1]];
      const text = `local on ${ws.node_name}`;
      const got = next_matching(polling, "broadcast", (args) => args[0] === text, 3000);
      ws.emit("broadcast", text);
      await got;
    }

    // count answers, on every node, within the requests timeout (+ margin): the local count or an
    // error, never a hang.
    const asked = Date.now();
    const answers = await Promise.all(
      cluster.nodes.map((_, i) => emit_ack(clients[2 * i], "count", [], DEGRADED_ANSWER_MS + 3000)),
    );
    const took = Date.now() - asked;
    t.diagnostic(`Redis down: every node answered count within ${took} ms`);
    assert.ok(took <= DEGRADED_ANSWER_MS + 1000, `count took ${took} ms with Redis down`);
    for (const [i, [answer]] of answers.entries()) {
      t.diagnostic(`Redis down: ${cluster.nodes[i].name} answered count with ${JSON.stringify(answer)}`);
      const ok =
        (typeof answer?.error === "string" && answer.error.length > 0) ||
        (Number.isInteger(answer?.count) && answer.count >= 2 && answer.count <= clients.length);
      assert.ok(ok, `${cluster.nodes[i].name} answered count with ${JSON.stringify(answer)}`);
    }

    await cluster.redis.restart();
    // Cross-node delivery resumes within a few seconds: keep sending until every other node's
    // clients got one (bounded).
    const sender = clients[0];
    const remote = clients.filter((c) => c.node_name !== sender.node_name);
    const seen = new Set();
    for (const c of remote) {
      c.on("broadcast", (text) => {
        if (String(text).startsWith("after restart")) seen.add(c);
      });
    }
    const deadline = Date.now() + 10000;
    for (let n = 0; seen.size < remote.length; ++n) {
      assert.ok(Date.now() < deadline, `after 10 s only ${[...seen].map((c) => c.label)} got broadcasts again`);
      sender.emit("broadcast", `after restart ${n}`);
      await sleep(200);
    }
    await wait_subscribed(cluster.redis, cluster.nodes.length);
    await wait_count(clients.at(-1), clients.length, 5000);
  });
});

describe(`a node killed with SIGKILL in ${KINDS.join(", ")} (${ADAPTER})`, () => {
  let cluster;
  let clients = [];
  before(async () => {
    cluster = await start_cluster(KINDS, { requests_timeout_ms: SHORT_REQUESTS_MS });
    clients = await clients_everywhere(cluster.nodes);
    await wait_count(clients[0], clients.length);
  });
  after(async () => {
    close_all(clients);
    await cluster?.stop();
  });

  it("the others keep serving; count and server-side-emit-ack complete in time", T, async (t) => {
    const dead = cluster.nodes.at(-1);
    const survivors = cluster.nodes.filter((n) => n !== dead);
    const alive = clients.filter((c) => c.node_name !== dead.name);
    const orphans = clients.filter((c) => c.node_name === dead.name);
    const orphans_gone = Promise.all(orphans.map((c) => disconnect_reason(c, 8000)));
    await cluster.kill_node(dead);
    await orphans_gone;

    // Broadcasts still reach every other surviving client, on every surviving node.
    for (const sender of [alive[0], alive.at(-1)]) {
      const arrived = each_gets(others(alive, sender), "broadcast");
      sender.emit("broadcast", `survivor ${sender.label}`);
      await arrived;
    }

    for (const node of survivors) {
      const asker = alive.find((c) => c.node_name === node.name);
      let asked = Date.now();
      const [count] = await emit_ack(asker, "count", [], DEGRADED_ANSWER_MS + 3000);
      let took = Date.now() - asked;
      t.diagnostic(`${dead.name} killed: ${node.name} answered count with ${JSON.stringify(count)} in ${took} ms`);
      assert.ok(took <= DEGRADED_ANSWER_MS, `count took ${took} ms after a node died`);
      assert.ok(
        count?.count === alive.length || (typeof count?.error === "string" && count.error.length > 0),
        `${node.name}: count ${JSON.stringify(count)}, ${alive.length} sockets survive`,
      );

      asked = Date.now();
      const [reply] = await emit_ack(asker, "server-side-emit-ack", [], DEGRADED_ANSWER_MS + 3000);
      took = Date.now() - asked;
      t.diagnostic(`${dead.name} killed: ${node.name} server-side-emit-ack ${JSON.stringify(reply)} in ${took} ms`);
      assert.ok(took <= DEGRADED_ANSWER_MS, `server-side-emit-ack took ${took} ms after a node died`);
      const expected = survivors.filter((n) => n !== node).map((n) => n.name).sort();
      if (reply.err === null) {
        assert.deepEqual([...reply.responses].sort(), expected, `${node.name}: ${JSON.stringify(reply)}`);
      } else {
        assert.equal(typeof reply.err, "string", JSON.stringify(reply));
        for (const r of reply.responses) assert.ok(expected.includes(r), `${node.name}: ${JSON.stringify(reply)}`);
      }
    }
    // Eventually (the dead node forgotten) count is exact again on every survivor.
    for (const node of survivors) {
      await wait_count(alive.find((c) => c.node_name === node.name), alive.length, 8000);
    }
  });
});

// Bad input on the Redis channels: every soket node must drop it (and may log it) and go on
// serving, and must not pass anything of it on to its clients. Node's @socket.io/redis-adapter 8.3
// does not: a message on the broadcast channel that notepack cannot decode throws out of the Redis
// client's message handler and ends the process; a request with missing fields is an unhandled
// rejection (fatal by default too); and ["x", {type: 2}, []] goes out to every client as an EVENT
// packet without an event name, on which socket.io-client 4.8 throws "Invalid array length". So
// Node nodes are not judged here, and are killed afterwards.
const MALFORMED = [
  "garbage", // neither JSON nor msgpack
  "",
  '{"uid":', // JSON cut short
  "[1,2]", // JSON, not an object
  '{"type":"5"}', // type not a number, no uid
  '{"uid":"x","requestId":"r1","type":5}', // REMOTE_FETCH without opts
  '{"uid":"x","requestId":"r2","type":0,"rooms":7}', // SOCKETS, rooms not a list
  '{"uid":"x","type":2,"opts":{"rooms":5,"except":"y"},"rooms":"a"}', // REMOTE_JOIN, nothing a list
  '{"uid":"x","type":6,"data":"not a list"}', // SERVER_SIDE_EMIT, data not a list
  '{"uid":"x","type":6,"data":[]}', // SERVER_SIDE_EMIT without an event name
  '{"uid":"x","type":7,"requestId":"r3","packet":null,"opts":null}', // BROADCAST without packet
  '{"requestId":"nope","sockets":[1,2]}', // a response nobody asked for
  '{"type":9,"requestId":5,"packet":1}', // BROADCAST_ACK, requestId not a string
  Buffer.from([0xc1]), // a byte msgpack never uses
  Buffer.from([0x93, 0xa6, 0x61, 0x62]), // array of 3, string cut short
  Buffer.from([0x81, 0xa1, 0x61, 0x01]), // a map where [uid, packet, opts] belongs
  Buffer.from([0x93, 0xa1, 0x78, 0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0x02, 0x90]), // ["x", {type: 2}, []]: no data
  Buffer.from([0x93, 0xa1, 0x78, 0xc0, 0xc0]), // ["x", nil, nil]
  Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), // array32 of 4 294 967 295 elements, none there
  Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), // str32 of 4 GiB, one byte there
  Buffer.from([0xc6, 0x7f, 0xff, 0xff, 0xff]), // bin32 of 2 GiB, none there
  Buffer.concat([Buffer.alloc(100000, 0x91), Buffer.from([0xc0])]), // 100 000 nested arrays
];

// Malformed entries of the stream (streams adapter): [field, value, ...] of one XADD each.
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const MALFORMED_ENTRIES = [
  { fields: ["uid", "x", "nsp", "/", "type", "not a number", "data", "{}"], bad_entry: true },
  { fields: ["uid", "x", "nsp", "/", "type", "99", "data", "{}"], bad_entry: true },
  { fields: ["nsp", "/", "type", "3", "data", "{}"], bad_entry: true }, // no uid
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", "{\"packet\":"], bad_entry: true }, // JSON cut short
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", "!!! not base64 !!!"], bad_entry: true },
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", b64([0xc1])], bad_entry: true }, // base64 of a byte msgpack never uses
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", b64([0x93, 0x01, 0x02, 0x03])], bad_entry: true }, // msgpack, not a map
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", b64([0xdd, 0xff, 0xff, 0xff, 0xff])], bad_entry: true }, // array32, no elements
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", "[1,2]"], bad_entry: true },
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", "{}"], bad_entry: false }, // BROADCAST without packet or opts
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", '{"packet":{"type":2,"data":[]},"opts":{"rooms":[],"except":[]}}'], bad_entry: false }, // no event name
  { fields: ["uid", "x", "nsp", "/", "type", "3", "data", '{"packet":{"type":2,"data":["e"]},"opts":{"rooms":5}}'], bad_entry: false },
  { fields: ["uid", "x", "nsp", "/", "type", "4", "data", '{"opts":{"rooms":[],"except":[]},"rooms":"a"}'], bad_entry: false }, // SOCKETS_JOIN
  { fields: ["uid", "x", "nsp", "/", "type", "6", "data", '{"close":true}'], bad_entry: false }, // DISCONNECT_SOCKETS without opts
  { fields: ["uid", "x", "nsp", "/", "type", "8", "data", '{"requestId":"nope","sockets":[1,2]}'], bad_entry: false }, // an answer on the stream
  { fields: ["uid", "x", "nsp", "/chat", "type", "3", "data", "garbage"], bad_entry: true }, // another namespace
  { fields: ["some", "field"], bad_entry: false }, // not an adapter's entry
];

describe(`malformed messages on the Redis channels, ${KINDS.join(", ")} (${ADAPTER})`, () => {
  const soket_count = KINDS.filter((k) => k === "soket").length;
  let cluster;
  let clients = [];
  const passed_on = [];
  before(async () => {
    if (soket_count === 0) return;
    cluster = await start_cluster(KINDS);
    clients = await clients_everywhere(cluster.nodes);
    await Promise.all(clients.map((c) => join(c, "room")));
    for (const c of clients) {
      c.onAny((event) => {
        if (typeof event !== "string") passed_on.push(`${c.label} got an event named ${JSON.stringify(event)}`);
      });
    }
  });
  after(async () => {
    close_all(clients);
    await cluster?.stop();
  });

  const skip = soket_count === 0 ? "no soket node (Node's adapter dies on some of these)" : false;
  it("soket nodes drop them and go on serving", { ...T, skip }, async () => {
    // The streams adapter's channels: the namespace's, and one node's own for answers.
    const channels = STREAMS
      ? ["socket.io#/#", ...(await redis_channels(cluster.redis.port, "socket.io#/#?*#", SHARDED))]
      : SHARDED
        ? ["socket.io#/#", "socket.io#/#room#"]
        : ["socket.io#/#", "socket.io#/#room#", "socket.io-request#/#", "socket.io-response#/#"];
    for (const channel of channels) {
      for (const payload of MALFORMED) {
        await redis_call(cluster.redis.port, [SHARDED ? "SPUBLISH" : "PUBLISH", channel, payload]);
      }
    }
    const bad_ids = [];
    if (STREAMS) {
      for (const { fields, bad_entry } of MALFORMED_ENTRIES) {
        const reply = await redis_call(cluster.redis.port, ["XADD", "socket.io", "*", ...fields]);
        const id = /^\$\d+\r\n(\d+-\d+)\r\n$/.exec(reply)?.[1];
        assert.ok(id, `XADD ${JSON.stringify(fields)}: ${reply}`);
        if (bad_entry) bad_ids.push(id);
      }
    }
    await sleep(QUIET_MS);
    const soket_nodes = cluster.nodes.filter((n) => n.kind === "soket");
    for (const node of soket_nodes) {
      assert.equal(node.exited(), null, `${node.name} exited: ${node.logs().stderr.slice(-2000)}`);
      if (!STREAMS) continue;
      // Each malformed entry is dropped with a warning naming it, once.
      const logs = node.logs().stdout + node.logs().stderr;
      for (const id of bad_ids) {
        const warned = logs.split(`redis stream socket.io: dropped entry ${id}:`).length - 1;
        assert.equal(warned, 1, `${node.name} warned ${warned} times about entry ${id}:\n${logs.slice(-3000)}`);
      }
    }
    for (const node of cluster.nodes.filter((n) => n.kind === "node")) await cluster.kill_node(node);
    const on_soket = (label) => soket_nodes.some((n) => label.startsWith(`${n.name}/`));
    assert.deepEqual(passed_on.filter(on_soket), [], "a soket node passed a malformed packet on to its clients");
    await wait_subscribed(cluster.redis, soket_nodes.length);
    const alive = clients.filter((c) => soket_nodes.some((n) => n.name === c.node_name));
    for (const c of alive) assert.deepEqual(await emit_ack(c, "echo", ["still here"]), ["still here"], c.label);
    const arrived = each_gets(others(alive, alive[0]), "broadcast");
    alive[0].emit("broadcast", "after the garbage");
    await arrived;
    for (const node of soket_nodes) {
      await wait_count(alive.find((c) => c.node_name === node.name), alive.length);
    }
  });
});

describe(`haproxy in front of ${KINDS.slice(0, 2).join(" and ")} (${ADAPTER})`, () => {
  let cluster;
  let proxy;
  const open = [];
  before(async () => {
    cluster = await start_cluster(KINDS.slice(0, 2));
    proxy = await start_haproxy(cluster.nodes);
  });
  after(async () => {
    close_all(open);
    await proxy?.stop();
    await cluster?.stop();
  });

  // A client through haproxy; withCredentials keeps haproxy's SERVERID cookie (sticky sessions).
  async function via_proxy(transports) {
    const socket = await connect(proxy.url, { transports, withCredentials: true });
    open.push(socket);
    const [me] = await emit_ack(socket, "whoami");
    socket.node_name = me.node;
    socket.label = `${me.node}/${transports.join("+")} via haproxy`;
    return socket;
  }

  it("a polling client and a WebSocket client on different nodes see each other's broadcasts", T, async () => {
    const polling = await via_proxy(["polling"]);
    let ws;
    for (let attempt = 0; attempt < 6 && !ws; ++attempt) {
      const candidate = await via_proxy(["websocket"]);
      if (candidate.node_name !== polling.node_name) ws = candidate;
      else candidate.disconnect();
    }
    assert.ok(ws, "haproxy never sent a second client to the other node");
    // The default client: polling first, then the upgrade to WebSocket on the same node.
    const upgrading = await via_proxy(["polling", "websocket"]);
    if (upgrading.io.engine.transport.name !== "websocket") await next_event(upgrading.io.engine, "upgrade");
    const clients = [polling, ws, upgrading];
    const got = record_all(clients, "broadcast");
    for (const sender of clients) {
      const arrived = each_gets(others(clients, sender), "broadcast");
      sender.emit("broadcast", sender.label);
      await arrived;
    }
    await got.settle((c) => names(others(clients, c)).map((l) => [l]), "broadcast via haproxy");
    // Sticky: many long-poll round trips later the polling client is still on its node.
    for (let i = 0; i < 5; ++i) {
      assert.deepEqual(await emit_ack(polling, "whoami"), [{ node: polling.node_name, id: polling.id, recovered: false }]);
      assert.deepEqual(await emit_ack(upgrading, "whoami"), [{ node: upgrading.node_name, id: upgrading.id, recovered: false }]);
    }
    assert.equal(polling.connected && ws.connected && upgrading.connected, true);
  });
});
