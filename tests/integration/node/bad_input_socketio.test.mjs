// Bad Socket.IO input over a raw WebSocket: malformed packets and broken binary attachments close
// the connection (as the protocol requires). After each case the bystander must still get its acks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bad_input_fixture } from "../lib/bad_input.mjs";
import { eio_ws, polling_handshake, polling_url, sio_ws } from "../lib/raw.mjs";

const T = { timeout: 20000 };

describe("bad Socket.IO input", () => {
  const f = bad_input_fixture();
  const base = () => f.server.url;

  it("the raw connection used below works (control case)", T, async () => {
    const raw = await sio_ws(base());
    raw.send('425["echo","control",1]');
    let reply;
    for (let i = 0; i < 5 && reply === undefined; ++i) {
      const m = await raw.next();
      if (m.startsWith("43")) reply = m;
    }
    assert.equal(reply, '435["control",1]');
    raw.send('451-7["binary",{"_placeholder":true,"num":0}]');
    raw.send(Buffer.from([1, 2, 3]));
    const binary_replies = [];
    for (let i = 0; i < 8 && binary_replies.length < 4; ++i) binary_replies.push(await raw.next());
    assert.ok(
      binary_replies.some((m) => m === '461-7[{"_placeholder":true,"num":0}]'),
      `no BINARY_ACK for id 7 in ${JSON.stringify(binary_replies)}`,
    );
    raw.terminate();
  });

  for (const [name, packet] of [
    ["unknown packet type (4abc)", "4abc"],
    ["EVENT payload not an array (42{})", "42{}"],
    ["invalid ack id (42abc[...])", '42abc["echo",1,"2",{"3":[false]}]'],
    ["truncated JSON", '42["echo","unterminated'],
    ["EVENT without a name (42[])", "42[]"],
    ["EVENT named by an object", '42[{"a":1},"x"]'],
    ["reserved event name disconnect", '42["disconnect"]'],
    ["CONNECT payload not an object", '40"just a string"'],
    ["ACK payload not an array", '431{"a":1}'],
    ["packet type out of range (47)", '47["echo"]'],
    ["namespace without its comma", '42/chat["echo"]'],
    ["zero attachments (450-)", '450-["binary",{"_placeholder":true,"num":0}]'],
    ["attachment count not a number (45x-)", '45x-["binary"]'],
    ["attachment count without dash", '451["binary",{"_placeholder":true,"num":0}]'],
  ]) {
    it(`${name} closes the connection`, T, async () => {
      const raw = await sio_ws(base());
      raw.send(packet);
      await raw.expect_closed(`sending ${JSON.stringify(packet)}`);
      await f.survived(name);
    });
  }

  it("an EVENT before CONNECT closes the connection", T, async () => {
    const raw = await eio_ws(base());
    raw.send('42["echo",1]');
    await raw.expect_closed("an EVENT before CONNECT");
    await f.survived("event before connect");
  });

  it("a binary frame with no binary packet announced (attachment without placeholder packet) closes", T, async () => {
    const raw = await sio_ws(base());
    raw.send(Buffer.from([1, 2, 3, 4]));
    await raw.expect_closed("an unannounced binary attachment");
    await f.survived("unannounced attachment");
  });

  it("more attachments than announced closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.send('451-["never-ack",{"_placeholder":true,"num":0}]');
    raw.send(Buffer.from([1]));
    raw.send(Buffer.from([2]));
    await raw.expect_closed("an extra attachment");
    await f.survived("extra attachment");
  });

  it("a placeholder pointing past the attachments closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.send('451-["binary",{"_placeholder":true,"num":3}]');
    raw.send(Buffer.from([1, 2, 3]));
    await raw.expect_closed("a placeholder out of range");
    await f.survived("placeholder out of range");
  });

  it("a placeholder with a non-integer num closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.send('451-["binary",{"_placeholder":true,"num":"0"}]');
    raw.send(Buffer.from([1, 2, 3]));
    await raw.expect_closed("a placeholder with a string num");
    await f.survived("placeholder string num");
  });

  it("too many attachments announced (1000) closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.send('451000-["binary",{"_placeholder":true,"num":0}]');
    // Keep feeding attachments: a server without a limit would just keep buffering them.
    for (let i = 0; i < 20 && !raw.close_info; ++i) raw.send(Buffer.alloc(10, i));
    await raw.expect_closed("announcing 1000 attachments");
    await f.survived("too many attachments");
  });

  it("a text packet while attachments are awaited closes the connection", T, async () => {
    const raw = await sio_ws(base());
    raw.send('452-["binary",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    raw.send(Buffer.from([1]));
    raw.send('42["echo","interleaved"]');
    await raw.expect_closed("a text packet between attachments");
    await f.survived("text between attachments");
  });

  it("malformed packets over polling close the session too", T, async () => {
    const { sid } = await polling_handshake(base());
    const post = await fetch(polling_url(base(), sid), { method: "POST", body: "40\x1e42{}" });
    await post.text();
    let closed = false;
    for (let attempt = 0; attempt < 3 && !closed; ++attempt) {
      const response = await fetch(polling_url(base(), sid));
      const text = await response.text();
      closed = response.status === 400 || /(^|\x1e)1($|\x1e)/.test(text);
    }
    assert.ok(closed, "the polling session survived 42{}");
    await f.survived("malformed packet over polling");
  });

  it("deeply nested JSON is either handled or closes the connection, never harms the server", T, async () => {
    const raw = await sio_ws(base());
    const depth = 100000;
    raw.send('421["echo",' + "[".repeat(depth) + "]".repeat(depth) + "]");
    const outcome = await Promise.race([
      raw.closed.then(() => "closed"),
      (async () => {
        for (let i = 0; i < 5; ++i) if ((await raw.next().catch(() => "")).startsWith("431")) return "acked";
        return "nothing";
      })(),
    ]);
    assert.ok(outcome === "closed" || outcome === "acked", `deep JSON: ${outcome}`);
    raw.terminate();
    await f.survived("deeply nested JSON");
  });
});
