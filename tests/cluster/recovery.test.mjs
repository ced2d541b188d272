// Connection state recovery in a cluster (soket,soket,node over Redis, soket nodes with
// --recovery-ms). Node's classic @socket.io/redis-adapter recovers nothing (its pub/sub adapters
// have no packet store); soket's nodes each keep the sessions and packets of their own clients,
// the broadcasts of the other nodes included, with offsets of their own. A client that comes back
// to its node (as behind haproxy's sticky sessions) is recovered with everything it missed; one that
// comes back to another node gets a new session, without error. With SOKET_CLUSTER_ADAPTER=streams
// the sessions live in Redis instead and a client recovers on any node: that last test is then
// streams_shared_recovery.test.mjs's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, sleep, until } from "../integration/lib/client.mjs";
import { eio_ws } from "../integration/lib/raw.mjs";
import { cluster_streams, start_cluster } from "./lib/cluster.mjs";

const T = { timeout: 30000 };
const STREAM_LENGTH = 40;
const DROP_AT = 15;
const STREAM_GAP_MS = 10;

async function raw_connect(base, auth) {
  const raw = await eio_ws(base);
  raw.send(auth === undefined ? "40" : `40${JSON.stringify(auth)}`);
  for (;;) {
    const message = await raw.next();
    if (message.startsWith("40")) return { raw, answer: JSON.parse(message.slice(2)) };
  }
}

describe("connection state recovery in a cluster", () => {
  let cluster;
  let a, b, c;
  before(async () => {
    cluster = await start_cluster(["soket", "soket", "node"], { soket_args: ["--recovery-ms", "60000"] });
    [a, b, c] = cluster.nodes;
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const [transport, from] of [["websocket", () => c], ["polling", () => b]]) {
    it(`over ${transport}: broadcasts of another node are recovered on the client's node`, T, async () => {
      const sender = await connect(from().url, { transports: ["websocket"] });
      const client = await connect(a.url, {
        transports: [transport],
        reconnection: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 200,
      });
      const id = client.id;
      assert.deepEqual(await emit_ack(client, "join", ["field"]), [{ joined: "field" }]);
      const stream = [];
      client.on("message", (...args) => stream.push(args));
      const reconnected = new Promise((resolve) => client.io.once("reconnect", resolve));
      for (let n = 0; n < STREAM_LENGTH; ++n) {
        if (n === DROP_AT) client.io.engine.close();
        sender.emit("message", n);
        await sleep(STREAM_GAP_MS);
      }
      await reconnected;
      await until(() => stream.length >= STREAM_LENGTH, 10000, "the whole stream");
      await sleep(300);
      assert.deepEqual(
        stream.map((args) => args[0]),
        [...Array(STREAM_LENGTH).keys()],
      );
      assert.ok(stream.every((args) => typeof args[args.length - 1] === "string"), "offsets from node A");
      assert.equal(client.recovered, true);
      assert.equal(client.id, id);
      const [whoami] = await emit_ack(client, "whoami");
      assert.deepEqual(whoami, { node: a.name, id, recovered: true });
      // Its room, across the cluster.
      const in_room = next_event(client, "room-message");
      sender.emit("to-room", "field", "after recovery");
      assert.equal((await in_room)[0], "after recovery");
      close_all(sender, client);
    });
  }

  it("a client that comes back to another node gets a new session, no error", { ...T, skip: cluster_streams() && "sessions in Redis (streams_shared_recovery)" }, async () => {
    const first = await raw_connect(a.url);
    first.raw.terminate();
    await sleep(200);
    for (const node of [b, c]) {
      const elsewhere = await raw_connect(node.url, { pid: first.answer.pid });
      assert.notEqual(elsewhere.answer.sid, first.answer.sid, node.name);
      elsewhere.raw.terminate();
    }
    // Its own node still has the session.
    const back = await raw_connect(a.url, { pid: first.answer.pid });
    assert.equal(back.answer.sid, first.answer.sid);
    back.raw.terminate();
  });
});
