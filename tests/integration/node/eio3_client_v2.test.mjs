// socket.io-client 2.x (Engine.IO v3 / Socket.IO v4) against feature-server --allow-eio3: the
// protocol of socket.io 2.x and of the ESP8266/ESP32 Socket.IO libraries, served as Node's allowEIO3.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import io_v2 from "socket.io-client-v2";
import { canary, sleep } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const WAIT_MS = 8000;
const TOKEN = "soket-secret-token";

function open(url, opts) {
  return io_v2(url, { forceNew: true, reconnection: false, ...opts });
}

// Resolves with the arguments of the next `event`, fails after WAIT_MS.
function next(emitter, event, timeout_ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeout_ms} ms`)), timeout_ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}"`)), WAIT_MS);
    socket.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

async function connected(socket) {
  if (socket.connected) return;
  const outcome = await Promise.race([
    next(socket, "connect").then(() => null),
    next(socket, "error").then(([e]) => e),
    next(socket, "connect_error").then(([e]) => e),
  ]);
  if (outcome !== null) throw new Error(`connection failed: ${JSON.stringify(outcome)}`);
}

const MODES = {
  polling: { transports: ["polling"], expect: "polling" },
  "polling with base64 binary (b64=1)": { transports: ["polling"], forceBase64: true, expect: "polling" },
  websocket: { transports: ["websocket"], expect: "websocket" },
  upgrade: { transports: ["polling", "websocket"], expect: "websocket" },
};

for (const [mode, { transports, forceBase64 = false, expect }] of Object.entries(MODES)) {
  describe(`socket.io-client 2.x over ${mode}`, () => {
    let server;
    let watcher;
    const sockets = [];
    const client = (nsp = "", opts = {}) => {
      const s = open(`${server.url}${nsp}`, { transports, forceBase64, ...opts });
      sockets.push(s);
      return s;
    };
    // A connected main-namespace client, upgraded when the mode says so.
    const ready = async () => {
      const s = client();
      const welcome = next(s, "welcome_message");
      await connected(s);
      assert.deepEqual(await welcome, ["Welcome to the WebSocket server!"]);
      if (expect === "websocket" && s.io.engine.transport.name !== "websocket") await next(s.io.engine, "upgrade");
      assert.equal(s.io.engine.transport.name, expect);
      return s;
    };

    before(async () => {
      server = await start_server("feature-server", { host: true, extra_args: ["--allow-eio3"] });
      watcher = await canary(server.url); // a v4 client on the same server
    });
    after(async () => {
      for (const s of sockets) s.close();
      watcher.close();
      await stop_checked(server);
    });

    it("connects to / without a CONNECT packet; its id is the Engine.IO id", T, async () => {
      const s = await ready();
      assert.equal(s.id, s.io.engine.id);
    });

    it("events and acks both ways, multi-byte text included", T, async () => {
      const s = await ready();
      const payload = { text: "héllo €uro 😀 \u2028", list: [1, 2.5, null, true] };
      assert.deepEqual(await ack(s, "echo", payload, "two"), [payload, "two"]);
      s.once("question", (q, answer) => answer(`answer to ${q}`));
      assert.deepEqual(await ack(s, "ask-me", "life", 3000), [{ answer: ["answer to life"] }]);
    });

    it("binary both ways (attachments)", T, async () => {
      const s = await ready();
      const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
      const back = next(s, "binary-back");
      const [echoed] = await ack(s, "binary", { name: "blob", data: bytes });
      assert.equal(echoed.name, "blob");
      assert.ok(Buffer.from(echoed.data).equals(bytes), "ack carries the bytes");
      const [event_arg] = await back;
      assert.ok(Buffer.from(event_arg.data).equals(bytes), "event carries the bytes");
    });

    it("rooms and broadcast reach v2 clients, and v4 clients alongside", T, async () => {
      const a = await ready();
      const b = await ready();
      assert.deepEqual(await ack(a, "join", "v3-room"), [{ joined: "v3-room" }]);
      const in_room = next(a, "room-message");
      b.emit("to-room", "v3-room", "hi room");
      assert.deepEqual(await in_room, ["hi room"]);
      const to_b = next(b, "broadcast");
      const to_v4 = next(watcher.socket, "broadcast");
      a.emit("broadcast", { from: "a" });
      assert.deepEqual(await to_b, [{ from: "a" }]);
      assert.deepEqual(await to_v4, [{ from: "a" }]);
    });

    it("other namespaces, with the auth given as the CONNECT query", T, async () => {
      const chat = client("/chat");
      const welcome = next(chat, "welcome_message");
      await connected(chat);
      assert.deepEqual(await welcome, ["Welcome to the chat namespace!"]);
      assert.equal(chat.id, `/chat#${chat.io.engine.id}`);
      assert.deepEqual(await ack(chat, "echo", "in chat"), ["in chat"]);
      const secure = client("/secure", { query: { token: TOKEN } });
      const authed = next(secure, "authed");
      await connected(secure);
      assert.deepEqual(await authed, [{ ok: true }]);
    });

    it("middleware refusal and an unknown namespace arrive as the v4 error packet", T, async () => {
      const refused = client("/secure", { query: { token: "wrong" } });
      assert.deepEqual(await next(refused, "error"), ["authentication error"]);
      assert.equal(refused.connected, false);
      const unknown = client("/no-such-namespace");
      assert.deepEqual(await next(unknown, "error"), [{ message: "Invalid namespace" }]);
      await watcher.check(`after refusals over ${mode}`);
    });

    it("disconnect: by the server (kick) and by the client", T, async () => {
      const s = await ready();
      const gone = next(s, "disconnect");
      s.emit("kick");
      assert.deepEqual(await gone, ["io server disconnect"]);
      const t = await ready();
      t.close();
      await sleep(100);
      await watcher.check(`after disconnects over ${mode}`);
    });
  });
}
