// Smoke tests of the engineio-conformance example over raw polling and WebSocket, so that ctest
// covers it; the full official engine.io-protocol test-suite is run by hand (not in repo).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RawWs, polling_handshake, polling_url } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

describe("engineio-conformance example", () => {
  let server;
  before(async () => {
    server = await start_server("engineio-conformance");
  });
  after(async () => {
    await stop_checked(server);
  });

  it("polling: handshake at /engine.io/ and echo of text and binary", T, async () => {
    const open = await polling_handshake(server.url, "/engine.io/");
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    const url = polling_url(server.url, open.sid, "/engine.io/");
    const post = await fetch(url, { method: "POST", body: "4hello\x1ebAQID" });
    assert.equal(await post.text(), "ok");
    const got = [];
    for (let i = 0; i < 5 && got.length < 2; ++i) {
      const text = await (await fetch(url)).text();
      for (const packet of text.split("\x1e")) if (packet !== "2" && packet !== "6") got.push(packet);
      if (got.length < 2) await fetch(url, { method: "POST", body: "3" }).then((r) => r.text());
    }
    assert.deepEqual(got, ["4hello", "bAQID"]);
  });

  it("websocket: echo of text and binary", T, async () => {
    const raw = new RawWs(`${server.url.replace("http", "ws")}/engine.io/?EIO=4&transport=websocket`);
    await raw.opened;
    assert.match(await raw.next(), /^0\{/);
    raw.send("4ping me");
    assert.equal(await raw.next(), "4ping me");
    raw.send(Buffer.from([9, 8, 7]));
    assert.deepEqual(await raw.next(), Buffer.from([9, 8, 7]));
    raw.terminate();
  });

  it("the Socket.IO path is not served", T, async () => {
    const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    await response.arrayBuffer();
    assert.notEqual(response.status, 200);
  });
});
