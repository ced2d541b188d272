// Acknowledgements: client -> server acks with and without timeouts, routing of many ack ids, and
// server -> client acks (feature-server's ask-me: the server asks `question` and waits).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canary, close_all, connect, emit_ack, sleep } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

for (const transport of ["websocket", "polling"]) {
  describe(`acks over ${transport}`, () => {
    let server;
    const opts = { transports: [transport] };
    before(async () => {
      server = await start_server("feature-server", { host: true });
    });
    after(async () => {
      await stop_checked(server);
    });

    it("emitWithAck resolves with the server's ack", T, async () => {
      const socket = await connect(server.url, opts);
      assert.deepEqual(await socket.emitWithAck("echo", { a: [1, 2] }), { a: [1, 2] });
      assert.deepEqual(await socket.timeout(2000).emitWithAck("echo", "timed"), "timed");
      socket.disconnect();
    });

    it("server -> client ack: the server gets the client's answer", T, async () => {
      const socket = await connect(server.url, opts);
      socket.on("question", (q, answer) => answer(`answer to ${q}`, 42));
      assert.deepEqual(await socket.emitWithAck("ask-me", "life", 2000), {
        answer: ["answer to life", 42],
      });
      socket.disconnect();
    });

    it("server -> client ack: the server's timeout fires when the client never answers", T, async () => {
      const socket = await connect(server.url, opts);
      socket.on("question", () => {});  // never answers
      const started = Date.now();
      assert.deepEqual(await socket.emitWithAck("ask-me", "silence", 300), {
        error: "operation has timed out",
      });
      assert.ok(Date.now() - started >= 250, "the server waited for its timeout");
      assert.deepEqual(await socket.emitWithAck("echo", "still fine"), "still fine");
      socket.disconnect();
    });

    it("server -> client ack: a timeout near the int64 maximum is bounded, not an overflow", T, async () => {
      // 9223372036854774784 is the largest double below 2^63: the server reads it as an int64.
      // The deadline now + that many ms overflowed the clock (UBSan); it is cut to 2^31 - 1 ms.
      const socket = await connect(server.url, opts);
      socket.on("question", (q, answer) => answer(`answer to ${q}`));
      assert.deepEqual(await socket.emitWithAck("ask-me", "far", 9223372036854774784), {
        answer: ["answer to far"],
      });
      assert.deepEqual(await socket.emitWithAck("echo", "still fine"), "still fine");
      socket.disconnect();
    });

    it("a callback ack gets every argument", T, async () => {
      const socket = await connect(server.url, opts);
      const args = await new Promise((resolve) => socket.emit("echo", "a", 2, [3], (...ack) => resolve(ack)));
      assert.deepEqual(args, ["a", 2, [3]]);
      socket.disconnect();
    });

    it("never-ack: the client timeout fires and the connection stays usable", T, async () => {
      const socket = await connect(server.url, opts);
      const started = Date.now();
      await assert.rejects(socket.timeout(400).emitWithAck("never-ack", "hello"), /operation has timed out/);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 350 && elapsed < 3000, `timeout fired after ${elapsed} ms`);
      // A late ack (there must be none) would show up as a second settle; give it a moment.
      await sleep(200);
      assert.equal(socket.connected, true);
      assert.equal(await socket.emitWithAck("echo", "still here"), "still here");
      socket.disconnect();
    });

    it("100 concurrent acks each resolve with their own value", T, async () => {
      const socket = await connect(server.url, opts);
      const values = Array.from({ length: 100 }, (_, i) => ({ i, s: `v${i}` }));
      const shuffled = await Promise.all(values.map((v) => emit_ack(socket, "echo", [v])));
      assert.deepEqual(shuffled, values.map((v) => [v]));
      socket.disconnect();
    });

    it("acks are routed per client", T, async () => {
      const a = await connect(server.url, opts);
      const b = await connect(server.url, opts);
      const [ra, rb] = await Promise.all([emit_ack(a, "echo", ["from a"]), emit_ack(b, "echo", ["from b"])]);
      assert.deepEqual(ra, ["from a"]);
      assert.deepEqual(rb, ["from b"]);
      close_all(a, b);
    });

    it("client retries with ackTimeout deliver once and get the ack", T, async () => {
      const socket = await connect(server.url, { ...opts, ackTimeout: 1000, retries: 2 });
      const got = await new Promise((resolve, reject) =>
        socket.emit("echo", "retried", (err, value) => (err ? reject(err) : resolve(value))),
      );
      assert.equal(got, "retried");
      socket.disconnect();
    });

    it("acks work on /chat and /secure too", T, async () => {
      const chat = await connect(`${server.url}/chat`, opts);
      const secure = await connect(`${server.url}/secure`, { ...opts, auth: { token: "soket-secret-token" } });
      assert.deepEqual(await emit_ack(chat, "echo", ["c", 1]), ["c", 1]);
      assert.deepEqual(await emit_ack(secure, "echo", ["s", 2]), ["s", 2]);
      close_all(chat, secure);
    });

    it("a client disconnecting with acks pending does not disturb others", T, async () => {
      const watcher = await canary(server.url, opts);
      const socket = await connect(server.url, opts);
      const pending = socket.timeout(5000).emitWithAck("never-ack");
      socket.disconnect();
      await assert.rejects(pending);
      await watcher.check("after pending-ack disconnect");
      watcher.close();
    });
  });
}
