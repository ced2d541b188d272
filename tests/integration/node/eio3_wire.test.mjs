// Engine.IO v3 (allowEIO3) on the wire, byte by byte: the handshake, client pings, the v3 polling
// payloads (lengths in UTF-16 code units, b64 and binary payloads), the upgrade, v3 WebSocket binary
// frames, bad payloads, Socket.IO v4 framing, and EIO=3 refused when allowEIO3 is off.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sleep } from "../lib/client.mjs";
import { expect_eio_error, RawWs } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const PATH = "/engine.io/";

// A v3 polling session on `base`: get/post the raw bodies.
class V3Polling {
  static async open(base, { path = PATH, b64 = false } = {}) {
    const query = `EIO=3&transport=polling${b64 ? "&b64=1" : ""}`;
    const response = await fetch(`${base}${path}?${query}`);
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const match = /^(\d+):0(\{.*\})$/s.exec(body);
    assert.ok(match, `v3 handshake payload ${JSON.stringify(body)}`);
    assert.equal(Number(match[1]), body.length - match[1].length - 1, "length prefix counts the open packet");
    const session = new V3Polling();
    session.handshake = JSON.parse(match[2]);
    session.url = `${base}${path}?${query}&sid=${encodeURIComponent(session.handshake.sid)}`;
    return session;
  }

  async post(body, content_type = "text/plain;charset=UTF-8") {
    const response = await fetch(this.url, { method: "POST", body, headers: { "content-type": content_type } });
    return response;
  }

  async post_ok(body, content_type) {
    const response = await this.post(body, content_type);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(await response.text(), "ok");
  }

  async get() {
    return fetch(this.url);
  }

  async get_text() {
    const response = await this.get();
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.match(response.headers.get("content-type"), /^text\/plain/);
    return text;
  }
}

