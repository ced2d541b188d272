// Connection state recovery across nodes with the Redis Streams adapter (soket,soket,node, every
// node with recovery on): as with Node's @socket.io/redis-streams-adapter, a lost session is kept
// in Redis (SET sio:session:<pid> <base64 msgpack> PX <maxDisconnectionDuration>) and the packets
// carry the ids of their stream entries as offsets, so a client that loses its connection to one
// node and comes back to ANY node, soket or Node, gets its id, rooms, data and every packet it
// missed, once and in order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decode } from "@msgpack/msgpack";
import { close_all, connect, emit_ack, next_event, sleep, until } from "../integration/lib/client.mjs";
import { eio_ws } from "../integration/lib/raw.mjs";
import { redis_call, start_cluster } from "./lib/cluster.mjs";

const T = { timeout: 30000 };
const RECOVERY_MS = 60000;
const RECOVERY = ["--recovery-ms", String(RECOVERY_MS)];
const STREAM_LENGTH = 40;
const DROP_AT = 15;
const STREAM_GAP_MS = 10;
const ENTRY_ID = /^\d+-\d+$/;

async function raw_connect(base, auth) {
  const raw = await eio_ws(base);
  raw.send(auth === undefined ? "40" : `40${JSON.stringify(auth)}`);
  for (;;) {
    const message = await raw.next();
    if (message.startsWith("40")) return { raw, answer: JSON.parse(message.slice(2)) };
  }
}

// The bulk string of a RESP reply ("$N\r\n...\r\n"), null for "$-1".
function bulk(reply) {
  if (reply.startsWith("$-1")) return null;
  const match = /^\$(\d+)\r\n/.exec(reply);
  assert.ok(match, `not a bulk reply: ${JSON.stringify(reply)}`);
  return reply.slice(match[0].length, match[0].length + Number(match[1]));
}

// Waits (bounded) until key holds a value in Redis, and returns it.
async function redis_value(port, key, timeout_ms = 5000) {
  const deadline = Date.now() + timeout_ms;
  while (Date.now() < deadline) {
    const value = bulk(await redis_call(port, ["GET", key]));
    if (value !== null) return value;
    await sleep(20);
  }
  throw new Error(`no ${key} in Redis after ${timeout_ms} ms`);
}

