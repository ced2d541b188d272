// The course's web page (seeds/002) against `soket serve`: the browser bundle the hub serves at
// /socket.io/socket.io.js, evaluated as a page would (window globals: WebSocket and
// XMLHttpRequest, here from the ws and xmlhttprequest-ssl packages of the root node_modules),
// with the page's own code: io(url), on('message'), emit('message'), and welcome_message.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(join(REPO_ROOT, "package.json"));
const WebSocket = require("ws");
const { XMLHttpRequest } = require("xmlhttprequest-ssl");
const T = { timeout: 20000 };

function soket_binary() {
  if (process.env.SOKET_BINARY) return process.env.SOKET_BINARY;
  const builds = join(REPO_ROOT, "build");
  const found = readdirSync(builds)
    .map((d) => join(builds, d, "src", "soket", "cli", "soket"))
    .filter((p) => { try { return statSync(p).isFile(); } catch { return false; } })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found.length) throw new Error("no soket binary: set SOKET_BINARY");
  return found[0];
}

function start_once(data_dir) {
  const ports = new Set();
  while (ports.size < 4) ports.add(20000 + Math.floor(Math.random() * 12000));
  const [http, tcp, udp, chat] = [...ports];
  const child = spawn(soket_binary(), ["serve", "--http-port", `${http}`, "--tcp-port", `${tcp}`,
    "--udp-port", `${udp}`, "--chat-port", `${chat}`, "--data-dir", data_dir, "--bind", "127.0.0.1",
    "--log-level", "warn"], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve_, reject) => {
    let out = "", err = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`not ready: ${err}`)); }, 15000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes(`listening on http://127.0.0.1:${http}`)) {
        clearTimeout(timer);
        resolve_({ child, url: `http://127.0.0.1:${http}` });
      }
    });
    child.stderr.on("data", (d) => { err += d; });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err}`)); });
  });
}

async function start_hub(data_dir) {
  let last;
  for (let i = 0; i < 8; i++) {
    try { return await start_once(data_dir); } catch (e) { last = e; }
  }
  throw last;
}

// What a browser does with <script src=".../socket.io/socket.io.js">: run it with window globals.
async function load_page_io(url) {
  const response = await fetch(`${url}/socket.io/socket.io.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /javascript/);
  const source = await response.text();
  const window = { WebSocket, XMLHttpRequest, setTimeout, clearTimeout, setInterval, clearInterval,
                   console };
  new Function("self", "window", "globalThis", "XMLHttpRequest", "WebSocket", "module", "exports",
               "define", source)(window, window, window, XMLHttpRequest, WebSocket);
  assert.equal(typeof window.io, "function");
  return window.io;
}

function next_event(socket, event) {
  return new Promise((resolve_) => socket.once(event, resolve_));
}

describe("course web page with the served browser client", () => {
  let hub, data_dir, io;
  before(async () => {
    data_dir = mkdtempSync(join(tmpdir(), "soket-hubtest-"));
    hub = await start_hub(data_dir);
    io = await load_page_io(hub.url);
  });
  after(async () => {
    if (hub) {
      const exited = new Promise((r) => hub.child.once("exit", r));
      hub.child.kill("SIGTERM");
      assert.equal(await exited, 0);
    }
    rmSync(data_dir, { recursive: true, force: true });
  });

  for (const transports of [undefined, ["websocket"], ["polling"]]) {
    it(`message is relayed to every page, the sender included (${transports ?? "default"})`, T, async () => {
      // The page's code: const socket = io('http://localhost:3000'); ...
      const options = transports ? { transports } : {};
      const sender = io(hub.url, options);
      const other = io(hub.url, options);
      try {
        const welcomes = Promise.all([next_event(sender, "welcome_message"), next_event(other, "welcome_message")]);
        await Promise.all([next_event(sender, "connect"), next_event(other, "connect")]);
        assert.deepEqual(await welcomes, ["Welcome to the WebSocket server!", "Welcome to the WebSocket server!"]);
        const got = Promise.all([next_event(sender, "message"), next_event(other, "message")]);
        sender.emit("message", "halo dari halaman web");
        assert.deepEqual(await got, ["halo dari halaman web", "halo dari halaman web"]);
        const pesan = next_event(other, "pesan");
        sender.emit("pesan", { dari: "web", isi: "pesan" });
        assert.deepEqual(await pesan, { dari: "web", isi: "pesan" });
      } finally {
        sender.disconnect();
        other.disconnect();
      }
    });
  }

  it("serves the minified bundle too", T, async () => {
    const response = await fetch(`${hub.url}/socket.io/socket.io.min.js`);
    assert.equal(response.status, 200);
    assert.ok((await response.text()).length > 10000);
  });
});
