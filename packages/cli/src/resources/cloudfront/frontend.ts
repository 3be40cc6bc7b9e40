import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CloudFrontContext, PocketContext, S3RouteContext } from "@magic-pocket/config";
import { deletionForbidden } from "../../buckets/owners.js";
import { applySync, planSync, type SyncAction, syncSummary } from "../../buckets/sync.js";
import { CliError } from "../../errors.js";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import { runTool } from "../../util/process.js";
import type { Change, DeployReport, Progress, Resource, ResourceStatus, RunContext } from "../resource.js";
import {
  createInvalidation,
  describePending,
  INVALIDATION_PATHS,
  pendingInvalidation,
} from "./pending-invalidation.js";

/**
 * A distribution's front end (docs/decisions.md#p7-front-end-upload; the guide's `build` /
 * `build_dir`): each S3 route with a `build_dir` runs its `build` command, then its folder is
 * synced to the route's key prefix in the `[s3]` bucket, and the distribution is invalidated once
 * if anything changed. Unlike the original, files are compared (MD5 against ETag) instead of all re-uploaded, so an
 * unchanged front end deploys as "no changes"; and deletion never touches keys that belong to
 * another route or to a Django storage under the same prefix. The invalidation is recorded as
 * owed before the first file changes and finished by a later deploy if this one stops before it
 * (pending-invalidation.ts).
 */
export function uploadableRoutes(cf: CloudFrontContext): S3RouteContext[] {
  return cf.routes.filter((r): r is S3RouteContext => r.type === "s3" && r.buildDir !== undefined);
}

/** `text/html` is revalidated on every visit; content-hashed assets are cached for a year. */
export function frontendCacheControl(route: S3RouteContext, key: string): string | undefined {
  // Versioned routes get their Cache-Control from the distribution's response headers policy;
  // plain routes use CloudFront's defaults, as in the reference.
  if (!route.isSpa) return undefined;
  if (/\.html?$/i.test(key)) return "no-cache";
  // app.3f2a1b9c.js, index-BZ3kq8xY.css, chunk.a1b2c3d4e5.js: a fingerprint with a digit.
  const name = key.split("/").pop() ?? key;
  if (/[.-](?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$/.test(name))
    return "public, max-age=31536000, immutable";
  return "public, max-age=3600";
}

export interface RoutePlan {
  route: S3RouteContext;
  actions: SyncAction[];
}

export function frontendResource(ctx: PocketContext, cf: CloudFrontContext): Resource {
  const where = uploadableRoutes(cf)
    .map((r) => `s3://${cf.bucketName}/${r.keyPrefix}/`)
    .join(", ");
  return {
    id: `frontend:${cf.name}`,
    title: `front end of ${cf.name} (${where})`,
    group: "cloudfront",
    name: cf.name,
    dependsOn: ["s3", `cloudfront:${cf.name}`],
    goesWith: "kept: the files go with the S3 bucket (--with-data)",
    status: (run) => frontendStatus(ctx, cf, run),
    plan: (run) => frontendChanges(ctx, cf, run),
    deploy: (run, progress) => deployFrontend(ctx, cf, run, progress),
    async destroy(_run, progress) {
      progress.log(
        `kept the front end files in s3://${cf.bucketName} (they are deleted with the bucket: --with-data)`,
      );
      return { changed: false, summary: "kept (in the S3 bucket)" };
    },
  };
}

const folderOf = (run: RunContext, route: S3RouteContext) =>
  resolve(dirname(run.config.file), route.buildDir!);

/** What a sync of each route's build folder would do (the folders must exist). */
async function routePlans(ctx: PocketContext, cf: CloudFrontContext, run: RunContext): Promise<RoutePlan[]> {
  const clients = run.aws(cf.bucketRegion);
  const bucket = cf.bucketName;
  const out: RoutePlan[] = [];
  for (const route of uploadableRoutes(cf)) {
    const dir = folderOf(run, route);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new CliError(
        "frontend-build-dir-missing",
        `the build_dir of route ${describe(route)} (${dir}) does not exist.`,
        {
          hint: route.build
            ? `Its build command (${route.build}) should create it; check the command and build_dir.`
            : 'Build the front end first, or add build = "..." to the route so pocket runs the build.',
        },
      );
    }
    const forbidden = deletionForbidden(ctx, bucket, { prefix: route.keyPrefix });
    const actions = await planSync(
      clients,
      dir,
      { bucket, prefix: route.keyPrefix },
      { delete: true, protect: forbidden },
    );
    out.push({ route, actions });
  }
  return out;
}

