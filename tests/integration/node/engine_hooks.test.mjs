// The Engine.IO hooks: allowRequest, generateId, engine.use() middlewares, the cookie option, the
// initial_headers / headers events, connection_error (codes 0 to 5), and the handshake data a
// socket carries (Node's socket.handshake).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { connect, connected, emit_ack, make_socket, until } from "../lib/client.mjs";
import { eio_ws, parse_http_response, polling_handshake, polling_url, tcp_exchange } from "../lib/raw.mjs";
import { example_binary, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const HANDSHAKE = "/socket.io/?EIO=4&transport=polling";

function connection_errors(server) {
  return server
    .logs()
    .stdout.split("\n")
    .filter((line) => line.startsWith("connection_error "))
    .map((line) => JSON.parse(line.slice("connection_error ".length)));
}

// The last connection_error line once `count` of them are in the log (stdout arrives a little after
// the HTTP answer).
async function nth_error(server, count) {
  await until(() => connection_errors(server).length >= count, 3000, `${count} connection_error lines`);
  return connection_errors(server)[count - 1];
}

async function expect_json(response, status, body) {
  const text = await response.text();
  assert.equal(response.status, status, `status (body ${text})`);
  assert.deepEqual(JSON.parse(text), body);
}

async function raw_upgrade(port, target, extra = "") {
  const { data } = await tcp_exchange(
    port,
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    { timeout_ms: 1000 },
  );
  return parse_http_response(data);
}

// Opens a WebSocket with the `ws` client and resolves with the headers of its 101 answer.
function ws_upgrade_headers(url, options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    ws.once("upgrade", (res) => {
      resolve(res.headers);
      ws.terminate();
    });
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

function refused(socket) {
  return connected(socket).then(
    () => assert.fail("the client connected"),
    (e) => {
      socket.disconnect();
      return e;
    },
  );
}

function run_bad(args) {
  return spawnSync(example_binary("feature-server"), ["--port", "0", ...args], { encoding: "utf8", timeout: 10000 });
}

describe("allowRequest and connection_error", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--handshake-token", "secret", "--log-connection-errors"],
    });
  });
  after(() => stop_checked(server));

  it("the official client is refused without the token and connects with it", T, async () => {
    for (const transports of [["polling", "websocket"], ["websocket"]]) {
      const err = await refused(make_socket(server.url, { transports }));
      if (transports[0] === "polling") assert.equal(err.context?.status, 403);
      const socket = await connect(server.url, { transports, query: { token: "secret" } });
      assert.deepEqual(await emit_ack(socket, "echo", ["allowed"]), ["allowed"]);
      socket.disconnect();
    }
  });

  it("refusals are 403 {code:4, message}; requests of an open session are not asked again", T, async () => {
    await expect_json(await fetch(`${server.url}${HANDSHAKE}&token=wrong`), 403, { code: 4, message: "invalid token" });
    const upgrade = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(upgrade.status, 403);
    assert.deepEqual(JSON.parse(upgrade.body), { code: 4, message: "invalid token" });
    const ok = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket&token=secret");
    assert.equal(ok.status, 101);

    const handshake = await (await fetch(`${server.url}${HANDSHAKE}&token=secret`)).text();
    const sid = JSON.parse(handshake.slice(1)).sid;
    const post = await fetch(polling_url(server.url, sid), { method: "POST", body: "40" });
    assert.equal(await post.text(), "ok", "a request with the sid and no token is served");
    const poll = await fetch(polling_url(server.url, sid));
    assert.match(await poll.text(), /^40\{"sid"/);

    const forbidden_errors = () => connection_errors(server).filter((e) => e.code === 4);
    await until(() => forbidden_errors().length >= 3, 3000, "3 code 4 connection_errors");
    const forbidden = forbidden_errors();
    assert.equal(forbidden.at(-1).message, "Forbidden");
    assert.deepEqual(forbidden.at(-1).context, { message: "invalid token" });
  });

  it("every code 0..5 is answered and reported with its context", T, async () => {
    const before_count = connection_errors(server).length;
    const cases = [
      [`/socket.io/?EIO=4&transport=carrier-pigeon`, {}, 0, "Transport unknown", { transport: "carrier-pigeon" }],
      [`${HANDSHAKE}&sid=no-such-sid`, {}, 1, "Session ID unknown", { sid: "no-such-sid" }],
      [HANDSHAKE, { method: "POST", body: "40" }, 2, "Bad handshake method", { method: "POST" }],
      [`/socket.io/?EIO=4&transport=websocket`, {}, 3, "Bad request", { name: "TRANSPORT_HANDSHAKE_ERROR" }],
      [`${HANDSHAKE}&token=nope`, {}, 4, "invalid token", { message: "invalid token" }],
      [`/socket.io/?EIO=3&transport=polling`, {}, 5, "Unsupported protocol version", { protocol: 3 }],
    ];
    for (const [i, [target, init, code, body_message, context]] of cases.entries()) {
      await expect_json(await fetch(`${server.url}${target}`, init), code === 4 ? 403 : 400, { code, message: body_message });
      const logged = await nth_error(server, before_count + i + 1);
      assert.equal(logged.code, code, target);
      assert.equal(logged.message, ["Transport unknown", "Session ID unknown", "Bad handshake method", "Bad request", "Forbidden", "Unsupported protocol version"][code]);
      assert.deepEqual(logged.context, context, target);
      assert.equal(logged.url, target);
      assert.equal(logged.address, "127.0.0.1");
    }
    assert.equal(connection_errors(server).length, before_count + cases.length);
  });
});

