// Connection state recovery (feature-server --recovery-ms): a client that loses its connection
// comes back with the same id, rooms, data and every packet it missed, exactly once and in order.
// With SOKET_PARSER=msgpack the official clients use socket.io-msgpack-parser (the server runs
// --parser msgpack); the raw-wire cases speak the JSON parser and run without it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, connected, emit_ack, make_socket, next_event, PARSER, sleep, until } from "../lib/client.mjs";
import { eio_ws, RawWs } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 30000 };
const RAW = { ...T, skip: PARSER !== "json" && "raw JSON wire" };
const STREAM_LENGTH = 60;
const DROP_AT = 20;
const STREAM_GAP_MS = 10;
const SHORT_RECOVERY_MS = 1500;
const TOKEN = "soket-secret-token";

// The official client, reconnecting quickly after a lost transport.
const reconnecting = (transport) => ({
  transports: [transport],
  reconnection: true,
  reconnectionDelay: 100,
  reconnectionDelayMax: 200,
});

// Kills the client's transport the hard way, as a lost network would: the WebSocket's TCP
// connection is destroyed (no close frame, no DISCONNECT packet); a polling client's engine is
// closed under it. Either way the client does not mean to leave and will reconnect.
function lose_transport(client) {
  const transport = client.io.engine.transport;
  if (transport.name === "websocket") transport.ws.terminate();
  else client.io.engine.close();
}

// The last argument of every event is the offset the server added (a string); the client keeps it.
function numbers_of(events) {
  return events.map((args) => {
    assert.equal(typeof args[args.length - 1], "string", "each event ends with its offset");
    return args[0];
  });
}

// A raw Socket.IO CONNECT on "/" with `auth`; resolves with {raw, before, answer}: the packets
// received before the CONNECT answer, and that answer's payload.
async function raw_connect(base, auth) {
  const raw = await eio_ws(base);
  raw.send(auth === undefined ? "40" : `40${JSON.stringify(auth)}`);
  const received = [];
  for (;;) {
    const message = await raw.next();
    if (message.startsWith("40")) return { raw, before: received, answer: JSON.parse(message.slice(2)) };
    received.push(message);
  }
}

