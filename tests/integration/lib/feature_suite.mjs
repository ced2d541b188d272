// The feature-server behaviour on "/", run once per transport setup (websocket, polling, upgrade).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canary, close_all, connected, emit_ack, make_socket, next_event, record, sleep, until } from "./client.mjs";
import { start_server, stop_checked } from "./server.mjs";

const T = { timeout: 15000 };

// `client_opts` go to every socket; `expect_transport` is the transport each socket must end up on.
export function feature_suite(title, client_opts, expect_transport) {
  describe(title, () => {
    let server;
    const open = [];

    // A socket with the welcome_message listener attached before connecting.
    async function client() {
      const socket = make_socket(server.url, client_opts);
      const welcome = next_event(socket, "welcome_message");
      open.push(socket);
      await connected(socket);
      if (expect_transport === "websocket" && socket.io.engine.transport.name !== "websocket") {
        await next_event(socket.io.engine, "upgrade");
      }
      return { socket, welcome };
    }

    before(async () => {
      server = await start_server("feature-server", { host: true });
    });
    after(async () => {
      close_all(open);
      await stop_checked(server);
    });

    it(`connects and ends up on ${expect_transport}`, T, async () => {
      const { socket } = await client();
      assert.equal(socket.connected, true);
      assert.match(socket.id, /^\S+$/);
      assert.equal(socket.io.engine.transport.name, expect_transport);
      // Staying there: a polling-only client never upgrades, a websocket one never falls back.
      await sleep(300);
      assert.equal(socket.io.engine.transport.name, expect_transport);
      socket.disconnect();
    });

    it("sends welcome_message on connection", T, async () => {
      const { socket, welcome } = await client();
      assert.deepEqual(await welcome, ["Welcome to the WebSocket server!"]);
      socket.disconnect();
    });

    it("relays message (every argument) to every client, sender included", T, async () => {
      const a = (await client()).socket;
      const b = (await client()).socket;
      const at_a = next_event(a, "message");
      const at_b = next_event(b, "message");
      const args = ["hello", 42, { nested: [true, null, 1.5, "é ✓ 🚀"] }];
      a.emit("message", ...args);
      assert.deepEqual(await at_a, args, "sender receives its own message");
      assert.deepEqual(await at_b, args, "other client receives the message");
      close_all(a, b);
    });

    it("relays pesan to every client (course event)", T, async () => {
      const a = (await client()).socket;
      const b = (await client()).socket;
      const at_a = next_event(a, "pesan");
      const at_b = next_event(b, "pesan");
      b.emit("pesan", "halo dari klien");
      assert.deepEqual(await at_a, ["halo dari klien"]);
      assert.deepEqual(await at_b, ["halo dari klien"]);
      close_all(a, b);
    });

    it("acks echo with every argument in order", T, async () => {
      const { socket } = await client();
      const args = [1, "two", { three: [3] }, null, false, [], {}];
      assert.deepEqual(await emit_ack(socket, "echo", args), args);
      assert.equal(await socket.emitWithAck("echo", "single"), "single");
      assert.deepEqual(await emit_ack(socket, "echo", []), [], "echo without arguments acks with none");
      socket.disconnect();
    });

    it("echoes a 300 kB string intact", T, async () => {
      const { socket } = await client();
      const big = "xyz€".repeat(75000);
      const [back] = await emit_ack(socket, "echo", [big], 10000);
      assert.equal(back.length, big.length);
      assert.equal(back, big);
      socket.disconnect();
    });

    it("keeps 200 pipelined acks and messages in order", T, async () => {
      const a = (await client()).socket;
      const b = (await client()).socket;
      const seen = record(b, "message");
      const acks = [];
      for (let i = 0; i < 200; ++i) {
        acks.push(emit_ack(a, "echo", [i]));
        a.emit("message", i);
      }
      assert.deepEqual(await Promise.all(acks), Array.from({ length: 200 }, (_, i) => [i]));
      await until(() => seen.length === 200, 10000, "200 messages at the second client");
      assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => [i]));
      close_all(a, b);
    });

    it("keeps other clients working after one disconnects", T, async () => {
      const watcher = await canary(server.url, client_opts);
      const { socket } = await client();
      const gone = next_event(socket, "disconnect");
      socket.disconnect();
      assert.equal((await gone)[0], "io client disconnect");
      await watcher.check("after a client disconnect");
      watcher.close();
    });
  });
}
