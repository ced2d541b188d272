// The official Socket.IO admin UI (npm @socket.io/admin-ui's built files, served by the feature
// server at /admin/) in real Chromium: log in through its connection form as a user would, see the
// live sockets in the Sockets page, disconnect one from there and check that client really went.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launch_browser } from "../../../web/tests/lib/browser.mjs";
import { close_all, connect, emit_ack, next_event } from "../lib/client.mjs";
import { REPO_ROOT, start_server, stop_checked } from "../lib/server.mjs";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const USER = "admin";
const PASSWORD = "s3cret-pass";
// bcryptjs.hashSync(PASSWORD, 4), as the admin UI's README shows how to make one.
const HASH = "$2a$04$atuYW9JcSC8mbU.Q61kwB.hJSD/JENWsvoNogB.9ucANSbA.vkqsq";
const T = { timeout: 45000 };

let server;
let browser;
let context;
let page;
const page_errors = [];
const clients = [];

before(async () => {
  server = await start_server("feature-server", {
    host: true,
    extra_args: ["--admin", "--admin-user", USER, "--admin-password-hash", HASH, "--node-name", "soket-demo"],
  });
  browser = await launch_browser({ width: 1400, height: 900 });
  context = browser.context;
  // The page also links web fonts and icons from CDNs; the test runs offline.
  await context.route(/^https:\/\//, (route) => route.abort());
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10000);
  page.on("pageerror", (err) => page_errors.push(err.message));
});

after(async () => {
  close_all(clients);
  await browser?.close();
  if (server) await stop_checked(server);
});

test("log in from the connection form; the Sockets page lists the live clients", T, async () => {
  const sensor = await connect(server.url, { transports: ["websocket"] });
  const phone = await connect(server.url, { transports: ["polling"] });
  clients.push(sensor, phone);
  await emit_ack(sensor, "join", ["greenhouse"]);

  await page.goto(`${server.url}/admin/`);
  await page.getByLabel("Server URL").fill(server.url);
  await page.getByLabel("Username").fill(USER);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByText("Invalid credentials").waitFor();

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByRole("button", { name: "Connect" }).waitFor({ state: "hidden" });

  await page.goto(`${server.url}/admin/#/sockets/`);
  await page.locator("tr", { hasText: sensor.id }).waitFor();
  await page.locator("tr", { hasText: phone.id }).waitFor();
  assert.match(await page.locator("tr", { hasText: sensor.id }).innerText(), /websocket/i);
  assert.match(await page.locator("tr", { hasText: phone.id }).innerText(), /polling/i);

  // A client that connects now appears without reloading.
  const late = await connect(server.url, { transports: ["websocket"] });
  clients.push(late);
  await page.locator("tr", { hasText: late.id }).waitFor();

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "admin-ui-sockets.png"), fullPage: true });
});

test("the disconnect button of a socket's row disconnects that client only", T, async () => {
  const [sensor, phone] = clients;
  const sensor_id = sensor.id;  // the client forgets its id once disconnected
  const gone = next_event(sensor, "disconnect", 10000);
  await page.locator("tr", { hasText: sensor_id }).getByRole("button").click();
  assert.equal((await gone)[0], "io server disconnect");
  // The click also reaches the row, which opens the socket's details: back to the list.
  await page.evaluate(() => (location.hash = "#/sockets/"));
  await page.waitForFunction(
    ([gone_id, live_id]) => {
      const rows = [...document.querySelectorAll(".v-data-table tbody tr")].map((tr) => tr.textContent);
      return rows.some((text) => text.includes(live_id)) && !rows.some((text) => text.includes(gone_id));
    },
    [sensor_id, phone.id],
  );
  assert.equal(phone.connected, true);
});

test("the dashboard shows this server and the Rooms page its rooms", T, async () => {
  await page.goto(`${server.url}/admin/#/servers/`);
  await page.getByText("soket-demo").first().waitFor();
  await page.goto(`${server.url}/admin/#/`);
  await page.waitForTimeout(2500);  // a server_stats round, so the charts have data
  await page.screenshot({ path: join(ARTIFACTS, "admin-ui-dashboard.png"), fullPage: true });
  assert.deepEqual(page_errors, []);
});
