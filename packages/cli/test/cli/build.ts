import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./run.js";

/** The CLI tests run the bundled binary: bundle it before them (esbuild: ~0.2 s). */
export function buildCli(): void {
  execFileSync(process.execPath, [join(repoRoot, "scripts/build.mjs")], { stdio: "inherit" });
}
