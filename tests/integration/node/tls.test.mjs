// TLS on the HTTP port (https:// polling, wss://): the official socket.io-client trusting a
// throwaway CA, plain HTTP sent to the TLS port, the protocol floor, certificate reload on SIGHUP,
// and the startup errors for bad certificate or key files.
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { close_all, connect, emit_ack, until } from "../lib/client.mjs";
import { tcp_exchange, parse_http_response } from "../lib/raw.mjs";
import { example_binary, start_program, stop_checked } from "../lib/server.mjs";
import { make_test_ca, TLS_LISTENING_LINE } from "../lib/tls.mjs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const T = { timeout: 20000 };

function start_tls_server(cert, key, extra_args = []) {
  return start_program(
    "feature-server",
    example_binary("feature-server"),
    (port) => ["--port", String(port), "--host", "127.0.0.1", "--tls-cert", cert, "--tls-key", key, ...extra_args],
    { ready_line: TLS_LISTENING_LINE },
  );
}

// The certificate the server shows to a new TLS connection.
function peer_certificate(port, ca) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      const cert = socket.getPeerCertificate();
      const protocol = socket.getProtocol();
      socket.end();
      resolve({ cert, protocol });
    });
    socket.on("error", reject);
  });
}

describe("TLS: https:// and wss:// with the official client", () => {
  let pki;
  let server;
  let base;
  before(async () => {
    pki = make_test_ca();
    const { cert, key } = pki.issue("server", 4101);
    server = await start_tls_server(cert, key);
    base = `https://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await stop_checked(server);
    pki.cleanup();
  });

  for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
    it(`echo with acks over ${transports.join(" then ")} (wss/https), handshake.secure is true`, T, async () => {
      const socket = await connect(base, { transports, ca: pki.ca });
      try {
        if (transports.length === 2) await until(() => socket.io.engine.transport.name === "websocket", 5000, "upgrade");
        const [echo] = await emit_ack(socket, "echo", [{ hello: "tls", n: 42 }]);
        assert.deepEqual(echo, { hello: "tls", n: 42 });
        const big = "x".repeat(200000);  // more than one TLS record each way
        const [back] = await emit_ack(socket, "echo", [big]);
        assert.equal(back, big);
        const [binary] = await emit_ack(socket, "echo", [Buffer.from([1, 2, 3, 250])]);
        assert.deepEqual([...binary], [1, 2, 3, 250]);
        const [h] = await emit_ack(socket, "handshake");
        assert.equal(h.secure, true);
        assert.equal(socket.io.engine.transport.name, transports.at(-1));
      } finally {
        close_all(socket);
      }
    });
  }

  it("a broadcast reaches wss:// and https:// polling clients alike", T, async () => {
    const a = await connect(base, { transports: ["websocket"], ca: pki.ca });
    const b = await connect(base, { transports: ["polling"], ca: pki.ca });
    try {
      const got_a = new Promise((r) => a.once("broadcast", r));
      const got_b = new Promise((r) => b.once("message", r));
      a.emit("message", "to everyone");
      assert.equal(await got_b, "to everyone");
      b.emit("broadcast", "from polling");
      assert.equal(await got_a, "from polling");
    } finally {
      close_all(a, b);
    }
  });

  it("a client that does not trust the CA is refused by its own TLS check", T, async () => {
    await assert.rejects(connect(base, { transports: ["websocket"] }));
  });

  it("TLS 1.2 and 1.3 are spoken, TLS 1.1 is refused", T, async () => {
    const v12 = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port: server.port, ca: pki.ca, maxVersion: "TLSv1.2" }, () => {
        resolve({ protocol: s.getProtocol(), cipher: s.getCipher().name });
        s.end();
      });
      s.on("error", reject);
    });
    assert.equal(v12.protocol, "TLSv1.2");
    assert.match(v12.cipher, /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20-POLY1305)/);
    const { protocol } = await peer_certificate(server.port, pki.ca);
    assert.equal(protocol, "TLSv1.3");
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tls.connect(
          { host: "127.0.0.1", port: server.port, ca: pki.ca, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" },
          () => resolve(s.getProtocol()),
        );
        s.on("error", reject);
      }),
    );
    // A weak TLS 1.2 cipher (no forward secrecy) finds nothing in common either.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tls.connect(
          { host: "127.0.0.1", port: server.port, ca: pki.ca, maxVersion: "TLSv1.2", ciphers: "AES128-SHA" },
          () => resolve(s.getProtocol()),
        );
        s.on("error", reject);
      }),
    );
  });

  it("plain HTTP on the TLS port gets a 400 with a JSON body that says to use https:// or wss://", T, async () => {
    const response = await new Promise((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=polling`, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], body }));
        })
        .on("error", reject);
    });
    assert.equal(response.status, 400);
    assert.equal(response.type, "application/json");
    assert.deepEqual(JSON.parse(response.body), { error: "this port speaks TLS: use https:// or wss://" });
    // A raw plain WebSocket upgrade gets the same answer, and the connection is closed.
    const raw = await tcp_exchange(
      server.port,
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert.equal(raw.closed, true);
    const parsed = parse_http_response(raw.data);
    assert.equal(parsed.status, 400);
    assert.match(parsed.body, /this port speaks TLS/);
    // Garbage that is neither, and a ClientHello cut short, only cost their own connections.
    await tcp_exchange(server.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2]), { end: true });
    await tcp_exchange(server.port, Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3, 4, 5, 6]), { end: true });
    const socket = await connect(base, { transports: ["websocket"], ca: pki.ca });
    assert.deepEqual(await emit_ack(socket, "echo", [1]), [1]);
    close_all(socket);
  });

  it("https:// REST-style requests on the same port (a 404 JSON over TLS)", T, async () => {
    const response = await new Promise((resolve, reject) => {
      https
        .get(`${base}/nothing-here`, { ca: pki.ca }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode, body }));
        })
        .on("error", reject);
    });
    assert.equal(response.status, 404);
    assert.equal(JSON.parse(response.body).code, 404);
  });
});

