// The dashboard in real Chromium against the real hub ($SOKET_BIN): readings from a raw TCP device
// show up live, the lamp switch reaches the device, the alley rule switches lamps, chat is shared
// with the TCP chat, the greenhouse panel and alerts react to thresholds, and it fits a phone.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch_browser } from "./lib/browser.mjs";
import { start_hub } from "./lib/hub.mjs";
import { LineClient, device } from "./lib/lines.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

const CONFIG = `
[[village.alleys]]
name = "Gang Mawar"
light_sensor = "light-9"
group = "gang-9"
on_below = 30
off_above = 60

[[village.greenhouses]]
name = "Greenhouse Cabai"
device = "gh-1"
temp = { min = 20, max = 30 }
hum = { min = 50, max = 80 }
`;

let hub;
let browser;
let page;
const clients = [];
const page_errors = [];
let greenhouse_device;

async function open_device(hello) {
  const client = await device(hub.ports.tcp, hello);
  clients.push(client);
  return client;
}

// The setup is not what is measured: under a sanitizer on a busy CI machine it gets generous time,
// and a failing step names itself (every test reports the hook's error).
async function setup_step(name, run) {
  const started = Date.now();
  try {
    return await run();
  } catch (err) {
    const first_line = String(err?.message ?? err).split("\n")[0];
    throw new Error(`setup step "${name}" failed after ${Date.now() - started} ms: ${first_line}`, { cause: err });
  }
}

before(async () => {
  hub = await setup_step("start the hub", () => start_hub({ config: CONFIG }));
  browser = await setup_step("launch chromium", () => launch_browser({ width: 1440, height: 1000 }));
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on("pageerror", (err) => page_errors.push(err.message));
  await setup_step("load the dashboard", () => page.goto(`${hub.url}/`, { timeout: 30000 }));
  await setup_step("connect to /dashboard", () =>
    page.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 30000 }),
  );
  page.setDefaultTimeout(5000);
});

after(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await hub?.stop();
});

test("the dashboard loads from the hub and connects to /dashboard", async () => {
  assert.equal(await page.title(), "soket · village dashboard");
  assert.equal(await page.locator('[data-testid="connection"]').textContent(), "Live");
  // The configured village is drawn before any device exists.
  await page.locator('[data-alley="Gang Mawar"]').waitFor();
  await page.locator('[data-greenhouse="Greenhouse Cabai"]').waitFor();
});

test("a reading from a raw TCP device appears within 2 s", async () => {
  const lamp = await open_device("HELLO lamp-1 group=gang-1 kind=lamp");
  const sent = Date.now();
  lamp.send("light=12");
  const chip = page.locator('[data-device-row="lamp-1"] .chip[data-key="light"]');
  await chip.waitFor({ timeout: 2000 });
  await page.waitForFunction(
    () => document.querySelector('[data-device-row="lamp-1"] .chip[data-key="light"]')?.textContent?.includes("12"),
    null,
    { timeout: Math.max(1, 2000 - (Date.now() - sent)) },
  );
  assert.ok(Date.now() - sent <= 2000, `shown after ${Date.now() - sent} ms`);
  await lamp.expect("OK");
  // It is listed as online, with its group, and it joined the lamps of the village.
  assert.equal(await page.locator('[data-device-row="lamp-1"] .dot').getAttribute("data-online"), "yes");
  assert.match(await page.locator('[data-device-row="lamp-1"] .device-meta').textContent(), /group gang-1/);
  await page.locator('[data-lamp="lamp-1"]').waitFor();
});

test("a device that never said HELLO appears under its address with its first reading", async () => {
  const anonymous = new LineClient(hub.ports.tcp);
  clients.push(anonymous);
  await anonymous.ready;
  const id = `tcp-127.0.0.1-${anonymous.socket.localPort}`;
  anonymous.send("temp=21.5");
  await page.waitForSelector(`[data-device-row="${id}"] .chip[data-key="temp"] >> text=21.5`, { timeout: 2000 });
  await anonymous.expect("OK");
  anonymous.close();
  await page.waitForSelector(`[data-device-row="${id}"] .dot[data-online="no"]`);
});

