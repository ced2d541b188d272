// Shared setup for the bad-input suites. A profile names the example under test and how to talk to
// it: "socketio" (feature-server at /socket.io/, Socket.IO traffic, a socket.io-client bystander)
// or "engineio" (engineio-conformance at /engine.io/, Engine.IO echo, a raw Engine.IO bystander).
// SOKET_BAD_INPUT_PROFILE picks one (default "socketio").
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { canary } from "./client.mjs";
import { RawWs } from "./raw.mjs";
import { start_server, stop_checked } from "./server.mjs";

// A raw Engine.IO WebSocket bystander of an echo server: check() sends "4<label>" and expects it back.
async function eio_canary(url, path) {
  const raw = new RawWs(`${url.replace(/^http/, "ws")}${path}?EIO=4&transport=websocket`);
  await raw.opened;
  assert.match(await raw.next(), /^0\{/, "bystander handshake");
  let counter = 0;
  return {
    async check(label = "canary") {
      assert.equal(raw.close_info, null, `bystander was disconnected (${JSON.stringify(raw.close_info)})`);
      const message = `4${label} #${++counter}`;
      raw.send(message);
      assert.equal(await raw.next(3000), message, "bystander echo");
    },
    close() {
      raw.terminate();
    },
  };
}

export const PROFILES = {
  socketio: {
    name: "socketio",
    example: "feature-server",
    host: true,
    path: "/socket.io/",
    canary: (url) => canary(url),
    // A first packet that the server answers, and the answer.
    hello: "40",
    hello_reply: /^40\{"sid":/,
    // A valid packet of exactly `size` bytes that needs no answer.
    packet_of_size(size) {
      const head = '42["never-ack","';
      const tail = '"]';
      return head + "x".repeat(size - head.length - tail.length) + tail;
    },
    // A polling POST body of exactly `size` bytes: CONNECT, then such a packet.
    polling_body_of_size(size) {
      return "40\x1e" + this.packet_of_size(size - 3);
    },
    // A packet whose answer proves the connection still works, and that answer.
    ping: '421["echo","still here"]',
    ping_reply: '431["still here"]',
  },
  engineio: {
    name: "engineio",
    example: "engineio-conformance",
    host: false,
    // The conformance heartbeat (300 + 200 ms) is too short for a sanitizer build to take a
    // megabyte POST on a busy machine; these suites test bad input, not the heartbeat.
    extra_args: ["--ping-interval-ms", "5000", "--ping-timeout-ms", "5000"],
    path: "/engine.io/",
    canary: (url) => eio_canary(url, "/engine.io/"),
    hello: "4hello",
    hello_reply: /^4hello$/,
    packet_of_size: (size) => "4" + "x".repeat(size - 1),
    polling_body_of_size: (size) => "4" + "x".repeat(size - 1),
    ping: "4still here",
    ping_reply: "4still here",
  },
};

export function bad_input_profile() {
  const name = process.env.SOKET_BAD_INPUT_PROFILE ?? "socketio";
  const profile = PROFILES[name];
  if (!profile) throw new Error(`unknown SOKET_BAD_INPUT_PROFILE ${name}`);
  return profile;
}

// Registers before/after hooks; returns an object whose `server` is set once started and whose
// survived(label) asserts that the server is still running and the bystander still gets its echo.
export function bad_input_fixture(profile = bad_input_profile()) {
  const fixture = {
    profile,
    server: null,
    watcher: null,
    async survived(label) {
      assert.equal(fixture.server.exited(), null, `server exited after ${label}: ${fixture.server.logs().stderr}`);
      await fixture.watcher.check(label);
    },
  };
  before(async () => {
    fixture.server = await start_server(profile.example, {
      host: profile.host,
      extra_args: profile.extra_args ?? [],
    });
    fixture.watcher = await profile.canary(fixture.server.url);
  });
  after(async () => {
    fixture.watcher?.close();
    await stop_checked(fixture.server);
  });
  return fixture;
}

// Reads messages from `raw` until `expected` arrives (skipping others, at most `limit`).
export async function expect_message(raw, expected, what, limit = 10) {
  const seen = [];
  for (let i = 0; i < limit; ++i) {
    const message = await raw.next();
    if (message === expected || (expected instanceof RegExp && typeof message === "string" && expected.test(message))) {
      return message;
    }
    seen.push(typeof message === "string" ? message.slice(0, 100) : `<${message.length} bytes>`);
  }
  assert.fail(`${what}: expected ${expected}, got ${JSON.stringify(seen)}`);
}
