// Debug logging (row 80): --debug / SOKET_DEBUG turn on the debug lines of chosen library layers,
// off by default; an unknown layer is a clear error on the command line and a warning in the
// environment variable.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { connect, emit_ack, sleep } from "../lib/client.mjs";
import { example_binary, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };

// Runs one client session (polling, then the upgrade, an event with an ack, a disconnect) against a
// feature-server started with `extra_args` and the environment `env`; returns its stdout+stderr.
async function session_log({ extra_args = [], env = {} } = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let server;
  try {
    server = await start_server("feature-server", { host: true, extra_args });
  } finally {
    for (const name of Object.keys(env)) {
      if (name in saved) process.env[name] = saved[name];
      else delete process.env[name];
    }
  }
  const socket = await connect(server.url, { transports: ["polling", "websocket"] });
  await new Promise((resolve) => (socket.io.engine.transport.name === "websocket" ? resolve() : socket.io.engine.once("upgrade", resolve)));
  const [answer] = await emit_ack(socket, "echo", ["hello"]);
  assert.equal(answer, "hello");
  socket.disconnect();
  await sleep(300);
  await stop_checked(server);
  const { stdout, stderr } = server.logs();
  return stdout + stderr;
}

describe("debug logging", () => {
  it("is off by default: no layer writes a debug line", T, async () => {
    const log = await session_log();
    assert.doesNotMatch(log, / (http|engineio|socketio|cluster): /);
  });

  it("--debug engineio,socketio shows a session's life in those layers only", T, async () => {
    const log = await session_log({ extra_args: ["--debug", "engineio,socketio"] });
    assert.match(log, /engineio: handshake \S+ over polling \(EIO=4\) from 127\.0\.0\.1/);
    assert.match(log, /engineio: \S+: upgrade to websocket begins/);
    assert.match(log, /engineio: \S+: upgraded to websocket/);
    assert.match(log, /socketio: \S+: connected to \/ \(connection \S+\)/);
    assert.match(log, /socketio: \S+: received event "echo" \(wants an ack\)/);
    assert.match(log, /socketio: \S+: disconnected from \/ \(client namespace disconnect\)/);
    assert.match(log, /engineio: \S+: closed \(/);
    assert.doesNotMatch(log, / http: /);
  });

  it("SOKET_DEBUG=http shows requests and answers, and nothing of the other layers", T, async () => {
    const log = await session_log({ env: { SOKET_DEBUG: "http" } });
    assert.match(log, /http: 127\.0\.0\.1: GET \/socket\.io\/\?EIO=4&transport=polling/);
    assert.match(log, /http: 127\.0\.0\.1: answered 200/);
    assert.doesNotMatch(log, / (engineio|socketio): /);
  });

  it("the debug lines show at --log-level warn too (the switch decides, not the level)", T, async () => {
    const log = await session_log({ extra_args: ["--debug", "socketio", "--log-level", "warn"] });
    assert.match(log, /socketio: \S+: connected to \//);
  });

  it("--debug with an unknown layer is refused with a sentence and exit status 2", T, () => {
    const run = spawnSync(example_binary("feature-server"), ["--port", "0", "--debug", "engineio,bogus"], {
      encoding: "utf8",
      timeout: 10000,
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--debug: unknown layer in "engineio,bogus" \(known: http, engineio, socketio, cluster, \* or all\)/);
  });

  it("SOKET_DEBUG with an unknown layer is a warning; the server still runs", T, async () => {
    const log = await session_log({ env: { SOKET_DEBUG: "nonsense" } });
    assert.match(log, /SOKET_DEBUG=nonsense names an unknown layer/);
    assert.doesNotMatch(log, / (http|engineio|socketio|cluster): /);
  });
});
