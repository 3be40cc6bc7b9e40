// Start-up speed of the offline commands, as a whole process, against Node's own start-up:
// `node -e 0`, `pocket config show --stage dev --json` and `pocket resource awscontainer yaml`
// on bench/fixtures/large.toml (the seed's largest example), run interleaved so that a busy
// machine slows all three alike. Prints each median and its ratio to `node -e 0`.
// Target (issue 10): both ratios at or under 1.6.
// Usage: node bench/config-show.mjs [runs per command, default 9, at least 7]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "packages/cli/bin/pocket.cjs");
const config = join(root, "bench/fixtures/large.toml");
if (!existsSync(join(root, "packages/cli/dist/cli.cjs"))) {
  console.error("build first: npm run build");
  process.exit(1);
}
const runs = Math.max(7, Number(process.argv[2] ?? 9));
const TARGET = 1.6;

const commands = [
  { name: "node -e 0", args: ["-e", "0"] },
  {
    name: "pocket config show --stage dev --json",
    args: [bin, "--config", config, "config", "show", "--stage", "dev", "--json"],
  },
  {
    name: "pocket resource awscontainer yaml --stage dev",
    args: [bin, "--config", config, "resource", "awscontainer", "yaml", "--stage", "dev"],
  },
];

function once(command) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, command.args, {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${command.name} failed (${r.status}): ${r.stderr}`);
  return ms;
}

// One warm-up round fills the file cache and the code caches (Node 22+: enableCompileCache;
// Node 20: bin/pocket.cjs keeps one per command for dist/cli.cjs).
for (const c of commands) once(c);
const times = commands.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [j, c] of commands.entries()) times[j].push(once(c));
}

const median = (list) => {
  const s = [...list].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const base = median(times[0]);
console.log(`${runs} interleaved runs each, bench/fixtures/large.toml, Node ${process.version}`);
let worst = 0;
commands.forEach((c, j) => {
  const m = median(times[j]);
  const ratio = m / base;
  if (j > 0) worst = Math.max(worst, ratio);
  const spread = `min ${Math.min(...times[j]).toFixed(0)} / max ${Math.max(...times[j]).toFixed(0)} ms`;
  console.log(
    `  ${c.name.padEnd(46)} median ${m.toFixed(1).padStart(6)} ms  ratio ${ratio.toFixed(2)}  (${spread})`,
  );
});
console.log(`worst ratio ${worst.toFixed(2)} (target <= ${TARGET}): ${worst <= TARGET ? "ok" : "over"}`);
