// The official browser client served at /socket.io/socket.io.js, .min.js and .js.map.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const DIST = join(REPO_ROOT, "node_modules", "socket.io-client", "dist");

const FILES = [
  { path: "/socket.io/socket.io.js", dist: "socket.io.js", type: /^(application|text)\/javascript\b/ },
  { path: "/socket.io/socket.io.min.js", dist: "socket.io.min.js", type: /^(application|text)\/javascript\b/ },
  { path: "/socket.io/socket.io.js.map", dist: "socket.io.js.map", type: /^application\/json\b/ },
];

describe("served client bundle", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(async () => {
    await stop_checked(server);
  });

  for (const file of FILES) {
    it(`${file.path}: 200, content type, the npm package's bytes`, T, async () => {
      const response = await fetch(server.url + file.path);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", file.type);
      assert.ok(body.length > 1000, `body is only ${body.length} bytes`);
      assert.ok(body.includes("io"), "body does not mention io");
      const expected = readFileSync(join(DIST, file.dist));
      assert.equal(body.length, expected.length, "length differs from socket.io-client/dist");
      assert.ok(body.equals(expected), "content differs from socket.io-client/dist");
    });
  }

  it("socket.io.js defines the io() global when evaluated", T, async () => {
    const source = await (await fetch(`${server.url}/socket.io/socket.io.js`)).text();
    const sandbox = {};
    new Function("self", "window", "globalThis", "module", "exports", "define", source)(sandbox, sandbox, sandbox);
    assert.equal(typeof sandbox.io, "function");
  });

  it("an ETag is given and If-None-Match answers 304", T, async () => {
    const first = await fetch(`${server.url}/socket.io/socket.io.js`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag");
    assert.ok(etag, "no ETag header");
    const second = await fetch(`${server.url}/socket.io/socket.io.js`, { headers: { "if-none-match": etag } });
    assert.equal(second.status, 304);
    assert.equal((await second.arrayBuffer()).byteLength, 0);
  });
});
