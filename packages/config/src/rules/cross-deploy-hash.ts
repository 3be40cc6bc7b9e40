import type { PathSegment } from "../diagnostics.js";
import { type Add, type CheckedSettings, container } from "./checked.js";

/**
 * With a `versioning = "deploy_hash"` route pocket sets `DEPLOY_HASH` in every function to the
 * hash the route's URLs carry (docs/decisions.md#e22-deploy-hash-versioning). A `DEPLOY_HASH` of
 * the user's `envs` would be set after it and win, so the pages would name a folder that is not
 * the deploy's: refused where it is written.
 */
export function deployHashNotInEnvs(s: CheckedSettings, add: Add): void {
  const c = container(s);
  if (!c || !deployHashRoute(s)) return;
  const written: { envs: Record<string, string>; at: PathSegment[] }[] = [
    { envs: c.envs, at: ["awscontainer", "envs"] },
    ...Object.entries(c.handlers).map(([name, h]) => ({
      envs: h.envs,
      at: ["awscontainer", "handlers", name, "envs"],
    })),
  ];
  for (const { envs, at } of written) {
    if (!Object.hasOwn(envs, "DEPLOY_HASH")) continue;
    add(
      "deploy-hash-env",
      `environment variable DEPLOY_HASH is set by pocket on a stage with a versioning = "deploy_hash" route (${deployHashRoute(s)})`,
      [...at, "DEPLOY_HASH"],
      "Remove it from envs: pocket gives the functions the deploy's hash. To choose the hash, set DEPLOY_HASH in the environment of `pocket deploy` instead.",
    );
  }
}

/** The first `deploy_hash` route of the stage, named `[cloudfront.<name>] <path_pattern>`. */
function deployHashRoute(s: CheckedSettings): string | undefined {
  for (const [name, d] of Object.entries(s.cloudfront)) {
    if (d === "failed") continue;
    const route = d.routes.find((r) => r.versioning === "deploy_hash");
    if (route) return `[cloudfront.${name}] ${route.pathPattern || "default route"}`;
  }
  return undefined;
}
