// `npm run release:pack [-- --out DIR]`: every release artifact in one folder (default release/):
//   magic-pocket-cli-V.tgz      the `pocket` command, bundled (no dependencies), carrying the two
//                               runtimes below in dist/runtimes (docs/decisions.md#r8-release-artifacts)
//   magic-pocket-runtime-V.tgz  @magic-pocket/runtime for Node.js apps
//   pocket_cli_runtime-V-py3-none-any.whl, pocket-cli-runtime-V.tar.gz   the Python runtime
//   manifest.json               versions, the CLI version each pairs with, sha256 of each file
// @magic-pocket/config is bundled into the CLI and has no tarball of its own.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT, rootVersion, versionMismatches } from "./versions.mjs";

const args = process.argv.slice(2);
const outArg = args.indexOf("--out");
const OUT = resolve(outArg >= 0 ? args[outArg + 1] : join(ROOT, "release"));
const version = rootVersion();

const mismatches = versionMismatches();
if (mismatches.length > 0) {
  console.error(
    `release:pack: the version differs between places:\n  ${mismatches.join("\n  ")}\nRun node scripts/release/set-version.mjs ${version}.`,
  );
  process.exit(1);
}
if (
  !new RegExp(`^## ${version.replace(/\./g, "\\.")}\\b`, "m").test(
    readFileSync(join(ROOT, "CHANGELOG.md"), "utf8"),
  )
) {
  console.error(`release:pack: CHANGELOG.md has no "## ${version}" section.`);
  process.exit(1);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const run = (cmd, argv, cwd = ROOT) =>
  execFileSync(cmd, argv, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

// The CLI's prepack builds the bundle and packs the runtimes into dist/runtimes.
const cli = JSON.parse(
  run("npm", ["pack", "--json", "--pack-destination", OUT], join(ROOT, "packages/cli")),
)[0];
const carried = join(ROOT, "packages/cli/dist/runtimes");
const runtimes = JSON.parse(readFileSync(join(carried, "manifest.json"), "utf8"));
for (const a of [runtimes.node, runtimes.python, runtimes.sdist])
  copyFileSync(join(carried, a.file), join(OUT, a.file));

const sha256 = (file) =>
  createHash("sha256")
    .update(readFileSync(join(OUT, file)))
    .digest("hex");
const cliFile = cli.filename.replace(/^@/, "").replace("/", "-");
const artifact = (name, kind, file) => ({
  name,
  kind,
  file,
  version,
  pairsWithCli: version,
  sha256: sha256(file),
});
const manifest = {
  version,
  artifacts: [
    artifact("@magic-pocket/cli", "npm", cliFile),
    artifact("@magic-pocket/runtime", "npm", runtimes.node.file),
    artifact("pocket-cli-runtime", "wheel", runtimes.python.file),
    artifact("pocket-cli-runtime", "sdist", runtimes.sdist.file),
  ],
};
writeFileSync(join(OUT, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`release ${version} in ${OUT}:\n  ${readdirSync(OUT).join("\n  ")}`);