/** The distribution's id, from this run's deploy of it or from its stack. */
async function distributionId(cf: CloudFrontContext, run: RunContext): Promise<string> {
  const id =
    run.outputs.get(`cloudfront:${cf.name}`)?.DistributionId ??
    stackOutputs(await describeStack(run.aws("us-east-1"), cf.stackName)).DistributionId;
  if (!id) {
    throw new CliError("distribution-missing", `the distribution ${cf.stackName} does not exist yet.`, {
      hint: "Deploy it first: `pocket deploy` creates it before uploading the front end.",
    });
  }
  return id;
}

async function frontendStatus(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
): Promise<ResourceStatus> {
  // Uploaded files behind a stale cache are not in sync: viewers still get the old ones.
  const pending = await pendingInvalidation(run, ctx, cf).read();
  const owed = pending ? [`${describePending(pending)}: the next deploy finishes it`] : [];
  const missing = uploadableRoutes(cf).filter((r) => !existsSync(folderOf(run, r)));
  if (missing.length > 0) {
    const detail = [`not built yet: ${missing.map(describe).join(", ")}`, ...owed].join("; ");
    return { state: "needs-update", detail };
  }
  const changed = (await routePlans(ctx, cf, run)).flatMap((p) => p.actions.filter((a) => a.kind !== "keep"));
  const differ = changed.length > 0 ? [`${changed.length} file(s) differ`] : [];
  return differ.length + owed.length === 0
    ? { state: "in-sync", detail: "the built files are uploaded" }
    : { state: "needs-update", detail: [...differ, ...owed].join("; ") };
}

async function frontendChanges(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
): Promise<Change[]> {
  const routes = uploadableRoutes(cf);
  const pending = await pendingInvalidation(run, ctx, cf).read();
  const changes: Change[] = routes
    .filter((r) => r.build)
    .map((r) => ({
      action: "update",
      target: `front end build ${describe(r)}`,
      detail: `runs ${r.build}; the files below are from the last build`,
    }));
  if (pending) {
    changes.push({
      action: "update",
      target: `invalidation of distribution ${cf.name}`,
      detail: `${describePending(pending)}: an earlier deploy did not finish it`,
    });
  }
  if (routes.some((r) => !existsSync(folderOf(run, r)))) return changes;
  for (const p of await routePlans(ctx, cf, run)) {
    for (const a of p.actions) {
      if (a.kind === "keep") continue;
      changes.push({
        action: a.kind === "delete" ? "delete" : a.reason === "new" ? "create" : "update",
        target: `s3://${cf.bucketName}/${a.key}`,
      });
    }
  }
  return changes;
}

/**
 * Builds, syncs in upload phases, invalidates. An invalidation left by a run that stopped
 * between the upload and the invalidation is finished even when no file changes now (and with
 * --skip-frontend: the files are already out there).
 */
