// The official browser client served at /socket.io/: socket.io.js, .min.js, .esm.min.js,
// .msgpack.min.js and the .map of each, with ETag / 304.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const DIST = join(REPO_ROOT, "node_modules", "socket.io-client", "dist");

const JS = /^(application|text)\/javascript\b/;
const JSON_TYPE = /^application\/json\b/;
// Every bundle of socket.io-client/dist that the reference server serves, with its source map.
const BUNDLES = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.msgpack.min.js"];
const FILES = BUNDLES.flatMap((name) => [
  { path: `/socket.io/${name}`, dist: name, type: JS },
  { path: `/socket.io/${name}.map`, dist: `${name}.map`, type: JSON_TYPE },
]);

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

  for (const file of FILES) {
    it(`${file.path}: an ETag is given and If-None-Match answers 304`, T, async () => {
      const first = await fetch(server.url + file.path);
      await first.arrayBuffer();
      const etag = first.headers.get("etag");
      assert.ok(etag, "no ETag header");
      const second = await fetch(server.url + file.path, { headers: { "if-none-match": etag } });
      assert.equal(second.status, 304);
      assert.equal((await second.arrayBuffer()).byteLength, 0);
      const stale = await fetch(server.url + file.path, { headers: { "if-none-match": '"not-it"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    });
  }

  it("the ETags of different bundles differ", T, async () => {
    const etags = new Set();
    for (const file of FILES) {
      const response = await fetch(server.url + file.path, { method: "HEAD" });
      assert.equal(response.status, 200);
      etags.add(response.headers.get("etag"));
    }
    assert.equal(etags.size, FILES.length);
  });

  it("socket.io.esm.min.js is an ES module that exports io", T, async () => {
    const source = await (await fetch(`${server.url}/socket.io/socket.io.esm.min.js`)).text();
    assert.match(source, /export\s*\{[^}]*\bio\b/);
  });

  it("socket.io.msgpack.min.js defines the io() global when evaluated", T, async () => {
    const source = await (await fetch(`${server.url}/socket.io/socket.io.msgpack.min.js`)).text();
    const sandbox = {};
    new Function("self", "window", "globalThis", "module", "exports", "define", source)(sandbox, sandbox, sandbox);
    assert.equal(typeof sandbox.io, "function");
  });

  it("an unknown bundle name is no file: Engine.IO answers 400 Transport unknown (as Node)", T, async () => {
    const response = await fetch(`${server.url}/socket.io/socket.io.nope.js`);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { code: 0, message: "Transport unknown" });
  });
});
