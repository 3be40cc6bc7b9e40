import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { awsCommand } from "./options.js";

/** `pocket permissions --stage S`: the IAM policy a CI principal needs for this stage. */
export function registerPermissions(program: Command, global: () => GlobalOptions): void {
  awsCommand(
    program,
    "permissions",
    "print the IAM policy a CI role needs to deploy, update and destroy the stage",
  )
    .option("--json", "print only the policy document (for aws iam put-role-policy)")
    .option(
      "--account <id>",
      "the AWS account id for the ARNs (default: asked from STS with your credentials)",
    )
    .option(
      "--role-template <github:OWNER/REPO[:ref]>",
      "print a CloudFormation template for a role GitHub Actions assumes through OIDC, with this policy (ref: main when not given)",
    )
    .option(
      "--boundary",
      "print the stage's permissions boundary policy instead (for aws iam create-policy, when not using --role-template)",
    )
    .option(
      "--image-from <stages>",
      "also allow `deploy --image-from` from these stages (a comma list, or repeat it): the reads of their container stacks and repositories",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--allow-wildcard-subject", "let the --role-template ref hold * or ? (trusts every match)")
    .option(
      "--previews",
      "for every preview stage (general.preview_stages) instead of one stage: names hold * where the stage name differs; --role-template then trusts pull requests (ref: pull_request when not given)",
    )
    .addHelpText(
      "after",
      `
Resources are the stage's own names wherever the service can scope an action to a name; each
statement with a wildcard says why. --role-template works offline: the ARNs use the template's
account and partition. A ref is a branch (main, the default), a full ref (refs/tags/v1.2.0) or
environment:NAME. The stage's roles must carry a permissions boundary ([awscontainer.iam]
permissions_boundary): the CI role may write them only with it, and --role-template creates a
boundary given by name with the most pocket's configuration gives those roles.`,
    )
    .action(async (opts) => (await import("./permissions-actions.js")).permissionsCommand(global(), opts));
}
