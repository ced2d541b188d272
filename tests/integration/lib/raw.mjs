// Wire-level helpers for the bad-input suites: raw HTTP over TCP, raw Engine.IO over `ws`.
import assert from "node:assert/strict";
import net from "node:net";
import WebSocket from "ws";

export const WIRE_TIMEOUT_MS = 5000;

// Sends `bytes` on a fresh TCP connection, half-closes nothing, and collects everything the server
// sends until it closes the connection (closed: true) or `timeout_ms` passes (closed: false).
export function tcp_exchange(port, bytes, { timeout_ms = WIRE_TIMEOUT_MS, end = false } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect({ host: "127.0.0.1", port }, () => {
      sock.write(bytes);
      if (end) sock.end();
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false });
    }, timeout_ms);
    sock.on("data", (chunk) => chunks.push(chunk));
    sock.on("error", (err) => {
      // A reset after the server answered still counts as closed.
      if (err.code === "ECONNRESET" || err.code === "EPIPE") return;
      clearTimeout(timer);
      reject(err);
    });
    sock.on("close", () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true });
    });
  });
}

// Writes `bytes` and then destroys the socket at once (an abrupt client close).
export function tcp_write_and_abort(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port }, () => {
      sock.write(bytes, () => {
        sock.resetAndDestroy ? sock.resetAndDestroy() : sock.destroy();
        resolve();
      });
    });
    sock.on("error", (err) => {
      if (err.code === "ECONNRESET" || err.code === "EPIPE") return;
      reject(err);
    });
  });
}

// Parses one HTTP/1.1 response ("HTTP/1.1 400 ...\r\nheaders\r\n\r\nbody"); body is the rest.
export function parse_http_response(buffer) {
  const text = buffer.toString("latin1");
  const head_end = text.indexOf("\r\n\r\n");
  assert.ok(head_end > 0, `not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [status_line, ...header_lines] = text.slice(0, head_end).split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(status_line);
  assert.ok(match, `bad status line: ${JSON.stringify(status_line)}`);
  const headers = {};
  for (const line of header_lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = buffer.subarray(Buffer.byteLength(text.slice(0, head_end + 4), "latin1"));
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
  return { status: Number(match[1]), headers, body: body.toString("utf8") };
}

function dechunk(body) {
  const parts = [];
  let offset = 0;
  for (let guard = 0; guard < 10000 && offset < body.length; ++guard) {
    const line_end = body.indexOf("\r\n", offset);
    if (line_end < 0) break;
    const size = parseInt(body.subarray(offset, line_end).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(line_end + 2, line_end + 2 + size));
    offset = line_end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// Asserts an Engine.IO error answer: HTTP 400 with the JSON body {"code": code, "message": message}.
export async function expect_eio_error(response, code, message) {
  const text = await response.text();
  assert.equal(response.status, 400, `expected HTTP 400, got ${response.status} with body ${JSON.stringify(text)}`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`expected a JSON body, got ${JSON.stringify(text)}`);
  }
  assert.deepEqual(body, { code, message }, `error body ${text}`);
}

// Opens a polling session: resolves with the parsed handshake (sid, pingInterval, ...).
export async function polling_handshake(base, path = "/socket.io/") {
  const response = await fetch(`${base}${path}?EIO=4&transport=polling`);
  const text = await response.text();
  assert.equal(response.status, 200, `handshake status ${response.status}: ${text}`);
  assert.equal(text[0], "0", `handshake body ${JSON.stringify(text)}`);
  return JSON.parse(text.slice(1));
}

export function polling_url(base, sid, path = "/socket.io/") {
  return `${base}${path}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
}

// A raw Engine.IO WebSocket (`ws` client) with a queue of received messages.
export class RawWs {
  constructor(url, options = {}) {
    this.ws = new WebSocket(url, { handshakeTimeout: WIRE_TIMEOUT_MS, ...options });
    this.queue = [];
    this.waiters = [];
    this.close_info = null;
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.close_info = { code, reason: reason.toString() };
        resolve(this.close_info);
        for (const w of this.waiters.splice(0)) w.reject(new Error(`socket closed (${code}) while waiting`));
      });
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`));
        res.resume();
        this.ws.terminate();
      });
      this.ws.on("error", (err) => {
        this.error = err;
        reject(err);
      });
    });
    this.opened.catch(() => {}); // a refusal is reported to whoever awaits `opened`
    this.ws.on("message", (data, is_binary) => {
      const message = is_binary ? Buffer.from(data) : data.toString();
      // Ignore the server's heartbeat pings (answer them so the session stays alive).
      if (message === "2") {
        if (this.ws.readyState === WebSocket.OPEN) this.ws.send("3");
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(message);
      else this.queue.push(message);
    });
  }

  next(timeout_ms = WIRE_TIMEOUT_MS) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.close_info) return Promise.reject(new Error(`socket closed (${this.close_info.code})`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no message within ${timeout_ms} ms`));
      }, timeout_ms);
      this.waiters.push(waiter);
    });
  }

  send(data) {
    this.ws.send(data);
  }

  // Resolves with {code, reason} once the server closed the connection; fails after timeout_ms.
  async expect_closed(what, timeout_ms = WIRE_TIMEOUT_MS) {
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), timeout_ms);
    });
    const info = await Promise.race([this.closed, timeout]);
    clearTimeout(timer);
    if (!info) {
      this.terminate();
      assert.fail(`connection still open ${timeout_ms} ms after ${what}; received: ${JSON.stringify(this.queue)}`);
    }
    return info;
  }

  terminate() {
    this.ws.terminate();
  }
}

// Opens an Engine.IO WebSocket session and reads its handshake ("0{...}").
export async function eio_ws(base, path = "/socket.io/") {
  const raw = new RawWs(`${base.replace(/^http/, "ws")}${path}?EIO=4&transport=websocket`);
  await raw.opened;
  const open = await raw.next();
  assert.match(open, /^0\{/, "Engine.IO open packet");
  raw.handshake = JSON.parse(open.slice(1));
  return raw;
}

// An Engine.IO WebSocket session connected to the Socket.IO namespace "/" ("40" -> "40{sid}").
export async function sio_ws(base) {
  const raw = await eio_ws(base);
  raw.send("40");
  const connect = await raw.next();
  assert.match(connect, /^40\{"sid":"[^"]+"/, "Socket.IO CONNECT answer");
  return raw;
}

// A WebSocket upgrade done by hand on a TCP socket, so that frames can be cut anywhere.
// Resolves with the socket once the 101 answer has arrived.
export function tcp_ws_upgrade(port, path = "/socket.io/?EIO=4&transport=websocket") {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port }, () => {
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("no 101 answer to a hand-made WebSocket upgrade"));
    }, WIRE_TIMEOUT_MS);
    const on_data = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString("latin1");
      if (text.includes("\r\n\r\n")) {
        clearTimeout(timer);
        sock.off("data", on_data);
        if (!text.startsWith("HTTP/1.1 101")) {
          sock.destroy();
          reject(new Error(`upgrade refused: ${text.split("\r\n")[0]}`));
        } else resolve(sock);
      }
    };
    sock.on("data", on_data);
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// A masked client frame (opcode 1 text, 2 binary) with `payload`.
export function ws_frame(opcode, payload) {
  const data = Buffer.from(payload);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  let header;
  if (data.length < 126) header = Buffer.from([0x80 | opcode, 0x80 | data.length]);
  else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, masked]);
}
