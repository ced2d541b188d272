// Shared setup for the bad-input suites: one feature-server plus a connected bystander client.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { canary } from "./client.mjs";
import { start_server, stop_checked } from "./server.mjs";

// Registers before/after hooks; returns an object whose `server` is set once started and whose
// survived(label) asserts that the server is still running and the bystander still gets echo acks.
export function bad_input_fixture() {
  const fixture = {
    server: null,
    watcher: null,
    async survived(label) {
      assert.equal(fixture.server.exited(), null, `server exited after ${label}: ${fixture.server.logs().stderr}`);
      await fixture.watcher.check(label);
    },
  };
  before(async () => {
    fixture.server = await start_server("feature-server", { host: true });
    fixture.watcher = await canary(fixture.server.url);
  });
  after(async () => {
    fixture.watcher?.close();
    await stop_checked(fixture.server);
  });
  return fixture;
}
