// The msgpack parser on the wire: the Socket.IO cases of the official socket.io-protocol test-suite,
// re-encoded with socket.io-msgpack-parser, against socketio-conformance --parser msgpack over a raw
// WebSocket; then what happens when the two sides do not use the same parser.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import msgpack_parser from "socket.io-msgpack-parser";
import { close_all, connected, emit_ack, make_socket, next_event } from "../lib/client.mjs";
import { eio_ws } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR } = msgpack_parser.PacketType;

// What socket.io-msgpack-parser puts in one binary message.
function encode(object) {
  const [bytes] = new msgpack_parser.Encoder().encode(object);
  return bytes;
}

// Decodes one received message with socket.io-msgpack-parser (which also validates it).
function decode(message) {
  assert.ok(Buffer.isBuffer(message), `expected a binary message, got ${JSON.stringify(message)}`);
  let packet;
  const decoder = new msgpack_parser.Decoder();
  decoder.on("decoded", (p) => (packet = p));
  decoder.add(message);
  return packet;
}

async function next_packet(raw) {
  return decode(await raw.next());
}

// A raw Engine.IO WebSocket connected to `nsp` with `auth`; resolves after the CONNECT answer and
// the "auth" event the server sends on connection.
async function sio_msgpack(base, nsp = "/", auth = undefined) {
  const raw = await eio_ws(base);
  raw.send(encode({ type: CONNECT, data: auth, nsp }));
  const connect = await next_packet(raw);
  assert.equal(connect.type, CONNECT);
  assert.equal(connect.nsp, nsp);
  assert.deepEqual(Object.keys(connect.data), ["sid"]);
  assert.equal(typeof connect.data.sid, "string");
  const auth_event = await next_packet(raw);
  assert.deepEqual(auth_event, { type: EVENT, data: ["auth", auth ?? {}], nsp });
  return raw;
}

