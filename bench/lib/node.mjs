// The Node the benches measure with: the pinned Node 22 of scripts/test-node.sh, the lowest the
// project supports (package.json engines), whatever Node runs the bench script itself (a machine's
// Node 20 starts differently: no compile cache, a slower `node -e 0`).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The path of the pinned Node 22 binary (installed on first use by scripts/test-node.sh). */
export function benchNode() {
  const bin = execFileSync("bash", [join(root, "scripts/test-node.sh"), "22"], { encoding: "utf8" }).trim();
  return join(bin, "node");
}
