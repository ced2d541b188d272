// Debian chromium driven by playwright-core: headless, sandbox-less (CI runs as root), no network
// side-channels, a fresh profile per launch. Every browser test launches through here (the
// dashboard's, and tests/integration/browser's).
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

async function launch_once(options) {
  const profile = mkdtempSync(join(tmpdir(), "soket-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, options);
    return { context, profile };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

// Returns { context, close() }: a persistent context on a throw-away profile directory. A launch
// that fails (Chromium starved of CPU on a loaded machine) is tried once more before giving up.
// ignore_https_errors: for a server with a throw-away CA that is not in Chromium's store.
export async function launch_browser({ width = 1440, height = 1000, ignore_https_errors = false } = {}) {
  const options = {
    executablePath: CHROMIUM,
    headless: true,
    args: ignore_https_errors ? [...FLAGS, "--ignore-certificate-errors"] : FLAGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
    ignoreHTTPSErrors: ignore_https_errors,
    timeout: LAUNCH_TIMEOUT_MS,
  };
  let launched;
  for (let attempt = 1; !launched; attempt++) {
    try {
      launched = await launch_once(options);
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
