// feature-server "/" with the client's default transports: polling first, then the upgrade.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connected, emit_ack, make_socket, next_event, record, until } from "../lib/client.mjs";
import { feature_suite } from "../lib/feature_suite.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

// Records the first transport of the socket's engine and a promise of its "upgrade" event.
function watch_upgrade(socket) {
  const watch = {};
  socket.io.once("open", () => {
    watch.first_transport = socket.io.engine.transport.name;
    watch.upgraded = next_event(socket.io.engine, "upgrade");
  });
  return watch;
}

feature_suite("feature-server with the upgrade (default transports)", {}, "websocket");

describe("polling to websocket upgrade", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("starts on polling and upgrades to websocket", T, async () => {
    const socket = make_socket(server.url);
    const watch = watch_upgrade(socket);
    await connected(socket);
    assert.equal(watch.first_transport, "polling", "first transport");
    const [transport] = await watch.upgraded;
    assert.equal(transport.name, "websocket");
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.equal(await socket.emitWithAck("echo", "after upgrade"), "after upgrade");
    socket.disconnect();
  });

  it("loses and reorders nothing emitted during the upgrade", T, async () => {
    const sender = make_socket(server.url);
    const receiver = make_socket(server.url, { transports: ["websocket"] });
    await connected(receiver);
    const seen = record(receiver, "message");
    const watch = watch_upgrade(sender);
    await connected(sender);
    // Emitted right away: some go over polling, some are buffered while probing, the rest over websocket.
    const acks = [];
    for (let i = 0; i < 300; ++i) {
      acks.push(emit_ack(sender, "echo", [i, "x".repeat(i)]));
      sender.emit("message", i);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const expected = Array.from({ length: 300 }, (_, i) => [i, "x".repeat(i)]);
    assert.deepEqual(await Promise.all(acks), expected);
    await until(() => seen.length === 300, 10000, "300 messages at the receiver");
    assert.deepEqual(
      seen.map(([i]) => i),
      Array.from({ length: 300 }, (_, i) => i),
    );
    await watch.upgraded;
    assert.equal(sender.io.engine.transport.name, "websocket");
    close_all(sender, receiver);
  });
});