describe("TLS: SIGHUP reloads the certificate", () => {
  let pki;
  let server;
  let files;
  before(async () => {
    pki = make_test_ca();
    const first = pki.issue("first", 1111);
    files = { cert: join(pki.dir, "live.pem"), key: join(pki.dir, "live.key") };
    copyFileSync(first.cert, files.cert);
    copyFileSync(first.key, files.key);
    server = await start_tls_server(files.cert, files.key);
  });
  after(async () => {
    await stop_checked(server);
    pki.cleanup();
  });

  it("new handshakes get the new certificate; an open connection keeps working", T, async () => {
    const before_reload = await peer_certificate(server.port, pki.ca);
    assert.equal(before_reload.cert.subject.CN, "soket test first");
    assert.equal(before_reload.cert.serialNumber, (1111).toString(16).toUpperCase().padStart(4, "0"));
    const open = await connect(`https://127.0.0.1:${server.port}`, { transports: ["websocket"], ca: pki.ca });

    const second = pki.issue("second", 2222);
    copyFileSync(second.cert, files.cert);
    copyFileSync(second.key, files.key);
    process.kill(server.pid, "SIGHUP");
    await until(() => server.logs().stdout.includes("TLS certificate reloaded"), 5000, "the reload line");
    const after_reload = await peer_certificate(server.port, pki.ca);
    assert.equal(after_reload.cert.subject.CN, "soket test second");
    assert.equal(after_reload.cert.serialNumber, (2222).toString(16).toUpperCase().padStart(4, "0"));
    assert.deepEqual(await emit_ack(open, "echo", ["still here"]), ["still here"]);
    close_all(open);
  });

  it("a bad file at reload is reported and the previous certificate stays", T, async () => {
    writeFileSync(files.cert, "not a certificate\n");
    process.kill(server.pid, "SIGHUP");
    await until(() => server.logs().stdout.includes("TLS certificate not reloaded"), 5000, "the refusal line");
    assert.match(server.logs().stdout, /not reloaded, the previous one stays: the TLS certificate file .*live\.pem does not hold a PEM certificate/);
    const still = await peer_certificate(server.port, pki.ca);
    assert.equal(still.cert.subject.CN, "soket test second");
  });
});

describe("TLS: bad certificate or key files stop the start with a clear sentence", () => {
  let pki;
  let good;
  let other;
  before(() => {
    pki = make_test_ca();
    good = pki.issue("good", 1);
    other = pki.issue("other", 2);
    writeFileSync(join(pki.dir, "garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  });
  after(() => pki.cleanup());

  const run = (args) =>
    spawnSync(example_binary("feature-server"), ["--host", "127.0.0.1", "--port", "0", ...args], { encoding: "utf8", timeout: 10000 });

  it("each mistake gets its own sentence and a non-zero exit", T, () => {
    const cases = [
      [["--tls-cert", join(pki.dir, "missing.pem"), "--tls-key", good.key], /cannot read the TLS certificate file .*missing\.pem: No such file or directory/],
      [["--tls-cert", good.cert, "--tls-key", join(pki.dir, "missing.key")], /cannot read the TLS key file .*missing\.key: No such file or directory/],
      [["--tls-cert", join(pki.dir, "garbage.pem"), "--tls-key", good.key], /the TLS certificate file .*garbage\.pem does not hold a PEM certificate/],
      [["--tls-cert", good.cert, "--tls-key", good.cert], /the TLS key file .*good\.pem does not hold an unencrypted PEM private key/],
      [["--tls-cert", good.cert, "--tls-key", other.key], /the TLS key in .*other\.key does not match the certificate in .*good\.pem/],
      [["--tls-cert", good.cert], /TLS key file not given/],
      [["--tls-key", good.key], /TLS certificate file not given/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      assert.notEqual(result.status, 0, `exit status for ${args.join(" ")}`);
      assert.match(result.stderr, message, `stderr for ${args.join(" ")}`);
      assert.doesNotMatch(result.stdout, /listening on/);
    }
  });
});
