// Bad Engine.IO input over WebSocket and polling: malformed packets close the session,
// oversize messages close the connection, abrupt closes mid-frame, upgrade corner cases.
// After each case the bystander client must still get its echo acks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bad_input_fixture } from "../lib/bad_input.mjs";
import { sleep } from "../lib/client.mjs";
import {
  RawWs,
  eio_ws,
  expect_eio_error,
  polling_handshake,
  polling_url,
  sio_ws,
  tcp_ws_upgrade,
  ws_frame,
} from "../lib/raw.mjs";

const T = { timeout: 20000 };
const MAX_PAYLOAD = 1000000;

// After a bad POST the session must be gone: GETs end in a close packet and then 400 code 1.
async function expect_polling_session_closed(base, sid, what) {
  for (let attempt = 0; attempt < 3; ++attempt) {
    const response = await fetch(polling_url(base, sid));
    const text = await response.text();
    if (response.status === 400) {
      assert.deepEqual(JSON.parse(text), { code: 1, message: "Session ID unknown" }, `after ${what}`);
      return;
    }
    assert.equal(response.status, 200, `GET after ${what}: ${response.status} ${text}`);
    assert.match(text, /(^|\x1e)1($|\x1e)/, `session still delivering after ${what}: ${JSON.stringify(text)}`);
  }
  assert.fail(`session ${sid} still answering after ${what}`);
}

describe("bad Engine.IO input", () => {
  const f = bad_input_fixture();
  const base = () => f.server.url;

  for (const [name, message] of [
    ["abc", "abc"],
    ["an empty message", ""],
    ["unknown packet type 9", "9hello"],
    ["a base64 packet with invalid base64", "b!!!not base64"],
  ]) {
    it(`websocket: ${name} closes the session`, T, async () => {
      const raw = await eio_ws(base());
      raw.send(message);
      await raw.expect_closed(`sending ${JSON.stringify(message)}`);
      await f.survived(`websocket ${name}`);
    });
  }

  it("websocket: invalid UTF-8 in a text frame closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.ws.send(Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff]), { binary: false });
    await raw.expect_closed("invalid UTF-8");
    await f.survived("invalid UTF-8");
  });

  it("polling: a POST of abc closes the session", T, async () => {
    const { sid } = await polling_handshake(base());
    const post = await fetch(polling_url(base(), sid), { method: "POST", body: "abc" });
    await post.text();
    await expect_polling_session_closed(base(), sid, "POST abc");
    await f.survived("polling abc");
  });

  it("polling: a payload with one good and one bad packet closes the session", T, async () => {
    const { sid } = await polling_handshake(base());
    const post = await fetch(polling_url(base(), sid), { method: "POST", body: "40\x1eZZZ" });
    await post.text();
    await expect_polling_session_closed(base(), sid, "POST 40<RS>ZZZ");
    await f.survived("polling mixed payload");
  });

  it("websocket: a message of maxPayload bytes is accepted, one byte more closes", T, async () => {
    const raw = await sio_ws(base());
    const head = '42["never-ack","';
    const tail = '"]';
    raw.send(head + "x".repeat(MAX_PAYLOAD - head.length - tail.length) + tail);
    raw.send('421["echo","after big"]');
    let reply;
    for (let i = 0; i < 5 && reply === undefined; ++i) {
      const m = await raw.next();
      if (m.startsWith("431")) reply = m;
    }
    assert.equal(reply, '431["after big"]', "a message of exactly maxPayload bytes must be accepted");
    raw.send("4" + "y".repeat(MAX_PAYLOAD));
    await raw.expect_closed("an oversize WebSocket message");
    await f.survived("oversize websocket message");
  });

  it("websocket: a frame announcing 4 GB closes the connection at once", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port);
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
    const sock = await tcp_ws_upgrade(f.server.port);
    sock.on("error", () => {});
    sock.write(ws_frame(1, "40"));
    const frame = ws_frame(1, '42["message","' + "z".repeat(1000) + '"]');
    sock.write(frame.subarray(0, 300));
    await sleep(50);
    sock.resetAndDestroy ? sock.resetAndDestroy() : sock.destroy();
    await f.survived("abrupt close mid frame");
  });

  it("abrupt close in the middle of a frame header", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port);
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
        sock.write("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConn", () => {
          sock.destroy();
          resolve();
        });
      });
      sock.on("error", resolve);
    });
    await f.survived("abrupt close mid upgrade");
  });

  it("an unmasked client frame closes the connection", T, async () => {
    const sock = await tcp_ws_upgrade(f.server.port);
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
    const { sid } = await polling_handshake(base());
    const ws = new RawWs(`${base().replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    ws.send("5");
    await sleep(100);
    const response = await fetch(polling_url(base(), sid));
    const text = await response.text();
    assert.equal(response.status, 400, `polling after upgrade: ${response.status} ${text}`);
    ws.send("40");
    assert.match(await ws.next(), /^40\{/, "the upgraded session still works");
    ws.terminate();
    await f.survived("polling after upgrade");
  });

  it("upgrade: a second WebSocket for an upgraded session is refused", T, async () => {
    const { sid } = await polling_handshake(base());
    const url = `${base().replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`;
    const ws = new RawWs(url);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    ws.send("5");
    await sleep(100);
    const second = new RawWs(url);
    await second.opened.catch(() => {});
    await second.expect_closed("a second WebSocket for the same sid");
    ws.send("40");
    assert.match(await ws.next(), /^40\{/, "the first WebSocket is unaffected");
    ws.terminate();
    await f.survived("second websocket after upgrade");
  });

  it("upgrade: a WebSocket with an unknown sid is refused with HTTP 400", T, async () => {
    const ws = new RawWs(`${base().replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=nope`);
    await assert.rejects(ws.opened, /HTTP 400/);
    await f.survived("websocket unknown sid");
  });

  it("upgrade: a probe never completed with 5 leaves the session working on polling", T, async () => {
    const { sid } = await polling_handshake(base());
    const ws = new RawWs(`${base().replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.next(), "3probe");
    const post = await fetch(polling_url(base(), sid), { method: "POST", body: "40" });
    assert.equal(await post.text(), "ok");
    const get = await fetch(polling_url(base(), sid));
    assert.match(await get.text(), /(^|\x1e)40\{/, "polling still carries the session during an unfinished upgrade");
    ws.terminate();
    await f.survived("unfinished upgrade");
  });
});
