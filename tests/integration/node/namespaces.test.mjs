// /chat is isolated from /: its messages stay in /chat, and / messages never reach /chat.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Manager } from "socket.io-client";
import {
  PARSER_OPTS,
  close_all,
  connect,
  connected,
  emit_ack,
  make_socket,
  next_event,
  record,
  sleep,
} from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const QUIET_MS = 300;

for (const transport of ["websocket", "polling"]) {
  describe(`namespaces over ${transport}`, () => {
    let server;
    const opts = { transports: [transport] };
    before(async () => {
      server = await start_server("feature-server", { host: true });
    });
    after(async () => {
      await stop_checked(server);
    });

    it("/chat sends welcome_message on connection", T, async () => {
      const socket = make_socket(`${server.url}/chat`, opts);
      const welcome = next_event(socket, "welcome_message");
      await connected(socket);
      assert.equal(typeof (await welcome)[0], "string");
      socket.disconnect();
    });

    it("/chat message goes to every /chat socket and never to /", T, async () => {
      const root = await connect(server.url, opts);
      const chat1 = await connect(`${server.url}/chat`, opts);
      const chat2 = await connect(`${server.url}/chat`, opts);
      const at_root = record(root, "message");
      const at_1 = next_event(chat1, "message");
      const at_2 = next_event(chat2, "message");
      chat1.emit("message", "in chat", 1);
      assert.deepEqual(await at_1, ["in chat", 1]);
      assert.deepEqual(await at_2, ["in chat", 1]);
      await sleep(QUIET_MS);
      assert.deepEqual(at_root, [], "/ got a /chat message");
      close_all(root, chat1, chat2);
    });

    it("/ message never reaches /chat", T, async () => {
      const root = await connect(server.url, opts);
      const chat = await connect(`${server.url}/chat`, opts);
      const at_chat = record(chat, "message");
      const at_root = next_event(root, "message");
      root.emit("message", "in root");
      assert.deepEqual(await at_root, ["in root"]);
      await sleep(QUIET_MS);
      assert.deepEqual(at_chat, [], "/chat got a / message");
      close_all(root, chat);
    });

    it("one multiplexed connection: / and /chat stay isolated, and leaving /chat keeps /", T, async () => {
      const manager = new Manager(server.url, { ...PARSER_OPTS, ...opts, reconnection: false, autoConnect: false });
      const root = manager.socket("/");
      const chat = manager.socket("/chat");
      await Promise.all([connected(root), connected(chat)]);
      const engine_id = manager.engine.id;
      const at_root = record(root, "message");
      const at_chat = next_event(chat, "message");
      chat.emit("message", "mux");
      assert.deepEqual(await at_chat, ["mux"]);
      await sleep(QUIET_MS);
      assert.deepEqual(at_root, []);
      assert.deepEqual(await emit_ack(chat, "echo", ["c"]), ["c"]);
      assert.deepEqual(await emit_ack(root, "echo", ["r"]), ["r"]);
      chat.disconnect();
      await sleep(100);
      assert.equal(root.connected, true);
      assert.equal(manager.engine.id, engine_id, "leaving /chat kept the Engine.IO session");
      assert.deepEqual(await emit_ack(root, "echo", ["r2"]), ["r2"], "/ still works after leaving /chat");
      root.disconnect();
    });

    it("an unknown namespace is refused with Invalid namespace", T, async () => {
      const socket = make_socket(`${server.url}/does-not-exist`, opts);
      const err = await connected(socket).then(
        () => assert.fail("connected to an unknown namespace"),
        (e) => e,
      );
      assert.equal(err.message, "Invalid namespace");
      socket.disconnect();
    });
  });
}
