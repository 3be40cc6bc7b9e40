import type { CloudFrontContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import type { Change, Resource, RunContext } from "../resource.js";
import { uploadableRoutes } from "./frontend-files.js";
import { currentRelease, type Releases, releaseIds, switchRelease } from "./releases.js";

/**
 * A distribution's front end as `pocket rollback` puts it back: viewers are switched to the
 * release a recorded deploy served, by the same one KeyValueStore write as a deploy
 * (docs/decisions.md#e17-atomic-front-end-releases). No file is uploaded, copied or deleted:
 * releases hold only built files, never a storage's (user uploads). A release that was pruned
 * since (beyond `kept_releases`) is refused at the plan, before anything changes.
 */
export function releaseRollback(
  current: Resource,
  cf: CloudFrontContext,
  releases: Releases,
  id: string,
  deploy: number,
): Resource {
  const switchNeeded = async (run: RunContext): Promise<Change[]> => {
    const now = await currentRelease(run, cf, releases);
    if (now === id) return [];
    await mustExist(run, cf, releases, id, deploy);
    return [
      {
        action: "update",
        target: `front-end release of ${cf.name}`,
        detail: `viewers switch from ${now ?? "the files in place"} to ${id}`,
      },
    ];
  };
  return {
    id: current.id,
    title: `${current.title} (release ${id}, as in deploy #${deploy})`,
    group: current.group,
    name: current.name,
    dependsOn: current.dependsOn,
    status: async (run) =>
      (await switchNeeded(run)).length === 0
        ? { state: "in-sync", detail: `serves release ${id}` }
        : { state: "needs-update", detail: `does not serve release ${id}` },
    plan: switchNeeded,
    async deploy(run, progress) {
      if ((await switchNeeded(run)).length === 0)
        return { changed: false, summary: `no changes (release ${id})`, outputs: { release: id } };
      progress.update(`switching viewers to release ${id}`);
      await switchRelease(run, cf, releases, id);
      return { changed: true, summary: `viewers switched back to release ${id}`, outputs: { release: id } };
    },
    destroy: () => {
      throw new CliError("internal", "a rollback never deletes a front end.");
    },
  };
}

/** Every route of the distribution still has the release's folder. */
async function mustExist(
  run: RunContext,
  cf: CloudFrontContext,
  releases: Releases,
  id: string,
  deploy: number,
): Promise<void> {
  for (const route of uploadableRoutes(cf)) {
    if ((await releaseIds(run, cf, route, releases)).includes(id)) continue;
    throw new CliError(
      "release-pruned",
      `release ${id} of distribution ${cf.name} (deploy #${deploy}) is no longer in s3://${cf.bucketName}/${route.keyPrefix}; nothing was changed.`,
      {
        hint: `kept_releases = ${releases.kept} keeps that many releases; roll back to a later deploy (\`pocket history\`), or raise kept_releases for the future.`,
      },
    );
  }
}
