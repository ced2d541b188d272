// Compression (RFC 7692 permessage-deflate and HTTP gzip/deflate of polling responses):
// - raw WebSocket frames against the Engine.IO echo started with --per-message-deflate: the
//   agreed parameters, RSV1 on compressed messages both ways, context takeover or not, and the bad
//   input (RSV1 without the extension, a compressed ping, a deflate bomb, garbage) with its close
//   code while a bystander keeps its echo;
// - the official socket.io-client (its `ws` offers permessage-deflate) on the feature server;
// - polling responses with Accept-Encoding gzip / deflate / none, below and above 1 KiB, and
//   compress(false) on both transports.
import assert from "node:assert/strict";
import http from "node:http";
import zlib from "node:zlib";
import { after, before, describe, it } from "node:test";
import { bad_input_fixture, PROFILES } from "../lib/bad_input.mjs";
import { close_all, connect, emit_ack, next_event } from "../lib/client.mjs";
import { client_frame as frame, ServerFrames as FrameReader, WIRE_TIMEOUT_MS, ws_upgrade as upgrade } from "../lib/raw.mjs";
import { start_eio3_echo, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 30000 };
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

// One message compressed on its own (no context), the 00 00 ff ff tail removed (§7.2.1).
function deflate_message(data, windowBits = 15) {
  const out = zlib.deflateRawSync(Buffer.from(data), { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(out.subarray(-4), TAIL);
  return out.subarray(0, -4);
}

// One message inflated on its own (the sender kept no context).
function inflate_alone(data, windowBits = 15) {
  return zlib.inflateRawSync(Buffer.concat([data, TAIL]), { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

// The client side's decompressor; with context takeover it keeps its window between messages.
class Inflater {
  constructor() {
    this.stream = zlib.createInflateRaw({ windowBits: 15 });
    this.chunks = [];
    this.stream.on("data", (c) => this.chunks.push(c));
  }
  inflate(data) {
    return new Promise((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.write(Buffer.concat([data, TAIL]));
      this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }
}

const ENGINE_PATH = "/engine.io/?EIO=4&transport=websocket";

async function session(port, extensions = "permessage-deflate; client_max_window_bits") {
  const { sock, rest, extensions: agreed } = await upgrade(port, ENGINE_PATH, extensions);
  const reader = new FrameReader(sock, rest);
  const open = await reader.next("the open packet");
  assert.equal(open.rsv, 0);
  assert.match(open.payload.toString(), /^0\{/);
  return { sock, reader, agreed };
}

describe("permessage-deflate, raw frames (engineio-conformance --per-message-deflate)", () => {
  const f = bad_input_fixture({
    ...PROFILES.engineio,
    extra_args: [...PROFILES.engineio.extra_args, "--per-message-deflate", "--allow-eio3"],
  });
  const big = "4" + "soket compresses ".repeat(200);  // 3401 bytes: above the 1024 threshold

  it("agrees the client's offer and compresses both ways with context takeover", T, async () => {
    const { sock, reader, agreed } = await session(f.server.port);
    assert.equal(agreed, "permessage-deflate");
    const inflater = new Inflater();
    for (let i = 0; i < 3; ++i) {
      const text = big + i;
      sock.write(frame(1, deflate_message(text), { rsv: 4 }));
      const echo = await reader.next(`compressed echo ${i}`);
      assert.equal(echo.rsv, 4, "RSV1 on a compressed message");
      assert.equal(echo.opcode, 1);
      assert.ok(echo.payload.length < text.length / 4, "compressed");
      assert.equal((await inflater.inflate(echo.payload)).toString(), text);
    }
    // Below the threshold: no RSV1, even when the client compressed it; and uncompressed input.
    sock.write(frame(1, deflate_message("4small"), { rsv: 4 }));
    const small = await reader.next("small echo");
    assert.equal(small.rsv, 0);
    assert.equal(small.payload.toString(), "4small");
    sock.write(frame(1, "4plain"));
    assert.equal((await reader.next("plain echo")).payload.toString(), "4plain");
    // Binary, compressed in two fragments.
    const bytes = Buffer.alloc(5000, 7);
    const z = deflate_message(bytes);
    sock.write(frame(2, z.subarray(0, 10), { fin: false, rsv: 4 }));
    sock.write(frame(0, z.subarray(10)));
    const bin = await reader.next("binary echo");
    assert.equal(bin.rsv, 4);
    assert.equal(bin.opcode, 2);
    assert.deepEqual(await inflater.inflate(bin.payload), bytes);
    sock.destroy();
    await f.survived("context takeover");
  });

  it("Engine.IO v3: a binary message, led by its type byte, is compressed too", T, async () => {
    const { sock, rest, extensions } = await upgrade(
      f.server.port,
      "/engine.io/?EIO=3&transport=websocket",
      "permessage-deflate; client_max_window_bits",
    );
    assert.equal(extensions, "permessage-deflate");
    const reader = new FrameReader(sock, rest);
    assert.match((await reader.next("the v3 open packet")).payload.toString(), /^0\{/);
    const bytes = Buffer.alloc(6000, 1);
    sock.write(frame(2, deflate_message(Buffer.concat([Buffer.from([4]), bytes])), { rsv: 4 }));
    const echo = await reader.next("the v3 binary echo");
    assert.equal(echo.rsv, 4);
    assert.equal(echo.opcode, 2);
    assert.deepEqual(await new Inflater().inflate(echo.payload), Buffer.concat([Buffer.from([4]), bytes]));
    sock.destroy();
  });

  it("honours no_context_takeover and max_window_bits as offered", T, async () => {
    const { sock, reader, agreed } = await session(
      f.server.port,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
        "server_max_window_bits=10; client_max_window_bits=9",
    );
    assert.equal(
      agreed,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
        "server_max_window_bits=10; client_max_window_bits=9",
    );
    for (let i = 0; i < 2; ++i) {
      sock.write(frame(1, deflate_message(big, 9), { rsv: 4 }));
      const echo = await reader.next(`echo ${i}`);
      assert.equal(echo.rsv, 4);
      // Each message stands alone and needs no more than a 2^10 window.
      const text = inflate_alone(echo.payload, 10);
      assert.equal(text.toString(), big);
    }
    sock.destroy();
  });

  it("declines offers it cannot honour: no extension, plain frames", T, async () => {
    const { sock, reader, agreed } = await session(f.server.port, "permessage-deflate; server_max_window_bits=8");
    assert.equal(agreed, null);
    sock.write(frame(1, big));
    const echo = await reader.next("plain echo");
    assert.equal(echo.rsv, 0);
    assert.equal(echo.payload.toString(), big);
    sock.write(frame(1, deflate_message(big), { rsv: 4 }));
    await reader.expect_close(1002, "RSV1 without the extension");
    await f.survived("RSV1 without the extension");
  });

  it("RSV1 without an offer is a protocol error (1002)", T, async () => {
    const { sock, reader, agreed } = await session(f.server.port, null);
    assert.equal(agreed, null);
    sock.write(frame(1, deflate_message(big), { rsv: 4 }));
    await reader.expect_close(1002, "RSV1 without an offer");
    await f.survived("RSV1 without an offer");
  });

  it("a compressed ping or continuation is a protocol error (1002)", T, async () => {
    const ping = await session(f.server.port);
    ping.sock.write(frame(9, deflate_message("hello"), { rsv: 4 }));
    await ping.reader.expect_close(1002, "a compressed ping");
    const cont = await session(f.server.port);
    cont.sock.write(frame(1, "4a", { fin: false }));
    cont.sock.write(frame(0, deflate_message("b"), { rsv: 4 }));
    await cont.reader.expect_close(1002, "a compressed continuation");
    await f.survived("compressed control frames");
  });

  it("a deflate bomb closes with 1009 once past max_payload; garbage with 1007", T, async () => {
    const bomb = deflate_message(Buffer.alloc(20_000_000, "a"));  // 20 MB in ~20 KB
    assert.ok(bomb.length < 100_000);
    const a = await session(f.server.port);
    a.sock.write(frame(1, bomb, { rsv: 4 }));
    await a.reader.expect_close(1009, "a deflate bomb");
    const b = await session(f.server.port);
    b.sock.write(frame(1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), { rsv: 4 }));
    await b.reader.expect_close(1007, "a broken deflate stream");
    const c = await session(f.server.port);
    c.sock.write(frame(1, deflate_message(Buffer.from([0x34, 0xc3, 0x28])), { rsv: 4 }));
    await c.reader.expect_close(1007, "invalid UTF-8 once inflated");
    await f.survived("deflate bomb");
  });
});

// Polling GET with the given Accept-Encoding; resolves with {status, headers, body (raw bytes)}.
function get(url, accept_encoding) {
  return new Promise((resolve, reject) => {
    const headers = accept_encoding ? { "Accept-Encoding": accept_encoding } : {};
    const req = http.get(url, { headers, timeout: WIRE_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

function post(url, body, content_type = "text/plain") {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", timeout: WIRE_TIMEOUT_MS, headers: { "Content-Type": content_type } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

// The body once its Content-Encoding is undone (once: a body compressed twice would not match).
function decode_bytes(response) {
  switch (response.headers["content-encoding"]) {
    case "gzip":
      return zlib.gunzipSync(response.body);
    case "deflate":
      return zlib.inflateSync(response.body);
    case undefined:
      return response.body;
    default:
      assert.fail(`unexpected Content-Encoding ${response.headers["content-encoding"]}`);
  }
}

function decode(response) {
  return decode_bytes(response).toString();
}

describe("feature-server --per-message-deflate", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--per-message-deflate"] });
  });
  after(async () => {
    if (server) await stop_checked(server);
  });

  it("the official client agrees permessage-deflate and exchanges events of every size", T, async () => {
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["websocket"] });
    try {
      assert.match(a.io.engine.transport.ws.extensions, /permessage-deflate/);
      for (const size of [10, 1023, 1024, 5000, 200_000]) {
        const payload = { text: "x".repeat(size), n: size };
        assert.deepEqual(await emit_ack(a, "echo", [payload, size]), [payload, size]);
      }
      const blob = Buffer.alloc(50_000, 3);
      const [ack] = await emit_ack(a, "binary", [{ blob }]);
      assert.deepEqual(Buffer.from(ack.blob), blob);
      // A broadcast of a large message reaches the other client intact.
      const got = next_event(b, "broadcast");
      a.emit("broadcast", "y".repeat(4000));
      assert.deepEqual(await got, ["y".repeat(4000)]);
      // compress(false), to one socket and to all.
      const one = next_event(a, "uncompressed");
      a.emit("uncompressed", "z".repeat(3000));
      assert.deepEqual(await one, ["z".repeat(3000)]);
      const all = next_event(b, "uncompressed-broadcast");
      a.emit("uncompressed-broadcast", "w".repeat(3000));
      assert.deepEqual(await all, ["w".repeat(3000)]);
    } finally {
      close_all(a, b);
    }
  });

  it("compress(false) sends that packet without RSV1", T, async () => {
    const { sock, rest, extensions } = await upgrade(
      server.port,
      "/socket.io/?EIO=4&transport=websocket",
      "permessage-deflate; client_max_window_bits",
    );
    assert.equal(extensions, "permessage-deflate");
    const reader = new FrameReader(sock, rest);
    await reader.next("the open packet");
    sock.write(frame(1, "40"));
    assert.match((await reader.next("CONNECT")).payload.toString(), /^40\{"sid"/);
    await reader.next("welcome_message");
    const text = "q".repeat(3000);
    sock.write(frame(1, `42["uncompressed","${text}"]`));
    const plain = await reader.next("the uncompressed event");
    assert.equal(plain.rsv, 0, "no RSV1 with compress(false)");
    assert.equal(plain.payload.toString(), `42["uncompressed","${text}"]`);
    sock.write(frame(1, `421["echo","${text}"]`));
    const acked = await reader.next("the ack");
    assert.equal(acked.rsv, 4, "RSV1 on the default path");
    const inflated = inflate_alone(acked.payload);
    assert.equal(inflated.toString(), `431["${text}"]`);
    // io.compress(false) (Server -> Namespace -> BroadcastOperator) reaches this socket plain too.
    sock.write(frame(1, `42["uncompressed-broadcast","${text}"]`));
    const plain_broadcast = await reader.next("the uncompressed broadcast");
    assert.equal(plain_broadcast.rsv, 0, "no RSV1 with io.compress(false)");
    assert.equal(plain_broadcast.payload.toString(), `42["uncompressed-broadcast","${text}"]`);
    sock.destroy();
  });

  it("polling responses: gzip, deflate or none per Accept-Encoding, from 1 KiB", T, async () => {
    for (const encoding of ["gzip", "deflate", "br, deflate;q=0.5, gzip;q=0.9", null]) {
      const hs = await get(`${server.url}/socket.io/?EIO=4&transport=polling`, encoding);
      const sid = JSON.parse(decode(hs).slice(1)).sid;
      const url = `${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
      assert.equal(await post(url, "40"), 200);
      assert.match(decode(await get(url, encoding)), /^40\{"sid"/);
      const expected_coding = encoding === null ? undefined : encoding.startsWith("br") ? "gzip" : encoding;
      for (const size of [100, 1100, 100_000]) {
        const text = "p".repeat(size);
        assert.equal(await post(url, `421["echo","${text}"]`), 200);
        const res = await get(url, encoding);
        assert.equal(res.status, 200);
        const body = `431["${text}"]`;
        assert.equal(res.headers["content-encoding"], body.length >= 1024 ? expected_coding : undefined,
                     `${encoding} ${size}`);
        assert.equal(decode(res), body);  // byte-exact once decompressed
        assert.equal(Number(res.headers["content-length"]), res.body.length);
      }
      // compress(false): the response stays plain whatever the client accepts.
      const text = "u".repeat(3000);
      assert.equal(await post(url, `42["uncompressed","${text}"]`), 200);
      const res = await get(url, encoding);
      assert.equal(res.headers["content-encoding"], undefined);
      assert.equal(res.body.toString(), `42["uncompressed","${text}"]`);
      await post(url, "1");
    }
  });
});

// A polling session of engineio-conformance opened with `query` (EIO=3 or 4, b64, j); `handshake`
// is the decoded open packet.
async function open_polling(base, query) {
  const hs = await get(`${base}/engine.io/?${query}`, "gzip");
  assert.equal(hs.status, 200);
  assert.equal(hs.headers["content-encoding"], undefined, "the handshake is below the threshold");
  let text = decode(hs);
  if (text.startsWith("___eio[")) text = JSON.parse(text.slice(text.indexOf("(") + 1, -2));
  const sid = /"sid":"([^"]+)"/.exec(text)[1];
  return `${base}/engine.io/?${query}&sid=${encodeURIComponent(sid)}`;
}

// A v3 text payload of one packet: <length in UTF-16 units>:<packet>.
const v3_packet = (packet) => `${packet.length}:${packet}`;

describe("httpCompression of every polling response kind (engineio-conformance --allow-eio3)", () => {
  let server;
  before(async () => {
    server = await start_eio3_echo();
  });
  after(async () => {
    if (server) await stop_checked(server);
  });

  it("v4 payload: compressed from 1 KiB by Accept-Encoding, decoded byte-exact", T, async () => {
    const url = await open_polling(server.url, "EIO=4&transport=polling");
    const packets = `4${"a".repeat(1500)}\x1e4${"b".repeat(1500)}`;
    assert.equal(await post(url, packets), 200);
    const res = await get(url, "deflate, gzip");
    assert.equal(res.headers["content-encoding"], "deflate", "the coding the client lists first");
    assert.equal(res.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(decode(res), packets);
  });

  it("v3 text payload", T, async () => {
    const url = await open_polling(server.url, "EIO=3&transport=polling");
    const body = v3_packet(`4${"é".repeat(1200)}`);
    assert.equal(await post(url, body, "text/plain;charset=UTF-8"), 200);
    const res = await get(url, "gzip");
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(decode(res), body);
  });

  it("v3 binary payload (application/octet-stream)", T, async () => {
    const url = await open_polling(server.url, "EIO=3&transport=polling");
    const data = Buffer.alloc(3000, 9);
    // <1: binary><3001 as digit bytes><255><4: message><data>
    const payload = Buffer.concat([Buffer.from([1, 3, 0, 0, 1, 255, 4]), data]);
    assert.equal(await post(url, payload, "application/octet-stream"), 200);
    const res = await get(url, "gzip, deflate");
    assert.equal(res.headers["content-type"], "application/octet-stream");
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.deepEqual(decode_bytes(res), payload);
  });

  it("v3 b64=1 payload", T, async () => {
    const url = await open_polling(server.url, "EIO=3&transport=polling&b64=1");
    const body = v3_packet(`b4${Buffer.alloc(3000, 5).toString("base64")}`);
    assert.equal(await post(url, body), 200);
    const res = await get(url, "gzip");
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(decode(res), body);
  });

  it("JSONP (v4 and v3): the script is what is compressed, judged by its own size", T, async () => {
    for (const eio of [4, 3]) {
      const url = await open_polling(server.url, `EIO=${eio}&transport=polling&j=5`);
      const form = (d) => new URLSearchParams({ d }).toString();
      const content_type = "application/x-www-form-urlencoded";
      // A payload under 1 KiB whose script (___eio[5]("...");) is over it: compressed, as the
      // reference decides on the JSONP body it writes.
      const packet = `4${"j".repeat(eio === 4 ? 1014 : 1009)}`;
      const payload = eio === 4 ? packet : v3_packet(packet);
      assert.ok(payload.length < 1024 && payload.length + 14 >= 1024);
      assert.equal(await post(url, form(payload), content_type), 200);
      let res = await get(url, "gzip");
      assert.equal(res.headers["content-type"], "text/javascript; charset=UTF-8");
      assert.equal(res.headers["content-encoding"], "gzip", `EIO=${eio}`);
      assert.equal(decode(res), `___eio[5](${JSON.stringify(payload)});`);
      // Without Accept-Encoding: the same script, plain.
      assert.equal(await post(url, form(payload), content_type), 200);
      res = await get(url, null);
      assert.equal(res.headers["content-encoding"], undefined);
      assert.equal(res.body.toString(), `___eio[5](${JSON.stringify(payload)});`);
    }
  });

  it("the same 1015-byte payload without JSONP stays plain", T, async () => {
    const url = await open_polling(server.url, "EIO=4&transport=polling");
    const packet = `4${"j".repeat(1014)}`;
    assert.equal(await post(url, packet), 200);
    const res = await get(url, "gzip");
    assert.equal(res.headers["content-encoding"], undefined);
    assert.equal(res.body.toString(), packet);
  });
});

describe("engineio-conformance --no-http-compression", () => {
  let server;
  before(async () => {
    server = await start_server("engineio-conformance", {
      host: true,
      extra_args: ["--no-http-compression", "--ping-interval-ms", "20000", "--ping-timeout-ms", "20000"],
    });
  });
  after(async () => {
    if (server) await stop_checked(server);
  });

  it("polling responses are never compressed", T, async () => {
    const url = await open_polling(server.url, "EIO=4&transport=polling");
    const packet = `4${"n".repeat(5000)}`;
    assert.equal(await post(url, packet), 200);
    const res = await get(url, "gzip, deflate");
    assert.equal(res.headers["content-encoding"], undefined);
    assert.equal(res.body.toString(), packet);
  });
});
