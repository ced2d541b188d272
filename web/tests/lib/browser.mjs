// Debian chromium driven by playwright-core: headless, sandbox-less (CI runs as root), no network
// side-channels, a fresh profile per launch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.SOKET_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-features=LocalNetworkAccessChecks",
];

const LAUNCH_ATTEMPTS = 2;
const LAUNCH_TIMEOUT_MS = 60000;

async function launch_once(width, height) {
  const profile = mkdtempSync(join(tmpdir(), "soket-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width, height },
      deviceScaleFactor: 1,
      timeout: LAUNCH_TIMEOUT_MS,
    });
    return { context, profile };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

// Returns { context, close() }: a persistent context on a throw-away profile directory. A launch
// that fails (Chromium starved of CPU on a loaded machine) is tried once more before giving up.
export async function launch_browser({ width = 1440, height = 1000 } = {}) {
  let launched;
  for (let attempt = 1; !launched; attempt++) {
    try {
      launched = await launch_once(width, height);
    } catch (err) {
      if (attempt >= LAUNCH_ATTEMPTS) throw err;
      console.error(`chromium launch ${attempt} failed, trying again: ${String(err.message).split("\n")[0]}`);
    }
  }
  const { context, profile } = launched;
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
