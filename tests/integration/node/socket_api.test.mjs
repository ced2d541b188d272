// The Socket.IO server API driven from the official client through the feature-server's API
// events: send(), rooms(), the namespace's rooms, socket ids, sockets_leave (closing a room),
// to/in with several rooms, except (rooms and socket ids), chained operators and volatile.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, record, sleep, until } from "../lib/client.mjs";
import { polling_handshake, polling_url } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const QUIET_MS = 300;
const ws = { transports: ["websocket"] };

describe("Socket.IO server API", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(async () => {
    await stop_checked(server);
  });

  async function join(socket, room) {
    assert.deepEqual(await emit_ack(socket, "join", [room]), [{ joined: room }]);
  }
  const sorted = (list) => [...list].sort();

  it("a typed event: converted arguments, and a bad payload reported without a disconnect", T, async () => {
    const a = await connect(server.url, ws);
    assert.deepEqual(await emit_ack(a, "typed-sum", [2, 40]), [42]);
    const error = next_event(a, "typed-error");
    a.emit("typed-sum", "two", 40, () => assert.fail("a handler that must not run answered"));
    assert.match((await error)[0], /^event "typed-sum": argument 0 does not convert/);
    const missing = next_event(a, "typed-error");
    a.emit("typed-sum", 1);
    assert.equal((await missing)[0], 'event "typed-sum": 2 arguments expected, 1 given');
    assert.equal(a.connected, true);
    assert.deepEqual(await emit_ack(a, "typed-sum", [-1, 1]), [0]);
    close_all(a);
  });

  it("send() emits \"message\" from a socket, the server and a room operator", T, async () => {
    const a = await connect(server.url, ws);
    const b = await connect(server.url, { transports: ["polling"] });
    await join(b, "send-room");
    const at_a = record(a, "message");
    const at_b = record(b, "message");
    a.emit("send-args", "socket");
    await until(() => at_a.length === 1, 3000, "send from the socket");
    a.emit("send-args", "all");
    await until(() => at_a.length === 2 && at_b.length === 1, 3000, "send to all");
    a.emit("send-args", "room", "send-room");
    await until(() => at_b.length === 2, 3000, "send to the room");
    await sleep(QUIET_MS);
    assert.deepEqual(at_a, [["from-socket", 1], ["from-server", 2]]);
    assert.deepEqual(at_b, [["from-server", 2], ["from-room", 3]]);
    close_all(a, b);
  });

  it("rooms() lists the socket's own id and the rooms it joined", T, async () => {
    const a = await connect(server.url, ws);
    assert.deepEqual(await emit_ack(a, "rooms"), [[a.id]]);
    await join(a, "r-one");
    await join(a, "r-two");
    assert.deepEqual(await emit_ack(a, "rooms"), [sorted([a.id, "r-one", "r-two"])]);
    await emit_ack(a, "leave", ["r-one"]);
    assert.deepEqual(await emit_ack(a, "rooms"), [sorted([a.id, "r-two"])]);
    a.disconnect();
  });

  it("the namespace's rooms and socket ids, in all and per room", T, async () => {
    const a = await connect(server.url, ws);
    const b = await connect(server.url, { transports: ["polling"] });
    await join(a, "ns-room");
    await join(b, "ns-room");
    await join(b, "ns-other");
    const [rooms] = await emit_ack(a, "all-rooms");
    for (const room of [a.id, b.id, "ns-room", "ns-other"]) assert.ok(rooms.includes(room), `${room} missing from ${rooms}`);
    const [all] = await emit_ack(a, "socket-ids");
    assert.ok(all.includes(a.id) && all.includes(b.id));
    assert.deepEqual(await emit_ack(a, "socket-ids", [{ to: ["ns-room"] }]), [sorted([a.id, b.id])]);
    assert.deepEqual(await emit_ack(a, "socket-ids", [{ to: ["ns-other"] }]), [[b.id]]);
    assert.deepEqual(await emit_ack(a, "socket-ids", [{ to: ["ns-room"], except: [b.id] }]), [[a.id]]);
    const b_id = b.id; // the client forgets it on disconnect
    b.disconnect();
    let later = [];
    for (let i = 0; i < 100; ++i) {
      [later] = await emit_ack(a, "all-rooms");
      if (!later.includes(b_id)) break;
      await sleep(20);
    }
    assert.ok(!later.includes("ns-other"), `a room whose last member left is still listed: ${later}`);
    assert.ok(!later.includes(b_id), "a gone socket's own room is still listed");
    assert.deepEqual(await emit_ack(a, "socket-ids", [{ to: ["ns-room"] }]), [[a.id]]);
    a.disconnect();
  });

  it("sockets_leave closes a room: every member leaves it, nothing else changes", T, async () => {
    const a = await connect(server.url, ws);
    const b = await connect(server.url, ws);
    await join(a, "closing");
    await join(b, "closing");
    await join(b, "kept");
    assert.deepEqual(await emit_ack(a, "close-room", ["closing"]), ["ok"]);
    assert.deepEqual(await emit_ack(a, "socket-ids", [{ to: ["closing"] }]), [[]]);
    assert.deepEqual(await emit_ack(b, "rooms"), [sorted([b.id, "kept"])]);
    const at_a = record(a, "targeted");
    const at_b = record(b, "targeted");
    a.emit("targeted", { to: ["closing"] }, "after close");
    assert.deepEqual(await emit_ack(a, "echo", ["sync"]), ["sync"]);
    await sleep(QUIET_MS);
    assert.deepEqual([at_a, at_b], [[], []]);
    close_all(a, b);
  });

  describe("several rooms and except", () => {
    let a, b, c, d, sender;
    before(async () => {
      [a, b, c, d, sender] = await Promise.all([
        connect(server.url, ws),
        connect(server.url, { transports: ["polling"] }),
        connect(server.url, ws),
        connect(server.url, ws),
        connect(server.url, ws),
      ]);
      await join(a, "m-x");
      await join(a, "m-y"); // in both: must get one copy
      await join(b, "m-y");
      await join(c, "m-z");
      await join(d, "m-other");
    });
    after(() => close_all(a, b, c, d, sender));

    // Emits `targeted` with `spec` and returns which of a, b, c, d, sender got it (and how often).
    async function reached(spec) {
      const names = { a, b, c, d, sender };
      const got = Object.fromEntries(Object.keys(names).map((n) => [n, record(names[n], "targeted")]));
      const payload = Math.random().toString(36).slice(2);
      sender.emit("targeted", spec, payload);
      await sleep(QUIET_MS);
      for (const [n, socket] of Object.entries(names)) socket.off("targeted");
      const result = {};
      for (const [n, list] of Object.entries(got)) {
        const mine = list.filter((args) => args[0] === payload).length;
        if (mine) result[n] = mine;
      }
      return result;
    }

    it("to([x, y, z]) reaches each member of any of them once", T, async () => {
      assert.deepEqual(await reached({ to: ["m-x", "m-y", "m-z"] }), { a: 1, b: 1, c: 1 });
    });
    it("to(x).to(y).to(z) chained is the same union", T, async () => {
      assert.deepEqual(await reached({ to: ["m-x", "m-y", "m-z"], chain: true }), { a: 1, b: 1, c: 1 });
    });
    it("except a room leaves out its members, even when they are in a targeted room", T, async () => {
      assert.deepEqual(await reached({ to: ["m-y", "m-z"], except: ["m-x"] }), { b: 1, c: 1 });
    });
    it("except socket ids, chained to(a).to(b).except(c)", T, async () => {
      assert.deepEqual(await reached({ to: ["m-y", "m-z"], except: [c.id], chain: true }), { a: 1, b: 1 });
      assert.deepEqual(await reached({ to: ["m-x", "m-y"], except: [a.id, b.id] }), {});
    });
    it("except without to: everyone else in the namespace", T, async () => {
      const result = await reached({ except: ["m-y", "m-z"] });
      assert.equal(result.a, undefined);
      assert.equal(result.b, undefined);
      assert.equal(result.c, undefined);
      assert.deepEqual([result.d, result.sender], [1, 1]);
    });
    it("a socket's to([...]) leaves the socket itself out", T, async () => {
      await join(sender, "m-x");
      assert.deepEqual(await reached({ to: ["m-x", "m-z"], from_socket: true }), { a: 1, c: 1 });
      await emit_ack(sender, "leave", ["m-x"]);
    });
  });

  describe("volatile", () => {
    it("an idle WebSocket gets a volatile packet; the ones behind it in the same turn are dropped", T, async () => {
      const a = await connect(server.url, ws);
      const got = record(a, "volatile");
      const [before] = await emit_ack(a, "volatile", [5]);
      assert.equal(before.writable, true, "an idle WebSocket should be writable");
      await sleep(QUIET_MS);
      assert.deepEqual(got, [[0]]);
      a.disconnect();
    });

    it("a volatile broadcast reaches the idle sockets (to, except and volatile together)", T, async () => {
      const a = await connect(server.url, ws);
      const b = await connect(server.url, ws);
      await join(a, "vol");
      await join(b, "vol");
      const at_a = next_event(a, "targeted");
      const at_b = record(b, "targeted");
      a.emit("targeted", { to: ["vol"], except: [b.id], volatile: true }, "v");
      assert.deepEqual(await at_a, ["v"]);
      await sleep(QUIET_MS);
      assert.deepEqual(at_b, []);
      close_all(a, b);
    });

    it("long-polling without a GET waiting: the volatile packet is dropped, the ordinary one kept", T, async () => {
      // A raw polling session that joins "/" and then sends no GET for a while.
      const { sid } = await polling_handshake(server.url);
      const url = polling_url(server.url, sid);
      let response = await fetch(url, { method: "POST", body: "40" });
      assert.equal(response.status, 200);
      await response.text();
      const connect_answer = await (await fetch(url)).text();
      const socket_id = JSON.parse(connect_answer.split("\x1e")[0].slice(2)).sid;
      const helper = await connect(server.url, ws);
      const [state] = await emit_ack(helper, "volatile-to", [socket_id]);
      assert.deepEqual(state, { writable: false, buffered_bytes: 0 });
      const [queued] = await emit_ack(helper, "buffer-state", [socket_id]);
      assert.equal(queued.writable, false);
      assert.equal(queued.buffered_bytes, '42["ordinary","always"]'.length);
      const body = await (await fetch(url)).text();
      assert.equal(body, '42["ordinary","always"]');
      // Now a GET waits: the volatile packet goes.
      const poll = fetch(url).then((r) => r.text());
      let seen_writable = false;
      for (let i = 0; i < 100 && !seen_writable; ++i) {
        const [s] = await emit_ack(helper, "buffer-state", [socket_id]);
        seen_writable = s.writable;
        if (!seen_writable) await sleep(10);
      }
      assert.ok(seen_writable, "a waiting GET should make the session writable");
      await emit_ack(helper, "volatile-to", [socket_id]);
      assert.equal(await poll, '42["volatile","dropped unless writable"]\x1e42["ordinary","always"]');
      response = await fetch(url, { method: "POST", body: "1" });
      await response.text();
      helper.disconnect();
    });
  });
});