test("clicking a lamp switch sends lamp-on to that device, and its state comes back", async () => {
  const lamp = clients[0];
  await page.locator('[data-lamp="lamp-1"]').click();
  await lamp.expect("lamp-on", 3000);
  lamp.send("OK"); // the device's reply to the command
  lamp.send("lamp=1");
  await lamp.expect("OK");
  await page.waitForSelector('[data-lamp="lamp-1"][aria-pressed="true"]');
  // The device panel shows the command as delivered.
  await page.locator('[data-device-row="lamp-1"]').click();
  await page.waitForSelector('#detail .command[data-state="acked"] >> text=lamp-on');
  assert.equal(await page.locator('[data-testid="lamp-switch"]').getAttribute("aria-checked"), "true");
  // And the switch in the device panel turns it off again.
  await page.locator('[data-testid="lamp-switch"]').click();
  await lamp.expect("lamp-off", 3000);
  lamp.send("OK");
  lamp.send("lamp=0");
  await page.waitForSelector('[data-lamp="lamp-1"][aria-pressed="false"]');
});

test("a free-text command reaches the device", async () => {
  const lamp = clients[0];
  await page.locator('[data-testid="command-text"]').fill("led-on");
  await page.locator("#detail .command-form button[type=submit]").click();
  await lamp.expect("led-on", 3000);
  lamp.send("ACK led-on");
  await page.waitForSelector('#detail .command[data-state="acked"] >> text=led-on');
});

test("the alley rule switches its lamps when the light reading drops", async () => {
  const light = await open_device("HELLO light-9 kind=light");
  const lamps = [await open_device("HELLO lamp-9a group=gang-9 kind=lamp"), await open_device("HELLO lamp-9b group=gang-9 kind=lamp")];
  light.send("light=500");
  await light.expect("OK");
  await page.waitForFunction(() => document.querySelector('[data-alley="Gang Mawar"] .mode-chip')?.textContent === "Day");
  light.send("light=5");
  await light.expect("OK");
  for (const lamp of lamps) {
    await lamp.expect("lamp-on", 3000);
    lamp.send("OK");
    lamp.send("lamp=1");
  }
  await page.waitForFunction(() => document.querySelector('[data-alley="Gang Mawar"] .mode-chip')?.textContent === "Night");
  await page.waitForSelector('[data-alley="Gang Mawar"] [data-lamp="lamp-9a"][aria-pressed="true"]');
  await page.waitForSelector('[data-alley="Gang Mawar"] [data-lamp="lamp-9b"][aria-pressed="true"]');
  assert.equal(await page.locator('[data-alley="Gang Mawar"] .alley-count').textContent(), "2 of 2 on");
});

test("the greenhouse panel rates readings against the thresholds and alerts arrive live", async () => {
  const gh = (greenhouse_device = await open_device("HELLO gh-1 kind=greenhouse name=Cabai"));
  for (const [temp, hum] of [[24, 65], [25.5, 63], [27, 60], [28.2, 58], [29.1, 57], [31.4, 56]]) {
    gh.send(`temp=${temp} hum=${hum}`);
    await gh.expect("OK");
  }
  const temp = page.locator('[data-greenhouse="Greenhouse Cabai"] .meter[data-key="temp"]');
  await page.waitForFunction(
    () => document.querySelector('[data-greenhouse="Greenhouse Cabai"] .meter[data-key="temp"] .meter-value')?.textContent === "31.4",
  );
  assert.equal(await temp.getAttribute("data-level"), "bad");
  assert.equal(await page.locator('[data-greenhouse="Greenhouse Cabai"] .meter[data-key="hum"]').getAttribute("data-level"), "ok");
  await page.locator("#alerts .alert").first().waitFor();
  assert.match(await page.locator("#alerts .alert").first().textContent(), /gh-1/);
});

