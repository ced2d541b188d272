// Bad Engine.IO input over WebSocket and polling: malformed packets close the session,
// oversize messages close the connection, abrupt closes mid-frame, upgrade corner cases.
// After each case the bystander client must still get its echo.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bad_input_fixture, bad_input_profile, expect_message } from "../lib/bad_input.mjs";
import { sleep } from "../lib/client.mjs";
import {
  RawWs,
  eio_ws,
  expect_eio_error,
  polling_handshake,
  polling_url,
  tcp_ws_upgrade,
  ws_frame,
} from "../lib/raw.mjs";

const T = { timeout: 20000 };
const MAX_PAYLOAD = 1000000;

// After a bad POST the session must be gone: GETs end in a close packet and then 400 code 1.
async function expect_polling_session_closed(url, what) {
  for (let attempt = 0; attempt < 3; ++attempt) {
    const response = await fetch(url);
    const text = await response.text();
    if (response.status === 400) {
      assert.deepEqual(JSON.parse(text), { code: 1, message: "Session ID unknown" }, `after ${what}`);
      return;
    }
    assert.equal(response.status, 200, `GET after ${what}: ${response.status} ${text}`);
    assert.match(text, /(^|\x1e)1($|\x1e)/, `session still delivering after ${what}: ${JSON.stringify(text)}`);
  }
  assert.fail(`session still answering after ${what}`);
}

