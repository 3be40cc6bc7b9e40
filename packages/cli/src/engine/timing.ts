import type { BuilderEnvironment, Timing, VendorEndpoints } from "../resources/resource.js";

/**
 * Poll intervals for one run. Real AWS takes minutes, an emulator milliseconds: the test harness
 * shortens them through these variables, read here once and handed to resources as options, so
 * no resource reads the environment.
 */
export function runTiming(env: NodeJS.ProcessEnv = process.env): Timing {
  const ms = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value >= 0 && env[name] !== "" && env[name] !== undefined
      ? value
      : fallback;
  };
  return {
    rdsPollMs: ms("POCKET_RDS_POLL_MS", 10_000),
    codebuildPollMs: ms("POCKET_CODEBUILD_POLL_MS", 10_000),
    iamSettleMs: ms("POCKET_IAM_SETTLE_MS", 10_000),
    neonPollMs: ms("POCKET_NEON_POLL_MS", 1000),
    tidbPollMs: ms("POCKET_TIDB_POLL_MS", 5000),
    policyRetryScale: ms("POCKET_POLICY_RETRY_SCALE", 1),
  };
}

/** The documented API URL overrides (README: "For proxies and tests only"), read once per run. */
export function vendorEndpoints(env: NodeJS.ProcessEnv = process.env): VendorEndpoints {
  return {
    neonApi: env.POCKET_NEON_API_URL || undefined,
    tidbIam: env.POCKET_TIDB_IAM_URL || undefined,
    tidbApi: env.POCKET_TIDB_API_URL || undefined,
    upstashApi: env.POCKET_UPSTASH_API_URL || undefined,
  };
}

/** The image builders' tokens and overrides (README "Environment variables"), read once per run. */
export function builderEnvironment(env: NodeJS.ProcessEnv = process.env): BuilderEnvironment {
  return {
    depotToken: env.DEPOT_TOKEN ?? env.DEPOT_API_KEY,
    depotProjectId: env.DEPOT_PROJECT_ID,
    codebuildPermissionsBoundary: env.CODEBUILD_PERMISSIONS_BOUNDARY || undefined,
  };
}
