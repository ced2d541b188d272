// examples/beast-integration: an application's own Boost.Beast server that answers its own routes
// and hands /socket.io/ to soket (http::Server::adopt) on the same port. The official client
// connects over polling, WebSocket and polling upgraded to WebSocket; the application's route
// still answers, also on a keep-alive connection that soket served first (handed back).
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, until } from "../lib/client.mjs";
import { start_server } from "../lib/server.mjs";

const T = { timeout: 15000 };

function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body, local_port: req.socket.localPort }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a Boost.Beast application with soket on /socket.io/", () => {
  let server;
  before(async () => {
    server = await start_server("beast-integration");
  });
  after(async () => {
    await server?.stop();
  });

  it("the application's own route answers", T, async () => {
    const hello = await get(`${server.url}/hello`);
    assert.equal(hello.status, 200);
    assert.match(hello.body, /application's own Beast server/);
    assert.equal((await get(`${server.url}/nope`)).status, 404);
  });

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    it(`the official client over ${transports.join(" then ")}`, T, async () => {
      const a = await connect(server.url, { transports });
      const b = await connect(server.url, { transports });
      if (transports.length === 2) {
        await until(() => a.io.engine.transport.name === "websocket", 5000, "the upgrade");
      } else {
        assert.equal(a.io.engine.transport.name, transports[0]);
      }
      assert.deepEqual(await emit_ack(a, "echo", ["hi", 2, { x: true }]), ["hi", 2, { x: true }]);
      const got = next_event(b, "message");
      a.emit("message", "to everyone");
      assert.deepEqual(await got, ["to everyone"]);
      close_all(a, b);
    });
  }

  it("a keep-alive connection goes from soket back to the application", T, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const handshake = await get(`${server.url}/socket.io/?EIO=4&transport=polling`, agent);
      assert.equal(handshake.status, 200);
      assert.match(handshake.body, /^0\{"sid":/);
      const hello = await get(`${server.url}/hello`, agent);
      assert.equal(hello.status, 200);
      assert.equal(hello.local_port, handshake.local_port, "the same connection");
      // And to soket again: a bad Engine.IO request gets soket's JSON error.
      const bad = await get(`${server.url}/socket.io/?EIO=9&transport=polling`, agent);
      assert.equal(bad.status, 400);
      assert.equal(bad.local_port, handshake.local_port, "the same connection");
      assert.deepEqual(JSON.parse(bad.body), { code: 5, message: "Unsupported protocol version" });
    } finally {
      agent.destroy();
    }
  });
});
