// The server side of the Socket.IO admin UI (npm @socket.io/admin-ui 0.5): the /admin namespace,
// its login, what it reports and the operations it accepts, with the official socket.io-client
// playing the UI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { canary, close_all, connect, make_socket, emit_ack, next_event, until } from "../lib/client.mjs";
import { example_binary, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const USER = "admin";
const PASSWORD = "s3cret-pass";
// bcryptjs.hashSync(PASSWORD, 4): a hash made by the library the Node admin UI uses.
const HASH = "$2a$04$atuYW9JcSC8mbU.Q61kwB.hJSD/JENWsvoNogB.9ucANSbA.vkqsq";
const opts = { transports: ["websocket"] };

// An admin socket that records what the server tells the UI before it is connected.
function admin_socket(url, auth) {
  const socket = make_socket(`${url}/admin`, { ...opts, auth });
  const seen = { session: null, config: null, all_sockets: null };
  socket.on("session", (id) => (seen.session = id));
  socket.on("config", (config) => (seen.config = config));
  socket.on("all_sockets", (sockets) => (seen.all_sockets = sockets));
  return { socket, seen };
}

// Resolves with the args of the next `event` whose args satisfy `match`.
function next_matching(socket, event, match, timeout_ms = 5000) {
  return new Promise((resolve, reject) => {
    const handler = (...args) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(args);
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no matching "${event}" within ${timeout_ms} ms`));
    }, timeout_ms);
    socket.on(event, handler);
  });
}

describe("admin UI with basic auth", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--admin", "--admin-user", USER, "--admin-password-hash", HASH, "--node-name", "soket-test"],
    });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("refuses a wrong password, an unknown user and no credentials with invalid credentials", T, async () => {
    for (const auth of [{ username: USER, password: "wrong" }, { username: "root", password: PASSWORD }, {},
                        { username: USER, password: 42 }, { sessionId: "not-a-session" }]) {
      const { socket } = admin_socket(server.url, auth);
      await assert.rejects(connect_admin(socket), (err) => err.message === "invalid credentials");
      socket.disconnect();
    }
  });

  it("logs in, gets a session, the config, all sockets with their rooms and server stats", T, async () => {
    const a = await connect(server.url, opts);
    const b = await connect(server.url, { transports: ["polling"] });
    assert.deepEqual(await emit_ack(a, "join", ["lab"]), [{ joined: "lab" }]);
    const { socket: admin, seen } = admin_socket(server.url, { username: USER, password: PASSWORD });
    const stats = next_event(admin, "server_stats", 5000);
    await connect_admin(admin);
    await until(() => seen.all_sockets && seen.config && seen.session, 5000, "session, config and all_sockets");
    assert.equal(typeof seen.session, "string");
    assert.ok(seen.config.supportedFeatures.includes("DISCONNECT"));
    assert.ok(seen.config.supportedFeatures.includes("ALL_EVENTS"));
    const listed_a = seen.all_sockets.find((s) => s.id === a.id);
    const listed_b = seen.all_sockets.find((s) => s.id === b.id);
    assert.ok(listed_a && listed_b, "both test clients are listed");
    assert.equal(listed_a.nsp, "/");
    assert.deepEqual([...listed_a.rooms].sort(), [a.id, "lab"].sort());
    assert.equal(listed_a.transport, "websocket");
    assert.equal(listed_b.transport, "polling");
    assert.equal(listed_a.clientId, a.io.engine.id.slice(0, 12));
    assert.equal(listed_a.handshake.address, "127.0.0.1");
    assert.equal(listed_a.handshake.auth, undefined, "the handshake's auth is not shown");
    assert.ok(seen.all_sockets.some((s) => s.nsp === "/admin" && s.id === admin.id), "the admin socket itself");
    const [s] = await stats;
    assert.equal(s.serverId, "soket-test");
    assert.equal(typeof s.hostname, "string");
    assert.equal(typeof s.pid, "number");
    assert.equal(typeof s.uptime, "number");
    assert.ok(s.clientsCount >= 3);
    assert.ok(s.pollingClientsCount >= 1);
    assert.ok(Array.isArray(s.aggregatedEvents));
    assert.ok(s.aggregatedEvents.some((e) => e.type === "rawConnection" && e.count >= 1));
    const main = s.namespaces.find((n) => n.name === "/");
    assert.ok(main && main.socketsCount >= 2);
    assert.ok(s.namespaces.some((n) => n.name === "/admin"));

    // The session id lets the UI reconnect without the password.
    const { socket: again } = admin_socket(server.url, { sessionId: seen.session });
    await connect_admin(again);
    close_all(a, b, admin, again);
  });

  it("streams socket_connected, room_joined, room_left, event_received and socket_disconnected", T, async () => {
    const { socket: admin } = admin_socket(server.url, { username: USER, password: PASSWORD });
    await connect_admin(admin);
    const a = make_socket(server.url, opts);
    const connected_event = next_matching(admin, "socket_connected", (s) => s.nsp === "/");
    await connect_socket(a);
    const [socket, time] = await connected_event;
    assert.equal(socket.id, a.id);
    assert.ok(!Number.isNaN(Date.parse(time)));
    const joined = next_matching(admin, "room_joined", (nsp, room, id) => id === a.id);
    const received = next_matching(admin, "event_received", (nsp, id) => id === a.id);
    await emit_ack(a, "join", ["garden"]);
    assert.deepEqual((await joined).slice(0, 3), ["/", "garden", a.id]);
    const [nsp, id, args] = await received;
    assert.deepEqual([nsp, id, args[0], args[1]], ["/", a.id, "join", "garden"]);
    const left = next_matching(admin, "room_left", (nsp, room, id) => id === a.id && room === "garden");
    await emit_ack(a, "leave", ["garden"]);
    await left;
    const a_id = a.id;  // the client forgets its id once disconnected
    const gone = next_matching(admin, "socket_disconnected", (nsp, id) => id === a_id);
    a.disconnect();
    const [gone_nsp, , reason] = await gone;
    assert.equal(gone_nsp, "/");
    assert.equal(reason, "client namespace disconnect");
    admin.disconnect();
  });

  it("join, leave and _disconnect act on the target socket only", T, async () => {
    const { socket: admin } = admin_socket(server.url, { username: USER, password: PASSWORD });
    await connect_admin(admin);
    const target = await connect(server.url, opts);
    const bystander = await connect(server.url, opts);
    let bystander_gone = null;
    bystander.on("disconnect", (reason) => (bystander_gone = reason));

    const joined = next_matching(admin, "room_joined", (nsp, room, id) => room === "kitchen");
    admin.emit("join", "/", "kitchen", target.id);
    assert.deepEqual((await joined).slice(0, 3), ["/", "kitchen", target.id]);
    // The room is real: a broadcast to it reaches the target.
    const delivered = next_event(target, "room-message");
    bystander.emit("to-room", "kitchen", "hello");
    assert.deepEqual(await delivered, ["hello"]);

    const left = next_matching(admin, "room_left", (nsp, room, id) => room === "kitchen");
    admin.emit("leave", "/", "kitchen", target.id);
    assert.deepEqual((await left).slice(0, 3), ["/", "kitchen", target.id]);

    const disconnected = next_event(target, "disconnect");
    admin.emit("_disconnect", "/", false, target.id);
    assert.equal((await disconnected)[0], "io server disconnect");
    assert.equal(bystander_gone, null);
    assert.equal(admin.connected, true);
    close_all(admin, target, bystander);
  });

  it("ignores malformed operations; nothing else is affected and no namespace is created", T, async () => {
    const { socket: admin } = admin_socket(server.url, { username: USER, password: PASSWORD });
    await connect_admin(admin);
    const watch = await canary(server.url);
    admin.emit("join");
    admin.emit("join", 42, "room");
    admin.emit("join", "/no-such-namespace", "room");
    admin.emit("join", "/", { not: "a room" }, "x");
    admin.emit("leave", null, null, null);
    admin.emit("_disconnect");
    admin.emit("_disconnect", "/nowhere", true);
    admin.emit("_disconnect", ["/"], true);
    admin.emit("emit", "/", null);
    admin.emit("emit", 7, null, "ev");
    admin.emit("unknown-operation", 1, 2, 3);
    await watch.check("after bad admin operations");
    const [stats] = await next_event(admin, "server_stats", 5000);
    assert.ok(!stats.namespaces.some((n) => n.name === "/no-such-namespace" || n.name === "/nowhere"));
    assert.equal(admin.connected, true);
    watch.close();
    admin.disconnect();
  });

  it("emit reaches the sockets of a namespace's room", T, async () => {
    const { socket: admin } = admin_socket(server.url, { username: USER, password: PASSWORD });
    await connect_admin(admin);
    const a = await connect(server.url, opts);
    await emit_ack(a, "join", ["porch"]);
    const got = next_event(a, "notice");
    admin.emit("emit", "/", "porch", "notice", { text: "hi" }, 3);
    assert.deepEqual(await got, [{ text: "hi" }, 3]);
    close_all(a, admin);
  });
});

describe("admin UI without auth, read-only", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true, extra_args: ["--admin", "--admin-readonly"] });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("connects without credentials and refuses operations", T, async () => {
    const target = await connect(server.url, opts);
    const { socket: admin, seen } = admin_socket(server.url, undefined);
    await connect_admin(admin);
    await until(() => seen.config && seen.all_sockets, 5000, "config and all_sockets");
    assert.deepEqual(seen.config.supportedFeatures, ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
    assert.equal(seen.session, null);
    let gone = null;
    target.on("disconnect", (reason) => (gone = reason));
    admin.emit("_disconnect", "/", true, target.id);
    await next_event(admin, "server_stats", 5000);
    assert.equal(gone, null);
    assert.equal(target.connected, true);
    close_all(target, admin);
  });

  it("serves the UI at /admin/, redirects /admin, keeps out of the rest of the disk", T, async () => {
    const page = await fetch(`${server.url}/admin/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /text\/html/);
    assert.match(await page.text(), /Socket\.IO Admin UI/);
    const redirect = await fetch(`${server.url}/admin`, { redirect: "manual" });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/admin/");
    assert.equal((await fetch(`${server.url}/admin/favicon.png`)).status, 200);
    assert.equal((await fetch(`${server.url}/admin/no-such-file.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/admin/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${server.url}/administrator`)).status, 404);
  });
});

describe("admin UI options", () => {
  it("refuses to start with a password that is no bcrypt hash", T, () => {
    const run = spawnSync(example_binary("feature-server"),
                          ["--port", "0", "--admin", "--admin-user", USER, "--admin-password-hash", "plain"],
                          { encoding: "utf8", timeout: 10000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /bcrypt/);
  });
});

function connect_socket(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
    socket.connect();
  });
}

function connect_admin(socket) {
  return connect_socket(socket);
}