describe("connection state recovery", () => {
  let server;
  let short_server;
  let middleware_server;
  before(async () => {
    [server, short_server, middleware_server] = await Promise.all([
      start_server("feature-server", { host: true, extra_args: ["--recovery-ms", "60000"] }),
      start_server("feature-server", { host: true, extra_args: ["--recovery-ms", String(SHORT_RECOVERY_MS)] }),
      start_server("feature-server", {
        host: true,
        extra_args: ["--recovery-ms", "60000", "--recovery-runs-middlewares"],
      }),
    ]);
  });
  after(async () => {
    await Promise.all([stop_checked(server), stop_checked(short_server), stop_checked(middleware_server)]);
  });

  for (const transport of ["websocket", "polling"]) {
    it(`over ${transport}: same id, rooms, data and every broadcast exactly once after a lost transport`, T, async () => {
      const sender = await connect(server.url, { transports: ["websocket"] });
      const client = await connect(server.url, reconnecting(transport));
      assert.equal(client.recovered, false);
      const id = client.id;
      assert.deepEqual(await emit_ack(client, "join", ["lab"]), [{ joined: "lab" }]);
      assert.deepEqual(await emit_ack(client, "set-data", [{ name: "probe-7" }]), [{ name: "probe-7" }]);

      const stream = [];
      client.on("message", (...args) => stream.push(args));
      let disconnects = 0;
      client.on("disconnect", () => ++disconnects);
      // The missed packets come before the CONNECT answer: the client handles them before "connect".
      let at_disconnect = null;
      let at_reconnect = null;
      client.on("disconnect", () => (at_disconnect = stream.length));
      client.on("connect", () => (at_reconnect = stream.length));
      const reconnected = new Promise((resolve) => client.io.once("reconnect", resolve));

      for (let n = 0; n < STREAM_LENGTH; ++n) {
        if (n === DROP_AT) lose_transport(client);

        sender.emit("message", n);
        await sleep(STREAM_GAP_MS);
      }
      await reconnected;
      await until(() => stream.length >= STREAM_LENGTH, 10000, "the whole stream");
      await sleep(200);  // nothing comes twice, even late
      assert.equal(disconnects, 1);
      assert.ok(at_reconnect > at_disconnect, `replayed ${at_reconnect - at_disconnect} missed packets`);
      assert.deepEqual(numbers_of(stream), [...Array(STREAM_LENGTH).keys()]);
      assert.equal(client.recovered, true);
      assert.equal(client.id, id);

      const [whoami] = await emit_ack(client, "whoami");
      assert.equal(whoami.id, id);
      assert.equal(whoami.recovered, true);
      assert.deepEqual(await emit_ack(client, "get-data"), [{ name: "probe-7" }]);
      const in_room = next_event(client, "room-message");
      sender.emit("to-room", "lab", { temp: 21 });
      assert.deepEqual((await in_room)[0], { temp: 21 });
      close_all(sender, client);
    });
  }

  it("a client that lost its connection before any packet (pid, no offset) is recovered", RAW, async () => {
    const sender = await connect(server.url, { transports: ["websocket"] });
    const first = await raw_connect(server.url);
    const { sid, pid } = first.answer;
    assert.equal(typeof pid, "string");
    // The welcome message is lost with the connection: the client never saw an offset.
    first.raw.terminate();
    await sleep(200);
    for (const n of [1, 2, 3]) sender.emit("message", `missed-${n}`);
    await sleep(200);

    const second = await raw_connect(server.url, { pid });
    assert.equal(second.answer.sid, sid);
    assert.equal(second.answer.pid, pid);
    const missed = second.before.map((m) => JSON.parse(m.slice(2)));
    assert.deepEqual(
      missed.map((args) => args.slice(0, -1)),
      [["welcome_message", "Welcome to the WebSocket server!"], ["message", "missed-1"], ["message", "missed-2"], ["message", "missed-3"]],
    );
    // Offsets only grow, each packet has its own.
    const offsets = missed.map((args) => args[args.length - 1]);
    assert.equal(new Set(offsets).size, offsets.length);
    second.raw.terminate();
    close_all(sender);
  });

  it("with pid and offset: exactly the missed packets, before the CONNECT answer", RAW, async () => {
    const sender = await connect(server.url, { transports: ["websocket"] });
    const first = await raw_connect(server.url);
    const { sid, pid } = first.answer;
    const welcome = JSON.parse((await first.raw.next()).slice(2));
    assert.equal(welcome[0], "welcome_message");
    sender.emit("message", "seen");
    const seen = JSON.parse((await first.raw.next()).slice(2));
    assert.equal(seen[1], "seen");
    const offset = seen[seen.length - 1];
    first.raw.terminate();
    await sleep(200);
    for (const n of [1, 2]) sender.emit("message", `missed-${n}`);
    await sleep(200);

    const second = await raw_connect(server.url, { pid, offset });
    assert.deepEqual(second.answer, { sid, pid });
    assert.deepEqual(
      second.before.map((m) => JSON.parse(m.slice(2)).slice(0, -1)),
      [["message", "missed-1"], ["message", "missed-2"]],
    );
    // After the CONNECT answer, new packets as usual, with offsets after the replayed ones (the
    // connection handler runs again for a recovered socket, as in the reference: a new welcome).
    sender.emit("message", "live");
    let live;
    do live = JSON.parse((await second.raw.next()).slice(2));
    while (live[0] !== "message");
    assert.equal(live[1], "live");
    second.raw.terminate();
    close_all(sender);
  });

  it("after max_disconnection_duration the client gets a new session", T, async () => {
    const client = await connect(short_server.url, {
      ...reconnecting("websocket"),
      reconnectionDelay: SHORT_RECOVERY_MS + 700,
      reconnectionDelayMax: SHORT_RECOVERY_MS + 700,
      randomizationFactor: 0,
    });
    const id = client.id;
    assert.deepEqual(await emit_ack(client, "set-data", [{ name: "gone" }]), [{ name: "gone" }]);
    const reconnected = new Promise((resolve) => client.io.once("reconnect", resolve));
    lose_transport(client);
    await reconnected;
    await until(() => client.connected);
    assert.equal(client.recovered, false);
    assert.notEqual(client.id, id);
    const [whoami] = await emit_ack(client, "whoami");
    assert.equal(whoami.recovered, false);
    assert.deepEqual(await emit_ack(client, "get-data"), [{}]);
    close_all(client);
  });

  for (const [label, skip] of [["skips the middlewares", true], ["with skip_middlewares false runs them again", false]]) {
    it(`a recovered socket ${label}`, T, async () => {
      const url = `${(skip ? server : middleware_server).url}/secure`;
      const client = make_socket(url, { ...reconnecting("websocket"), auth: { token: TOKEN } });
      await connected(client);
      const id = client.id;
      client.auth = { token: "no longer valid" };
      if (skip) {
        const reconnected = next_event(client, "connect");
        lose_transport(client);
        await reconnected;
        assert.equal(client.recovered, true);
        assert.equal(client.id, id);
      } else {
        const refused = next_event(client, "connect_error");
        lose_transport(client);
        const [err] = await refused;
        assert.equal(err.message, "authentication error");
        assert.equal(client.connected, false);
      }
      close_all(client);
    });
  }

  it("a forged, unknown or malformed pid or offset gets a new session, no error", RAW, async () => {
    const forged = [
      { pid: "forged-private-id", offset: "x" },
      { pid: "forged-private-id" },
      { pid: 42, offset: 7 },
      { pid: ["not", "a", "string"] },
      { pid: null, offset: null },
      { pid: "", offset: "" },
      { pid: "p".repeat(100000), offset: "o".repeat(100000) },
      { pid: "forged-private-id", offset: { seq: 1 } },
    ];
    for (const auth of forged) {
      const attempt = await raw_connect(server.url, auth);
      assert.match(attempt.answer.sid, /^[\w-]{20}$/);
      assert.equal(typeof attempt.answer.pid, "string");
      assert.notEqual(attempt.answer.pid, auth.pid);
      assert.deepEqual(attempt.before, [], "nothing replayed");
      attempt.raw.terminate();
    }
    // A real pid with an offset this server never gave.
    const first = await raw_connect(server.url);
    first.raw.terminate();
    await sleep(200);
    const second = await raw_connect(server.url, { pid: first.answer.pid, offset: "AAAAAAAA.1" });
    assert.notEqual(second.answer.sid, first.answer.sid);
    second.raw.terminate();
  });

  it("another socket's pid never takes it over", RAW, async () => {
    // While its socket is connected, a pid is no session (as in the reference): a new one, and the
    // owner keeps its socket.
    const owner = await raw_connect(server.url);
    const thief = await raw_connect(server.url, { pid: owner.answer.pid });
    assert.notEqual(thief.answer.sid, owner.answer.sid);
    assert.notEqual(thief.answer.pid, owner.answer.pid);
    owner.raw.send(`421${JSON.stringify(["echo", "still mine"])}`);
    for (;;) {
      const message = await owner.raw.next();
      if (message.startsWith("431")) {
        assert.deepEqual(JSON.parse(message.slice(3)), ["still mine"]);
        break;
      }
    }
    thief.raw.terminate();

    // Once its socket lost its connection, the pid recovers it once; a second use gets a new
    // session (the reference would give both the same socket id).
    owner.raw.terminate();
    await sleep(200);
    const back = await raw_connect(server.url, { pid: owner.answer.pid });
    assert.equal(back.answer.sid, owner.answer.sid);
    const again = await raw_connect(server.url, { pid: owner.answer.pid });
    assert.notEqual(again.answer.sid, owner.answer.sid);
    back.raw.terminate();
    again.raw.terminate();
  });

  it("a namespace disconnect keeps no session", T, async () => {
    const client = await connect(server.url, reconnecting("websocket"));
    const id = client.id;
    client.disconnect();
    client.connect();
    await next_event(client, "connect");
    assert.equal(client.recovered, false);
    assert.notEqual(client.id, id);
    close_all(client);
  });
});

