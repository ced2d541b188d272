// Connection state recovery (feature-server --recovery-ms): a client that loses its connection
// comes back with the same id, rooms, data and every packet it missed, exactly once and in order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, connected, emit_ack, make_socket, next_event, sleep, until } from "../lib/client.mjs";
import { eio_ws } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 30000 };
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
        if (n === DROP_AT) client.io.engine.close();  // the transport is gone, the client will be back
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

  it("a client that lost its connection before any packet (pid, no offset) is recovered", T, async () => {
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
    client.io.engine.close();
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
        client.io.engine.close();
        await reconnected;
        assert.equal(client.recovered, true);
        assert.equal(client.id, id);
      } else {
        const refused = next_event(client, "connect_error");
        client.io.engine.close();
        const [err] = await refused;
        assert.equal(err.message, "authentication error");
        assert.equal(client.connected, false);
      }
      close_all(client);
    });
  }

  it("a forged, unknown or malformed pid or offset gets a new session, no error", T, async () => {
    const forged = [
      { pid: "forged-private-id", offset: "x" },
      { pid: "forged-private-id" },
      { pid: 42, offset: 7 },
      { pid: ["not", "a", "string"] },
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

  it("another socket's pid never takes it over", T, async () => {
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