test("the device panel charts history and live readings; the range picker reloads", async () => {
  await page.locator('[data-device-row="gh-1"]').click();
  await page.waitForSelector('#detail .sensor[data-sensor="temp"] .sensor-value >> text=31.4');
  // The chart holds the readings sent above (history, then live).
  const gh = greenhouse_device;
  gh.send("temp=26.0 hum=62");
  await gh.expect("OK");
  await page.waitForSelector('#detail .sensor[data-sensor="temp"] .sensor-value >> text=26');
  await page.locator("#detail .seg", { hasText: "1 h" }).click();
  await page.waitForSelector('#detail .seg[aria-selected="true"] >> text=1 h');
  await page.locator('#detail .sensor[data-sensor="hum"] canvas').waitFor();
  await page.locator("#detail .seg", { hasText: "5 min" }).click();
});

test("a chat message typed in the dashboard reaches a TCP chat user, and back", async () => {
  const user = new LineClient(hub.ports.chat);
  clients.push(user);
  await user.ready;
  await user.expect(/user\?/);
  user.send("budi");
  await page.locator("#chat-name").fill("Sari");
  await page.locator("#chat-name").press("Enter");
  await page.waitForSelector('#chat .chat-state[data-state="connected"] >> text=as Sari');
  await page.locator("#chat-text").fill("halo dari dashboard");
  await page.locator("#chat-text").press("Enter");
  await user.expect(/Sari: halo dari dashboard/, 3000);
  user.send("halo juga dari terminal");
  await page.waitForSelector('#chat .msg[data-origin="tcp"] >> text=halo juga dari terminal');
});

test("screenshot, and it fits a phone without sideways scrolling", async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: false });
  assert.deepEqual(page_errors, []);
});

test("the dashboard shows when the hub is gone and reconnects by itself", async () => {
  await page.setViewportSize({ width: 1440, height: 1000 });
  await hub.halt();
  await page.waitForSelector('[data-testid="connection"][data-state="reconnecting"]');
  await hub.resume();
  await page.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
  // The new snapshot comes from the store: the devices are still known, now offline.
  await page.waitForSelector('[data-device-row="lamp-1"] .dot[data-online="no"]');
  await page.waitForSelector('#chat .chat-state[data-state="connected"]');
});

test("with a dashboard token, the URL's ?token= is required", async () => {
  const guarded = await start_hub({ config: '[auth]\ndashboard_token = "s3cret"\n' });
  const other = await browser.context.newPage();
  try {
    await other.goto(`${guarded.url}/`);
    await other.waitForSelector('[data-testid="connection"][data-state="denied"]', { timeout: 5000 });
    // Refused: the page asks for the token instead of an empty village that says "all calm".
    await other.locator('[data-testid="token-prompt"]').waitFor({ state: "visible" });
    assert.doesNotMatch(await other.locator(".stats").textContent(), /all calm/);
    assert.match(await other.locator(".stats").textContent(), /token needed/);
    await other.fill("#token-field", "s3cret");
    await other.locator('[data-testid="token-prompt"] button[type="submit"]').click();
    await other.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 5000 });
    assert.match(other.url(), /[?&]token=s3cret/);
    assert.equal(await other.locator('[data-testid="token-prompt"]').isVisible(), false);
    // No greenhouse configured: the hint names the real config key.
    assert.match(await other.locator("#greenhouses").textContent(), /\[\[village\.greenhouses\]\]/);
  } finally {
    await other.close();
    await guarded.stop();
  }
});