describe("generateId", () => {
  let counter;
  let fixed;
  let empty;
  before(async () => {
    counter = await start_server("feature-server", { host: true, extra_args: ["--session-ids", "counter"] });
    fixed = await start_server("feature-server", {
      host: true,
      extra_args: ["--session-ids", "fixed=the-one", "--log-connection-errors"],
    });
    empty = await start_server("feature-server", { host: true, extra_args: ["--session-ids", "fixed=", "--log-connection-errors"] });
  });
  after(async () => {
    await stop_checked(counter);
    await stop_checked(fixed);
    await stop_checked(empty);
  });

  it("the function's ids are the sessions' ids (polling and websocket)", T, async () => {
    const a = await connect(counter.url, { transports: ["polling"] });
    const b = await connect(counter.url, { transports: ["websocket"] });
    assert.equal(a.io.engine.id, "sid-1");
    assert.equal(b.io.engine.id, "sid-2");
    assert.deepEqual(await emit_ack(b, "echo", ["b"]), ["b"]);
    a.disconnect();
    b.disconnect();
  });

  it("an id in use is refused with 400 {code:3}, and can be used again once free", T, async () => {
    const first = await connect(fixed.url, { transports: ["websocket"] });
    assert.equal(first.io.engine.id, "the-one");
    await expect_json(await fetch(`${fixed.url}${HANDSHAKE}`), 400, { code: 3, message: "Bad request" });
    const upgrade = await raw_upgrade(fixed.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(upgrade.status, 400);
    assert.ok(first.connected, "the session that has the id is not disturbed");
    assert.deepEqual(await emit_ack(first, "echo", ["still here"]), ["still here"]);
    const logged = await nth_error(fixed, 2);
    assert.equal(logged.code, 3);
    assert.deepEqual(logged.context, { name: "ID_GENERATION_ERROR", error: "generate_id returned the id of an open session" });
    first.disconnect();
    let again;
    for (let i = 0; i < 50 && !again; ++i) {
      const response = await fetch(`${fixed.url}${HANDSHAKE}`);
      if (response.status === 200) again = JSON.parse((await response.text()).slice(1));
      else await response.text(), await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(again?.sid, "the-one");
  });

  it("an empty id is refused with 400 {code:3}", T, async () => {
    await expect_json(await fetch(`${empty.url}${HANDSHAKE}`), 400, { code: 3, message: "Bad request" });
    assert.deepEqual((await nth_error(empty, 1)).context, { name: "ID_GENERATION_ERROR", error: "generate_id returned an empty id" });
  });

  it("an unknown --session-ids mode stops the server", T, () => {
    const run = run_bad(["--session-ids", "uuid"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--session-ids: "uuid" is not counter or fixed=<id>/);
  });
});

describe("engine.use(): a session-cookie middleware on every request", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--engine-require-cookie", "session=abc", "--log-connection-errors"],
    });
  });
  after(() => stop_checked(server));

  it("without the cookie: 401 {code:3, message} for polling and upgrades, reported as MIDDLEWARE_FAILURE", T, async () => {
    const body = { code: 3, message: "session cookie required" };
    await expect_json(await fetch(`${server.url}${HANDSHAKE}`), 401, body);
    await expect_json(await fetch(`${server.url}${HANDSHAKE}`, { headers: { cookie: "session=abcd" } }), 401, body);
    const upgrade = await raw_upgrade(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(upgrade.status, 401);
    assert.deepEqual(JSON.parse(upgrade.body), body);
    const logged = await nth_error(server, 3);
    assert.equal(logged.code, 3);
    assert.deepEqual(logged.context, { name: "MIDDLEWARE_FAILURE", status: 401, message: "session cookie required" });
    for (const transports of [["polling"], ["websocket"]]) await refused(make_socket(server.url, { transports }));
  });

  it("with the cookie the official client connects; the middleware's header is on every answer", T, async () => {
    for (const transports of [["polling", "websocket"], ["websocket"]]) {
      const socket = await connect(server.url, { transports, extraHeaders: { cookie: "theme=dark; session=abc" } });
      assert.deepEqual(await emit_ack(socket, "echo", [transports.length]), [transports.length]);
      socket.disconnect();
    }
    const cookie = { cookie: "session=abc" };
    const response = await fetch(`${server.url}${HANDSHAKE}`, { headers: cookie });
    assert.equal(response.headers.get("x-session-checked"), "yes");
    const sid = JSON.parse((await response.text()).slice(1)).sid;
    const post = await fetch(polling_url(server.url, sid), { method: "POST", body: "40", headers: cookie });
    assert.equal(post.headers.get("x-session-checked"), "yes");
    await post.text();
    // A request of the session without the cookie is refused too: the chain runs on every request.
    await expect_json(await fetch(polling_url(server.url, sid)), 401, { code: 3, message: "session cookie required" });
    const headers = await ws_upgrade_headers(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { headers: cookie });
    assert.equal(headers["x-session-checked"], "yes");
  });
});

