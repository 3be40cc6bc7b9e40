import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { CliError } from "../errors.js";
import type { RunContext } from "../resources/resource.js";
import { DEPLOY_HASH_PATTERN } from "../templates/container/parameters.js";

const WHOLE = new RegExp(`^${DEPLOY_HASH_PATTERN}$`);

/**
 * The deploy's hash for `versioning = "deploy_hash"` routes, as the original's current version
 * resolves it: `DEPLOY_HASH` from the environment when set, else `git rev-parse --short HEAD` in
 * the folder of pocket.toml. Outside a git checkout, without `DEPLOY_HASH`, the deploy is refused
 * rather than given a made-up value (docs/decisions.md#e22-deploy-hash-versioning).
 */
export function deployHash(configFile: string, env: NodeJS.ProcessEnv = process.env): Promise<DeployHash> {
  // Asked by the announcement and by every container's parameters, for status, plan and deploy
  // alike: git runs once per file and DEPLOY_HASH.
  const key = `${configFile}\0${env.DEPLOY_HASH ?? ""}`;
  let found = known.get(key);
  if (!found) {
    found = readDeployHash(configFile, env.DEPLOY_HASH);
    known.set(key, found);
  }
  return found;
}

type DeployHash = { value: string; source: "DEPLOY_HASH" | "git HEAD" };
const known = new Map<string, Promise<DeployHash>>();

async function readDeployHash(configFile: string, given: string | undefined): Promise<DeployHash> {
  if (given !== undefined && given !== "") {
    if (!WHOLE.test(given)) {
      throw new CliError(
        "deploy-hash-invalid",
        `DEPLOY_HASH ${JSON.stringify(given)} cannot be a URL folder.`,
        {
          hint: "Use letters, digits, '.', '_' or '-' (at most 64), e.g. a git commit hash.",
        },
      );
    }
    return { value: given, source: "DEPLOY_HASH" };
  }
  // execFile, not runTool: a missing git is "not a checkout" here, not runTool's tool-missing.
  const hash = await promisify(execFile)("git", ["rev-parse", "--short", "HEAD"], {
    cwd: dirname(configFile),
  })
    .then((r) => r.stdout.trim())
    .catch(() => "");
  if (!WHOLE.test(hash)) {
    throw new CliError(
      "deploy-hash-unknown",
      'a route has versioning = "deploy_hash", but pocket.toml is not in a git checkout with a commit and DEPLOY_HASH is not set.',
      {
        hint: "Deploy from a git checkout, or set DEPLOY_HASH (e.g. DEPLOY_HASH=$(date +%s) pocket deploy).",
      },
    );
  }
  return { value: hash, source: "git HEAD" };
}

/**
 * Before anything changes, a stage with a `deploy_hash` route says which hash this deploy gives
 * it and where that came from (as the original does, so a `DEPLOY_HASH` lost on the way shows),
 * or refuses (docs/decisions.md#e22-deploy-hash-versioning).
 */
export async function announceDeployHash(run: RunContext, write: (line: string) => void): Promise<void> {
  if (!run.ctx.container?.deployHash) return;
  const { value, source } = await deployHash(run.config.file);
  write(`deploy hash ${value} (from ${source})`);
}
