import type { Command } from "commander";
import type { RegisterResource } from "./index.js";
import { type NameOptions, withAwsStage, withName } from "./options.js";

const actions = () => import("./operation-actions.js");

/** The resource groups that map to deployable resources, and how their ids are formed. */
export const OPERABLE = {
  s3: { id: () => "s3", description: "the [s3] bucket" },
  vpc: { id: () => "vpc", description: "the [vpc] stack" },
  rds: { id: () => "rds", description: "the stage's [rds] Aurora cluster", stackless: true },
  neon: { id: () => "neon", description: "the stage's [neon] branch, role and database", stackless: true },
  tidb: {
    id: () => "tidb",
    description: "the stage's [tidb] database and SQL user (and the project's cluster)",
    stackless: true,
  },
  awscontainer: { id: () => "container", description: "the container stack" },
  cloudfront: {
    id: (name: string) => `cloudfront:${name}`,
    description: "CloudFront distributions",
    named: true,
  },
  "cloudfront-keys": {
    id: (name: string) => `cloudfront-keys:${name}`,
    description: "CloudFront signing keys",
    named: true,
  },
} as const;
export type OperableGroup = keyof typeof OPERABLE;

function group(resource: Command, name: string, description: string): Command {
  return resource.commands.find((c) => c.name() === name) ?? resource.command(name).description(description);
}

/** `status`, `deploy`, `destroy` and `yaml-diff` for every operable resource group. */
export const registerOperations: RegisterResource = (resource, global) => {
  for (const [name, spec] of Object.entries(OPERABLE) as [
    OperableGroup,
    (typeof OPERABLE)[OperableGroup],
  ][]) {
    const g = group(resource, name, spec.description);
    const named = (c: Command) => ("named" in spec ? withName(c, "distribution") : c);
    named(withAwsStage(g.command("status").description(`show the state of ${spec.description}`))).action(
      async (opts: NameOptions) => (await actions()).resourceStatus(global(), name, opts),
    );
    named(
      withAwsStage(
        g.command("deploy").description(`create or update ${spec.description} only (no dependencies)`),
      ),
    )
      .option("-y, --yes", "answer yes to questions")
      .action(async (opts: NameOptions & { yes?: boolean }) =>
        (await actions()).resourceDeploy(global(), name, opts),
      );
    const destroy = named(
      withAwsStage(g.command("destroy").description(`delete ${spec.description} (asks first)`)),
    )
      .option("-y, --yes", "do not ask for confirmation")
      .action(async (opts: NameOptions & { yes?: boolean; withData?: boolean; withSecrets?: boolean }) =>
        (await actions()).resourceDestroy(global(), name, opts),
      );
    if (name === "s3")
      destroy.option("--with-data", "also delete the bucket's contents (kept if not empty otherwise)");
    if (name === "rds")
      destroy.option("--with-data", "required: deletes the cluster (a final snapshot is always kept)");
    if (name === "neon") destroy.option("--with-data", "required: deletes the branch and every row in it");
    if (name === "tidb")
      destroy.option(
        "--with-data",
        "required: drops the stage's database (and the cluster once it holds no other)",
      );
    if (name === "awscontainer") destroy.option("--with-secrets", "also delete the managed secrets");
    if (name !== "s3" && !("stackless" in spec)) {
      named(
        withAwsStage(
          g.command("yaml-diff").description("show how the deployed template differs from the current one"),
        ),
      ).action(async (opts: NameOptions) => (await actions()).resourceYamlDiff(global(), name, opts));
    }
  }
  withAwsStage(
    group(resource, "neon", OPERABLE.neon.description)
      .command("branch-out")
      .description(
        "create the stage's branch as a copy of another stage's (data included), e.g. for a preview",
      ),
  )
    .requiredOption("--base-stage <stage>", "the stage whose branch is copied")
    .action(async (opts: NameOptions & { baseStage: string }) =>
      (await actions()).neonBranchOut(global(), opts),
    );
  withAwsStage(
    group(resource, "rds", OPERABLE.rds.description)
      .command("endpoint")
      .description(
        "print the cluster's host, port, database, user and the ARN of the secret with the password",
      ),
  )
    .option("--json", "print JSON for scripts")
    .action(async (opts: NameOptions & { json?: boolean }) => (await actions()).rdsEndpoint(global(), opts));
  const cf = group(resource, "cloudfront", OPERABLE.cloudfront.description);
  withName(
    withAwsStage(
      cf
        .command("upload")
        .description(
          "run the build of every route with build_dir and upload the changed files, then invalidate",
        ),
    ),
    "distribution",
  )
    .option("--skip-build", "upload build_dir as it is, without running the routes' build commands")
    .action(async (opts: NameOptions & { skipBuild?: boolean }) =>
      (await actions()).frontendUpload(global(), opts),
    );
  const c = group(resource, "awscontainer", OPERABLE.awscontainer.description);
  withAwsStage(c.command("url").description("print the API endpoints of the stage's handlers")).action(
    async (opts: NameOptions) => (await actions()).containerUrl(global(), opts),
  );
  const secrets = c.command("secrets").description("the stage's managed and user secrets");
  withAwsStage(secrets.command("list").description("list managed and user secrets (values hidden)"))
    .option("--show-values", "print the values too (they will be on your screen and in your scrollback)")
    .action(async (opts: NameOptions & { showValues?: boolean }) =>
      (await actions()).secretsList(global(), opts),
    );
  withAwsStage(
    secrets
      .command("create-pocket-managed")
      .description("generate every managed secret that does not exist yet"),
  ).action(async (opts: NameOptions) => (await actions()).secretsCreate(global(), opts));
  withAwsStage(
    secrets.command("delete-pocket-managed").description("delete the stage's managed secrets (asks first)"),
  )
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (opts: NameOptions & { yes?: boolean }) => (await actions()).secretsDelete(global(), opts));
};
