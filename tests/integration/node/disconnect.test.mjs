// Server-side disconnect via kick ("io server disconnect", no reconnection), and a clean shutdown.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canary, connect, next_event, sleep } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

for (const transport of ["websocket", "polling"]) {
  describe(`kick over ${transport}`, () => {
    let server;
    const opts = { transports: [transport] };
    before(async () => {
      server = await start_server("feature-server", { host: true });
    });
    after(async () => {
      await stop_checked(server);
    });

    it("kick disconnects with reason io server disconnect and the client does not reconnect", T, async () => {
      const watcher = await canary(server.url, opts);
      // Reconnection on: a server-side disconnect must still not bring the socket back.
      const socket = await connect(server.url, { ...opts, reconnection: true, reconnectionDelay: 100 });
      let reconnects = 0;
      socket.io.on("reconnect_attempt", () => ++reconnects);
      socket.on("connect", () => ++reconnects);
      const gone = next_event(socket, "disconnect");
      socket.emit("kick");
      const [reason] = await gone;
      assert.equal(reason, "io server disconnect");
      assert.equal(socket.connected, false);
      assert.equal(socket.active, false);
      await sleep(600);
      assert.equal(reconnects, 0, "the client reconnected after a server-side disconnect");
      await watcher.check("after kick");
      watcher.close();
      socket.disconnect();
    });

    it("kick closes the whole connection (disconnect(true)): other namespaces on it go too", T, async () => {
      const root = await connect(server.url, opts);
      const chat = root.io.socket("/chat");
      await new Promise((resolve) => {
        if (chat.connected) resolve();
        else chat.once("connect", resolve);
        chat.connect();
      });
      const chat_gone = next_event(chat, "disconnect");
      const root_gone = next_event(root, "disconnect");
      root.emit("kick");
      assert.equal((await root_gone)[0], "io server disconnect");
      const [chat_reason] = await chat_gone;
      assert.ok(
        ["transport close", "io server disconnect", "forced close"].includes(chat_reason),
        `/chat on the kicked connection disconnected with ${chat_reason}`,
      );
      root.disconnect();
      chat.disconnect();
    });

    it("the kicked client can connect again as a new session", T, async () => {
      const first = await connect(server.url, opts);
      const first_id = first.id;
      const gone = next_event(first, "disconnect");
      first.emit("kick");
      await gone;
      const again = await connect(server.url, opts);
      assert.notEqual(again.id, first_id);
      assert.equal(await again.emitWithAck("echo", "back"), "back");
      again.disconnect();
    });
  });
}

describe("shutdown", () => {
  it("SIGTERM stops the server cleanly and clients see the connection end", T, async () => {
    const server = await start_server("feature-server", { host: true });
    const ws = await connect(server.url, { transports: ["websocket"] });
    const polling = await connect(server.url, { transports: ["polling"] });
    const ws_gone = next_event(ws, "disconnect", 8000);
    const polling_gone = next_event(polling, "disconnect", 8000);
    const status = await server.stop();
    assert.equal(status.crashed, false);
    assert.equal(status.killed, false, "the server needed SIGKILL to stop");
    assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}; stderr: ${server.logs().stderr}`);
    const allowed = ["transport close", "transport error", "io server disconnect"];
    const [ws_reason] = await ws_gone;
    const [polling_reason] = await polling_gone;
    assert.ok(allowed.includes(ws_reason), `websocket client reason ${ws_reason}`);
    assert.ok(allowed.includes(polling_reason), `polling client reason ${polling_reason}`);
    ws.disconnect();
    polling.disconnect();
  });
});
