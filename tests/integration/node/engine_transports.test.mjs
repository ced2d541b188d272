// Engine.IO options around which requests are served: `transports` (polling-only and
// websocket-only servers with the official client, and the 400 code 0 a refused transport gets),
// addTrailingSlash, and the graceful close (after io.close() new handshakes are refused).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { connect, connected, emit_ack, make_socket, next_event, until } from "../lib/client.mjs";
import { parse_http_response, polling_handshake, tcp_exchange } from "../lib/raw.mjs";
import { example_binary, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };

async function expect_json_error(response, status, body) {
  const text = await response.text();
  assert.equal(response.status, status, `status of ${text}`);
  assert.deepEqual(JSON.parse(text), body);
}

// A raw WebSocket upgrade request; resolves with the parsed HTTP answer.
async function raw_upgrade(port, target, { key = "dGhlIHNhbXBsZSBub25jZQ==", version = "13" } = {}) {
  const { data } = await tcp_exchange(
    port,
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\nConnection: Upgrade\r\n\r\n`,
    { timeout_ms: 800 },
  );
  return { ...parse_http_response(data), raw: data };
}

// The connection_error lines the server printed (--log-connection-errors).
function connection_errors(server) {
  return server
    .logs()
    .stdout.split("\n")
    .filter((line) => line.startsWith("connection_error "))
    .map((line) => JSON.parse(line.slice("connection_error ".length)));
}

async function expect_connect_error(socket) {
  const err = await connected(socket).then(
    () => assert.fail("the client connected"),
    (e) => e,
  );
  socket.disconnect();
  return err;
}

describe("transports: polling only", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--transports", "polling", "--log-connection-errors"] });
  });
  after(() => stop_checked(server));

  it("the official client connects over polling and is offered no upgrade", T, async () => {
    const handshake = await polling_handshake(server.url);
    assert.deepEqual(handshake.upgrades, []);
    const socket = await connect(server.url);
    assert.equal(socket.io.engine.transport.name, "polling");
    assert.deepEqual(await emit_ack(socket, "echo", ["over polling"]), ["over polling"]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(socket.io.engine.transport.name, "polling", "no upgrade happened");
    socket.disconnect();
  });

  it("a websocket-only client is refused: 400 {code:0, Transport unknown}", T, async () => {
    const err = await expect_connect_error(make_socket(server.url, { transports: ["websocket"] }));
    assert.equal(err.message, "websocket error");
    const answer = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 0, message: "Transport unknown" });
    await until(() => connection_errors(server).some((e) => e.code === 0), 3000, "a code 0 connection_error");
    const logged = connection_errors(server).filter((e) => e.code === 0);
    assert.deepEqual(logged.at(-1).context, { transport: "websocket" });
    assert.equal(logged.at(-1).message, "Transport unknown");
  });
});

describe("transports: websocket only", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--transports", "websocket"] });
  });
  after(() => stop_checked(server));

  it("a websocket client connects", T, async () => {
    const socket = await connect(server.url, { transports: ["websocket"] });
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.deepEqual(await emit_ack(socket, "echo", [1, "two"]), [1, "two"]);
    socket.disconnect();
  });

  it("a client that starts with polling is refused: 400 {code:0}", T, async () => {
    const err = await expect_connect_error(make_socket(server.url, { transports: ["polling"] }));
    assert.equal(err.message, "xhr poll error");
    assert.equal(err.context?.status, 400);
    await expect_json_error(await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`), 400, {
      code: 0,
      message: "Transport unknown",
    });
  });

  it("answers the upgrade with RFC 6455's accept key, the open packet right behind it", T, async () => {
    const answer = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(answer.status, 101);
    assert.equal(answer.headers["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert.equal(answer.headers.upgrade.toLowerCase(), "websocket");
    // The first frame: an unmasked text frame holding the Engine.IO open packet.
    const frame = answer.raw.subarray(answer.raw.indexOf("\r\n\r\n") + 4);
    assert.equal(frame[0], 0x81);
    assert.match(frame.subarray(2).toString("utf8"), /^0\{"sid":/);
  });

  it("a malformed Sec-WebSocket-Key or another version gets 400 and a JSON body", T, async () => {
    for (const bad of [{ key: "short" }, { key: "dGhlIHNhbXBsZSBub25jZXM=" }, { version: "8" }]) {
      const answer = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket", bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assert.deepEqual(JSON.parse(answer.body), { code: 3, message: "Bad request" });
    }
    // The server goes on serving.
    const socket = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emit_ack(socket, "echo", ["after"]), ["after"]);
    socket.disconnect();
  });
});

