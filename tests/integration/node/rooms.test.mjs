// Rooms and broadcast: join/leave acks, to-room delivery to members only, broadcast without the sender.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, next_event, record, sleep } from "../lib/client.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 15000 };
const QUIET_MS = 300;

describe("rooms and broadcast", () => {
  let server;
  const opts = { transports: ["websocket"] };
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(async () => {
    await stop_checked(server);
  });

  async function join(socket, room) {
    assert.deepEqual(await emit_ack(socket, "join", [room]), [{ joined: room }]);
  }
  async function leave(socket, room) {
    assert.deepEqual(await emit_ack(socket, "leave", [room]), [{ left: room }]);
  }

  it("join and leave ack with the room", T, async () => {
    const a = await connect(server.url, opts);
    await join(a, "lab");
    await leave(a, "lab");
    await leave(a, "never-joined");
    a.disconnect();
  });

  it("to-room reaches the members only, sender not in the room", T, async () => {
    const member1 = await connect(server.url, opts);
    const member2 = await connect(server.url, { transports: ["polling"] });
    const outsider = await connect(server.url, opts);
    const sender = await connect(server.url, opts);
    await join(member1, "greenhouse");
    await join(member2, "greenhouse");
    await join(outsider, "other-room");
    const at_outsider = record(outsider, "room-message");
    const at_sender = record(sender, "room-message");
    const at_1 = next_event(member1, "room-message");
    const at_2 = next_event(member2, "room-message");
    sender.emit("to-room", "greenhouse", { temp: 27.5 });
    assert.deepEqual(await at_1, [{ temp: 27.5 }]);
    assert.deepEqual(await at_2, [{ temp: 27.5 }]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_outsider, [], "a socket outside the room got the room message");
    assert.deepEqual(at_sender, [], "the sender (not in the room) got the room message");
    close_all(member1, member2, outsider, sender);
  });

  it("after leave, to-room no longer reaches the socket", T, async () => {
    const stays = await connect(server.url, opts);
    const leaves = await connect(server.url, opts);
    const sender = await connect(server.url, opts);
    await join(stays, "r1");
    await join(leaves, "r1");
    await leave(leaves, "r1");
    const at_leaver = record(leaves, "room-message");
    const at_stays = next_event(stays, "room-message");
    sender.emit("to-room", "r1", "after-leave");
    assert.deepEqual(await at_stays, ["after-leave"]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_leaver, []);
    close_all(stays, leaves, sender);
  });

  it("a socket in the room that sends to it gets it too; a socket in several rooms gets one copy", T, async () => {
    const a = await connect(server.url, opts);
    await join(a, "x");
    await join(a, "y");
    const got = record(a, "room-message");
    a.emit("to-room", "x", "self");
    await sleep(QUIET_MS);
    assert.deepEqual(got, [["self"]]);
    a.disconnect();
  });

  it("a socket's id is a room: it can be joined by others and left by the socket", T, async () => {
    const a = await connect(server.url, opts);
    const b = await connect(server.url, opts);
    const sender = await connect(server.url, { transports: ["polling"] });
    const at_b = record(b, "room-message");
    let at_a = next_event(a, "room-message");
    sender.emit("to-room", a.id, "to a");
    assert.deepEqual(await at_a, ["to a"]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_b, [], "b got a message for a's own room");
    await join(b, a.id);
    at_a = next_event(a, "room-message");
    const at_b_joined = next_event(b, "room-message");
    sender.emit("to-room", a.id, "to a's room");
    assert.deepEqual(await at_a, ["to a's room"]);
    assert.deepEqual(await at_b_joined, ["to a's room"]);
    await leave(a, a.id);
    const at_a_left = record(a, "room-message");
    const at_b_still = next_event(b, "room-message");
    sender.emit("to-room", a.id, "a left");
    assert.deepEqual(await at_b_still, ["a left"]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_a_left, [], "a got a message for its own room after leaving it");
    close_all(a, b, sender);
  });

  it("broadcast reaches everyone but the sender", T, async () => {
    const sender = await connect(server.url, opts);
    const b = await connect(server.url, opts);
    const c = await connect(server.url, { transports: ["polling"] });
    const at_sender = record(sender, "broadcast");
    const at_b = next_event(b, "broadcast");
    const at_c = next_event(c, "broadcast");
    sender.emit("broadcast", { alert: "rain" });
    assert.deepEqual(await at_b, [{ alert: "rain" }]);
    assert.deepEqual(await at_c, [{ alert: "rain" }]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_sender, [], "the sender got its own broadcast");
    close_all(sender, b, c);
  });

  it("a disconnected member leaves its rooms; the room keeps working", T, async () => {
    const gone = await connect(server.url, opts);
    const stays = await connect(server.url, opts);
    const sender = await connect(server.url, opts);
    await join(gone, "farm");
    await join(stays, "farm");
    gone.disconnect();
    const at_stays = next_event(stays, "room-message");
    sender.emit("to-room", "farm", "still there");
    assert.deepEqual(await at_stays, ["still there"]);
    // An emptied room is no error either.
    await leave(stays, "farm");
    sender.emit("to-room", "farm", "nobody");
    assert.equal(await sender.emitWithAck("echo", "ok"), "ok");
    close_all(stays, sender);
  });

  it("rooms of one namespace are not visible in /chat", T, async () => {
    const root = await connect(server.url, opts);
    const chat = await connect(`${server.url}/chat`, opts);
    await join(root, "shared-name");
    const at_chat = record(chat, "room-message");
    const at_root = next_event(root, "room-message");
    root.emit("to-room", "shared-name", "root only");
    assert.deepEqual(await at_root, ["root only"]);
    await sleep(QUIET_MS);
    assert.deepEqual(at_chat, []);
    close_all(root, chat);
  });
});
