// Smoke tests of the socketio-conformance example with the official client and a raw WebSocket, so
// that ctest covers it; the full official socket.io-protocol test-suite is run by hand (not in repo).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connected, emit_ack, make_socket, next_event } from "../lib/client.mjs";
import { RawWs } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

describe("socketio-conformance example", () => {
  let server;
  before(async () => {
    server = await start_server("socketio-conformance");
  });
  after(async () => {
    await stop_checked(server);
  });

  for (const transport of ["websocket", "polling"]) {
    it(`${transport}: auth echo, message-back, message-with-ack, /custom`, T, async () => {
      const socket = make_socket(server.url, { transports: [transport], auth: { token: "abc", n: 1 } });
      const auth = next_event(socket, "auth");
      await connected(socket);
      assert.deepEqual(await auth, [{ token: "abc", n: 1 }]);
      const back = next_event(socket, "message-back");
      socket.emit("message", 1, "2", { 3: [true] });
      assert.deepEqual(await back, [1, "2", { 3: [true] }]);
      assert.deepEqual(await emit_ack(socket, "message-with-ack", [1, "2", { 3: [false] }]), [1, "2", { 3: [false] }]);
      const custom = make_socket(`${server.url}/custom`, { transports: [transport], auth: { who: "custom" } });
      const custom_auth = next_event(custom, "auth");
      await connected(custom);
      assert.deepEqual(await custom_auth, [{ who: "custom" }]);
      close_all(socket, custom);
    });
  }

  it("handshake carries pingInterval 300, pingTimeout 200, maxPayload 1000000; CORS allows any origin", T, async () => {
    const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: "http://example.test" },
    });
    const text = await response.text();
    const open = JSON.parse(text.slice(1));
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    assert.equal(open.maxPayload, 1000000);
    assert.deepEqual(open.upgrades, ["websocket"]);
    const allow = response.headers.get("access-control-allow-origin");
    assert.ok(allow === "*" || allow === "http://example.test", `Access-Control-Allow-Origin: ${allow}`);
  });

  it("a client that sends no CONNECT is closed after connectTimeout (1000 ms)", T, async () => {
    const raw = new RawWs(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    await raw.opened;
    const started = Date.now();
    await raw.expect_closed("no CONNECT", 5000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 800 && elapsed < 4000, `closed after ${elapsed} ms`);
  });

  it("a client that stops answering pings is closed after pingInterval + pingTimeout", T, async () => {
    const socket = make_socket(server.url, { transports: ["websocket"] });
    await connected(socket);
    // Stop answering: drop the engine's outgoing pongs by replacing its packet sender.
    const engine = socket.io.engine;
    // (engine.io-client 6.6 sends its pong through the internal _sendPacket.)
    assert.equal(typeof engine._sendPacket, "function", "engine.io-client internals changed");
    const original = engine._sendPacket.bind(engine);
    engine._sendPacket = (type, ...rest) => (type === "pong" ? undefined : original(type, ...rest));
    const [reason] = await next_event(socket, "disconnect", 5000);
    assert.ok(["transport close", "ping timeout"].includes(reason), `disconnect reason ${reason}`);
    socket.disconnect();
  });
});
