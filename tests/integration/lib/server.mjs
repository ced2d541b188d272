// Starts an example server binary on a free port in [20000, 32000) and stops it again.
// start_program() does the same for any program (tests/cluster starts Redis, haproxy and Node nodes
// with it): every child started here is killed when the test process exits.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PORT_MIN = 20000;
const PORT_MAX = 32000;
const START_ATTEMPTS = 5;
const RESTART_ATTEMPTS = 25;
const READY_TIMEOUT_MS = 10000;
const STOP_GRACE_MS = 5000;
const LOG_TAIL_BYTES = 16384;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

// Environment variable that ctest sets for each example target.
const BINARY_ENV = {
  "feature-server": "SOKET_FEATURE_SERVER",
  "socketio-conformance": "SOKET_SOCKETIO_CONFORMANCE",
  "engineio-conformance": "SOKET_ENGINEIO_CONFORMANCE",
  chat: "SOKET_CHAT_SERVER",
  "beast-integration": "SOKET_BEAST_INTEGRATION",
};

// SOKET_PARSER (json or msgpack): the --parser of the examples that take one (see client.mjs).
const PARSER = process.env.SOKET_PARSER ?? "json";
const PARSER_EXAMPLES = new Set(["feature-server", "socketio-conformance"]);

// The binary of an example: from its environment variable, else from build/dev when run by hand.
export function example_binary(name) {
  const env_name = BINARY_ENV[name];
  const from_env = env_name ? process.env[env_name] : undefined;
  if (from_env) return from_env;
  const fallback = join(REPO_ROOT, "build", "dev", "examples", name, name);
  if (existsSync(fallback)) return fallback;
  throw new Error(`no binary for ${name}: set ${env_name} or build ${fallback}`);
}

const running = new Set();
function kill_all_now() {
  for (const child of running) child.kill("SIGKILL");
}
process.on("exit", kill_all_now);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    kill_all_now();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

export function random_port() {
  return PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
}

function tail(text) {
  return text.length > LOG_TAIL_BYTES ? text.slice(-LOG_TAIL_BYTES) : text;
}

const LISTENING_LINE = /listening on (http:\/\/\S+)/;

// One attempt: resolves with the running child once it is ready: it printed a line that matches
// `ready_line` on stdout (by default "listening on http://HOST:PORT"), or, when `probe` is given,
// once `await probe(port)` returned true (it is polled every 50 ms).
function start_once(binary, args, port, { ready_line = LISTENING_LINE, probe = null, ready_timeout_ms = READY_TIMEOUT_MS } = {}) {
  return new Promise((resolve_start, reject_start) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    const state = { stdout: "", stderr: "", exit: null, ready: false };
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const what = probe ? "successful readiness probe" : `"${ready_line.source}" line`;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(reject_start, new Error(`no ${what} within ${ready_timeout_ms} ms on port ${port}`));
    }, ready_timeout_ms);
    running.add(child);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      state.stdout = tail(state.stdout + chunk);
      const match = probe ? null : ready_line.exec(state.stdout);
      if (match && !state.ready) {
        state.ready = true;
        settle(resolve_start, { child, state, announced: match[1] ?? match[0] });
      }
    });
    if (probe) {
      (async () => {
        while (!settled && state.exit === null) {
          if (await probe(port).catch(() => false)) {
            state.ready = true;
            settle(resolve_start, { child, state, announced: null });
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    }
    child.stderr.on("data", (chunk) => {
      state.stderr = tail(state.stderr + chunk);
    });
    child.on("error", (err) => settle(reject_start, err));
    child.on("exit", (code, signal) => {
      running.delete(child);
      state.exit = { code, signal };
      settle(
        reject_start,
        new Error(`exited (code ${code}, signal ${signal}) before listening on port ${port}: ${state.stderr || state.stdout}`),
      );
    });
  });
}

// Starts `name` (an example) and returns {url, port, stop(), kill(), exited(), logs()}.
// `host` adds --host 127.0.0.1 (feature-server); other examples take only --port.
export async function start_server(name, { host = false, extra_args = [] } = {}) {
  const binary = example_binary(name);
  return start_program(name, binary, (port) => [
    "--port",
    String(port),
    ...(host ? ["--host", "127.0.0.1"] : []),
    ...(PARSER !== "json" && PARSER_EXAMPLES.has(name) ? ["--parser", PARSER] : []),
    ...extra_args,
  ]);
}

// Starts `binary` with the arguments `args_for(port)` on a random free port (up to 5 attempts, a
// new port each), or on `port` when given (a restart on the same port; up to 25 attempts 400 ms
// apart). Ready as in start_once (`ready_line`, `probe`). Returns
// {url, port, announced, pid, exited(), logs(), stop(), kill(signal)}.
export async function start_program(label, binary, args_for, { port: fixed_port, ...ready_opts } = {}) {
  let last_error;
  // A restart on the same port waits longer: the port can stay busy for a moment after a kill.
  const attempts = fixed_port === undefined ? START_ATTEMPTS : RESTART_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; ++attempt) {
    const port = fixed_port ?? random_port();
    if (fixed_port !== undefined && attempt > 0) await new Promise((r) => setTimeout(r, 400));
    try {
      const { child, state, announced } = await start_once(binary, args_for(port), port, ready_opts);
      const url = `http://127.0.0.1:${port}`;
      const exit_promise = new Promise((r) => {
        if (state.exit) r(state.exit);
        else child.once("exit", (code, signal) => r({ code, signal }));
      });
      return {
        url,
        port,
        announced,
        pid: child.pid,
        // The exit status if the server has already exited by itself (e.g. crashed), else null.
        exited: () => state.exit,
        logs: () => ({ stdout: state.stdout, stderr: state.stderr }),
        // Sends `signal` (SIGKILL by default) and resolves with {code, signal} once it exited.
        async kill(signal = "SIGKILL") {
          if (state.exit === null) child.kill(signal);
          return exit_promise;
        },
        // SIGTERM, wait up to 5 s, then SIGKILL. Returns {code, signal, crashed, killed}.
        async stop() {
          const crashed = state.exit !== null;
          if (!crashed) child.kill("SIGTERM");
          let killed = false;
          let timer;
          const grace = new Promise((r) => {
            timer = setTimeout(() => r("timeout"), STOP_GRACE_MS);
          });
          if ((await Promise.race([exit_promise, grace])) === "timeout") {
            killed = true;
            child.kill("SIGKILL");
          }
          clearTimeout(timer);
          const status = await exit_promise;
          return { ...status, crashed, killed };
        },
      };
    } catch (err) {
      last_error = err;
    }
  }
  throw new Error(`could not start ${label} after ${attempts} attempts: ${last_error?.message}`);
}

// Stops `server` and asserts that it ran through the suite and exited cleanly on SIGTERM.
export async function stop_checked(server) {
  const status = await server.stop();
  const { stderr } = server.logs();
  if (status.crashed) throw new Error(`server exited during the suite (${JSON.stringify(status)}): ${stderr}`);
  if (status.killed) throw new Error(`server ignored SIGTERM for 5 s and was killed: ${stderr}`);
  if (status.code !== 0) throw new Error(`server exited with ${JSON.stringify(status)} on SIGTERM: ${stderr}`);
  return status;
}

// The Engine.IO echo serving v3 clients too, with a heartbeat slow enough for hand-made polling.
export function start_eio3_echo() {
  return start_server("engineio-conformance", {
    host: true,
    extra_args: ["--allow-eio3", "--ping-interval-ms", "20000", "--ping-timeout-ms", "20000"],
  });
}