describe("cookie", () => {
  let plain;
  let with_cookie;
  let custom;
  before(async () => {
    plain = await start_server("feature-server", { host: true });
    with_cookie = await start_server("feature-server", { host: true, extra_args: ["--cookie"] });
    custom = await start_server("feature-server", {
      host: true,
      extra_args: ["--cookie", "--cookie-name", "lb", "--cookie-path", "", "--cookie-same-site", "strict", "--session-ids", "fixed=a b;c"],
    });
  });
  after(async () => {
    await stop_checked(plain);
    await stop_checked(with_cookie);
    await stop_checked(custom);
  });

  it("off by default", T, async () => {
    const response = await fetch(`${plain.url}${HANDSHAKE}`);
    assert.equal(response.headers.get("set-cookie"), null);
    await response.text();
  });

  it("on: io=<sid>; Path=/; HttpOnly; SameSite=Lax on the polling handshake only", T, async () => {
    const response = await fetch(`${with_cookie.url}${HANDSHAKE}`);
    const sid = JSON.parse((await response.text()).slice(1)).sid;
    assert.deepEqual(response.headers.getSetCookie(), [`io=${sid}; Path=/; HttpOnly; SameSite=Lax`]);
    const post = await fetch(polling_url(with_cookie.url, sid), { method: "POST", body: "40" });
    assert.deepEqual(post.headers.getSetCookie(), []);
    await post.text();
    // As Node: the WebSocket handshake sets no cookie.
    const headers = await ws_upgrade_headers(`${with_cookie.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    assert.equal(headers["set-cookie"], undefined);
  });

  it("the official client (withCredentials) keeps the sid cookie", T, async () => {
    const socket = await connect(with_cookie.url, { withCredentials: true, transports: ["polling"] });
    // engine.io-client's cookie jar (Node only) holds what the server set.
    const jar = socket.io.engine._cookieJar;
    assert.equal(jar._cookies.get("io")?.value, socket.io.engine.id);
    socket.disconnect();
  });

  it("name, path and sameSite are options; the value is percent-encoded", T, async () => {
    const response = await fetch(`${custom.url}${HANDSHAKE}`);
    assert.equal(JSON.parse((await response.text()).slice(1)).sid, "a b;c");
    assert.deepEqual(response.headers.getSetCookie(), ["lb=a%20b%3Bc; HttpOnly; SameSite=Strict"]);
  });

  it("bad cookie options stop the server", T, () => {
    let run = run_bad(["--cookie", "--cookie-name", "a b"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /cookie: name "a b" is not a cookie name/);
    run = run_bad(["--cookie", "--cookie-same-site", "sometimes"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /same_site "sometimes" is not lax, strict or none/);
  });
});

describe("initial_headers and headers", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--initial-header", "X-Initial: hello", "--initial-header", "Set-Cookie: greeting=hello", "--header", "X-Every: always"],
    });
  });
  after(() => stop_checked(server));

  it("polling: the handshake gets both, later answers only `headers`, errors none", T, async () => {
    const response = await fetch(`${server.url}${HANDSHAKE}`);
    assert.equal(response.headers.get("x-initial"), "hello");
    assert.equal(response.headers.get("x-every"), "always");
    const sid = JSON.parse((await response.text()).slice(1)).sid;
    const post = await fetch(polling_url(server.url, sid), { method: "POST", body: "40" });
    await post.text();
    const poll = await fetch(polling_url(server.url, sid));
    await poll.text();
    for (const later of [post, poll]) {
      assert.equal(later.headers.get("x-every"), "always");
      assert.equal(later.headers.get("x-initial"), null);
    }
    const error = await fetch(polling_url(server.url, "unknown"));
    assert.equal(error.status, 400);
    assert.equal(error.headers.get("x-every"), null);
    await error.text();
  });

  it("websocket: the handshake's 101 gets both, an upgrade's 101 only `headers`", T, async () => {
    const ws_base = `${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`;
    const initial = await ws_upgrade_headers(ws_base);
    assert.equal(initial["x-initial"], "hello");
    assert.equal(initial["x-every"], "always");
    const { sid } = await polling_handshake(server.url);
    const upgrade = await ws_upgrade_headers(`${ws_base}&sid=${sid}`);
    assert.equal(upgrade["x-every"], "always");
    assert.equal(upgrade["x-initial"], undefined);
  });

  it("the official client sees a header set by initial_headers (its cookie jar)", T, async () => {
    for (const transports of [["polling"], ["websocket"]]) {
      const socket = await connect(server.url, { withCredentials: true, transports });
      if (transports[0] === "polling") assert.equal(socket.io.engine._cookieJar._cookies.get("greeting")?.value, "hello");
      socket.disconnect();
    }
  });
});

describe("handshake data (socket.handshake)", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(() => stop_checked(server));

  for (const transport of ["polling", "websocket"]) {
    it(`every field of Node's handshake, over ${transport}`, T, async () => {
      const started = Date.now();
      const socket = await connect(server.url, {
        transports: [transport],
        query: { room: "lab", n: "7" },
        auth: { user: "ani" },
        extraHeaders: { "x-custom": "abc", origin: "https://site.example" },
      });
      const [h] = await emit_ack(socket, "handshake");
      const finished = Date.now();
      assert.deepEqual(Object.keys(h).sort(), ["address", "auth", "headers", "issued", "query", "secure", "time", "url", "xdomain"]);
      assert.equal(h.headers["x-custom"], "abc");
      assert.equal(h.headers.origin, "https://site.example");
      assert.equal(h.headers.host, `127.0.0.1:${server.port}`);
      assert.equal(h.address, "127.0.0.1");
      assert.equal(h.xdomain, true);
      assert.equal(h.secure, false);
      assert.ok(h.issued >= started - 1000 && h.issued <= finished, `issued ${h.issued}`);
      assert.match(h.time, /^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT/);
      assert.equal(Math.floor(Date.parse(h.time) / 1000), Math.floor(h.issued / 1000));
      assert.match(h.url, /^\/socket\.io\/\?/);
      assert.match(h.url, /room=lab/);
      assert.equal(h.query.room, "lab");
      assert.equal(h.query.n, "7");
      assert.equal(h.query.EIO, "4");
      assert.equal(h.query.transport, transport);
      assert.deepEqual(h.auth, { user: "ani" });
      socket.disconnect();
    });
  }

  it("xdomain is false without an Origin header", T, async () => {
    const socket = await connect(server.url, { transports: ["websocket"] });
    const [h] = await emit_ack(socket, "handshake");
    assert.equal(h.headers.origin, undefined);
    assert.equal(h.xdomain, false);
    assert.deepEqual(h.auth, {});
    socket.disconnect();
  });
});

describe("initialPacket", () => {
  let server;
  before(async () => {
    server = await start_server("engineio-conformance", { extra_args: ["--initial-packet", "welcome é"] });
  });
  after(() => stop_checked(server));

  it("follows the open packet, over polling and websocket", T, async () => {
    const { sid } = await polling_handshake(server.url, "/engine.io/");
    const poll = await fetch(polling_url(server.url, sid, "/engine.io/"));
    assert.equal(await poll.text(), "4welcome é");
    const ws = await eio_ws(server.url, "/engine.io/");
    assert.equal(await ws.next(), "4welcome é");
    ws.send("4echo");
    assert.equal(await ws.next(), "4echo");
    ws.terminate();
  });
});
