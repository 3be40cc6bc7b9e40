import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { applySync, planSync, type SyncAction, syncSummary } from "../../buckets/sync.js";
import { CliError } from "../../errors.js";
import { withManagedAssets } from "../../templates/managed-assets.js";
import type { Change, DeployReport, Progress, Resource, RunContext } from "../resource.js";
import { distributionResource } from "./distribution.js";
import { type ManagedAssetSet, managedAssetSet } from "./managed-assets.js";
import { createInvalidation } from "./pending-invalidation.js";

/**
 * A distribution with `managed_assets` (docs/decisions.md#e23-managed-assets): its stack serves
 * one behaviour per file of the stage's folder, and its deploy keeps `pocket_managed/{name}/` of
 * the bucket equal to that folder. New and changed files are uploaded before the stack update
 * (a behaviour never points at a missing object), files no longer in the folder are deleted
 * after it (no behaviour points at them any more), and the paths that changed are invalidated.
 * An unchanged folder changes nothing. The folder is listed when the resource is made; a problem
 * with it (no folder, a subfolder, a name CloudFront cannot match, a route matching a file, too
 * many behaviours) is raised by every command that renders or deploys the stack, not by destroy,
 * which keeps the files with the bucket (P9: they go with `--with-data`).
 */
export function managedAssetsDistribution(
  ctx: PocketContext,
  cf: CloudFrontContext,
  projectDir: string,
): Resource {
  const listing = listFolder(cf, projectDir);
  const inner = distributionResource(ctx, listing.served);
  const checked = (): ManagedAssetSet => {
    if ("problem" in listing) throw listing.problem;
    return listing.set;
  };
  const plan = (run: RunContext) =>
    planSync(run.aws(cf.bucketRegion), checked().folder, target(cf), { delete: true });
  const stack = inner.stack!;
  return {
    ...inner,
    stack: {
      get region() {
        return stack.region;
      },
      name: stack.name,
      fingerprintTags: stack.fingerprintTags,
      template: () => {
        checked();
        return stack.template();
      },
    },
    stackSpec: async (run) => {
      checked();
      return inner.stackSpec!(run);
    },
    async status(run) {
      const { folder } = checked();
      const status = await inner.status(run);
      if (status.state !== "in-sync") return status;
      const differ = changed(await plan(run)).length;
      if (differ === 0) return status;
      return { state: "needs-update", detail: `${differ} managed asset file(s) differ from ${folder}` };
    },
    async plan(run) {
      checked();
      const [changes, actions] = await Promise.all([inner.plan(run), plan(run)]);
      return [...changes, ...changed(actions).map((a) => fileChange(cf, a))];
    },
    async deploy(run, progress) {
      checked();
      return deployWithFiles(run, cf, inner, changed(await plan(run)), progress);
    },
  };
}

/** The folder's files and the distribution serving them, or the problem every command then raises. */
function listFolder(
  cf: CloudFrontContext,
  projectDir: string,
): { set: ManagedAssetSet; served: CloudFrontContext } | { problem: CliError; served: CloudFrontContext } {
  try {
    const set = managedAssetSet(cf, projectDir)!;
    return { set, served: withManagedAssets(cf, set.names) };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { problem: error, served: cf };
  }
}

/** Uploads, the stack, deletions, one invalidation of the changed paths (none when nothing changed). */
async function deployWithFiles(
  run: RunContext,
  cf: CloudFrontContext,
  stack: Resource,
  actions: SyncAction[],
  progress: Progress,
): Promise<DeployReport> {
  await apply(run, cf, actions, "upload", progress);
  const report = await stack.deploy(run, progress);
  if (actions.length === 0) return report;
  await apply(run, cf, actions, "delete", progress);
  progress.update("invalidating the managed assets that changed");
  const paths = actions.map((a) => `/${a.key.slice(target(cf).prefix.length + 1)}`).sort();
  await createInvalidation(run, report.outputs!.DistributionId!, paths);
  const files = `managed assets ${syncSummary(actions)}; invalidated ${paths.join(" ")}`;
  return { ...report, changed: true, summary: `${report.summary}; ${files}` };
}

const target = (cf: CloudFrontContext) => ({ bucket: cf.bucketName, prefix: cf.managedAssets!.keyPrefix });

const changed = (actions: SyncAction[]) => actions.filter((a) => a.kind !== "keep");

function fileChange(cf: CloudFrontContext, a: SyncAction): Change {
  return {
    action: a.kind === "delete" ? "delete" : a.kind === "upload" && a.reason === "new" ? "create" : "update",
    target: `s3://${cf.bucketName}/${a.key}`,
    detail: "managed asset",
  };
}

/** The uploads (before the stack update) or the deletions (after it) of the folder's sync. */
async function apply(
  run: RunContext,
  cf: CloudFrontContext,
  actions: SyncAction[],
  kind: "upload" | "delete",
  progress: Progress,
): Promise<void> {
  const now = actions.filter((a) => a.kind === kind);
  if (now.length === 0) return;
  await applySync(run.aws(cf.bucketRegion), target(cf), now, (done, total, a) =>
    progress.update(
      `${kind === "upload" ? "uploading" : "deleting"} managed asset ${done}/${total} ${a.key}`,
    ),
  );
}
