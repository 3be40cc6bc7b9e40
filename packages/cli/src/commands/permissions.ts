import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { withAwsStage } from "./options.js";

const actions = () => import("./permissions-actions.js");

/** `pocket permissions --stage S`: the IAM policy a CI principal needs for this stage. */
export function registerPermissions(program: Command, global: () => GlobalOptions): void {
  withAwsStage(
    program
      .command("permissions")
      .description("print the IAM policy a CI role needs to deploy, update and destroy the stage"),
  )
    .option("--json", "print only the policy document (for aws iam put-role-policy)")
    .option(
      "--account <id>",
      "the AWS account id for the ARNs (default: asked from STS with your credentials)",
    )
    .option(
      "--role-template <github:OWNER/REPO[:ref]>",
      "print a CloudFormation template for a role GitHub Actions assumes through OIDC, with this policy",
    )
    .addHelpText(
      "after",
      `
Resources are the stage's own names wherever the service can scope an action to a name; each
statement with a wildcard says why. --role-template works offline: the ARNs use the template's
account and partition. A ref is a branch (main), a full ref (refs/tags/v*) or environment:NAME.`,
    )
    .action(async (opts) => (await actions()).permissionsCommand(global(), opts));
}