describe("transports: the order of the list does not matter", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--transports", "websocket,polling"] });
  });
  after(() => stop_checked(server));

  it("a default client starts with polling and upgrades to websocket", T, async () => {
    const socket = await connect(server.url);
    await until(() => socket.io.engine.transport.name === "websocket", 5000, "the upgrade");
    assert.deepEqual(await emit_ack(socket, "echo", ["upgraded"]), ["upgraded"]);
    socket.disconnect();
  });
});

describe("transports: bad values stop the server with a clear error", () => {
  for (const [value, expected] of [
    ["foo", /unknown transport "foo"/],
    ["polling,webtransport", /unknown transport "webtransport"/],
  ]) {
    it(`--transports ${value}`, T, () => {
      const run = spawnSync(example_binary("feature-server"), ["--port", "0", "--transports", value], {
        encoding: "utf8",
        timeout: 10000,
      });
      assert.equal(run.status, 2, `exit status (stderr: ${run.stderr})`);
      assert.match(run.stderr, expected);
    });
  }
});

describe("addTrailingSlash", () => {
  let strict;
  let loose;
  before(async () => {
    strict = await start_server("feature-server", { host: true });
    loose = await start_server("feature-server", { host: true, extra_args: ["--no-trailing-slash"] });
  });
  after(async () => {
    await stop_checked(strict);
    await stop_checked(loose);
  });

  it("default (true): /socket.io/ is served, /socket.io is not (404)", T, async () => {
    await polling_handshake(strict.url);
    const response = await fetch(`${strict.url}/socket.io?EIO=4&transport=polling`);
    assert.equal(response.status, 404);
    await response.text();
    const err = await expect_connect_error(make_socket(strict.url, { path: "/socket.io", addTrailingSlash: false }));
    assert.equal(err.message, "xhr poll error");
  });

  it("false: /socket.io is served, and /socket.io/ too (as Node's prefix match)", T, async () => {
    const response = await fetch(`${loose.url}/socket.io?EIO=4&transport=polling`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^0\{"sid"/);
    await polling_handshake(loose.url);
    for (const transports of [["polling", "websocket"], ["websocket"]]) {
      const socket = await connect(loose.url, { path: "/socket.io", addTrailingSlash: false, transports });
      assert.deepEqual(await emit_ack(socket, "echo", ["no slash"]), ["no slash"]);
      socket.disconnect();
    }
    const other = await fetch(`${loose.url}/socket.iox?EIO=4&transport=polling`);
    assert.equal(other.status, 404, "only the path itself, not every string that starts with it");
    await other.text();
  });
});

describe("graceful close: after io.close() the engine refuses new handshakes", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--allow-remote-close", "--log-connection-errors"],
    });
  });
  after(() => stop_checked(server));

  it("connected clients are closed, handshakes get 503 {code:3}", T, async () => {
    const polling = await connect(server.url, { transports: ["polling"] });
    const ws = await connect(server.url, { transports: ["websocket"] });
    const gone = [next_event(polling, "disconnect"), next_event(ws, "disconnect")];
    assert.deepEqual(await emit_ack(ws, "close-server"), [{ closing: true }]);
    await Promise.all(gone);

    const body = { code: 3, message: "Server is shutting down" };
    await expect_json_error(await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`), 503, body);
    const answer = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(answer.status, 503);
    assert.deepEqual(JSON.parse(answer.body), body);
    for (const transports of [["polling"], ["websocket"]]) {
      await expect_connect_error(make_socket(server.url, { transports }));
    }
    const closed_errors = () => connection_errors(server).filter((e) => e.context?.name === "SERVER_CLOSED");
    await until(() => closed_errors().length >= 4, 3000, "4 SERVER_CLOSED connection_errors in the log");
    const logged = closed_errors();
    assert.equal(logged[0].code, 3);
    // The HTTP server itself still answers (it is stopped separately, on SIGTERM).
    const other = await fetch(`${server.url}/nothing-here`);
    assert.equal(other.status, 404);
    await other.text();
  });
});
