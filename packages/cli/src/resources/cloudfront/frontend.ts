import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CloudFrontContext, PocketContext, S3RouteContext } from "@magic-pocket/config";
import { deletionForbidden, isUnder } from "../../buckets/owners.js";
import { applySync, planSync, type SyncAction, syncSummary } from "../../buckets/sync.js";
import { CliError } from "../../errors.js";
import { runTool } from "../../util/process.js";
import type { Change, DeployReport, Progress, Resource, ResourceStatus, RunContext } from "../resource.js";
import { frontendCacheControl, type RoutePlan, uploadableRoutes } from "./frontend-files.js";
import { distributionOutputs } from "./kvs.js";
import {
  createInvalidation,
  describePending,
  INVALIDATION_PATHS,
  pendingInvalidation,
} from "./pending-invalidation.js";
import { uploadRelease } from "./release-upload.js";
import { currentRelease, type Releases, releasePrefix, releasesRoot } from "./releases.js";

/**
 * A distribution's front end (docs/decisions.md#p7-front-end-upload; the guide's `build` /
 * `build_dir`): each S3 route with a `build_dir` runs its `build` command, then its folder is
 * synced to the route's key prefix in the `[s3]` bucket, and the distribution is invalidated once
 * if anything changed. Unlike the original, files are compared (MD5 against ETag) instead of all re-uploaded, so an
 * unchanged front end deploys as "no changes"; and deletion never touches keys that belong to
 * another route or to a Django storage under the same prefix. The invalidation is recorded as
 * owed before the first file changes and finished by a later deploy if this one stops before it
 * (pending-invalidation.ts). With atomic releases (the default) the files go to a new release
 * instead and viewers are switched to it in one step
 * (docs/decisions.md#e17-atomic-front-end-releases, release-upload.ts).
 */
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

/**
 * What a sync of each route's build folder would do (the folders must exist): against the
 * release viewers get now (`current`, docs/decisions.md#e17-atomic-front-end-releases), else
 * against the files in place, leaving the releases folder alone.
 */
async function routePlans(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  current?: string,
): Promise<RoutePlan[]> {
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
    const releases = cf.releases;
    const forbidden = deletionForbidden(ctx, bucket, { prefix: route.keyPrefix });
    const inPlace = (key: string) =>
      forbidden(key) || (releases !== undefined && isUnder(key, releasesRoot(route, releases)));
    const actions = await planSync(
      clients,
      dir,
      { bucket, prefix: releases && current ? releasePrefix(route, releases, current) : route.keyPrefix },
      // One manifest per route, whichever release it is compared with (fewer files read again).
      { delete: true, protect: releases && current ? undefined : inPlace, manifestPrefix: route.keyPrefix },
    );
    out.push({ route, actions });
  }
  return out;
}

/** The distribution's id, from this run's deploy of it or from its stack. */
async function distributionId(cf: CloudFrontContext, run: RunContext): Promise<string> {
  return (await distributionOutputs(cf, run)).DistributionId!;
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
  const current = await releaseNow(run, cf);
  const changed = (await routePlans(ctx, cf, run, current)).flatMap((p) =>
    p.actions.filter((a) => a.kind !== "keep"),
  );
  const differ = changed.length > 0 ? [`${changed.length} file(s) differ`] : [];
  if (cf.releases && !current) differ.push("no release uploaded yet");
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
  const current = await releaseNow(run, cf);
  const plans = await routePlans(ctx, cf, run, current);
  if (cf.releases && (!current || plans.some((p) => p.actions.some((a) => a.kind !== "keep")))) {
    changes.push({
      action: "update",
      target: `front-end release of ${cf.name}`,
      detail: `a new release replaces ${current ?? "the files in place"}; the files below differ from it`,
    });
  }
  for (const p of plans) {
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
  if (cf.releases) return deployRelease(ctx, cf, run, progress, cf.releases);
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

/**
 * Atomic releases (docs/decisions.md#e17-atomic-front-end-releases): a front end that differs
 * from the release viewers get becomes a new release, and viewers switch to it by one
 * KeyValueStore write. No invalidation: the release id is part of every path CloudFront caches.
 * An invalidation owed by an upload before releases is still paid. The report's `release`
 * output is what the deploy history records for the distribution.
 */
async function deployRelease(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
  releases: Releases,
): Promise<DeployReport> {
  const current = await currentRelease(run, cf, releases);
  const plans = run.skipFrontend ? [] : await buildAndPlan(ctx, cf, run, progress, current);
  const differs = !current || plans.some((p) => p.actions.some((a) => a.kind !== "keep"));
  const paid = await payOwedInvalidation(ctx, cf, run, progress);
  if (run.skipFrontend || !differs) {
    const kept = run.skipFrontend ? "skipped (--skip-frontend)" : `no changes (release ${current})`;
    return {
      changed: paid !== undefined,
      summary: paid ? `${kept}; ${paid}` : kept,
      ...(current ? { outputs: { release: current } } : {}),
    };
  }
  const from = (route: S3RouteContext) =>
    current ? releasePrefix(route, releases, current) : route.keyPrefix;
  const made = await uploadRelease(
    ctx,
    cf,
    run,
    progress,
    releases,
    plans.map((plan) => ({ plan, from: from(plan.route) })),
  );
  const summary = [...made.summary, `viewers switched to release ${made.id}`, ...(paid ? [paid] : [])];
  return { changed: true, summary: summary.join("; "), outputs: { release: made.id } };
}

/** Finishes an invalidation an earlier upload (before releases) left owed; says so, or undefined. */
async function payOwedInvalidation(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
): Promise<string | undefined> {
  const owed = pendingInvalidation(run, ctx, cf);
  const pending = await owed.read();
  if (!pending) return undefined;
  progress.update("invalidating the distribution's cache");
  await createInvalidation(run, await distributionId(cf, run), pending.paths);
  await owed.clear();
  return `finished the invalidation pending since ${pending.since} (${pending.paths.join(" ")})`;
}

/** The release viewers get now; undefined before the first, or before the distribution exists. */
async function releaseNow(run: RunContext, cf: CloudFrontContext): Promise<string | undefined> {
  if (!cf.releases) return undefined;
  try {
    return await currentRelease(run, cf, cf.releases);
  } catch (error) {
    if (error instanceof CliError && ["distribution-missing", "kvs-missing"].includes(error.code))
      return undefined;
    throw error;
  }
}

/** Runs each route's build command (unless --skip-build), then plans the sync. */
async function buildAndPlan(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
  current?: string,
): Promise<RoutePlan[]> {
  for (const route of uploadableRoutes(cf)) {
    if (!route.build || run.skipBuild) continue;
    progress.update(`building ${describe(route)}: ${route.build}`);
    await runBuild(route, dirname(run.config.file), progress);
  }
  return routePlans(ctx, cf, run, current);
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
