// Starts `$SOKET_BIN serve` on free ports in [20000, 32000) with a throw-away data directory and
// an optional config, and stops it again. SOKET_BIN may also name a .mjs stand-in (dev/fake-hub.mjs).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PORT_MIN = 20000;
const PORT_MAX = 32000;
const ATTEMPTS = 5;
const READY_MS = 15000;
const LOG_TAIL = 16384;

const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function hub_binary() {
  const bin = process.env.SOKET_BIN;
  if (!bin) throw new Error("set SOKET_BIN to the soket binary (ctest does)");
  return bin;
}

function four_ports() {
  const base = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN - 4));
  return { http: base, tcp: base + 1, udp: base + 2, chat: base + 3 };
}

function start_once(ports, dir, config_path) {
  const bin = hub_binary();
  const args = ["serve", "--http-port", ports.http, "--tcp-port", ports.tcp, "--udp-port", ports.udp,
    "--chat-port", ports.chat, "--data-dir", join(dir, "data"), "--bind", "127.0.0.1"].map(String);
  if (config_path) args.push("--config", config_path);
  const [command, argv] = bin.endsWith(".mjs") ? [process.execPath, [bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const log = { text: "" };
    const add = (chunk) => {
      log.text = (log.text + chunk).slice(-LOG_TAIL);
      const m = /listening on (http:\/\/\S+)/.exec(log.text);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, log, url: m[1] });
      }
    };
    let settled = false;
    child.stdout.setEncoding("utf8").on("data", add);
    child.stderr.setEncoding("utf8").on("data", add);
    child.on("exit", (code, signal) => {
      running.delete(child);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`hub exited (${code ?? signal}) before listening:\n${log.text}`));
      }
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`hub did not print "listening on" within ${READY_MS} ms:\n${log.text}`));
    }, READY_MS);
  });
}

async function stop_child(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

// Returns { url, ports, log(), halt(), resume(), stop() }; resume() restarts a halted hub on the
// same ports with the same data.
export async function start_hub({ config = "" } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "soket-web-test-"));
  let config_path = "";
  if (config) {
    config_path = join(dir, "soket.toml");
    writeFileSync(config_path, config);
  }
  let last_error;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ports = four_ports();
    try {
      let { child, log, url } = await start_once(ports, dir, config_path);
      return {
        url,
        ports,
        log: () => log.text,
        async halt() {
          await stop_child(child);
        },
        async resume() {
          ({ child, log } = await start_once(ports, dir, config_path));
        },
        async stop() {
          await stop_child(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      last_error = err;
      if (!/address already in use|EADDRINUSE|bind/i.test(String(err.message))) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw last_error;
}
