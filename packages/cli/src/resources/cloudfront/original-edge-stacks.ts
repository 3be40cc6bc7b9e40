import type { CloudFrontContext } from "@magic-pocket/config";
import { destroyStack } from "../../stacks/stack.js";
import type { Resource } from "../resource.js";

/**
 * The stacks in us-east-1 where the original's current version kept what a distribution in the
 * stage's region cannot hold: its certificate (`{cfslug}-acm`) and web ACL (`{cfslug}-waf`). A
 * takeover leaves them as they are and keeps the certificate by ARN; they are the stage's, so
 * destroy deletes them by name after the distribution
 * (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */
export function originalEdgeStackNames(cf: CloudFrontContext): string[] {
  return [`${cf.slug}-acm`, `${cf.slug}-waf`];
}

/**
 * The distribution's resource, whose destroy also deletes those stacks (those there are) when the
 * distribution's stack is in the stage's region: only the original's current version put it there
 * (placement.ts decides before destroy lists or deletes anything).
 */
export function withOriginalEdgeStacks(resource: Resource, cf: CloudFrontContext): Resource {
  const inStageRegion = () => cf.region !== "us-east-1";
  return {
    ...resource,
    get goesWith() {
      return inStageRegion()
        ? `then the original's ${originalEdgeStackNames(cf).join(" and ")} stacks in us-east-1, if there`
        : resource.goesWith;
    },
    async destroy(run, progress, options) {
      const report = await resource.destroy(run, progress, options);
      if (!inStageRegion()) return report;
      const deleted: string[] = [];
      for (const name of originalEdgeStackNames(cf)) {
        if (await destroyStack(run.aws("us-east-1"), name, progress)) deleted.push(name);
      }
      if (deleted.length === 0) return report;
      return {
        ...report,
        changed: true,
        summary: `${report.summary}; deleted ${deleted.join(", ")} (us-east-1)`,
      };
    },
  };
}
