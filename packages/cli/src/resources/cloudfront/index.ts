import type { CloudFrontContext } from "@magic-pocket/config";
import type { Resource } from "../resource.js";
import { resourceKind } from "../resource.js";
import { distributionResource } from "./distribution.js";
import { frontendResource } from "./frontend.js";
import { uploadableRoutes } from "./frontend-files.js";
import { managedAssetsDistribution } from "./managed-distribution.js";
import { cloudfrontPermissions } from "./permissions.js";

/** `[cloudfront.NAME]`: each distribution's stack, then its front end (routes with build_dir). */
export default resourceKind({
  group: "cloudfront",
  noun: "the distributions",
  description: "CloudFront distributions (us-east-1)",
  named: "distribution",
  section: "[cloudfront.NAME]",
  permissions: cloudfrontPermissions,
  stacks: true,
  create: (ctx, where) => {
    const all: CloudFrontContext[] = Object.values(ctx.cloudfront ?? {});
    return [
      // managed_assets needs the project's folder; without it (offline permission listings)
      // the stack is the same but for its behaviours (docs/decisions.md#e23-managed-assets).
      ...all.map((cf) =>
        cf.managedAssets && where
          ? managedAssetsDistribution(ctx, cf, where.projectDir)
          : distributionResource(ctx, cf),
      ),
      ...all.filter((cf) => uploadableRoutes(cf).length > 0).map((cf) => frontendResource(ctx, cf)),
    ];
  },
  operations: {
    upload: {
      description:
        "run the build of every route with build_dir and upload the changed files as a new release, then switch viewers to it (in place and invalidate with atomic_releases = false)",
      aws: true,
      named: true,
      options: [["--skip-build", "upload build_dir as it is, without running the routes' build commands"]],
      run: async () => async (op) => {
        const frontends = op.resources.filter(isFrontend);
        if (frontends.length === 0) {
          const { CliError } = await import("../../errors.js");
          throw new CliError("no-frontend", "no CloudFront route of this stage has a build_dir to upload.", {
            hint: 'Give an S3 route build_dir = "dist" (and build = "npm run build" to build it first).',
          });
        }
        await op.deploy(frontends);
      },
    },
    credentials: {
      description:
        "print the basic-auth username of the distribution (and the password with --show-password)",
      aws: true,
      named: true,
      options: [
        ["--show-password", "print the password too (it will be on your screen and in your scrollback)"],
      ],
      run: async () => (await import("./credentials.js")).printCredentials,
    },
    "rotate-origin-verify": {
      description:
        "store a new origin-verify value beside the old one (--finish: keep the new one only); prints the steps that follow",
      aws: true,
      options: [["--finish", "drop the old value once CloudFront sends the new one"]],
      run: async () => (await import("./rotate.js")).rotateOriginVerify,
    },
    context: {
      description: "print each distribution's derived context and deploy parameters as JSON (offline)",
      named: true,
      run: async () => (await import("./context.js")).printContext,
    },
  },
});

function isFrontend(r: Resource): boolean {
  return r.id.startsWith("frontend:");
}
