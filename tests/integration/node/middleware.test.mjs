// /secure middleware: rejects without the token (CONNECT_ERROR "authentication error"), accepts with it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Manager } from "socket.io-client";
import { PARSER_OPTS, canary, connected, emit_ack, make_socket, next_event, sleep } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const TOKEN = "soket-secret-token";

async function expect_rejected(socket) {
  const err = await connected(socket).then(
    () => assert.fail("middleware accepted a bad token"),
    (e) => e,
  );
  assert.equal(err.message, "authentication error");
  assert.equal(socket.connected, false);
  assert.equal(socket.active, false, "a middleware rejection must not be retried by the client");
  socket.disconnect();
}

for (const transport of ["websocket", "polling"]) {
  describe(`/secure middleware over ${transport}`, () => {
    let server;
    let watcher;
    const opts = { transports: [transport] };
    const secure = (auth) => make_socket(`${server.url}/secure`, auth === undefined ? opts : { ...opts, auth });
    before(async () => {
      server = await start_server("feature-server", { host: true });
      watcher = await canary(server.url);
    });
    after(async () => {
      watcher.close();
      await stop_checked(server);
    });

    it("no auth payload: connect_error authentication error", T, async () => {
      await expect_rejected(secure());
      await watcher.check("after no-auth rejection");
    });

    it("wrong, empty, non-string and case-changed tokens are rejected", T, async () => {
      for (const auth of [{ token: "wrong" }, { token: "" }, { token: 12345 }, { token: TOKEN.toUpperCase() }, { other: TOKEN }]) {
        await expect_rejected(secure(auth));
      }
      await watcher.check("after wrong-token rejections");
    });

    it("the right token connects, gets authed {ok:true}, and echo works", T, async () => {
      const socket = secure({ token: TOKEN });
      const authed = next_event(socket, "authed");
      await connected(socket);
      assert.deepEqual(await authed, [{ ok: true }]);
      assert.deepEqual(await emit_ack(socket, "echo", ["secret", { n: 1 }]), ["secret", { n: 1 }]);
      socket.disconnect();
    });

    it("a rejection on /secure leaves / on the same connection connected", T, async () => {
      const manager = new Manager(server.url, { ...PARSER_OPTS, ...opts, reconnection: false, autoConnect: false });
      const root = manager.socket("/");
      await connected(root);
      const engine_id = manager.engine.id;
      const bad = manager.socket("/secure", { auth: { token: "nope" } });
      await expect_rejected(bad);
      await sleep(100);
      assert.equal(root.connected, true);
      assert.equal(await root.emitWithAck("echo", "alive"), "alive");
      // The manager keeps one Socket per namespace: retry that one with the right token.
      bad.auth = { token: TOKEN };
      const authed = next_event(bad, "authed");
      await connected(bad);
      assert.deepEqual(await authed, [{ ok: true }]);
      assert.equal(manager.engine.id, engine_id, "the Engine.IO session survived the rejection");
      root.disconnect();
      bad.disconnect();
    });

    it("the middleware does not guard / and /chat", T, async () => {
      const root = make_socket(server.url, opts);
      await connected(root);
      const chat = make_socket(`${server.url}/chat`, opts);
      await connected(chat);
      root.disconnect();
      chat.disconnect();
    });
  });
}
