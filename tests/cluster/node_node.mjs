// The Node reference node of the cluster tests: Node socket.io 4.8 joined to Redis through
// @socket.io/redis-adapter 8.3 (classic pub/sub; --sharded: SPUBLISH/SSUBSCRIBE), or with
// --redis-adapter streams through @socket.io/redis-streams-adapter 0.3 (with --sharded:
// useShardedPubSub), with the events of
// soket's feature-server plus the cluster events of tests/cluster/EVENTS.md. soket's feature-server
// started with --redis implements the same list, so both kinds of node can serve one cluster.
//
//   node tests/cluster/node_node.mjs --port P [--host 127.0.0.1] --redis redis://127.0.0.1:RP
//        --node-name NAME [--sharded] [--redis-adapter pubsub|streams] [--stream-name NAME]
//        [--stream-count N] [--recovery-ms MS] [--requests-timeout MS]
// --recovery-ms turns connectionStateRecovery on (with the streams adapter: sessions in Redis).
//
// Prints "listening on http://HOST:PORT" once the HTTP server listens and both Redis clients are
// connected. Exits 0 on SIGINT/SIGTERM.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    host: { type: "string", default: "127.0.0.1" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    "node-name": { type: "string", default: `node-${process.pid}` },
    sharded: { type: "boolean", default: false },
    "redis-adapter": { type: "string", default: "pubsub" },
    "stream-name": { type: "string", default: "socket.io" },
    "stream-count": { type: "string", default: "1" },
    "recovery-ms": { type: "string", default: "0" },
    "requests-timeout": { type: "string", default: "5000" },
  },
});
const PORT = Number(opts.port);
const NODE_NAME = opts["node-name"];
const REQUESTS_TIMEOUT_MS = Number(opts["requests-timeout"]);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  console.error(`invalid --port: ${opts.port}`);
  process.exit(2);
}
if (!["pubsub", "streams"].includes(opts["redis-adapter"])) {
  console.error(`invalid --redis-adapter: ${opts["redis-adapter"]} (pubsub or streams)`);
  process.exit(2);
}
if (!Number.isInteger(REQUESTS_TIMEOUT_MS) || REQUESTS_TIMEOUT_MS < 1) {
  console.error(`invalid --requests-timeout: ${opts["requests-timeout"]}`);
  process.exit(2);
}

const log = (...args) => console.error(`[${NODE_NAME}]`, ...args);

// @socket.io/redis-adapter never catches the promise of its PUBLISH calls: a PUBLISH written just
// as the connection to Redis breaks rejects (EPIPE), and an unhandled rejection ends a Node process
// by default. A deployment that must outlive a Redis restart needs this handler.
process.on("unhandledRejection", (err) => log("unhandled rejection:", err?.message ?? err));

// node-redis 4 reconnects by itself (every 50..500 ms) and resubscribes; commands issued while it is
// disconnected wait in its offline queue and go out after the reconnect.
const pub = createClient({ url: opts.redis });
const sub = pub.duplicate();
pub.on("error", (err) => log("redis pub:", err.message));
sub.on("error", (err) => log("redis sub:", err.message));
await Promise.all([pub.connect(), sub.connect()]);

// The streams adapter duplicates `pub` for its stream reader and its subscriptions; `sub` idles.
// (Imported only when asked for: the pub/sub tests do not need the package.)
async function adapter_for(opts) {
  if (opts["redis-adapter"] === "streams") {
    const { createAdapter: createStreamsAdapter } = await import("@socket.io/redis-streams-adapter");
    return createStreamsAdapter(pub, {
      streamName: opts["stream-name"],
      streamCount: Number(opts["stream-count"]),
      useShardedPubSub: opts.sharded,
    });
  }
  if (opts.sharded) return createShardedAdapter(pub, sub);
  return createAdapter(pub, sub, { requestsTimeout: REQUESTS_TIMEOUT_MS });
}

const RECOVERY_MS = Number(opts["recovery-ms"]);
const http = createServer();
const io = new Server(http, {
  cors: { origin: "*" },
  ...(RECOVERY_MS > 0 ? { connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_MS } } : {}),
  adapter: await adapter_for(opts),
});

// A reply that is sent once: by the operation, or by a timer REQUESTS_TIMEOUT_MS + 500 ms later.
// The adapter's own timers start only once it knows the number of nodes (PUBSUB NUMSUB), and that
// command waits in node-redis's offline queue while Redis is down: without this guard a request
// made during an outage would never be answered.
function guarded(reply, on_timeout) {
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    reply(on_timeout());
  }, REQUESTS_TIMEOUT_MS + 500);
  return (value) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    reply(value);
  };
}

// Every socket of `/` in the cluster (RemoteSocket for other nodes', Socket for this node's).
function fetch_all() {
  return io.timeout(REQUESTS_TIMEOUT_MS).fetchSockets();
}

// Finds socket `id` anywhere in the cluster and calls `fn(socket)`; acks "ok", "not found", or
// {error} when the cluster could not be asked. `ack` may be missing (the client asked for none).
function on_remote_socket(id, ack, fn) {
  const reply = guarded(typeof ack === "function" ? ack : () => {}, () => ({ error: "timeout" }));
  fetch_all().then(
    (sockets) => {
      const found = sockets.find((s) => s.id === id);
      if (!found) return reply("not found");
      fn(found);
      reply("ok");
    },
    (err) => reply({ error: err.message }),
  );
}

const last_is_ack = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : undefined);