describe("connection state recovery across nodes (Redis Streams adapter)", () => {
  let cluster;
  let a, b, c;
  before(async () => {
    cluster = await start_cluster(["soket", "soket", "node"], { soket_args: RECOVERY, node_args: RECOVERY });
    [a, b, c] = cluster.nodes;
  });
  after(async () => {
    await cluster?.stop();
  });

  // [client's first node, the node it comes back to, the node that broadcasts, transport]
  const cases = () => [
    [a, b, c, "websocket"],
    [a, b, c, "polling"],
    [a, c, b, "websocket"],
    [c, a, b, "websocket"],
    [c, b, a, "polling"],
  ];
  // The client comes back only once its first node has put the session in Redis: a client that
  // reconnects before that (within milliseconds, on a loaded machine) finds no session on the other
  // node, with Node's adapter as with soket's, and starts a new one.
  for (let i = 0; i < 5; ++i) {
    it(`case ${i}: a client recovered on another node gets everything it missed once`, T, async () => {
      const [from, to, via, transport] = cases()[i];
      const sender = await connect(via.url, { transports: ["websocket"] });
      const client = await connect(from.url, { transports: [transport], reconnection: false });
      try {
        const id = client.id;
        const pid = client._pid;
        assert.ok(pid, "the server offered recovery (a pid)");
        assert.deepEqual(await emit_ack(client, "join", ["field"]), [{ joined: "field" }]);
        assert.deepEqual(await emit_ack(client, "set-data", [{ who: `client ${i}` }]), [{ who: `client ${i}` }]);
        const stream = [];
        const foreign = [];
        client.on("message", (...args) => stream.push(args));
        client.on("room-message", (...args) => foreign.push(args));
        const disconnected = next_event(client, "disconnect");
        for (let n = 0; n < STREAM_LENGTH; ++n) {
          if (n === DROP_AT) client.io.engine.close();
          sender.emit("message", n);
          sender.emit("to-room", "elsewhere", n); // a room the client is not in: never replayed
          await sleep(STREAM_GAP_MS);
        }
        await disconnected;
        await redis_value(cluster.redis.port, `sio:session:${pid}`);
        const reconnected = next_event(client, "connect");
        client.io.uri = to.url; // the Manager opens its next engine there
        client.connect();
        await reconnected;
        await until(() => stream.length >= STREAM_LENGTH, 10000, "the whole stream");
        await sleep(300);
        assert.deepEqual(
          stream.map((args) => args[0]),
          [...Array(STREAM_LENGTH).keys()],
          `${from.name} -> ${to.name}`,
        );
        assert.ok(
          stream.every((args) => ENTRY_ID.test(args[args.length - 1])),
          "every offset is a stream entry id",
        );
        assert.deepEqual(foreign, []);
        assert.equal(client.recovered, true);
        assert.equal(client.id, id);
        const [whoami] = await emit_ack(client, "whoami");
        assert.deepEqual(whoami, { node: to.name, id, recovered: true });
        assert.deepEqual(await emit_ack(client, "get-data"), [{ who: `client ${i}` }]);
        // Its room, across the cluster.
        const in_room = next_event(client, "room-message");
        sender.emit("to-room", "field", "after recovery");
        assert.equal((await in_room)[0], "after recovery");
      } finally {
        close_all(sender, client);
      }
    });
  }

  // The broadcasts go on while the client is away and while it comes back: an entry this node's
  // stream reader delivers between the replay (XRANGE) and the socket's return must reach the
  // restored socket too, once.
  it("a client hopping between soket nodes under a steady stream of broadcasts misses none", T, async () => {
    const MAX = 20000; // a bound on the broadcasts, whatever the hops take
    const sender = await connect(c.url, { transports: ["websocket"] });
    const client = await connect(a.url, { transports: ["websocket"], reconnection: false });
    try {
      const got = [];
      client.on("message", (n) => got.push(n));
      let sent = 0;
      let hopping = true;
      const sending = (async () => {
        for (; hopping && sent < MAX; ++sent) {
          sender.emit("message", sent);
          if (sent % 5 === 4) await sleep(1);
        }
      })();
      for (const to of [b, a, b, a, b, a, b, a]) {
        await until(() => got.length > 0, 10000, "broadcasts arriving");
        const pid = client._pid;
        const disconnected = next_event(client, "disconnect");
        client.io.engine.close();
        await disconnected;
        await redis_value(cluster.redis.port, `sio:session:${pid}`);
        const reconnected = next_event(client, "connect");
        client.io.uri = to.url;
        client.connect();
        await reconnected;
        assert.equal(client.recovered, true, `recovered on ${to.name}`);
        await sleep(50);
      }
      hopping = false;
      await sending;
      for (const deadline = Date.now() + 10000; got.length < sent && Date.now() < deadline; )
        await sleep(20);
      await sleep(300);
      assert.ok(sent < MAX, "the hops ended while broadcasts went on");
      const missing = [...Array(sent).keys()].filter((n) => !got.includes(n));
      const twice = got.length - new Set(got).size;
      assert.deepEqual({ missing, twice }, { missing: [], twice: 0 }, `${sent} broadcasts`);
      assert.deepEqual(got, [...Array(sent).keys()], "in order");
    } finally {
      close_all(sender, client);
    }
  });

  it("a soket node's own emits carry stream offsets", T, async () => {
    const client = await connect(a.url, { transports: ["websocket"] });
    const back = next_event(client, "binary-back");
    client.emit("binary", "hello");
    const args = await back;
    assert.equal(args[0], "hello");
    assert.match(args[args.length - 1], ENTRY_ID);
    close_all(client);
  });

  it("the session in Redis: the reference's key and encoding, expiring, taken once", T, async () => {
    const first = await raw_connect(a.url);
    const pid = first.answer.pid;
    const sid = first.answer.sid;
    first.raw.terminate();
    const key = `sio:session:${pid}`;
    const text = await redis_value(cluster.redis.port, key);
    const session = decode(Buffer.from(text, "base64"));
    assert.equal(session.sid, sid);
    assert.equal(session.pid, pid);
    assert.deepEqual(session.rooms, [sid]);
    assert.deepEqual(session.data, {});
    const ttl = Number(/^:(-?\d+)/.exec(await redis_call(cluster.redis.port, ["PTTL", key]))[1]);
    assert.ok(ttl > 0 && ttl <= RECOVERY_MS, `PTTL ${ttl}`);
    // An offset that is not an entry id: a new session (as the reference), and the session stays.
    const forged = await raw_connect(b.url, { pid, offset: "12.3" });
    assert.notEqual(forged.answer.sid, sid);
    forged.raw.terminate();
    // The pid alone (soket: from where the session began) on another soket node.
    const back = await raw_connect(b.url, { pid });
    assert.equal(back.answer.sid, sid);
    assert.equal(bulk(await redis_call(cluster.redis.port, ["GET", key])), null, "taken out");
    back.raw.terminate();
  });

  it("an unknown pid or an offset gone from the stream: a new session, no error", T, async () => {
    for (const node of [a, b]) {
      const unknown = await raw_connect(node.url, { pid: "no-such-pid", offset: "1-0" });
      assert.ok(unknown.answer.sid);
      unknown.raw.terminate();
    }
    const first = await raw_connect(a.url);
    first.raw.terminate();
    await redis_value(cluster.redis.port, `sio:session:${first.answer.pid}`);
    const gone = await raw_connect(b.url, { pid: first.answer.pid, offset: "1-0" });
    assert.notEqual(gone.answer.sid, first.answer.sid);
    gone.raw.terminate();
  });
});
