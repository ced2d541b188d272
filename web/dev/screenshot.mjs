// Screenshots of a running dashboard, for looking at the design:
//   node dev/screenshot.mjs http://127.0.0.1:5000/ out-dir
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch_browser } from "../tests/lib/browser.mjs";

const [url = "http://127.0.0.1:5000/", out = "../test-artifacts"] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
for (const [name, width, height] of [["desktop", 1440, 1000], ["tablet", 900, 1100], ["phone", 390, 844]]) {
  const browser = await launch_browser({ width, height });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("console", (m) => m.type() === "error" && console.error(`[${name}] console: ${m.text()}`));
    page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 10000 });
    await page.waitForTimeout(2500);
    const file = join(out, `dashboard-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  } finally {
    await browser.close();
  }
}
