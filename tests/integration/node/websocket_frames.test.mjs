// The WebSocket framing of the transport, byte by byte on a raw TCP socket (RFC 6455): fragments,
// control frames between fragments, dribbled and large frames, the close handshake, and every
// kind of broken frame answered with the right close code. The bystander must keep its echo.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bad_input_fixture, PROFILES } from "../lib/bad_input.mjs";
import { sleep } from "../lib/client.mjs";
import { client_frame as frame, ServerFrames as FrameReader, ws_upgrade as upgrade } from "../lib/raw.mjs";

const T = { timeout: 20000 };
const MAX_PAYLOAD = 1000000;

function close_payload(code, reason = "") {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, Buffer.from(reason)]);
}

describe("WebSocket frames (engineio-conformance)", () => {
  const f = bad_input_fixture(PROFILES.engineio);

  async function session() {
    const { sock, rest } = await upgrade(f.server.port, "/engine.io/?EIO=4&transport=websocket");
    const reader = new FrameReader(sock, rest);
    const open = await reader.next("the open packet");
    assert.match(open.payload.toString(), /^0\{/);
    return { sock, reader };
  }

  it("a fragmented message with a ping between its fragments", T, async () => {
    const { sock, reader } = await session();
    sock.write(frame(1, "4frag", { fin: false }));
    sock.write(frame(9, "are you there"));
    sock.write(frame(0, "mented ", { fin: false }));
    sock.write(frame(0, "message"));
    const pong = await reader.next("the pong");
    assert.equal(pong.opcode, 10);
    assert.equal(pong.payload.toString(), "are you there");
    assert.equal(await reader.text("the echo"), "4fragmented message");
    sock.destroy();
    await f.survived("fragments");
  });

  it("UTF-8 split between fragments is accepted", T, async () => {
    const { sock, reader } = await session();
    const euro = Buffer.from("4€ ok");  // € is three bytes: cut after the first
    sock.write(frame(1, euro.subarray(0, 2), { fin: false }));
    sock.write(frame(0, euro.subarray(2)));
    assert.equal(await reader.text("the echo"), "4€ ok");
    sock.destroy();
  });

  it("a frame dribbled one byte per write, then several frames in one write", T, async () => {
    const { sock, reader } = await session();
    const bytes = frame(1, "4slowly");
    for (const byte of bytes) {
      sock.write(Buffer.from([byte]));
      await sleep(2);
    }
    assert.equal(await reader.text("the dribbled echo"), "4slowly");
    sock.write(Buffer.concat([frame(1, "4one"), frame(1, "4two"), frame(1, "4three")]));
    assert.equal(await reader.text("echo one"), "4one");
    assert.equal(await reader.text("echo two"), "4two");
    assert.equal(await reader.text("echo three"), "4three");
    sock.destroy();
  });

  it("large text and binary messages arrive whole", T, async () => {
    const { sock, reader } = await session();
    const text = "4" + "abcdefghij".repeat(70000);  // 700 KB, many reads
    sock.write(frame(1, text));
    assert.equal(await reader.text("the large echo"), text);
    const binary = Buffer.alloc(300000, 7);
    binary[0] = 1;
    sock.write(frame(2, binary));
    let echo;
    do echo = await reader.next("the binary echo");
    while (echo.opcode !== 2);
    assert.ok(echo.payload.equals(binary), "binary echo differs");
    sock.destroy();
  });

  it("a close frame is answered with the same code and the connection ends", T, async () => {
    const { sock, reader } = await session();
    sock.write(frame(8, close_payload(1000, "bye")));
    await reader.expect_close(1000, "the client's close frame");
    await f.survived("client close");
  });

  for (const [name, bytes, code] of [
    ["an unmasked frame", frame(1, "4hello", { masked: false }), 1002],
    ["RSV1 set without an extension", frame(1, "4hello", { rsv: 4 }), 1002],
    ["reserved opcode 3", frame(3, "4hello"), 1002],
    ["reserved control opcode 11", frame(11, ""), 1002],
    ["a continuation with no message started", frame(0, "4hello"), 1002],
    ["a new message inside a fragmented one",
      Buffer.concat([frame(1, "4a", { fin: false }), frame(1, "4b")]), 1002],
    ["a fragmented ping", frame(9, "x", { fin: false }), 1002],
    ["a control frame over 125 bytes", frame(9, "x".repeat(126)), 1002],
    ["a close frame with a one-byte payload", frame(8, "x"), 1002],
    ["a close frame with code 1005", frame(8, close_payload(1005)), 1002],
    ["a close frame with code 999", frame(8, close_payload(999)), 1002],
    ["a close reason that is not UTF-8", frame(8, Buffer.concat([close_payload(1000), Buffer.from([0xff])])), 1007],
    ["invalid UTF-8 in a text frame", frame(1, Buffer.from([0x34, 0xc3, 0x28])), 1007],
    ["invalid UTF-8 across fragments",
      Buffer.concat([frame(1, Buffer.from([0x34, 0xe2, 0x82]), { fin: false }), frame(0, Buffer.from([0x28]))]), 1007],
    ["text ending inside a UTF-8 sequence",
      Buffer.concat([frame(1, Buffer.from([0x34, 0xe2]), { fin: false }), frame(0, Buffer.from([0x82]))]), 1007],
    ["a frame header announcing more than maxPayload", frame(2, "", { length: MAX_PAYLOAD + 1 }), 1009],
    ["fragments adding up to more than maxPayload",
      Buffer.concat([frame(2, Buffer.alloc(600000), { fin: false }), frame(0, Buffer.alloc(600000))]), 1009],
  ]) {
    it(`${name} closes with ${code}`, T, async () => {
      const { sock, reader } = await session();
      sock.write(bytes);
      await reader.expect_close(code, name);
      await f.survived(name);
    });
  }
});
