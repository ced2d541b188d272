// Builds the dashboard: index.html, app.js and app.css (everything bundled, nothing fetched from
// the internet at run time), into dist/ or --outdir DIR. `node build.mjs --watch` rebuilds on change.
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const watch = args.includes("--watch");
const outdir_at = args.indexOf("--outdir");
const dist = outdir_at >= 0 && args[outdir_at + 1] ? resolve(args[outdir_at + 1]) : join(root, "dist");

if (!existsSync(join(root, "node_modules", "esbuild"))) {
  console.error("web: npm packages missing; run scripts/install-deps.sh (npm ci --prefix web)");
  process.exit(1);
}
const { build, context } = await import("esbuild");

const options = {
  // main.ts imports the CSS, so esbuild writes app.css next to app.js.
  entryPoints: { app: join(root, "src/main.ts") },
  outdir: dist,
  entryNames: "[name]",
  bundle: true,
  minify: !watch,
  sourcemap: false,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
copyFileSync(join(root, "src/index.html"), join(dist, "index.html"));
if (watch) {
  const ctx = await context(options);
  await ctx.watch();
  console.log("watching src/ ...");
} else {
  await build(options);
}
