// Limits against abuse on the HTTP/Socket.IO port (docs/limits.md), with the official client:
// connections in all and per address, the header timeout (slowloris), size limits, connectTimeout
// and the per-socket event rate. Every server here has its limits shortened by flags.
import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, it } from "node:test";
import { connect, emit_ack, next_event, record, sleep, until } from "../lib/client.mjs";
import { RawWs, parse_http_response, tcp_exchange } from "../lib/raw.mjs";
import { start_server, stop_checked } from "../lib/server.mjs";

const HALF_HEADER = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo";

async function limit_stats(server) {
  const response = await fetch(`${server.url}/limits`);
  assert.equal(response.status, 200);
  return response.json();
}

// A raw TCP connection from `local_address` that records what the server sends and when it closes.
// `first_bytes` are sent as soon as it is connected.
function open_raw(port, local_address, first_bytes = null) {
  return new Promise((resolve, reject) => {
    const conn = { data: Buffer.alloc(0), closed: false, closed_at: 0, opened_at: 0 };
    const sock = net.connect({ host: "127.0.0.1", port, localAddress: local_address }, () => {
      conn.opened_at = Date.now();
      if (first_bytes) sock.write(first_bytes);
      resolve(conn);
    });
    conn.sock = sock;
    sock.on("data", (chunk) => {
      conn.data = Buffer.concat([conn.data, chunk]);
    });
    sock.on("error", (err) => {
      if (err.code === "ECONNRESET" || err.code === "EPIPE") return;
      reject(err);
    });
    sock.on("close", () => {
      conn.closed = true;
      conn.closed_at = Date.now();
    });
  });
}

// Opens `count` connections from `local_address` (a few at a time), waits until the server has
// answered the refused ones, and splits them into those it keeps and those it refused.
async function open_many(port, local_address, count, first_bytes = null) {
  const all = [];
  for (let i = 0; i < count; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 50); ++j) batch.push(open_raw(port, local_address, first_bytes));
    all.push(...(await Promise.all(batch)));
  }
  await sleep(300);
  return { kept: all.filter((c) => !c.closed), refused: all.filter((c) => c.closed) };
}

// Median and maximum of `n` echo round trips of a connected client.
async function echo_latency(socket, n = 20) {
  const times = [];
  for (let i = 0; i < n; ++i) {
    const start = process.hrtime.bigint();
    const ack = await emit_ack(socket, "echo", [i], 3000);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    assert.deepEqual(ack, [i]);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(n / 2)], max: times[n - 1] };
}

function expect_503(conn, message) {
  const { status, headers, body } = parse_http_response(conn.data);
  assert.equal(status, 503);
  assert.match(headers["content-type"], /application\/json/);
  assert.deepEqual(JSON.parse(body), { code: 3, message });
}

