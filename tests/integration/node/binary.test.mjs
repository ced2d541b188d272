// Binary payloads both ways (BINARY_EVENT / BINARY_ACK), flat and nested, over websocket and polling.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

function bytes(length, seed = 0) {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff));
}

// Replaces every binary value by a plain Buffer so that deepEqual compares content, not class.
function normalise(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

function assert_binary(value, path = "$") {
  assert.ok(value instanceof ArrayBuffer || ArrayBuffer.isView(value), `${path} should be binary, got ${typeof value}`);
}

for (const transport of ["websocket", "polling"]) {
  describe(`binary over ${transport}`, () => {
    let server;
    const opts = { transports: [transport] };
    before(async () => {
      server = await start_server("feature-server", { host: true });
    });
    after(async () => {
      await stop_checked(server);
    });

    it("binary: a Buffer comes back as binary-back and as the ack, byte for byte", T, async () => {
      const socket = await connect(server.url, opts);
      const data = bytes(256);
      const back = next_event(socket, "binary-back");
      const [acked] = await emit_ack(socket, "binary", [data]);
      assert_binary(acked);
      assert.deepEqual(normalise(acked), data);
      const [event_data] = await back;
      assert_binary(event_data);
      assert.deepEqual(normalise(event_data), data);
      socket.disconnect();
    });

    it("binary: nested attachments keep their place and stay binary", T, async () => {
      const socket = await connect(server.url, opts);
      const data = {
        name: "sensor-7",
        raw: bytes(10, 1),
        list: [bytes(3, 2), "text", { deep: bytes(1000, 3), n: 5 }, [bytes(0)]],
        flag: true,
      };
      const back = next_event(socket, "binary-back");
      const [acked] = await emit_ack(socket, "binary", [data]);
      assert_binary(acked.raw, "ack.raw");
      assert_binary(acked.list[0], "ack.list[0]");
      assert_binary(acked.list[2].deep, "ack.list[2].deep");
      assert_binary(acked.list[3][0], "ack.list[3][0]");
      assert.deepEqual(normalise(acked), data);
      assert.deepEqual(normalise((await back)[0]), data);
      socket.disconnect();
    });

    it("binary: a 512 kB buffer round-trips", T, async () => {
      const socket = await connect(server.url, opts);
      const data = bytes(512 * 1024, 9);
      const [acked] = await emit_ack(socket, "binary", [data], 10000);
      assert.ok(normalise(acked).equals(data), "512 kB ack content");
      socket.disconnect();
    });

    it("echo: binary and text arguments mixed are acked in order (BINARY_ACK)", T, async () => {
      const socket = await connect(server.url, opts);
      const args = [bytes(4, 4), "middle", { b: bytes(5, 5) }, 7];
      const acked = await emit_ack(socket, "echo", args);
      assert_binary(acked[0]);
      assert_binary(acked[2].b);
      assert.deepEqual(normalise(acked), args);
      socket.disconnect();
    });

    it("message: a binary broadcast reaches another client as binary", T, async () => {
      const a = await connect(server.url, opts);
      const b = await connect(server.url, { transports: ["websocket"] });
      const at_b = next_event(b, "message");
      const payload = { image: bytes(2048, 6), caption: "foto" };
      a.emit("message", payload, bytes(1, 7));
      const received = await at_b;
      assert_binary(received[0].image);
      assert.deepEqual(normalise(received), [payload, bytes(1, 7)]);
      close_all(a, b);
    });
  });
}