// --- the events of soket's feature-server (examples/feature-server/main.cpp) -------------------
io.on("connection", (socket) => {
  socket.emit("welcome_message", "Welcome to the WebSocket server!");
  socket.on("message", (...args) => {
    last_is_ack(args);
    io.emit("message", ...args);
  });
  socket.on("pesan", (...args) => {
    last_is_ack(args);
    io.emit("pesan", ...args);
  });
  socket.on("echo", (...args) => {
    const ack = last_is_ack(args);
    ack?.(...args);
  });
  socket.on("never-ack", () => {});
  socket.on("join", (room, ack) => {
    socket.join(String(room));
    ack?.({ joined: String(room) });
  });
  socket.on("leave", (room, ack) => {
    socket.leave(String(room));
    ack?.({ left: String(room) });
  });
  socket.on("to-room", (room, ...args) => {
    last_is_ack(args);
    if (typeof room !== "string" || room === "") return;
    io.to(room).emit("room-message", ...args);
  });
  socket.on("broadcast", (...args) => {
    last_is_ack(args);
    socket.broadcast.emit("broadcast", ...args);
  });
  socket.on("binary", (...args) => {
    const ack = last_is_ack(args);
    socket.emit("binary-back", ...args);
    ack?.(...args);
  });
  socket.on("kick", () => socket.disconnect(true));
  socket.on("ask-me", (payload, timeout_ms, ack) => {
    if (typeof timeout_ms === "function") [timeout_ms, ack] = [2000, timeout_ms];
    if (typeof ack !== "function") return;
    const ms = Number.isInteger(timeout_ms) ? timeout_ms : 2000;
    socket.timeout(ms).emit("question", payload ?? null, (err, ...answer) => {
      ack(err ? { error: err.message } : { answer });
    });
  });

  // --- cluster events (tests/cluster/EVENTS.md) -------------------------------------------------
  socket.on("set-data", (value, ack) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) socket.data = value;
    ack?.(socket.data);
  });
  socket.on("get-data", (ack) => ack?.(socket.data));
  socket.on("whoami", (ack) => {
    ack?.({ node: NODE_NAME, id: socket.id, recovered: socket.recovered ?? false });
  });
  socket.on("count", (ack) => {
    if (typeof ack !== "function") return;
    const reply = guarded(ack, () => ({ error: "timeout" }));
    fetch_all().then(
      (sockets) => reply({ count: sockets.length }),
      (err) => reply({ error: err.message }),
    );
  });
  socket.on("rooms-of", (id, ack) => {
    if (typeof ack !== "function") return;
    const reply = guarded(ack, () => ({ error: "timeout" }));
    fetch_all().then(
      (sockets) => {
        const found = sockets.find((s) => s.id === id);
        reply({ rooms: found ? [...found.rooms].sort() : null });
      },
      (err) => reply({ error: err.message }),
    );
  });
  socket.on("join-all", (room, ack) => {
    io.socketsJoin(String(room));
    ack?.("ok");
  });
  socket.on("kick-room", (room, ack) => {
    io.in(String(room)).disconnectSockets(true);
    ack?.("ok");
  });
  socket.on("server-side-emit", (text, ack) => {
    io.serverSideEmit("relay", text);
    // serverSideEmit reaches every OTHER node, never the emitting one: relay locally by hand.
    io.local.emit("relayed", text, NODE_NAME);
    ack?.("ok");
  });
  socket.on("server-side-emit-ack", (ack) => {
    if (typeof ack !== "function") return;
    const reply = guarded(ack, () => ({ err: "timeout", responses: [] }));
    io.serverSideEmit("ping-node", (err, responses) => {
      reply({ err: err ? err.message : null, responses: responses ?? [] });
    });
  });
  socket.on("ask-all", (ack) => {
    if (typeof ack !== "function") return;
    io.timeout(2000).emit("question", "are you there?", (err, responses) => {
      ack({ timedOut: !!err, answers: responses.length });
    });
  });
  socket.on("remote-join", (id, room, ack) => on_remote_socket(id, ack, (s) => s.join(String(room))));
  socket.on("remote-leave", (id, room, ack) => on_remote_socket(id, ack, (s) => s.leave(String(room))));
  socket.on("remote-emit", (id, event, payload, ack) => {
    on_remote_socket(id, ack, (s) => s.emit(String(event), payload));
  });
  socket.on("remote-disconnect", (id, ack) => on_remote_socket(id, ack, (s) => s.disconnect(true)));
});

// Events from the other nodes (and from @socket.io/redis-emitter's serverSideEmit).
io.on("relay", (text) => io.local.emit("relayed", text, NODE_NAME));
io.on("ping-node", (cb) => {
  if (typeof cb === "function") cb(NODE_NAME);
});

// --- the other namespaces of the feature-server ----------------------------------------------
const chat = io.of("/chat");
chat.on("connection", (socket) => {
  socket.emit("welcome_message", "Welcome to the chat namespace!");
  socket.on("message", (...args) => {
    last_is_ack(args);
    chat.emit("message", ...args);
  });
  socket.on("echo", (...args) => last_is_ack(args)?.(...args));
});

const secure = io.of("/secure");
secure.use((socket, next) => {
  if (socket.handshake.auth?.token === "soket-secret-token") return next();
  next(new Error("authentication error"));
});
secure.on("connection", (socket) => {
  socket.emit("authed", { ok: true });
  socket.on("echo", (...args) => last_is_ack(args)?.(...args));
});

http.on("error", (err) => {
  console.error(`cannot listen on ${opts.host}:${PORT}: ${err.message}`);
  process.exit(1);
});
http.listen(PORT, opts.host, () => {
  console.log(`listening on http://${opts.host}:${PORT}`);
});

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    io.close();
    // Leave Redis politely when it is there; do not wait for it when it is not.
    Promise.race([
      Promise.allSettled([pub.quit(), sub.quit()]),
      new Promise((r) => setTimeout(r, 500)),
    ]).finally(() => process.exit(0));
  });
}