describe("a flood from some addresses does not stop a client at another", () => {
  const PER_ADDRESS = 250;
  const HEADER_TIMEOUT_MS = 8000;
  let server;
  const sockets = [];
  after(async () => {
    for (const s of sockets) s.sock?.destroy?.();
    if (server) await stop_checked(server);
  });

  it("per-address cap, 2 000 half-open connections closed at the header timeout, normal latency at 127.0.0.2", { timeout: 60000 }, async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--max-connections-per-address", String(PER_ADDRESS), "--header-timeout-ms", String(HEADER_TIMEOUT_MS)],
    });
    const client = await connect(server.url, { transports: ["websocket"], localAddress: "127.0.0.2" });
    const disconnects = record(client, "disconnect");
    const before = await echo_latency(client);

    // 127.0.0.1 opens connections until it is refused: the cap holds, the rest get a 503.
    const flood = await open_many(server.port, "127.0.0.1", PER_ADDRESS + 50);
    sockets.push(...flood.kept, ...flood.refused);
    assert.equal(flood.kept.length, PER_ADDRESS, "connections kept from 127.0.0.1");
    assert.equal(flood.refused.length, 50);
    for (const conn of flood.refused) expect_503(conn, "Too many connections from this address");
    for (const conn of flood.kept) conn.sock.write(HALF_HEADER);

    // Eight more addresses, each up to its cap, every connection with half a request header.
    const slow = [...flood.kept];
    for (let a = 3; a <= 10; ++a) {
      const group = await open_many(server.port, `127.0.0.${a}`, PER_ADDRESS, HALF_HEADER);
      sockets.push(...group.kept, ...group.refused);
      assert.equal(group.kept.length, PER_ADDRESS, `connections kept from 127.0.0.${a}`);
      slow.push(...group.kept);
    }
    assert.equal(slow.length, 9 * PER_ADDRESS);
    // One more from a full address is still refused while they wait.
    const extra = await open_raw(server.port, "127.0.0.4");
    sockets.push(extra);
    await until(() => extra.closed, 3000, "the refusal of a connection over the cap");
    expect_503(extra, "Too many connections from this address");

    // The client at 127.0.0.2 is not affected: its echoes keep their latency, and a new client
    // from there connects.
    const during = await echo_latency(client);
    assert.ok(during.median < Math.max(5 * before.median, before.median + 20),
      `echo median ${during.median.toFixed(2)} ms during the flood, ${before.median.toFixed(2)} ms before`);
    assert.ok(during.max < 500, `slowest echo ${during.max.toFixed(1)} ms`);
    const second = await connect(server.url, { transports: ["websocket"], localAddress: "127.0.0.2" });
    assert.deepEqual(await emit_ack(second, "echo", ["new"], 3000), ["new"]);
    second.disconnect();

    // The half-open ones are closed once their header time is up, not before.
    await until(() => slow.every((c) => c.closed), HEADER_TIMEOUT_MS + 8000, "every slow connection closed");
    const shortest = Math.min(...slow.map((c) => c.closed_at - c.opened_at));
    assert.ok(shortest >= HEADER_TIMEOUT_MS - 500, `a slow connection was closed after ${shortest} ms`);
    assert.ok(slow.every((c) => c.data.length === 0), "the slow connections got no answer");
    const stats = await limit_stats(server);
    assert.ok(stats.header_timeouts >= slow.length, JSON.stringify(stats));
    assert.ok(stats.refused_per_address >= 51, JSON.stringify(stats));
    // And the client is still there.
    assert.deepEqual(disconnects, []);
    assert.deepEqual(await emit_ack(client, "echo", ["after"], 3000), ["after"]);
    client.disconnect();
    // The log says it once in a while, not once per connection.
    const refusal_lines = server.logs().stderr.split("\n").concat(server.logs().stdout.split("\n"))
      .filter((line) => /HTTP: (refused|closed) \d+ connection/.test(line));
    assert.ok(refusal_lines.length >= 1 && refusal_lines.length <= 6, refusal_lines.join("\n"));
  });
});

