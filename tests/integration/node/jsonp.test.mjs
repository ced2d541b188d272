// JSONP long-polling (a `j` query parameter), as the reference's polling-jsonp transport, over
// Engine.IO v4 and v3: GET answers ___eio[j]("<payload>"); POST takes the payload in the form field d.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { expect_eio_error } from "../lib/raw.mjs";
import { start_eio3_echo, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };

// Unwraps ___eio[index]("...") into the payload string, checking the index and the content type.
async function unwrap(response, index) {
  const body = await response.text();
  assert.equal(response.status, 200, body);
  assert.equal(response.headers.get("content-type"), "text/javascript; charset=UTF-8");
  const prefix = `___eio[${index}](`;
  assert.ok(body.startsWith(prefix) && body.endsWith(");"), `JSONP body ${JSON.stringify(body)}`);
  return { payload: JSON.parse(body.slice(prefix.length, -2)), body };
}

function form(d) {
  return new URLSearchParams({ d }).toString();
}

describe("JSONP polling (engineio-conformance --allow-eio3)", () => {
  let server;
  before(async () => {
    server = await start_eio3_echo();
  });
  after(async () => {
    await stop_checked(server);
  });

  async function open(eio, j) {
    const base = `${server.url}/engine.io/?EIO=${eio}&transport=polling&j=${encodeURIComponent(j)}`;
    const { payload } = await unwrap(await fetch(base), j.replace(/[^0-9]/g, ""));
    const open_packet = eio === 3 ? payload.slice(payload.indexOf(":") + 1) : payload;
    assert.equal(open_packet[0], "0", payload);
    const { sid } = JSON.parse(open_packet.slice(1));
    const url = `${base}&sid=${sid}`;
    return {
      url,
      post: (d) =>
        fetch(url, { method: "POST", body: form(d), headers: { "content-type": "application/x-www-form-urlencoded" } }),
      get: () => fetch(url),
    };
  }

  it("v4: handshake, messages both ways, escaped newlines, U+2028", T, async () => {
    const s = await open(4, "0");
    // The client escapes a newline as \n and a literal \n as \\n.
    let response = await s.post("4a\\nb\x1e4c\\\\nd\x1e4w\u00f6rld\u2028");
    assert.equal(await response.text(), "ok");
    const { payload, body } = await unwrap(await s.get(), "0");
    assert.equal(payload, "4a\nb\x1e4c\\nd\x1e4w\u00f6rld\u2028");
    assert.ok(body.includes("\\u2028") && !body.includes("\u2028"), "U+2028 is escaped");
  });

  it("the callback index is the digits of j", T, async () => {
    const s = await open(4, "a1);x(2");
    await s.post("4hi");
    assert.equal((await unwrap(await s.get(), "12")).payload, "4hi");
  });

  it("v4: binary goes as b<base64>", T, async () => {
    const s = await open(4, "1");
    await s.post("bAQID");
    assert.equal((await unwrap(await s.get(), "1")).payload, "bAQID");
  });

  it("v3: the v3 text payload, binary as b4<base64> even without b64=1", T, async () => {
    const s = await open(3, "5");
    await s.post("6:4hello6:b4AQID");
    assert.equal((await unwrap(await s.get(), "5")).payload, "6:4hello6:b4AQID");
  });

  it("a POST without d is ignored; a malformed payload in d is a 400", T, async () => {
    const s = await open(4, "0");
    const ignored = await fetch(s.url, { method: "POST", body: "x=1" });
    assert.equal(ignored.status, 200);
    await s.post("4still here");
    assert.equal((await unwrap(await s.get(), "0")).payload, "4still here");
    await expect_eio_error(await s.post("9bad"), 3, "Bad request");
  });
});
