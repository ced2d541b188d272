// @socket.io/redis-emitter 5.1 from a separate process: connects to Redis, publishes the given
// operations in order, and exits 0 once Redis has taken them all (QUIT is answered after them).
//
//   node tests/cluster/emitter.mjs --redis redis://127.0.0.1:RP [--nsp /] --ops '[...]'
//
// Operations (JSON array; `to`/`in`/`except` take a room or a list of rooms, all optional):
//   {"op": "emit", "event": "e", "args": [...], "to": ..., "except": ...}
//   {"op": "server-side-emit", "args": ["relay", "text"]}
//   {"op": "sockets-join", "rooms": [...], "in": ..., "except": ...}
//   {"op": "sockets-leave", "rooms": [...], "in": ..., "except": ...}
//   {"op": "disconnect-sockets", "close": true, "in": ..., "except": ...}
// In "args", {"$buffer": "<base64>"} (at any depth) stands for a Buffer with those bytes.
import { parseArgs } from "node:util";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";

const { values: opts } = parseArgs({
  options: {
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    nsp: { type: "string", default: "/" },
    ops: { type: "string", default: "[]" },
  },
});

function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === "object") {
    if (typeof value.$buffer === "string" && Object.keys(value).length === 1) return Buffer.from(value.$buffer, "base64");
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

// An Emitter (or BroadcastOperator) narrowed by the op's in/to and except.
function target(emitter, op) {
  let t = emitter;
  const rooms = op.in ?? op.to;
  if (rooms !== undefined) t = t.in(rooms);
  if (op.except !== undefined) t = t.except(op.except);
  return t;
}

const client = createClient({ url: opts.redis });
client.on("error", (err) => console.error("redis:", err.message));
await client.connect();
const emitter = new Emitter(client).of(opts.nsp);

for (const op of JSON.parse(opts.ops)) {
  switch (op.op) {
    case "emit":
      target(emitter, op).emit(op.event, ...revive(op.args ?? []));
      break;
    case "server-side-emit":
      emitter.serverSideEmit(...revive(op.args ?? []));
      break;
    case "sockets-join":
      target(emitter, op).socketsJoin(op.rooms);
      break;
    case "sockets-leave":
      target(emitter, op).socketsLeave(op.rooms);
      break;
    case "disconnect-sockets":
      target(emitter, op).disconnectSockets(op.close ?? false);
      break;
    default:
      console.error(`unknown op ${JSON.stringify(op)}`);
      process.exit(2);
  }
}
// The emitter's PUBLISHes are queued before QUIT on the same connection: once QUIT is answered,
// Redis has taken every one of them.
await client.quit();
console.log(`published ${JSON.parse(opts.ops).length} operations`);
