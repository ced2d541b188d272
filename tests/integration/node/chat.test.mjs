// The chat example: an HTML page at / and "chat message" relayed to every client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, next_event } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };

describe("chat example", () => {
  let server;
  before(async () => {
    server = await start_server("chat");
  });
  after(async () => {
    await stop_checked(server);
  });

  it("serves the HTML page at / that loads the client", T, async () => {
    const response = await fetch(`${server.url}/`);
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html\b/);
    assert.match(html, /<html/i);
    assert.match(html, /socket\.io/);
    const client = await fetch(`${server.url}/socket.io/socket.io.js`);
    await client.arrayBuffer();
    assert.equal(client.status, 200, "the page's client script is served");
  });

  it("relays chat message to every client, the sender included", T, async () => {
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["polling"] });
    const at_a = next_event(a, "chat message");
    const at_b = next_event(b, "chat message");
    a.emit("chat message", "halo semua");
    // Messages carry the sender's name ("anonymous" until it sends "join").
    assert.deepEqual(await at_a, [{ name: "anonymous", text: "halo semua" }]);
    assert.deepEqual(await at_b, [{ name: "anonymous", text: "halo semua" }]);
    close_all(a, b);
  });
});
