// The benchmark app on Node socket.io 4.8 (default `ws` engine, WebSocket transport, no
// compression): the same contract as bench/server/main.cpp.
//   echo (with an ack)  -> ack with the same arguments
//   bcast ...args       -> io.emit("msg", ...args)
//   join <room>         -> socket.join(room)
//   room {room, ...}    -> io.to(room).emit("msg", data)
// Port from --port or the PORT environment variable (default 3000). Prints
// "listening on http://127.0.0.1:PORT" when ready.
import { createServer } from "node:http";
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

const port = portFromArgs();
const http = createServer();
const io = new Server(http, { transports: ["websocket", "polling"], perMessageDeflate: false });

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
  console.log(`listening on http://127.0.0.1:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