test("with tokens, the CSV button downloads through a signed link and the chat name is the hub's", async () => {
  const guarded = await start_hub({
    config: '[auth]\ndashboard_token = "s3cret"\napi_token = "api-s3cret"\nchat_name = "operator"\n',
  });
  const other = await browser.context.newPage();
  const sensor = await device(guarded.ports.tcp, "HELLO csv-1 kind=sensor");
  try {
    sensor.send("temp=23.5 hum=55");
    await sensor.expect("OK");
    await other.goto(`${guarded.url}/?token=s3cret`);
    await other.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 5000 });
    await other.locator('[data-device-row="csv-1"]').click();
    const [download] = await Promise.all([
      other.waitForEvent("download", { timeout: 5000 }),
      other.locator('[data-testid="csv-export"]').click(),
    ]);
    assert.equal(download.suggestedFilename(), "csv-1-readings.csv");
    assert.match(download.url(), /\/api\/devices\/csv-1\/readings\?format=csv&.*&expires=\d+&sig=[0-9a-f]{64}$/);
    assert.ok(!download.url().includes("s3cret"), "no token in the link");
    const text = readFileSync(await download.path(), "utf8");
    assert.equal(text.split("\n")[0], "ts,key,value,text");
    assert.match(text, /,temp,23\.5,/);
    // The chat speaks under the name the hub gives the token's holder; the field cannot change it.
    await other.waitForFunction(() => {
      const field = document.querySelector("#chat-name");
      return field instanceof HTMLInputElement && field.value === "operator" && field.disabled;
    });
  } finally {
    sensor.close();
    await other.close();
    await guarded.stop();
  }
});

test("All on goes to the alley's lamps only; All lamps off is a manual override shown on the alley", async () => {
  // Gang Mawar is at night (the alley rule test; the hub restarted since and took its state from
  // the sensor's stored reading): its lamps are on. A sensor in the same group.
  const light = await open_device("HELLO light-9 kind=light");
  light.send("light=5");
  await light.expect("OK");
  const grouped_sensor = await open_device("HELLO hum-9 group=gang-9 kind=sensor");
  const lamps = [await open_device("HELLO lamp-9a group=gang-9 kind=lamp"), await open_device("HELLO lamp-9b group=gang-9 kind=lamp")];
  for (const lamp of lamps) {
    await lamp.expect("lamp-on", 3000); // the alley's state, at once on connecting
    lamp.send("OK");
  }
  await page.locator('[data-alley="Gang Mawar"] button:text("All on")').click();
  for (const lamp of lamps) {
    await lamp.expect("lamp-on", 3000);
    lamp.send("OK");
  }
  await page.locator('[data-testid="lamps-off"]').click();
  for (const lamp of lamps) {
    await lamp.expect("lamp-off", 3000);
    lamp.send("OK");
  }
  await page.waitForFunction(() => /Off by hand until/.test(document.querySelector('[data-alley="Gang Mawar"] .override-chip')?.textContent ?? ""));
  // The sensor got nothing: the next line it sees is a marker sent now.
  await fetch(`${hub.url}/api/commands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to: "hum-9", command: "marker" }),
  });
  await grouped_sensor.expect("marker", 3000);
});

test("the alert count is the store's, not the length of the capped list", async () => {
  const light = await open_device("HELLO light-9 kind=light");
  for (let i = 0; i < 60; i++) {
    light.send(i % 2 ? "light=5" : "light=500");
    await light.expect("OK");
  }
  // Each crossing's alert is stored after the reading's OK: wait until the count stops moving.
  const count = async () => (await (await fetch(`${hub.url}/api/alerts?limit=1000`)).json()).alerts.length;
  let total = await count();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await count();
    if (now === total) break;
    total = now;
  }
  assert.ok(total > 50, `only ${total} alerts`);
  await page.reload();
  await page.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
  await page.waitForFunction((n) => document.querySelector("#alerts .badge")?.textContent === String(n), total);
});

// A page opened now, connected to the test hub.
async function fresh_page(viewport) {
  const other = await browser.context.newPage();
  other.setDefaultTimeout(5000);
  other.on("pageerror", (err) => page_errors.push(err.message));
  if (viewport) await other.setViewportSize(viewport);
  await other.goto(`${hub.url}/`);
  await other.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
  return other;
}

async function post_command(to, command) {
  const res = await fetch(`${hub.url}/api/commands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to, command }),
  });
  assert.equal(res.status, 202);
  return (await res.json()).commands[0];
}

// Waits until the store has the command in one of `states`.
async function stored_state(id, states) {
  for (let i = 0; i < 100; i++) {
    const c = await (await fetch(`${hub.url}/api/commands/${id}`)).json();
    if (states.includes(c.state)) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`command ${id} never reached ${states}`);
}