describe("connection and request limits", () => {
  let server;
  after(async () => {
    if (server) await stop_checked(server);
  });
  const start = async () => {
    server ??= await start_server("feature-server", {
      host: true,
      extra_args: ["--max-connections", "4", "--header-timeout-ms", "1000", "--max-header-count", "20",
        "--max-url-length", "300", "--max-http-buffer-size", "10000", "--connect-timeout-ms", "1000",
        "--upgrade-timeout-ms", "1000"],
    });
    return server;
  };

  it("max connections counts WebSockets too; a freed place is taken again", { timeout: 20000 }, async () => {
    await start();
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["websocket"] });
    const held = await open_raw(server.port, "127.0.0.1");
    const held2 = await open_raw(server.port, "127.0.0.1");
    const refused = await open_raw(server.port, "127.0.0.1");
    await until(() => refused.closed, 3000, "the refusal");
    expect_503(refused, "Too many connections");
    assert.equal(held.closed, false);
    a.disconnect();
    await sleep(300);
    const again = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emit_ack(again, "echo", [1], 3000), [1]);
    again.disconnect();
    b.disconnect();
    held.sock.destroy();
    held2.sock.destroy();
    await sleep(300);
    const stats = await limit_stats(server);
    assert.equal(stats.refused_total, 1);
  });

  it("header timeout: half a header is dropped after it, a whole request is served", { timeout: 20000 }, async () => {
    await start();
    const before = (await limit_stats(server)).header_timeouts;
    const slow = await open_raw(server.port, "127.0.0.1");
    const started = Date.now();
    slow.sock.write(HALF_HEADER);
    await until(() => slow.closed, 5000, "the slow connection closed");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 800 && elapsed < 4000, `closed after ${elapsed} ms`);
    assert.equal(slow.data.length, 0, "no answer to a request that never came");
    assert.equal((await limit_stats(server)).header_timeouts, before + 1);
  });

  it("too many headers: 431; URL too long: 414; both with a JSON body", { timeout: 20000 }, async () => {
    await start();
    let headers = "";
    for (let i = 0; i < 25; ++i) headers += `X-Filler-${i}: ${i}\r\n`;
    let reply = await tcp_exchange(server.port, `GET /limits HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    let parsed = parse_http_response(reply.data);
    assert.equal(parsed.status, 431);
    assert.deepEqual(JSON.parse(parsed.body), { code: 3, message: "Too many request headers" });
    reply = await tcp_exchange(server.port, `GET /limits?${"q".repeat(400)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    parsed = parse_http_response(reply.data);
    assert.equal(parsed.status, 414);
    assert.deepEqual(JSON.parse(parsed.body), { code: 3, message: "URL too long" });
    // Just under both limits: served.
    let few = "";
    for (let i = 0; i < 15; ++i) few += `X-Filler-${i}: ${i}\r\n`;
    reply = await tcp_exchange(server.port, `GET /limits?${"q".repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${few}\r\n`);
    assert.equal(parse_http_response(reply.data).status, 200);
    const stats = await limit_stats(server);
    assert.equal(stats.headers_too_large, 1);
    assert.equal(stats.url_too_long, 1);
  });

  it("maxHttpBufferSize: a larger polling body gets 413, a larger WebSocket message closes that client", { timeout: 20000 }, async () => {
    await start();
    const open = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    const sid = JSON.parse((await open.text()).slice(1)).sid;
    const post = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "4" + "x".repeat(20000),
    });
    assert.equal(post.status, 413);
    const client = await connect(server.url, { transports: ["websocket"] });
    const gone = next_event(client, "disconnect");
    client.emit("never-ack", "y".repeat(20000));
    const [reason] = await gone;
    assert.match(reason, /transport (close|error)/);
  });

  it("upgradeTimeout: a probe never completed is closed after it; polling goes on", { timeout: 20000 }, async () => {
    await start();
    const open = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    const sid = JSON.parse((await open.text()).slice(1)).sid;
    const polling = `${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    // CONNECT first (this server's connectTimeout is 1 s too).
    assert.equal(await (await fetch(polling, { method: "POST", body: "40" })).text(), "ok");
    assert.match(await (await fetch(polling)).text(), /^40\{"sid":/);
    const raw = new RawWs(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    await raw.opened;
    const started = Date.now();
    raw.send("2probe");
    assert.equal(await raw.next(), "3probe");
    await raw.closed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 700 && elapsed < 4000, `probe closed after ${elapsed} ms`);
    // The session still works over polling.
    assert.equal(await (await fetch(polling, { method: "POST", body: '421["echo","still"]' })).text(), "ok");
    assert.equal(await (await fetch(polling)).text(), '431["still"]');
  });

  it("connectTimeout: an Engine.IO session that never sends CONNECT is closed", { timeout: 20000 }, async () => {
    await start();
    const before = (await limit_stats(server)).connect_timeouts;
    const raw = new RawWs(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
    await raw.opened;
    assert.match(await raw.next(), /^0\{/);
    const started = Date.now();
    await raw.closed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 700 && elapsed < 4000, `closed after ${elapsed} ms`);
    assert.equal((await limit_stats(server)).connect_timeouts, before + 1);
  });
});

describe("events per second per socket", () => {
  let server;
  after(async () => {
    if (server) await stop_checked(server);
  });

  it("the excess is dropped with an error the client sees; the connection stays", { timeout: 20000 }, async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: ["--events-per-second", "5", "--event-burst", "5"],
    });
    const client = await connect(server.url, { transports: ["websocket"] });
    const errors = record(client, "error");
    const disconnects = record(client, "disconnect");
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => emit_ack(client, "echo", [i], 3000)));
    const echoed = acks.filter((a) => typeof a[0] === "number");
    const refused = acks.filter((a) => a[0]?.error === "rate limit exceeded");
    assert.ok(echoed.length >= 5 && echoed.length <= 6, `echoed ${echoed.length}`);
    assert.equal(echoed.length + refused.length, 20);
    await until(() => errors.length >= 1, 3000, "the error event");
    assert.deepEqual(errors[0], [{ message: "rate limit exceeded", event: "echo" }]);
    assert.equal(errors.length, 1, "one notice a second at most");
    // A second later the bucket has refilled: the same socket is served again.
    await sleep(1100);
    assert.deepEqual(await emit_ack(client, "echo", ["again"], 3000), ["again"]);
    assert.deepEqual(disconnects, []);
    assert.equal(client.connected, true);
    const stats = await limit_stats(server);
    assert.equal(stats.events_dropped, refused.length);
    client.disconnect();
  });

  it("without the flag nothing is limited", { timeout: 20000 }, async () => {
    const plain = await start_server("feature-server", { host: true });
    try {
      const client = await connect(plain.url, { transports: ["websocket"] });
      const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => emit_ack(client, "echo", [i], 5000)));
      assert.ok(acks.every((a, i) => a[0] === i));
      client.disconnect();
    } finally {
      await stop_checked(plain);
    }
  });
});
