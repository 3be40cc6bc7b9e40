// `npm pack` of @magic-pocket/cli: the bundle (scripts/build.mjs) and the runtimes it carries in
// dist/runtimes (scripts/release/pack-runtimes.mjs) must be in the tarball, built from this tree.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./versions.mjs";

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
execFileSync(process.execPath, [join(ROOT, "scripts/release/pack-runtimes.mjs")], {
  cwd: ROOT,
  stdio: "inherit",
});
