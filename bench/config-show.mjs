// Times `pocket config show --stage dev --json` as a whole process (start-up included) on the
// seed's largest example and prints median and spread. Target: median under 150 ms on 2 cores.
// Usage: node bench/config-show.mjs [runs]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "packages/cli/bin/pocket.js");
const config = join(root, "bench/fixtures/large.toml");
if (!existsSync(join(root, "packages/cli/dist/main.js"))) {
  console.error("build first: npm run build");
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 30);
const args = [bin, "--config", config, "config", "show", "--stage", "dev", "--json"];
const once = () => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`pocket failed (${r.status}): ${r.stderr}`);
  return ms;
};
for (let i = 0; i < 3; i++) once(); // warm the file cache
const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const baseline = (() => {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
})();
console.log(`pocket config show --stage dev --json (${runs} runs, bench/fixtures/large.toml)`);
console.log(
  `  median ${q(0.5).toFixed(1)} ms   p10 ${q(0.1).toFixed(1)} ms   p90 ${q(0.9).toFixed(1)} ms   min ${times[0].toFixed(1)} ms   max ${times[times.length - 1].toFixed(1)} ms`,
);
console.log(
  `  (bare \`node -e 0\` start-up on this machine: ${baseline.toFixed(1)} ms; target median < 150 ms)`,
);
