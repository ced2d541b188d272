// Chromium against a TLS feature server: the official browser bundle loaded over https:// from the
// server itself, then Socket.IO over wss:// and over https:// long-polling from the page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch_browser } from "../../../web/tests/lib/browser.mjs";
import { example_binary, start_program, stop_checked } from "../lib/server.mjs";
import { make_test_ca, TLS_LISTENING_LINE } from "../lib/tls.mjs";

const T = { timeout: 45000 };

let pki;
let server;
let base;
let browser;
let context;

before(async () => {
  pki = make_test_ca();
  const { cert, key } = pki.issue("browser", 77);
  server = await start_program(
    "feature-server",
    example_binary("feature-server"),
    (port) => ["--port", String(port), "--host", "127.0.0.1", "--tls-cert", cert, "--tls-key", key],
    { ready_line: TLS_LISTENING_LINE },
  );
  base = `https://127.0.0.1:${server.port}`;
  // The throwaway CA is not in Chromium's store: certificate errors are ignored for this profile
  // (the certificate itself is checked by the Node and Python TLS tests).
  browser = await launch_browser({ width: 1280, height: 720, ignore_https_errors: true });
  context = browser.context;
});

after(async () => {
  await browser?.close();
  if (server) await stop_checked(server);
  pki?.cleanup();
});

test("the browser client over wss:// and https:// polling, served over https://", T, async () => {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const response = await page.goto(`${base}/socket.io/socket.io.js`);
  assert.equal(response.status(), 200);
  assert.equal(await page.evaluate(() => location.protocol), "https:");
  await page.addScriptTag({ url: `${base}/socket.io/socket.io.js` });
  const results = await page.evaluate(async (url) => {
    const out = [];
    for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
      const socket = io(url, { transports, forceNew: true, reconnection: false });
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      if (transports.length === 2) {
        const deadline = Date.now() + 5000;
        while (socket.io.engine.transport.name !== "websocket" && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
      }
      const echo = await socket.timeout(5000).emitWithAck("echo", { from: "chromium", transports });
      const handshake = await socket.timeout(5000).emitWithAck("handshake");
      out.push({ transports, echo, secure: handshake.secure, transport: socket.io.engine.transport.name });
      socket.disconnect();
    }
    return out;
  }, base);
  assert.equal(results.length, 3);
  for (const r of results) {
    assert.deepEqual(r.echo, { from: "chromium", transports: r.transports });
    assert.equal(r.secure, true);
    assert.equal(r.transport, r.transports.at(-1));
  }
  assert.deepEqual(errors, []);
});
