// Small promise helpers around the official socket.io-client.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

export const EVENT_TIMEOUT_MS = 5000;

// SOKET_PARSER=msgpack runs a suite with socket.io-msgpack-parser in every client (server.mjs starts
// the servers with --parser msgpack to match).
export const PARSER = process.env.SOKET_PARSER ?? "json";
export const PARSER_OPTS = PARSER === "msgpack" ? { parser: (await import("socket.io-msgpack-parser")).default } : {};

// A socket that is not connected yet (listeners can be attached first), on its own connection.
export function make_socket(url, opts = {}) {
  return io(url, {
    forceNew: true,
    reconnection: false,
    timeout: EVENT_TIMEOUT_MS,
    autoConnect: false,
    ...PARSER_OPTS,
    ...opts,
  });
}

// Connects `socket` and resolves once it is connected; rejects with the connect_error.
export function connected(socket) {
  return new Promise((resolve, reject) => {
    const on_connect = () => {
      socket.off("connect_error", on_error);
      resolve(socket);
    };
    const on_error = (err) => {
      socket.off("connect", on_connect);
      reject(err);
    };
    socket.once("connect", on_connect);
    socket.once("connect_error", on_error);
    socket.connect();
  });
}

// make_socket + connected.
export function connect(url, opts = {}) {
  return connected(make_socket(url, opts));
}

// Resolves with the argument list of the next `event` on `emitter` (a Socket or an engine).
export function next_event(emitter, event, timeout_ms = EVENT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const handler = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no "${event}" event within ${timeout_ms} ms`));
    }, timeout_ms);
    emitter.once(event, handler);
  });
}

// Collects every `event` on `socket` into an array (the argument list of each).
export function record(socket, event) {
  const received = [];
  socket.on(event, (...args) => received.push(args));
  return received;
}

// Emits with an ack and resolves with the full list of ack arguments (rejects on ack timeout).
export function emit_ack(socket, event, args = [], timeout_ms = EVENT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeout_ms).emit(event, ...args, (err, ...ack_args) => {
      if (err) reject(err);
      else resolve(ack_args);
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Waits until `predicate()` is true, polling every 10 ms, at most `timeout_ms`.
export async function until(predicate, timeout_ms = EVENT_TIMEOUT_MS, what = "condition") {
  const deadline = Date.now() + timeout_ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function close_all(...sockets) {
  for (const socket of sockets.flat()) socket?.disconnect();
}

// A connected bystander: check() proves it still gets its echo acks after some bad input elsewhere.
export async function canary(url, opts = { transports: ["websocket"] }) {
  const socket = await connect(url, opts);
  let counter = 0;
  let disconnect_reason = null;
  socket.on("disconnect", (reason) => {
    disconnect_reason = reason;
  });
  return {
    socket,
    async check(label = "canary") {
      assert.equal(disconnect_reason, null, `canary was disconnected (${disconnect_reason})`);
      const payload = { label, n: ++counter };
      const ack = await emit_ack(socket, "echo", [payload, "second"], 3000);
      assert.deepEqual(ack, [payload, "second"], "canary echo ack");
    },
    close() {
      socket.disconnect();
    },
  };
}
