import type { PocketContext } from "@magic-pocket/config";
import { A, type Grant, P } from "../permissions.js";
import { imagePairs } from "./image-pairs.js";

/**
 * What `deploy --image-from STAGE` reads of STAGE (resources/container/promote.ts): each paired
 * container's stack (DescribeStacks, for the image it runs) and, when the target container's
 * repository is another one, its repository (BatchGetImage, for the manifest copied into the
 * target's). Nothing that writes to the source stage: the copy's writes are on the target's own
 * repository, which the stage's policy already grants.
 */
export function imageSourceGrants(ctx: PocketContext, sources: readonly PocketContext[]): Grant[] {
  const pairs = sources.flatMap((source) => imagePairs(ctx, source));
  const stacks = pairs.map(
    ({ source: { container: c } }) => `arn:${P}:cloudformation:${c!.region}:${A}:stack/${c!.stackName}/*`,
  );
  const repositories = pairs
    .filter(({ source, target }) => source.container!.ecrRepository !== target.container!.ecrRepository)
    .map(({ source: { container: c } }) => `arn:${P}:ecr:${c!.region}:${A}:repository/${c!.ecrRepository}`);
  return [
    {
      sid: "ImageFromStacks",
      part: "image-from",
      actions: ["cloudformation:DescribeStacks"],
      resources: [...new Set(stacks)],
    },
    {
      sid: "ImageFromRepositories",
      part: "image-from",
      actions: ["ecr:BatchGetImage"],
      resources: [...new Set(repositories)],
    },
  ];
}
