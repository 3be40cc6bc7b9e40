import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";

import { awsCommand, FORCE_UNLOCK_OPTION } from "./options.js";

const actions = () => import("./stage-actions.js");

/** `pocket deploy|status|plan|destroy`: the whole stage, resources in dependency order. */
export function registerStageCommands(program: Command, global: () => GlobalOptions): void {
  awsCommand(
    program,
    "deploy",
    "create or update every resource of a stage; unchanged resources are left alone",
  )
    .option("--image <uri>", "deploy this image (ECR URI@sha256:DIGEST) instead of building the Dockerfile")
    .option(
      "--image-from <stage>",
      "deploy the image digest that another stage runs (copied into this stage's repository), e.g. --stage prd --image-from dev",
    )
    .option("--rebuild", "build the image with CodeBuild even when its sources did not change")
    .option("--skip-frontend", "do not build or upload the CloudFront routes' front ends (build_dir)")
    .option(
      "--hotswap",
      "when the image is the only change, update the functions directly instead of the stack (stages with hotswap = true; front ends are not uploaded); otherwise a full deploy, saying why",
    )
    .option("-y, --yes", "answer yes to questions (recreate a stack whose creation failed)")
    .option(...FORCE_UNLOCK_OPTION)
    .option(
      "--strict",
      "refuse, before any change, when a pre-flight check finds what the functions cannot start without (a missing user secret); on by itself when CI is set",
    )
    .addHelpText("after", "\nA second deploy with no change makes no changes and says so.")
    .action(async (opts) => (await actions()).deployCommand(global(), opts));

  awsCommand(
    program,
    "adopt",
    "tell what deployed the stage (the original, which version) and what taking it over changes and keeps; changes nothing",
  )
    .addHelpText(
      "after",
      "\nExit status: 1 when the takeover would replace or delete something. `pocket deploy` runs the same check first.",
    )
    .action(async (opts) => (await import("./adopt-actions.js")).adoptCommand(global(), opts));

  awsCommand(
    program,
    "status",
    "show each resource's state: missing, in sync, needs update, in progress, failed",
  )
    .option("--json", "print JSON for scripts")
    .addHelpText("after", "\nExit status: 1 when a resource is in a failed state.")
    .action(async (opts) => (await actions()).statusCommand(global(), opts));

  awsCommand(
    program,
    "plan",
    "show what deploy would change (CloudFormation change sets, deleted afterwards)",
  )
    .option("--image <uri>", "plan with this image instead of the one tagged for the stage")
    .option("--json", "print JSON for scripts")
    .action(async (opts) => (await actions()).planCommand(global(), opts));

  awsCommand(program, "destroy", "delete a stage's resources in reverse order (asks first)")
    .option("-y, --yes", "do not ask for confirmation")
    .option(...FORCE_UNLOCK_OPTION)
    .option("--with-secrets", "also delete the managed secrets (kept by default)")
    .option("--with-state-bucket", "also delete the state bucket (kept by default)")
    .option(
      "--with-data",
      "also delete data stores: the S3 bucket's objects, the Aurora cluster (a final snapshot is kept), the Neon branch, the TiDB database",
    )
    .action(async (opts) => (await actions()).destroyCommand(global(), opts));
}