test("the device panel lists the device's stored commands with their states, newest first, live", async () => {
  const dev = await open_device("HELLO cmd-1 kind=sensor");
  const one = await post_command("cmd-1", "one");
  await dev.expect("one");
  dev.send("OK one done");
  await stored_state(one.id, ["acked"]);
  const two = await post_command("cmd-1", "two");
  await dev.expect("two");
  dev.send("ERR two broke");
  await stored_state(two.id, ["failed"]);
  dev.close();
  await page.waitForSelector('[data-device-row="cmd-1"] .dot[data-online="no"]');
  assert.equal((await post_command("cmd-1", "three")).state, "queued");
  // A page opened after all that: the list comes from the hub's store, not from what it saw.
  const other = await fresh_page();
  try {
    await other.locator('[data-device-row="cmd-1"]').click();
    await other.waitForSelector('#detail .command[data-state="queued"] >> text=three');
    const rows = () =>
      other.locator("#detail .command").evaluateAll((els) =>
        els.map((e) => [
          e.querySelector(".command-text").textContent,
          e.getAttribute("data-state"),
          e.querySelector(".state-chip").textContent,
          e.querySelector(".command-reply")?.textContent ?? null,
        ]),
      );
    assert.deepEqual(await rows(), [
      ["three", "queued", "Queued", null],
      ["two", "failed", "Failed", "ERR two broke"],
      ["one", "acked", "Delivered", "OK one done"],
    ]);
    // Live from command-status: the device comes back, gets the queued one and answers it.
    const back = await open_device("HELLO cmd-1 kind=sensor");
    await back.expect("three");
    back.send("OK three done");
    await other.waitForSelector('#detail .command[data-state="acked"] >> text=three');
    assert.deepEqual((await rows())[0], ["three", "acked", "Delivered", "OK three done"]);
    // And one sent from elsewhere (REST) while the panel is open appears at the top.
    const four = await post_command("cmd-1", "four");
    await back.expect("four");
    await other.waitForSelector(`#detail .command[data-command-id="${four.id}"]`);
    assert.equal((await rows())[0][0], "four");
  } finally {
    await other.close();
  }
});

test("greenhouses get fan and pump switches that send their rule's commands, not a lamp switch", async () => {
  const own = await start_hub({
    config: `
[[village.greenhouses]]
name = "Rumah Kaca"
device = "gh-own"
temp = { min = 20, max = 30 }
hum = { min = 50, max = 80 }
on_temp_high = "vent-open"
on_temp_normal = "vent-close"
`,
  });
  const other = await browser.context.newPage();
  other.setDefaultTimeout(5000);
  const gh = await device(own.ports.tcp, "HELLO gh-own kind=greenhouse");
  const plain = await device(own.ports.tcp, "HELLO gh-plain kind=greenhouse");
  const sensor = await device(own.ports.tcp, "HELLO just-a-sensor kind=sensor");
  try {
    gh.send("fan=0 pump=0");
    await gh.expect("OK");
    sensor.send("temp=20");
    await sensor.expect("OK");
    await other.goto(`${own.url}/`);
    await other.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
    // The device panel: fan and pump, no lamp.
    await other.locator('[data-device-row="gh-own"]').click();
    await other.locator('[data-testid="fan-switch"]').waitFor({ state: "visible" });
    assert.equal(await other.locator('[data-testid="pump-switch"]').isVisible(), true);
    assert.equal(await other.locator('[data-testid="lamp-switch"]').isVisible(), false);
    await other.locator('[data-testid="fan-switch"]').click();
    await gh.expect("vent-open");
    gh.send("OK");
    gh.send("fan=1");
    await other.waitForSelector('[data-testid="fan-switch"][aria-checked="true"]');
    await other.locator('[data-testid="pump-switch"]').click();
    await gh.expect("pump-on");
    gh.send("OK");
    gh.send("pump=1");
    // The greenhouse panel's switches show it and send the same commands.
    const card = '[data-greenhouse="Rumah Kaca"]';
    await other.waitForSelector(`${card} [data-switch="pump"][aria-checked="true"]`);
    await other.locator(`${card} [data-switch="fan"]`).click();
    await gh.expect("vent-close");
    await other.locator(`${card} [data-switch="pump"]`).click();
    await gh.expect("pump-off");
    // A greenhouse no rule names gets the hub's default commands.
    await other.locator('[data-device-row="gh-plain"]').click();
    await other.locator('[data-testid="fan-switch"]').click();
    await plain.expect("fan-on");
    // A plain sensor gets neither switch, only the command box.
    await other.locator('[data-device-row="just-a-sensor"]').click();
    await other.waitForFunction(() => document.querySelector("#detail .detail-name")?.textContent === "just-a-sensor");
    for (const sw of ["lamp", "fan", "pump"]) assert.equal(await other.locator(`[data-testid="${sw}-switch"]`).isVisible(), false, sw);
    assert.equal(await other.locator('[data-testid="command-text"]').isVisible(), true);
  } finally {
    for (const c of [gh, plain, sensor]) c.close();
    await other.close();
    await own.stop();
  }
});