describe(`bad Engine.IO input (${bad_input_profile().example})`, () => {
  const f = bad_input_fixture();
  const base = () => f.server.url;
  const path = f.profile.path;
  const ws_url = (sid) => `${base().replace("http", "ws")}${path}?EIO=4&transport=websocket${sid ? `&sid=${sid}` : ""}`;
  const handshake = () => polling_handshake(base(), path);
  const polling_url_ = (sid) => polling_url(base(), sid, path);
  // An Engine.IO WebSocket session on which the profile's first exchange has been done.
  async function open_session() {
    const raw = await eio_ws(base(), path);
    raw.send(f.profile.hello);
    await expect_message(raw, f.profile.hello_reply, "first exchange");
    return raw;
  }

  for (const [name, message] of [
    ["abc", "abc"],
    ["an empty message", ""],
    ["unknown packet type 9", "9hello"],
    ["a base64 packet with invalid base64", "b!!!not base64"],
  ]) {
    it(`websocket: ${name} closes the session`, T, async () => {
      const raw = await eio_ws(base(), path);
      raw.send(message);
      await raw.expect_closed(`sending ${JSON.stringify(message)}`);
      await f.survived(`websocket ${name}`);
    });
  }

  it("websocket: invalid UTF-8 in a text frame closes the connection", T, async () => {
    const raw = await open_session();
    raw.ws.send(Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff]), { binary: false });
    await raw.expect_closed("invalid UTF-8");
    await f.survived("invalid UTF-8");
  });

  it("polling: a POST of abc closes the session", T, async () => {
    const { sid } = await handshake();
    const post = await fetch(polling_url_(sid), { method: "POST", body: "abc" });
    await post.text();
    await expect_polling_session_closed(polling_url_(sid), "POST abc");
    await f.survived("polling abc");
  });

  it("polling: a payload with one good and one bad packet closes the session", T, async () => {
    const { sid } = await handshake();
    const post = await fetch(polling_url_(sid), { method: "POST", body: `${f.profile.hello}\x1eZZZ` });
    await post.text();
    await expect_polling_session_closed(polling_url_(sid), "POST <good packet><RS>ZZZ");
    await f.survived("polling mixed payload");
  });

  it("websocket: a message of maxPayload bytes is accepted, one byte more closes", T, async () => {
    const raw = await open_session();
    raw.send(f.profile.packet_of_size(MAX_PAYLOAD));
    raw.send(f.profile.ping);
    await expect_message(raw, f.profile.ping_reply, "a message of exactly maxPayload bytes must be accepted");
    raw.send("4" + "y".repeat(MAX_PAYLOAD));
    await raw.expect_closed("an oversize WebSocket message");
    await f.survived("oversize websocket message");
  });

  it("websocket: a frame announcing 4 GB closes the connection at once", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port, `${path}?EIO=4&transport=websocket`);
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(4n * 1024n * 1024n * 1024n, 2);
    sock.write(header);
    sock.write(Buffer.alloc(1024, 0x41));
    const closed = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
      sock.on("error", () => {});
      sock.resume();
    });
    sock.destroy();
    assert.ok(closed, "connection still open after a 4 GB frame header");
    await f.survived("4 GB frame header");
  });

  it("abrupt close in the middle of a WebSocket frame", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port, `${path}?EIO=4&transport=websocket`);
    sock.on("error", () => {});
    sock.write(ws_frame(1, f.profile.hello));
    const frame = ws_frame(1, f.profile.packet_of_size(1000));
    sock.write(frame.subarray(0, 300));
    await sleep(50);
    sock.resetAndDestroy ? sock.resetAndDestroy() : sock.destroy();
    await f.survived("abrupt close mid frame");
  });

  it("abrupt close in the middle of a frame header", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port, `${path}?EIO=4&transport=websocket`);
    sock.on("error", () => {});
    sock.write(Buffer.from([0x81, 0xfe, 0x01]));
    await sleep(50);
    sock.destroy();
    await f.survived("abrupt close mid frame header");
  });

  it("abrupt close in the middle of the WebSocket upgrade request", T, async () => {
    const net = await import("node:net");
    await new Promise((resolve) => {
      const sock = net.connect({ host: "127.0.0.1", port: f.server.port }, () => {
        sock.write(`GET ${path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConn`, () => {
          sock.destroy();
          resolve();
        });
      });
      sock.on("error", resolve);
    });
    await f.survived("abrupt close mid upgrade");
  });

  it("an unmasked client frame closes the connection", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port, `${path}?EIO=4&transport=websocket`);
    sock.on("error", () => {});
    sock.write(Buffer.from([0x81, 0x02, 0x34, 0x30]));
    const closed = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
      sock.resume();
    });
    sock.destroy();
    assert.ok(closed, "connection still open after an unmasked frame");
    await f.survived("unmasked frame");
  });

  it("upgrade: a polling GET for an upgraded session gets 400", T, async () => {
    const { sid } = await handshake();
    const ws = new RawWs(ws_url(sid));
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    ws.send("5");
    await sleep(100);
    const response = await fetch(polling_url_(sid));
    const text = await response.text();
    assert.equal(response.status, 400, `polling after upgrade: ${response.status} ${text}`);
    ws.send(f.profile.hello);
    await expect_message(ws, f.profile.hello_reply, "the upgraded session still works");
    ws.terminate();
    await f.survived("polling after upgrade");
  });

  it("upgrade: a second WebSocket for an upgraded session is refused", T, async () => {
    const { sid } = await handshake();
    const url = ws_url(sid);
    const ws = new RawWs(url);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    ws.send("5");
    await sleep(100);
    const second = new RawWs(url);
    await second.opened.catch(() => {});
    await second.expect_closed("a second WebSocket for the same sid");
    ws.send(f.profile.hello);
    await expect_message(ws, f.profile.hello_reply, "the first WebSocket is unaffected");
    ws.terminate();
    await f.survived("second websocket after upgrade");
  });

  it("upgrade: a WebSocket with an unknown sid is refused with HTTP 400", T, async () => {
    const ws = new RawWs(ws_url("nope"));
    await assert.rejects(ws.opened, /HTTP 400/);
    await f.survived("websocket unknown sid");
  });

  it("upgrade: a probe never completed with 5 leaves the session working on polling", T, async () => {
    const { sid } = await handshake();
    const ws = new RawWs(ws_url(sid));
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    const post = await fetch(polling_url_(sid), { method: "POST", body: f.profile.hello });
    assert.equal(await post.text(), "ok");
    const packets = [];
    for (let i = 0; i < 3 && !packets.some((p) => f.profile.hello_reply.test(p)); ++i) {
      packets.push(...(await (await fetch(polling_url_(sid))).text()).split("\x1e"));
    }
    assert.ok(
      packets.some((p) => f.profile.hello_reply.test(p)),
      `polling no longer carries the session during an unfinished upgrade: ${JSON.stringify(packets)}`,
    );
    ws.terminate();
    await f.survived("unfinished upgrade");
  });
});