describe("msgpack parser: socket.io-protocol cases over msgpack", () => {
  let server;
  before(async () => {
    server = await start_server("socketio-conformance", { extra_args: ["--parser", "msgpack"] });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("connects to the main namespace, with and without a payload", T, async () => {
    const plain = await sio_msgpack(server.url);
    const with_auth = await sio_msgpack(server.url, "/", { token: "123" });
    plain.terminate();
    with_auth.terminate();
  });

  it("connects to a custom namespace, with and without a payload", T, async () => {
    const plain = await sio_msgpack(server.url, "/custom");
    const with_auth = await sio_msgpack(server.url, "/custom", { token: "abc" });
    plain.terminate();
    with_auth.terminate();
  });

  it("refuses an unknown namespace with CONNECT_ERROR", T, async () => {
    const raw = await eio_ws(server.url);
    raw.send(encode({ type: CONNECT, nsp: "/random" }));
    assert.deepEqual(await next_packet(raw), {
      type: CONNECT_ERROR,
      data: { message: "Invalid namespace" },
      nsp: "/random",
    });
    raw.terminate();
  });

  it("closes the connection upon an invalid handshake", T, async () => {
    for (const bad of ["4abc", "40", encode({ type: 7, nsp: "/" }), Buffer.from([0xc1])]) {
      const raw = await eio_ws(server.url);
      raw.send(bad);
      await raw.expect_closed(`handshake ${JSON.stringify(bad)}`);
    }
  });

  it("disconnects from the main namespace (then only pings come)", T, async () => {
    const raw = await sio_msgpack(server.url);
    let pinged = false;
    raw.ws.on("message", (data) => {
      if (data.toString() === "2") pinged = true;
    });
    raw.send(encode({ type: DISCONNECT, nsp: "/" }));
    // The next ping arrives within pingInterval (300 ms); nothing else is sent.
    await assert.rejects(raw.next(1000), /no message/);
    assert.ok(pinged, "no ping within 1 s");
    raw.terminate();
  });

  it("connects then disconnects from a custom namespace; the main one goes on", T, async () => {
    const raw = await sio_msgpack(server.url);
    raw.send(encode({ type: CONNECT, nsp: "/custom" }));
    assert.equal((await next_packet(raw)).type, CONNECT);
    assert.deepEqual((await next_packet(raw)).data, ["auth", {}]);
    raw.send(encode({ type: DISCONNECT, nsp: "/custom" }));
    raw.send(encode({ type: EVENT, data: ["message", "message to main namespace"], nsp: "/" }));
    assert.deepEqual(await next_packet(raw), {
      type: EVENT,
      data: ["message-back", "message to main namespace"],
      nsp: "/",
    });
    raw.terminate();
  });

  it("sends a plain packet", T, async () => {
    const raw = await sio_msgpack(server.url);
    raw.send(encode({ type: EVENT, data: ["message", 1, "2", { 3: [true] }], nsp: "/" }));
    assert.deepEqual(await next_packet(raw), {
      type: EVENT,
      data: ["message-back", 1, "2", { 3: [true] }],
      nsp: "/",
    });
    raw.terminate();
  });

  it("sends a packet with binaries (inline, one message)", T, async () => {
    const raw = await sio_msgpack(server.url);
    const data = ["message", Buffer.from([1, 2, 3]), { nested: [Buffer.from([4, 5, 6])] }];
    raw.send(encode({ type: EVENT, data, nsp: "/" }));
    const back = await next_packet(raw);
    assert.deepEqual(back, { type: EVENT, data: ["message-back", ...data.slice(1)], nsp: "/" });
    assert.ok(Buffer.isBuffer(back.data[1]));
    raw.terminate();
  });

  it("sends a packet with an ack", T, async () => {
    const raw = await sio_msgpack(server.url);
    raw.send(encode({ type: EVENT, data: ["message-with-ack", 1, "2", { 3: [false] }], id: 456, nsp: "/" }));
    assert.deepEqual(await next_packet(raw), { type: ACK, data: [1, "2", { 3: [false] }], id: 456, nsp: "/" });
    raw.terminate();
  });

  it("sends a packet with binaries and an ack", T, async () => {
    const raw = await sio_msgpack(server.url);
    const args = [Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])];
    raw.send(encode({ type: EVENT, data: ["message-with-ack", ...args], id: 789, nsp: "/" }));
    assert.deepEqual(await next_packet(raw), { type: ACK, data: args, id: 789, nsp: "/" });
    raw.terminate();
  });

  const invalid = {
    "unknown packet type": { type: 7, data: ["message"], nsp: "/" },
    "BINARY_EVENT, which this format does not have": { type: 5, data: ["message"], nsp: "/" },
    "invalid payload format": { type: EVENT, data: {}, nsp: "/" },
    "invalid ack id": { type: EVENT, data: ["message-with-ack", 1], id: "abc", nsp: "/" },
    "namespace not a string": { type: EVENT, data: ["message"], nsp: 1 },
    "placeholder past the packet's binaries": {
      type: EVENT,
      data: ["message", { _placeholder: true, num: 3 }, Buffer.from([1])],
      nsp: "/",
    },
  };
  for (const [what, packet] of Object.entries(invalid)) {
    it(`closes the connection upon invalid format (${what}); others go on`, T, async () => {
      const bystander = await sio_msgpack(server.url);
      const raw = await sio_msgpack(server.url);
      raw.send(encode(packet));
      await raw.expect_closed(what);
      bystander.send(encode({ type: EVENT, data: ["message-with-ack", "still here"], id: 1, nsp: "/" }));
      assert.deepEqual(await next_packet(bystander), { type: ACK, data: ["still here"], id: 1, nsp: "/" });
      bystander.terminate();
    });
  }

  it("closes the connection upon truncated msgpack or a text message", T, async () => {
    const good = encode({ type: EVENT, data: ["message", "x"], nsp: "/" });
    for (const bad of [good.subarray(0, good.length - 1), '42["message","x"]']) {
      const raw = await sio_msgpack(server.url);
      raw.send(bad);
      await raw.expect_closed(`message ${JSON.stringify(bad)}`);
    }
  });

  it("serves socket.io-client with parser: socket.io-msgpack-parser over both transports", T, async () => {
    for (const transports of [["websocket"], ["polling"]]) {
      const socket = make_socket(server.url, { transports, parser: msgpack_parser, auth: { n: 1 } });
      const auth = next_event(socket, "auth");
      await connected(socket);
      assert.deepEqual(await auth, [{ n: 1 }]);
      const bytes = Buffer.from([0, 255, 7]);
      assert.deepEqual(await emit_ack(socket, "message-with-ack", [bytes, { b: [bytes] }]), [bytes, { b: [bytes] }]);
      socket.disconnect();
    }
  });
});

describe("msgpack parser: client and server disagree", () => {
  let json_server;
  let msgpack_server;
  before(async () => {
    [json_server, msgpack_server] = await Promise.all([
      start_server("socketio-conformance", { extra_args: ["--parser", "json"] }),
      start_server("socketio-conformance", { extra_args: ["--parser", "msgpack"] }),
    ]);
  });
  after(async () => {
    await Promise.all([stop_checked(json_server), stop_checked(msgpack_server)]);
  });

  it("a msgpack CONNECT to a JSON server closes the connection", T, async () => {
    const raw = await eio_ws(json_server.url);
    raw.send(encode({ type: CONNECT, nsp: "/" }));
    await raw.expect_closed("binary CONNECT to the JSON parser");
  });

  it("the official clients are disconnected, never connected", T, async () => {
    const cases = [
      [json_server, { parser: msgpack_parser }],
      [msgpack_server, {}],
    ];
    for (const [server, opts] of cases) {
      const socket = make_socket(server.url, { transports: ["websocket"], ...opts });
      let connected_once = false;
      socket.on("connect", () => (connected_once = true));
      const ended = Promise.race([next_event(socket, "disconnect"), next_event(socket, "connect_error")]);
      socket.connect();
      await ended;
      assert.equal(connected_once, false);
      close_all(socket);
    }
  });
});
