// Every server-side disconnect reason of Node socket.io 4.8, produced where Node produces it and
// seen on the server: the feature-server tells the sockets that ran watch-disconnects about every
// disconnect ("socket-leaving" from on_disconnecting, while the socket is still in its rooms, then
// "socket-left" from on_disconnect with the reason and description), and prints "disconnect <id> <reason>" with --log-disconnects. Also the
// outgoing buffer cap (max_buffered_bytes): a client that stops reading is closed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, sleep } from "../lib/client.mjs";
import { eio_ws, polling_handshake, polling_url } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 500;
const MAX_BUFFERED_BYTES = 256 * 1024;
const ARGS = [
  "--ping-interval", String(PING_INTERVAL_MS),
  "--ping-timeout", String(PING_TIMEOUT_MS),
  "--max-buffered-bytes", String(MAX_BUFFERED_BYTES),
  "--log-disconnects",
];
const ws = { transports: ["websocket"] };

// Collects the watcher's "socket-leaving" / "socket-left" reports by socket id.
function watch(watcher) {
  const reports = { disconnecting: new Map(), disconnected: new Map() };
  const waiters = [];
  for (const [kind, event] of [["disconnecting", "socket-leaving"], ["disconnected", "socket-left"]]) {
    watcher.on(event, (report) => {
      reports[kind].set(report.id, report);
      for (const w of waiters.splice(0)) w();
    });
  }
  return {
    reports,
    // Resolves with the "disconnected" report of socket `id`.
    async disconnected(id, timeout_ms = 8000) {
      const deadline = Date.now() + timeout_ms;
      while (!reports.disconnected.has(id)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no disconnect report for ${id} within ${timeout_ms} ms`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return reports.disconnected.get(id);
    },
  };
}

// A raw long-polling session joined to "/": {url, id} (the Socket.IO socket id).
async function raw_polling_socket(base) {
  const { sid } = await polling_handshake(base);
  const url = polling_url(base, sid);
  const post = await fetch(url, { method: "POST", body: "40" });
  assert.equal(post.status, 200);
  await post.text();
  const answer = await (await fetch(url)).text();
  assert.match(answer, /^40\{"sid":/);
  return { url, id: JSON.parse(answer.split("\x1e")[0].slice(2)).sid };
}

// A raw WebSocket session joined to "/": the RawWs with .id (the Socket.IO socket id).
async function raw_ws_socket(base) {
  const raw = await eio_ws(base);
  raw.send("40");
  const answer = await raw.next();
  assert.match(answer, /^40\{"sid":/);
  raw.id = JSON.parse(answer.slice(2)).sid;
  return raw;
}

describe("disconnect reasons, seen by the server", () => {
  let server;
  let watcher;
  let seen;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ARGS });
    watcher = await connect(server.url, ws);
    seen = watch(watcher);
    assert.deepEqual(await emit_ack(watcher, "watch-disconnects"), ["ok"]);
  });
  after(async () => {
    watcher?.disconnect();
    await stop_checked(server);
  });

  it("client namespace disconnect (the client's socket.disconnect())", T, async () => {
    const a = await connect(server.url, ws);
    const id = a.id;
    a.disconnect();
    const report = await seen.disconnected(id);
    assert.equal(report.reason, "client namespace disconnect");
    assert.equal(report.description, null);
  });

  it("server namespace disconnect (socket.disconnect()), the client sees io server disconnect", T, async () => {
    const a = await connect(server.url, { transports: ["polling"] });
    const id = a.id;
    const at_client = next_event(a, "disconnect");
    a.emit("server-disconnect");
    assert.equal((await seen.disconnected(id)).reason, "server namespace disconnect");
    assert.equal((await at_client)[0], "io server disconnect");
    a.disconnect();
  });

  it("disconnect(true) leaves with server namespace disconnect too (as Node), then closes", T, async () => {
    const a = await connect(server.url, ws);
    const id = a.id;
    a.emit("kick");
    assert.equal((await seen.disconnected(id)).reason, "server namespace disconnect");
    a.disconnect();
  });

  it("disconnecting runs while the socket is still in its rooms; disconnect after it left them", T, async () => {
    const a = await connect(server.url, ws);
    const id = a.id;
    assert.deepEqual(await emit_ack(a, "join", ["dr-room"]), [{ joined: "dr-room" }]);
    a.disconnect();
    const report = await seen.disconnected(id);
    const disconnecting = seen.reports.disconnecting.get(id);
    assert.ok(disconnecting, "no disconnecting report before the disconnect one");
    assert.equal(disconnecting.reason, "client namespace disconnect");
    assert.deepEqual(disconnecting.rooms, [id, "dr-room"].sort());
    assert.deepEqual(disconnecting.room_sockets, [id]);
    assert.deepEqual(report.rooms, []);
  });

  it("transport close: the client closes its engine (WebSocket close handshake)", T, async () => {
    const a = await connect(server.url, ws);
    const id = a.id;
    a.io.engine.close();
    const report = await seen.disconnected(id);
    assert.equal(report.reason, "transport close");
    assert.equal(typeof report.description?.message, "string");
    a.disconnect();
  });

  it("transport close: the TCP connection of a WebSocket drops without a close frame", T, async () => {
    const a = await connect(server.url, ws);
    const id = a.id;
    a.io.engine.transport.ws._socket.destroy();
    const report = await seen.disconnected(id);
    assert.equal(report.reason, "transport close");
    assert.equal(typeof report.description?.message, "string");
    assert.equal(report.description.type, undefined);
    a.disconnect();
  });

  it("transport close: a long-polling client sends the close packet", T, async () => {
    const a = await connect(server.url, { transports: ["polling"] });
    const id = a.id;
    a.io.engine.close();
    const report = await seen.disconnected(id);
    assert.equal(report.reason, "transport close");
    assert.deepEqual(report.description, { message: "close packet" });
    a.disconnect();
  });

  it("transport error: a long-poll GET is aborted (with the error as description)", T, async () => {
    const raw = await raw_polling_socket(server.url);
    const abort = new AbortController();
    const poll = fetch(raw.url, { signal: abort.signal }).catch((e) => e);
    await sleep(100);
    abort.abort();
    await poll;
    const report = await seen.disconnected(raw.id);
    assert.equal(report.reason, "transport error");
    assert.deepEqual(report.description, { type: "TransportError", message: "poll connection closed prematurely" });
  });

  it("transport error: two GETs at once (overlap from client)", T, async () => {
    const raw = await raw_polling_socket(server.url);
    const first = fetch(raw.url).then((r) => r.status);
    await sleep(50);
    const second = await fetch(raw.url);
    await second.text();
    assert.equal(second.status, 400);
    await first;
    const report = await seen.disconnected(raw.id);
    assert.equal(report.reason, "transport error");
    assert.equal(report.description.message, "overlap from client");
  });

  it("transport error: the client breaks the WebSocket protocol (an unmasked frame)", T, async () => {
    const raw = await raw_ws_socket(server.url);
    raw.ws._socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // a client frame must be masked
    const report = await seen.disconnected(raw.id);
    assert.equal(report.reason, "transport error");
    assert.equal(report.description.type, "TransportError");
    assert.equal(typeof report.description.message, "string");
    raw.terminate();
  });

  it("ping timeout: a client that never answers the heartbeat", T, async () => {
    // A polling session that sends no GET: the ping is never delivered, so never answered.
    const raw = await raw_polling_socket(server.url);
    const started = Date.now();
    const report = await seen.disconnected(raw.id);
    assert.equal(report.reason, "ping timeout");
    assert.ok(Date.now() - started >= PING_TIMEOUT_MS, "closed before the ping timeout");
  });

  it("parse error: a malformed Engine.IO packet", T, async () => {
    const raw = await raw_ws_socket(server.url);
    raw.send("x-not-a-packet");
    assert.equal((await seen.disconnected(raw.id)).reason, "parse error");
    raw.terminate();
  });

  it("forced close: a malformed Socket.IO packet (as Node: the engine is closed)", T, async () => {
    const raw = await raw_ws_socket(server.url);
    raw.send('42["unterminated"');
    assert.equal((await seen.disconnected(raw.id)).reason, "forced close");
    await raw.expect_closed("a malformed Socket.IO packet");
  });

  it("forced server close: a packet for a namespace the client has not joined", T, async () => {
    const raw = await raw_ws_socket(server.url);
    raw.send('42/not-joined,["x"]');
    assert.equal((await seen.disconnected(raw.id)).reason, "forced server close");
    await raw.expect_closed("a packet for an unjoined namespace");
  });

  it("max_buffered_bytes: a long-polling client that stops polling is closed (transport error)", T, async () => {
    const raw = await raw_polling_socket(server.url);
    const helper = await connect(server.url, ws);
    const [small] = await emit_ack(helper, "data-to", [raw.id, 1000]);
    assert.equal(small.writable, false);
    assert.ok(small.buffered_bytes > 1000 && small.buffered_bytes < MAX_BUFFERED_BYTES, JSON.stringify(small));
    const [big] = await emit_ack(helper, "data-to", [raw.id, MAX_BUFFERED_BYTES]);
    assert.deepEqual(big, { closed: true });
    const report = await seen.disconnected(raw.id);
    assert.equal(report.reason, "transport error");
    assert.deepEqual(report.description, { type: "TransportError", message: "send buffer full (max_buffered_bytes)" });
    helper.disconnect();
  });

  it("max_buffered_bytes: a WebSocket client that stops reading is closed (transport error)", T, async () => {
    const slow = await connect(server.url, ws);
    const id = slow.id;
    slow.io.engine.transport.ws._socket.pause(); // reads nothing more; the kernel buffers fill up
    // 64 KiB a turn, 40 MiB in all: far more than the kernel's socket buffers and the cap.
    slow.emit("flood", 640, 64 * 1024);
    const report = await seen.disconnected(id, 15000);
    assert.equal(report.reason, "transport error");
    assert.equal(report.description.message, "send buffer full (max_buffered_bytes)");
    slow.io.engine.transport?.ws?._socket?.destroy();
    slow.disconnect();
  });
});

describe("server shutting down", () => {
  it("every socket leaves with server shutting down when the server stops", T, async () => {
    const server = await start_server("feature-server", { host: true, extra_args: ["--log-disconnects"] });
    const a = await connect(server.url, ws);
    const b = await connect(server.url, { transports: ["polling"] });
    const ids = [a.id, b.id];
    await stop_checked(server);
    const { stdout } = server.logs();
    for (const id of ids) assert.ok(stdout.includes(`disconnect ${id} server shutting down\n`), `no shutdown line for ${id} in ${stdout}`);
    close_all(a, b);
  });
});