test("lamp tiles show whole names, and the id where two lamps share a name, across alleys too", async () => {
  const long = "Lampu-Jalan-Gang-Mawar-Ujung-Timur-Dekat-Masjid";
  const lamps = [
    await open_device("HELLO lamp-9c group=gang-9 kind=lamp name=Lampu"), // alley Gang Mawar
    await open_device("HELLO lamp-2a group=gang-2 kind=lamp name=Lampu"), // no alley: group gang-2
    await open_device(`HELLO lamp-long group=gang-2 kind=lamp name=${long}`),
  ];
  for (const lamp of lamps) {
    lamp.send("lamp=0");
    await lamp.expect("OK");
  }
  for (const viewport of [{ width: 1440, height: 1000 }, { width: 375, height: 812 }]) {
    const other = await fresh_page(viewport);
    try {
      await other.waitForSelector('[data-lamp="lamp-long"] .lamp-state >> text=Off');
      const label = (id) => other.locator(`[data-lamp="${id}"] .lamp-name`).textContent();
      assert.equal(await label("lamp-9c"), "Lampu · lamp-9c");
      assert.equal(await label("lamp-2a"), "Lampu · lamp-2a");
      assert.equal(await label("lamp-long"), long);
      // Not cut off: every name fits its tile, whole.
      const cut = await other.evaluate(() =>
        [...document.querySelectorAll(".lamp-name")]
          .filter((e) => {
            const tile = e.closest(".lamp").getBoundingClientRect();
            const box = e.getBoundingClientRect();
            return e.scrollWidth > e.clientWidth + 1 || box.left < tile.left - 1 || box.right > tile.right + 1;
          })
          .map((e) => e.textContent),
      );
      assert.deepEqual(cut, [], `cut off at ${viewport.width} px`);
    } finally {
      await other.close();
    }
  }
});

