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

// A WebSocket upgrade done by hand on a TCP socket, so that frames can be cut anywhere, with an
// optional Sec-WebSocket-Extensions offer. Resolves with the socket, the bytes that came after the
// 101 headers and the extensions the server agreed (null for none).
export function ws_upgrade(port, path = "/socket.io/?EIO=4&transport=websocket", extensions = null) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port }, () => {
      sock.setNoDelay(true);
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
          (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : "") +
          "\r\n",
      );
    });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("no 101 answer to a hand-made WebSocket upgrade"));
    }, WIRE_TIMEOUT_MS);
    const on_data = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      sock.off("data", on_data);
      const head = received.subarray(0, end).toString("latin1");
      if (!head.startsWith("HTTP/1.1 101")) {
        sock.destroy();
        return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
      }
      const agreed = /\r\nsec-websocket-extensions: *([^\r]*)/i.exec(head);
      resolve({ sock, rest: received.subarray(end + 4), extensions: agreed ? agreed[1] : null });
    };
    sock.on("data", on_data);
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// The same upgrade for tests that only need the socket.
export async function tcp_ws_upgrade(port, path = "/socket.io/?EIO=4&transport=websocket") {
  return (await ws_upgrade(port, path)).sock;
}

// A client frame with every bit chosen by the caller: `rsv` is the three RSV bits (4 = RSV1, a
// compressed message), `length` may lie about the payload's size.
export function client_frame(opcode, payload, { fin = true, rsv = 0, masked = true, length } = {}) {
  const data = Buffer.from(payload);
  const size = length ?? data.length;
  let header;
  if (size < 126) header = Buffer.from([0, size]);
  else if (size < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(size, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(size), 2);
  }
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (!masked) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const mask = Buffer.from([0xa1, 0xb2, 0xc3, 0xd4]);
  return Buffer.concat([header, mask, Buffer.from(data.map((b, i) => b ^ mask[i % 4]))]);
}

// A masked, final client frame (opcode 1 text, 2 binary) with `payload`.
export function ws_frame(opcode, payload) {
  return client_frame(opcode, payload);
}

// The server's frames read from a raw socket ({fin, rsv, opcode, payload}); Engine.IO pings, which
// come often in these tests, are answered and not handed out.
export class ServerFrames {
  constructor(sock, rest) {
    this.sock = sock;
    this.buffer = rest;
    this.frames = [];
    this.waiters = [];
    this.closed = false;
    sock.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {});
    this.parse();
  }
  parse() {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      assert.equal(b[1] & 0x80, 0, "server frames are not masked");
      let size = b[1] & 0x7f;
      let pos = 2;
      if (size === 126) {
        if (b.length < 4) break;
        size = b.readUInt16BE(2);
        pos = 4;
      } else if (size === 127) {
        if (b.length < 10) break;
        size = Number(b.readBigUInt64BE(2));
        pos = 10;
      }
      if (b.length < pos + size) break;
      const f = {
        fin: (b[0] & 0x80) !== 0,
        rsv: (b[0] >> 4) & 0x7,
        opcode: b[0] & 0x0f,
        payload: b.subarray(pos, pos + size),
      };
      this.buffer = b.subarray(pos + size);
      if (f.opcode === 1 && f.rsv === 0 && f.payload.toString() === "2") {
        if (!this.sock.destroyed) this.sock.write(client_frame(1, "3"));
        continue;
      }
      this.frames.push(f);
    }
    this.wake();
  }
  wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  async next(what) {
    const deadline = Date.now() + WIRE_TIMEOUT_MS;
    while (this.frames.length === 0) {
      if (this.closed) assert.fail(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no frame: ${what}`);
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, left);
      });
    }
    return this.frames.shift();
  }
  // The next text message, skipping binary frames and pings; a close or pong frame is returned.
  async text(what) {
    for (;;) {
      const f = await this.next(what);
      if (f.opcode === 1) return f.payload.toString();
      if (f.opcode !== 2 && f.opcode !== 9) return f;
    }
  }
  // Waits for the server's close frame with `code` and the end of the TCP connection.
  async expect_close(code, what) {
    for (;;) {
      const f = await this.next(`close frame after ${what}`);
      if (f.opcode !== 8) continue;
      assert.equal(f.rsv, 0, "close frames are never compressed");
      assert.ok(f.payload.length >= 2, `close frame without a code after ${what}`);
      assert.equal(f.payload.readUInt16BE(0), code, `close code after ${what}`);
      break;
    }
    const deadline = Date.now() + WIRE_TIMEOUT_MS;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(this.closed, `TCP connection still open after ${what}`);
  }
}
