// Bad HTTP input: Engine.IO error codes, oversize bodies, garbage bytes, abrupt closes.
// After each case the bystander client must still get its echo.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bad_input_fixture, bad_input_profile, expect_message } from "../lib/bad_input.mjs";
import {
  eio_ws,
  expect_eio_error,
  parse_http_response,
  polling_handshake,
  polling_url,
  tcp_exchange,
  tcp_write_and_abort,
} from "../lib/raw.mjs";

const T = { timeout: 20000 };
const MAX_PAYLOAD = 1000000;

describe(`bad HTTP input (${bad_input_profile().example})`, () => {
  const f = bad_input_fixture();
  const base = () => f.server.url;
  const path = f.profile.path;
  const polling_url_ = (sid) => polling_url(base(), sid, path);
  const handshake = () => polling_handshake(base(), path);

  it("unknown sid: 400 code 1 for GET and POST", T, async () => {
    await expect_eio_error(await fetch(polling_url_("no-such-sid")), 1, "Session ID unknown");
    await expect_eio_error(
      await fetch(polling_url_("no-such-sid"), { method: "POST", body: "40" }),
      1,
      "Session ID unknown",
    );
    await f.survived("unknown sid");
  });

  it("unknown or missing transport: 400 code 0", T, async () => {
    await expect_eio_error(await fetch(`${base()}${path}?EIO=4&transport=carrier-pigeon`), 0, "Transport unknown");
    await expect_eio_error(await fetch(`${base()}${path}?EIO=4`), 0, "Transport unknown");
    await f.survived("bad transport");
  });

  it("bad or missing EIO: 400 code 5", T, async () => {
    for (const eio of ["EIO=3&", "EIO=abc&", "EIO=5&", ""]) {
      await expect_eio_error(
        await fetch(`${base()}${path}?${eio}transport=polling`),
        5,
        "Unsupported protocol version",
      );
    }
    await f.survived("bad EIO");
  });

  it("handshake with another method than GET: 400 code 2", T, async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      await expect_eio_error(
        await fetch(`${base()}${path}?EIO=4&transport=polling`, { method, body: method === "DELETE" ? undefined : "40" }),
        2,
        "Bad handshake method",
      );
    }
    await f.survived("bad handshake method");
  });

  it("websocket transport without an upgrade: 400 code 3", T, async () => {
    await expect_eio_error(await fetch(`${base()}${path}?EIO=4&transport=websocket`), 3, "Bad request");
    await f.survived("websocket without upgrade");
  });

  it("a polling request for a websocket session: 400 code 3, the session lives on", T, async () => {
    const raw = await eio_ws(base(), path);
    await expect_eio_error(await fetch(polling_url_(raw.handshake.sid)), 3, "Bad request");
    raw.send(f.profile.hello);
    await expect_message(raw, f.profile.hello_reply, "the websocket session still works");
    raw.terminate();
    await f.survived("polling for a websocket session");
  });

  it("POST body of maxPayload bytes is accepted, one byte more gets 413", T, async () => {
    const { sid } = await handshake();
    const exact = f.profile.polling_body_of_size(MAX_PAYLOAD);
    assert.equal(Buffer.byteLength(exact), MAX_PAYLOAD);
    const ok = await fetch(polling_url_(sid), { method: "POST", body: exact });
    const ok_text = await ok.text();
    assert.equal(ok.status, 200, `exactly maxPayload: ${ok.status} ${ok_text}`);
    assert.equal(ok_text, "ok");

    const { sid: sid2 } = await handshake();
    const body = "4" + "y".repeat(MAX_PAYLOAD);
    const request =
      `POST ${path}?EIO=4&transport=polling&sid=${sid2} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { data } = await tcp_exchange(f.server.port, request);
    const response = parse_http_response(data);
    assert.equal(response.status, 413, `oversize POST answered ${response.status}: ${response.body.slice(0, 200)}`);
    await f.survived("oversize POST");
  });

  it("a Content-Length far above maxPayload gets 413 without sending the body", T, async () => {
    const { sid } = await handshake();
    const request =
      `POST ${path}?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 4000000000\r\n\r\n4abc`;
    const { data, closed } = await tcp_exchange(f.server.port, request, { timeout_ms: 5000 });
    assert.ok(data.length > 0, `no answer to a 4 GB Content-Length (closed: ${closed})`);
    assert.equal(parse_http_response(data).status, 413);
    await f.survived("huge Content-Length");
  });

  for (const [name, bytes] of [
    ["binary garbage", Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a, 0xde, 0xad, 0xbe, 0xef])],
    ["a text line that is not HTTP", Buffer.from("HELLO soket how are you\r\n\r\n")],
    ["a header line without colon", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n")],
    ["an invalid Content-Length", Buffer.from("POST ${path}?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")],
  ]) {
    it(`garbage on the TCP port (${name}): 400 with a JSON body, connection closed`, T, async () => {
      const { data, closed } = await tcp_exchange(f.server.port, bytes);
      assert.ok(data.length > 0, "no answer to garbage");
      const response = parse_http_response(data);
      assert.equal(response.status, 400, `answered ${response.status}: ${response.body}`);
      let body;
      assert.doesNotThrow(() => {
        body = JSON.parse(response.body);
      }, `body is not JSON: ${JSON.stringify(response.body)}`);
      assert.equal(typeof body.message, "string", `JSON body without message: ${response.body}`);
      assert.ok(closed, "connection not closed after the 400");
      await f.survived(`garbage (${name})`);
    });
  }

  it("oversized request headers: 4xx and connection closed", T, async () => {
    const request = `GET ${path}?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(200000)}\r\n\r\n`;
    const { data, closed } = await tcp_exchange(f.server.port, request);
    if (data.length > 0) {
      const { status } = parse_http_response(data);
      assert.ok(status >= 400 && status < 500, `oversized headers answered ${status}`);
    }
    assert.ok(closed, "connection not closed after oversized headers");
    await f.survived("oversized headers");
  });

  it("abrupt close in the middle of the request line and of the headers", T, async () => {
    await tcp_write_and_abort(f.server.port, "GET ${path}?EIO=4&tra");
    await tcp_write_and_abort(f.server.port, "GET ${path}?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc");
    await f.survived("abrupt close mid request");
  });

  it("abrupt close in the middle of a POST body; the session still works", T, async () => {
    const { sid } = await handshake();
    await tcp_write_and_abort(
      f.server.port,
      `POST ${path}?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 1000\r\n\r\n42["ec`,
    );
    await f.survived("abrupt close mid POST body");
  });

  it("abrupt close of a pending long-poll GET", T, async () => {
    const { sid } = await handshake();
    await tcp_write_and_abort(
      f.server.port,
      `GET ${path}?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    );
    await f.survived("abrupt close of a long-poll");
  });

  it("a second concurrent GET: 400 and the session is closed", T, async () => {
    const { sid } = await handshake();
    const first = fetch(polling_url_(sid)); // held: nothing to send yet
    await new Promise((r) => setTimeout(r, 200));
    const second = await fetch(polling_url_(sid));
    const second_text = await second.text();
    assert.equal(second.status, 400, `second GET answered ${second.status}: ${second_text}`);
    const first_response = await first;
    const first_text = await first_response.text();
    if (first_response.status === 200) {
      assert.match(first_text, /(^|\x1e)1($|\x1e)/, `first GET ended without a close packet: ${first_text}`);
    }
    await expect_eio_error(await fetch(polling_url_(sid)), 1, "Session ID unknown");
    await f.survived("concurrent GET");
  });

  it("a POST whose body never completes blocks nothing; the session goes on", T, async () => {
    // soket reads a request's whole body before Engine.IO sees it (the reference streams it and
    // refuses a second POST while the first is still arriving). So a stalled upload cannot hold
    // the session: the next POST is handled, and the stalled connection times out on its own.
    const { sid } = await handshake();
    const pending = tcp_exchange(
      f.server.port,
      `POST ${path}?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 100\r\n\r\n40`,
      { timeout_ms: 300 },
    );
    await new Promise((r) => setTimeout(r, 200));
    // A pong keeps the session alive under engineio-conformance's 300 ms ping interval.
    const second = await fetch(polling_url_(sid), { method: "POST", body: "3" });
    const body = await second.text();
    assert.equal(second.status, 200, `second POST answered ${second.status}: ${body}`);
    assert.equal(body, "ok");
    await pending;
    const again = await fetch(polling_url_(sid), { method: "POST", body: "6" });
    assert.equal(again.status, 200, "the session is still open");
    await again.text();
    await f.survived("stalled POST");
  });
});