describe("Engine.IO v3 over the wire (engineio-conformance --allow-eio3)", () => {
  let server;
  before(async () => {
    server = await start_server("engineio-conformance", {
      host: true,
      extra_args: ["--allow-eio3", "--ping-interval-ms", "300", "--ping-timeout-ms", "200"],
    });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("handshake: a v3 payload with sid, upgrades, pingInterval, pingTimeout", T, async () => {
    const s = await V3Polling.open(server.url);
    assert.equal(typeof s.handshake.sid, "string");
    assert.deepEqual(s.handshake.upgrades, ["websocket"]);
    assert.equal(s.handshake.pingInterval, 300);
    assert.equal(s.handshake.pingTimeout, 200);
  });

  it("the server answers the client's pings, echoing their payload", T, async () => {
    const s = await V3Polling.open(server.url);
    await s.post_ok("6:2hello");
    assert.equal(await s.get_text(), "6:3hello");
    await s.post_ok("1:2");
    assert.equal(await s.get_text(), "1:3");
  });

  it("a client that keeps pinging stays; one that stops is timed out", T, async () => {
    const alive = await V3Polling.open(server.url);
    const silent = await V3Polling.open(server.url);
    // pingInterval + pingTimeout is 500 ms: ping every 100 ms for 1.5 s.
    for (let i = 0; i < 15; ++i) {
      await alive.post_ok("1:2");
      assert.equal(await alive.get_text(), "1:3");
      await sleep(100);
    }
    await expect_eio_error(await silent.get(), 1, "Session ID unknown");
    await alive.post_ok("3:4up");
    assert.equal(await alive.get_text(), "3:4up");
  });

  it("payload lengths count UTF-16 code units (multi-byte UTF-8 both ways)", T, async () => {
    const s = await V3Polling.open(server.url);
    // "4é€😀" is 1 + 1 + 1 + 2 = 5 code units (10 UTF-8 bytes).
    await s.post_ok("5:4é€😀2:4a");
    assert.equal(await s.get_text(), "5:4é€😀2:4a");
  });

  it("binary with b64=1: b4<base64> packets both ways", T, async () => {
    const s = await V3Polling.open(server.url, { b64: true });
    await s.post_ok("6:b4AQID");
    assert.equal(await s.get_text(), "6:b4AQID");
  });

  it("binary without b64: the v3 binary payload both ways", T, async () => {
    const s = await V3Polling.open(server.url);
    // The text form in, the binary payload (application/octet-stream) out.
    await s.post_ok("6:b4AQID");
    let response = await s.get();
    assert.equal(response.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual([...Buffer.from(await response.arrayBuffer())], [1, 4, 255, 4, 1, 2, 3]);
    // A binary payload in: the string "4hé" (4 bytes) and the bytes 9 8 7.
    const payload = Buffer.from([0, 4, 255, ...Buffer.from("4hé"), 1, 4, 255, 4, 9, 8, 7]);
    await s.post_ok(payload, "application/octet-stream");
    response = await s.get();
    assert.equal(response.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), payload);
  });

  it("a malformed v3 payload: 400 Bad request, the session ends, others are untouched", T, async () => {
    const bystander = await V3Polling.open(server.url);
    for (const [body, type] of [
      ["5:4hi", undefined],
      ["4hello", undefined],
      ["3:4hi9", undefined],
      ["2:9x", undefined],
      [Buffer.from([7, 1, 255, 52]), "application/octet-stream"],
      [Buffer.from([1, 2, 255, 2, 1]), "application/octet-stream"],
    ]) {
      const s = await V3Polling.open(server.url);
      await expect_eio_error(await s.post(body, type), 3, "Bad request");
      await expect_eio_error(await s.get(), 1, "Session ID unknown");
    }
    await bystander.post_ok("2:4b");
    assert.equal(await bystander.get_text(), "2:4b");
  });

  it("WebSocket: pings, text, and binary frames led by their type byte", T, async () => {
    const ws = new RawWs(`${server.url.replace(/^http/, "ws")}${PATH}?EIO=3&transport=websocket`);
    await ws.opened;
    const open = JSON.parse((await ws.next()).slice(1));
    assert.deepEqual(open.upgrades, []);
    ws.send("2ping");
    assert.equal(await ws.next(), "3ping");
    ws.send("4héllo");
    assert.equal(await ws.next(), "4héllo");
    ws.send(Buffer.from([4, 1, 2, 3]));
    assert.deepEqual([...(await ws.next())], [4, 1, 2, 3]);
    // A binary frame that is not a message packet is a parse error: the connection closes.
    ws.send(Buffer.from([2, 1]));
    await ws.expect_closed("a binary non-message frame");
  });

  it("upgrade: 2probe/3probe, the pending GET ends with a noop, then WebSocket", T, async () => {
    const s = await V3Polling.open(server.url);
    const pending = s.get();
    const ws = new RawWs(
      `${server.url.replace(/^http/, "ws")}${PATH}?EIO=3&transport=websocket&sid=${s.handshake.sid}`,
    );
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    const noop = await pending;
    assert.equal(await noop.text(), "1:6");
    ws.send("5");
    ws.send(Buffer.from([4, 42]));
    assert.deepEqual([...(await ws.next())], [4, 42]);
    ws.send("2");
    assert.equal(await ws.next(), "3");
    ws.terminate();
  });
});

describe("Socket.IO v4 over the wire (feature-server --allow-eio3)", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--allow-eio3"] });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("polling: the client is in / at once (\"40\" without sid)", T, async () => {
    const s = await V3Polling.open(server.url, { path: "/socket.io/" });
    const body = await s.get_text();
    assert.ok(body.startsWith("2:40"), JSON.stringify(body));
    assert.match(body, /42\["welcome_message","Welcome to the WebSocket server!"\]$/);
  });

  it("websocket: CONNECT with a query, the v4 error packet, DISCONNECT", T, async () => {
    const ws = new RawWs(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    await ws.opened;
    assert.match(await ws.next(), /^0\{/);
    assert.equal(await ws.next(), "40");
    assert.match(await ws.next(), /^42\["welcome_message"/);
    ws.send("40/secure?token=soket-secret-token,");
    assert.equal(await ws.next(), "40/secure,");
    assert.equal(await ws.next(), '42/secure,["authed",{"ok":true}]');
    ws.send('42/secure,1["echo","x"]');
    assert.equal(await ws.next(), '43/secure,1["x"]');
    ws.send("40/chat?token=wrong,");
    assert.equal(await ws.next(), "40/chat,");
    await ws.next(); // welcome to chat
    ws.send("40/other?token=wrong,");
    assert.equal(await ws.next(), '44/other,{"message":"Invalid namespace"}');
    ws.send("41/chat,");
    ws.send('42/chat,2["echo","after"]');
    // /chat was left: a packet for it closes the connection, as the reference does.
    await ws.expect_closed("a packet for a namespace that was left");
  });

  it("websocket: a middleware refusal is the error string", T, async () => {
    const ws = new RawWs(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    await ws.opened;
    await ws.next();
    await ws.next();
    await ws.next();
    ws.send("40/secure?token=wrong,");
    assert.equal(await ws.next(), '44/secure,"authentication error"');
    ws.send("2");
    assert.equal(await ws.next(), "3");
    ws.terminate();
  });
});

describe("EIO=3 without allowEIO3 (feature-server)", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("polling and websocket: 400 Unsupported protocol version", T, async () => {
    await expect_eio_error(await fetch(`${server.url}/socket.io/?EIO=3&transport=polling`), 5,
      "Unsupported protocol version");
    await expect_eio_error(await fetch(`${server.url}/socket.io/?transport=polling`), 5,
      "Unsupported protocol version");
    const ws = new RawWs(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    await assert.rejects(ws.opened, /HTTP 400/);
  });
});