async function deployFrontend(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const owed = pendingInvalidation(run, ctx, cf);
  const pending = await owed.read();
  if (run.skipFrontend && !pending) return { changed: false, summary: "skipped (--skip-frontend)" };
  const plans = run.skipFrontend ? [] : await buildAndPlan(ctx, cf, run, progress);
  const phases = uploadPhases(plans);
  const total = phases.reduce((n, phase) => n + phase.reduce((m, step) => m + step.actions.length, 0), 0);
  const changed = total > 0;
  if (!changed && !pending) return { changed: false, summary: "no changes" };
  const id = await distributionId(cf, run);
  const paths = [...new Set([...(pending?.paths ?? []), ...(changed ? INVALIDATION_PATHS : [])])];
  if (changed && !pending) {
    // Before the first file changes: a run stopped anywhere after this leaves the debt on record.
    const recorded = await owed.record({ distributionId: id, paths, since: new Date().toISOString() });
    if (!recorded) {
      progress.log(
        `warning: no state bucket ${ctx.stateBucket}: if the invalidation fails, the next deploy will not know to retry it`,
      );
    }
  }
  await uploadInPhases(cf, run, phases, total, progress);
  progress.update("invalidating the distribution's cache");
  await createInvalidation(run, id, paths);
  await owed.clear();
  const parts = plans.map((p) => `${p.route.keyPrefix}/: ${syncSummary(p.actions)}`);
  const finished = pending ? `finished the invalidation pending since ${pending.since}` : undefined;
  const summary = changed
    ? `${parts.join("; ")}; invalidated ${paths.join(" ")}${finished ? ` (${finished})` : ""}`
    : `no file changes; ${finished} (${paths.join(" ")})`;
  return { changed: true, summary };
}

/** Runs each route's build command (unless --skip-build), then plans the sync. */
async function buildAndPlan(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
): Promise<RoutePlan[]> {
  for (const route of uploadableRoutes(cf)) {
    if (!route.build || run.skipBuild) continue;
    progress.update(`building ${describe(route)}: ${route.build}`);
    await runBuild(route, dirname(run.config.file), progress);
  }
  return routePlans(ctx, cf, run);
}

async function uploadInPhases(
  cf: CloudFrontContext,
  run: RunContext,
  phases: ReturnType<typeof uploadPhases>,
  total: number,
  progress: Progress,
): Promise<void> {
  const clients = run.aws(cf.bucketRegion);
  let done = 0;
  for (const phase of phases) {
    for (const step of phase) {
      if (step.actions.length === 0) continue;
      await applySync(
        clients,
        { bucket: cf.bucketName, prefix: step.route.keyPrefix },
        step.actions,
        (_done, _total, a) =>
          progress.update(`${a.kind === "delete" ? "deleting" : "uploading"} ${++done}/${total} ${a.key}`),
        { cacheControl: (key) => frontendCacheControl(step.route, key) },
      );
    }
  }
}

/**
 * The order of a front-end upload, across every route of the distribution: first the files that
 * pages refer to (scripts, styles, images), then the HTML pages, then the deletions. A visitor
 * who loads a page in between gets either the old page with the old assets (still there) or the
 * new page with assets that are already uploaded, never a page pointing at a missing file.
 * A key that one route deletes but another route uploads or keeps (two routes on one prefix) is
 * not deleted.
 */
export function uploadPhases(plans: RoutePlan[]): { route: S3RouteContext; actions: SyncAction[] }[][] {
  const isPage = (a: SyncAction) => /\.html?$/i.test(a.key);
  const wanted = new Set(
    plans.flatMap((p) => p.actions.filter((a) => a.kind !== "delete").map((a) => a.key)),
  );
  const pick = (test: (a: SyncAction) => boolean) =>
    plans.map((p) => ({ route: p.route, actions: p.actions.filter(test) }));
  return [
    pick((a) => a.kind === "upload" && !isPage(a)),
    pick((a) => a.kind === "upload" && isPage(a)),
    pick((a) => a.kind === "delete" && !wanted.has(a.key)),
  ];
}

function describe(route: S3RouteContext): string {
  return route.pathPattern ? `"${route.pathPattern}"` : "(default)";
}

/** The route's build command, through the shell (it is the user's command line), in the project folder. */
async function runBuild(route: S3RouteContext, cwd: string, progress: Progress): Promise<void> {
  const r = await runTool(route.build!, [], { cwd, progress, shell: true });
  if (r.code === 0) return;
  const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-12).join("\n");
  throw new CliError(
    "frontend-build-failed",
    `the build of route ${describe(route)} (${route.build}) exited with ${r.code}:\n${tail}`,
    {
      hint: "Fix the build (run the same command in the folder of pocket.toml), then deploy again. Nothing was uploaded.",
    },
  );
}