test("on a 375 px phone the command box has its own full-width row and stays usable", async () => {
  const lamp = await open_device("HELLO phone-lamp group=gang-3 kind=lamp name=Lampu-HP");
  lamp.send("lamp=0");
  await lamp.expect("OK");
  const other = await fresh_page({ width: 375, height: 812 });
  try {
    await other.locator('[data-device-row="phone-lamp"]').click();
    await other.locator('[data-testid="lamp-switch"]').waitFor({ state: "visible" });
    const form = other.locator("#detail .command-form");
    await form.scrollIntoViewIfNeeded();
    await other.waitForTimeout(400); // the smooth scroll to the panel
    const boxes = await other.evaluate(() => {
      const rect = (el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
      };
      const controls = document.querySelector("#detail .controls");
      const form = controls.querySelector(".command-form");
      const style = getComputedStyle(controls);
      const inner = controls.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const others = [...controls.children].filter((c) => c !== form && c.getClientRects().length).map(rect);
      // What the user would hit in the middle of the input and of the button.
      const hit = (el) => {
        const r = el.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return top === el || el.contains(top);
      };
      const input = form.querySelector("input");
      const button = form.querySelector("button[type=submit]");
      const select = form.querySelector("select");
      return {
        inner,
        form: rect(form),
        others,
        input: rect(input),
        button: rect(button),
        select: rect(select),
        hits: { input: hit(input), button: hit(button), select: hit(select) },
        viewport: window.innerWidth,
      };
    });
    assert.ok(boxes.form.width >= boxes.inner - 1, `the command box is ${boxes.form.width} px of ${boxes.inner}`);
    for (const o of boxes.others) {
      assert.ok(o.bottom <= boxes.form.top + 1 || o.top >= boxes.form.bottom - 1, `shares its row: ${JSON.stringify(o)}`);
    }
    assert.ok(boxes.input.width >= 180, `the input is only ${boxes.input.width} px wide`);
    for (const name of ["input", "button", "select"]) {
      const b = boxes[name];
      assert.ok(b.left >= boxes.form.left - 1 && b.right <= boxes.form.right + 1 && b.right <= boxes.viewport, `${name} is cut off: ${JSON.stringify(b)}`);
      assert.ok(boxes.hits[name], `${name} is covered`);
    }
    // And it works there.
    await other.locator('[data-testid="command-text"]').fill("phone-cmd");
    await other.locator("#detail .command-form button[type=submit]").click();
    await lamp.expect("phone-cmd", 3000);
    await other.screenshot({ path: join(ARTIFACTS, "dashboard-phone-command.png") });
  } finally {
    await other.close();
  }
});

test("with more devices than the snapshot holds, the list pages: counts are the hub's, search and Show more find the rest", async () => {
  const own = await start_hub({ config: "[dashboard]\nsnapshot_devices = 5\n" });
  const other = await browser.context.newPage();
  other.setDefaultTimeout(5000);
  const devices = [];
  try {
    for (let i = 0; i < 12; i++) {
      const d = await device(own.ports.tcp, `HELLO dev-${String(i).padStart(4, "0")} kind=sensor`);
      d.close();
    }
    devices.push(await device(own.ports.tcp, "HELLO live-1 kind=sensor"));
    for (let i = 0; i < 100; i++) {
      const health = await (await fetch(`${own.url}/healthz`)).json();
      if (health.devices_online === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await other.goto(`${own.url}/`);
    await other.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
    await other.waitForSelector('[data-device-row="live-1"]');
    const rows = () => other.locator("[data-device-row]").count();
    assert.equal(await rows(), 5); // the snapshot's page
    assert.equal(await other.locator('[data-testid="device-count"]').textContent(), "13");
    assert.match(await other.locator(".stats").textContent(), /1 \/ 13/);
    // The oldest device is not in the page; the search asks the hub.
    assert.equal(await other.locator('[data-device-row="dev-0000"]').count(), 0);
    await other.fill('[data-testid="device-search"]', "DEV-0000");
    await other.waitForSelector('[data-device-row="dev-0000"]');
    assert.equal(await rows(), 1);
    await other.locator('[data-device-row="dev-0000"]').click();
    await other.waitForFunction(() => document.querySelector("#detail .detail-name")?.textContent === "dev-0000");
    // Without a search, Show more pages through the rest until it is all there.
    await other.fill('[data-testid="device-search"]', "");
    await other.locator('[data-testid="device-more"]').click();
    await other.waitForFunction(() => document.querySelectorAll("[data-device-row]").length === 13);
    await other.locator('[data-testid="device-more"]').waitFor({ state: "hidden" });
    // A new device counts at once.
    devices.push(await device(own.ports.tcp, "HELLO live-2 kind=sensor"));
    await other.waitForFunction(() => document.querySelector('[data-testid="device-count"]')?.textContent === "14");
    assert.match(await other.locator(".stats").textContent(), /2 \/ 14/);
  } finally {
    for (const d of devices) d.close();
    await other.close();
    await own.stop();
  }
});
