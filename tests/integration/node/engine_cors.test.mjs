// CORS of the Engine.IO endpoint (Node's `cors` option through the cors module): exact origins,
// "*", regular expressions and an asynchronous origin function; preflights (OPTIONS) with their
// methods, allowed headers and max-age; credentials; refused origins (no CORS headers at all).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { polling_url } from "../lib/raw.mjs";
import { example_binary, start_server, stop_checked } from "../lib/server.mjs";

const T = { timeout: 20000 };
const HANDSHAKE = "/socket.io/?EIO=4&transport=polling";

function preflight(server, origin, headers = {}) {
  return fetch(`${server.url}${HANDSHAKE}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", ...headers },
  });
}

async function handshake_with_origin(server, origin) {
  const response = await fetch(`${server.url}${HANDSHAKE}`, { headers: origin ? { origin } : {} });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return { response, sid: JSON.parse(text.slice(1)).sid };
}

function connection_errors(server) {
  return server
    .logs()
    .stdout.split("\n")
    .filter((line) => line.startsWith("connection_error "))
    .map((line) => JSON.parse(line.slice("connection_error ".length)));
}

describe("CORS: origin list, regex, credentials, methods, headers, max-age", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: [
        "--cors-origin", "https://a.example",
        "--cors-origin-regex", "^https://[a-z]+\\.b\\.example$",
        "--cors-credentials",
        "--cors-methods", "GET,POST,PUT",
        "--cors-allowed-headers", "X-Token,Content-Type",
        "--cors-max-age", "600",
      ],
    });
  });
  after(() => stop_checked(server));

  it("preflight of a listed origin: 204 with every Access-Control-* header", T, async () => {
    const response = await preflight(server, "https://a.example", { "access-control-request-headers": "x-token" });
    assert.equal(response.status, 204);
    const h = response.headers;
    assert.equal(h.get("access-control-allow-origin"), "https://a.example");
    assert.equal(h.get("access-control-allow-credentials"), "true");
    assert.equal(h.get("access-control-allow-methods"), "GET,POST,PUT");
    assert.equal(h.get("access-control-allow-headers"), "X-Token,Content-Type");
    assert.equal(h.get("access-control-max-age"), "600");
    assert.match(h.get("vary") ?? "", /Origin/);
  });

  it("a regex-matched origin is reflected on the handshake and on later polls", T, async () => {
    const origin = "https://shop.b.example";
    const { response, sid } = await handshake_with_origin(server, origin);
    assert.equal(response.headers.get("access-control-allow-origin"), origin);
    assert.equal(response.headers.get("access-control-allow-credentials"), "true");
    const post = await fetch(polling_url(server.url, sid), { method: "POST", body: "40", headers: { origin } });
    assert.equal(post.status, 200);
    assert.equal(await post.text(), "ok");
    assert.equal(post.headers.get("access-control-allow-origin"), origin);
  });

  it("a refused origin gets no CORS headers (the browser then refuses the answer)", T, async () => {
    for (const origin of ["https://evil.example", "https://a.example.evil", "https://x.b.example.evil"]) {
      const pre = await preflight(server, origin);
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get("access-control-allow-origin"), null, origin);
      const { response } = await handshake_with_origin(server, origin);
      assert.equal(response.headers.get("access-control-allow-origin"), null, origin);
      assert.equal(response.headers.get("access-control-allow-credentials"), null, origin);
    }
    const { response } = await handshake_with_origin(server, null);
    assert.equal(response.headers.get("access-control-allow-origin"), null, "no Origin header");
  });
});

describe("CORS: * without credentials", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", { host: true });
  });
  after(() => stop_checked(server));

  it("any origin gets *, preflights echo the asked headers, no max-age", T, async () => {
    const { response } = await handshake_with_origin(server, "https://anywhere.example");
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.headers.get("access-control-allow-credentials"), null);
    const pre = await preflight(server, "https://anywhere.example", { "access-control-request-headers": "x-one,x-two" });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET,POST");
    assert.equal(pre.headers.get("access-control-allow-headers"), "x-one,x-two");
    assert.match(pre.headers.get("vary") ?? "", /Access-Control-Request-Headers/);
    assert.equal(pre.headers.get("access-control-max-age"), null);
  });
});

describe("CORS: an asynchronous origin function", () => {
  let server;
  before(async () => {
    server = await start_server("feature-server", {
      host: true,
      extra_args: [
        "--cors-origin-function",
        "--cors-origin", "https://fn.example",
        "--cors-origin-regex", "\\.fn\\.example$",
        "--log-connection-errors",
      ],
    });
  });
  after(() => stop_checked(server));

  it("allowed origins are reflected (handshake, polls, preflight)", T, async () => {
    for (const origin of ["https://fn.example", "http://sub.fn.example"]) {
      const { response, sid } = await handshake_with_origin(server, origin);
      assert.equal(response.headers.get("access-control-allow-origin"), origin);
      assert.match(response.headers.get("vary") ?? "", /Origin/);
      const post = await fetch(polling_url(server.url, sid), { method: "POST", body: "40", headers: { origin } });
      assert.equal(post.headers.get("access-control-allow-origin"), origin);
      await post.text();
      const pre = await preflight(server, origin, { "access-control-request-headers": "x-a" });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get("access-control-allow-origin"), origin);
      assert.equal(pre.headers.get("access-control-allow-headers"), "x-a");
      const vary = (pre.headers.get("vary") ?? "").split(/,\s*/).sort();
      assert.deepEqual(vary, ["Access-Control-Request-Headers", "Origin"]);
    }
  });

  it("a refused origin gets no CORS headers, and is still served", T, async () => {
    const { response } = await handshake_with_origin(server, "https://other.example");
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    const pre = await preflight(server, "https://other.example");
    assert.equal(pre.headers.get("access-control-allow-origin"), null);
  });

  it("an origin the function fails on: 400 {code:3} and connection_error", T, async () => {
    const response = await fetch(`${server.url}${HANDSHAKE}`, { headers: { origin: "null" } });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { code: 3, message: "Bad request" });
    const logged = connection_errors(server).filter((e) => e.context?.name === "MIDDLEWARE_FAILURE");
    assert.equal(logged.length, 1);
    assert.equal(logged[0].code, 3);
    assert.match(logged[0].context.error, /not an origin: null/);
  });
});

describe("CORS: a bad regular expression stops the server with a clear error", () => {
  it("--cors-origin-regex '('", T, () => {
    const run = spawnSync(example_binary("feature-server"), ["--port", "0", "--cors-origin-regex", "("], {
      encoding: "utf8",
      timeout: 10000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--cors-origin-regex "\(":/);
  });
});