// Socket.IO v4 clients (Engine.IO v3, --allow-eio3): like the reference, they are never given a
// private id, so they never recover; the v5 clients of the same server still do.
describe("connection state recovery and Engine.IO v3 clients", { skip: PARSER !== "json" && "raw JSON wire" }, () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--recovery-ms", "60000", "--allow-eio3"],
    });
  });
  after(async () => {
    await stop_checked(server);
  });

  it("the v4 CONNECT answer carries no pid; the v5 one does", T, async () => {
    const v3 = new RawWs(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    await v3.opened;
    assert.match(await v3.next(), /^0\{/);
    assert.equal(await v3.next(), "40");
    // Events still end with an offset, as the reference sends them to every client.
    const welcome = JSON.parse((await v3.next()).slice(2));
    assert.equal(welcome[0], "welcome_message");
    assert.equal(typeof welcome[welcome.length - 1], "string");
    v3.send("40/secure?token=soket-secret-token,");
    assert.equal(await v3.next(), "40/secure,");
    v3.terminate();

    const v5 = await raw_connect(server.url);
    assert.equal(typeof v5.answer.pid, "string");
    v5.raw.terminate();
    await sleep(200);
    const back = await raw_connect(server.url, { pid: v5.answer.pid });
    assert.equal(back.answer.sid, v5.answer.sid);
    back.raw.terminate();
  });

  it("a v4 client sending a v5 client's pid in its query gets no session of it", T, async () => {
    // A v5 socket in /secure loses its connection; its session waits for it.
    const secure_connect = async (auth) => {
      const raw = await eio_ws(server.url);
      raw.send(`40/secure,${JSON.stringify(auth)}`);
      const before = [];
      let answer;
      while (!(answer = await raw.next()).startsWith("40/secure,")) before.push(answer);
      return { raw, before, answer: JSON.parse(answer.slice("40/secure,".length)) };
    };
    const owner = await secure_connect({ token: TOKEN });
    owner.raw.terminate();
    await sleep(200);
    const v3 = new RawWs(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    await v3.opened;
    assert.match(await v3.next(), /^0\{/);
    assert.equal(await v3.next(), "40");
    await v3.next();  // welcome
    v3.send(`40/secure?token=${TOKEN}&pid=${encodeURIComponent(owner.answer.pid)},`);
    assert.equal(await v3.next(), "40/secure,");
    v3.send('42/secure,1["echo","v3"]');
    for (;;) {
      const message = await v3.next();
      if (message.startsWith("43/secure,1")) break;
    }
    v3.terminate();
    // Not taken: the session is still there for its owner.
    const back = await secure_connect({ token: TOKEN, pid: owner.answer.pid });
    assert.deepEqual(back.answer, owner.answer);
    // It never read the "authed" event its connection carried: replayed.
    assert.deepEqual(back.before.map((m) => JSON.parse(m.slice("42/secure,".length)).slice(0, -1)), [["authed", { ok: true }]]);
    back.raw.terminate();
  });
});
