// The benchmark app on Node socket.io 4.8 (default `ws` engine, WebSocket transport, no
// compression): the same contract as bench/server/main.cpp.
//   echo (with an ack)  -> ack with the same arguments
//   bcast ...args       -> io.emit("msg", ...args)
//   join <room>         -> socket.join(room)
//   room {room, ...}    -> io.to(room).emit("msg", data)
// Port from --port or the PORT environment variable (default 3000). Prints
// "listening on http://127.0.0.1:PORT" when ready.
// --redis redis://HOST:PORT joins a cluster through @socket.io/redis-adapter 8.3 with node-redis 4
// clients (classic pub/sub, createAdapter); with --sharded, createShardedAdapter (SPUBLISH /
// SSUBSCRIBE, Redis 7). "listening on" then comes once both Redis clients are connected (the
// adapter's SUBSCRIBEs may still be under way: bench/run.py waits for them in Redis).
// --tls-cert FILE --tls-key FILE (PEM): HTTPS and wss:// through node:https.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

function portFromArgs() {
  const i = process.argv.indexOf("--port");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.PORT ?? "3000";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`invalid port: ${raw}`);
    process.exit(2);
  }
  return port;
}

async function adapterFromArgs() {
  const i = process.argv.indexOf("--redis");
  if (i < 0) return undefined;
  const pub = createClient({ url: process.argv[i + 1] });
  const sub = pub.duplicate();
  for (const [name, client] of [["pub", pub], ["sub", sub]])
    client.on("error", (err) => console.error(`redis ${name}: ${err.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  return process.argv.includes("--sharded") ? createShardedAdapter(pub, sub)
                                            : createAdapter(pub, sub);
}

function tlsFromArgs() {
  const cert = process.argv.indexOf("--tls-cert");
  const key = process.argv.indexOf("--tls-key");
  if (cert < 0 && key < 0) return undefined;
  if (cert < 0 || key < 0) {
    console.error("--tls-cert and --tls-key go together");
    process.exit(2);
  }
  return { cert: readFileSync(process.argv[cert + 1]), key: readFileSync(process.argv[key + 1]) };
}

const port = portFromArgs();
const adapter = await adapterFromArgs();
const tls = tlsFromArgs();
const http = tls ? createTlsServer(tls) : createServer();
const io = new Server(http, {
  transports: ["websocket", "polling"],
  perMessageDeflate: false,
  ...(adapter ? { adapter } : {}),
});

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("bcast", (...args) => io.emit("msg", ...args));
  socket.on("join", (room) => {
    if (typeof room === "string" && room) socket.join(room);
  });
  socket.on("room", (data) => {
    if (data && typeof data.room === "string") io.to(data.room).emit("msg", data);
  });
});

http.listen(port, "127.0.0.1", () => {
  console.log(`listening on ${tls ? "https" : "http"}://127.0.0.1:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
