import type { PocketContext } from "@magic-pocket/config";
import { accountId, awsClients } from "../aws/clients.js";
import { explainAwsError } from "../aws/errors.js";
import { callerPartition, regionPartition } from "../aws/partition.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { CliError } from "../errors.js";
import { writeJson } from "../output.js";
import { stageResources } from "../resources/index.js";
import { renderYaml } from "../templates/render.js";
import type { Json, Template } from "../templates/template.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { ownBoundaryName, stageBoundary } from "./permissions/boundary.js";
import { githubSubject } from "./permissions/github-subject.js";
import { imageSources } from "./permissions/image-from.js";
import { loadPreviews, previewsPolicy, withWildcards } from "./permissions/previews.js";
import {
  concretePolicy,
  type PolicyStatement,
  type StagePolicy,
  stagePolicy,
  substituteStatements,
} from "./permissions-policy.js";

export interface PermissionsOptions {
  stage?: string;
  profile?: string;
  json?: boolean;
  account?: string;
  roleTemplate?: string;
  allowWildcardSubject?: boolean;
  boundary?: boolean;
  /** Every preview stage's permissions at once (docs/decisions.md#e19-preview-stages). */
  previews?: boolean;
  /** The stages `deploy --image-from` may promote from (docs/decisions.md#e15-promotion-by-digest). */
  imageFrom?: string[];
}

/** The resource types of every stack the stage deploys (templates rendered offline). */
export function stackResourceTypes(ctx: PocketContext): string[] {
  const types = new Set<string>();
  for (const r of stageResources(ctx)) {
    if (!r.stack) continue;
    for (const resource of Object.values(r.stack.template().Resources)) types.add(resource.Type);
  }
  return [...types].sort();
}

/** The stage's policy; with `imageSources`, the reads `deploy --image-from` makes of those stages. */
export function policyFor(ctx: PocketContext, imageSources: readonly PocketContext[] = []): StagePolicy {
  return stagePolicy(ctx, stackResourceTypes(ctx), imageSources);
}

/** The stage's permissions boundary document (permissions/boundary.ts), from its templates offline. */
export function boundaryFor(ctx: PocketContext) {
  const templates = stageResources(ctx).flatMap((r) =>
    r.stack ? [{ region: r.stack.region, template: r.stack.template() }] : [],
  );
  return stageBoundary(ctx, templates);
}

export { githubSubject } from "./permissions/github-subject.js";

/** IAM's size limit of one managed policy (characters, whitespace not counted). */
const MANAGED_POLICY_LIMIT = 6144;

/** Statements split into managed policies that each fit IAM's size limit. */
function chunks(statements: PolicyStatement[]): PolicyStatement[][] {
  const out: PolicyStatement[][] = [[]];
  let size = 40;
  for (const s of statements) {
    const n = JSON.stringify(s).length + 1;
    if (size + n > MANAGED_POLICY_LIMIT - 200 && out[out.length - 1]!.length > 0) {
      out.push([]);
      size = 40;
    }
    out[out.length - 1]!.push(s);
    size += n;
  }
  return out;
}

const sub = (value: string): Json => (value.includes("${") ? { "Fn::Sub": value } : value);

/** Every string of a statement with `${...}` wrapped in Fn::Sub. */
function subAll(value: Json): Json {
  if (typeof value === "string") return sub(value);
  if (Array.isArray(value)) return value.map(subAll);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, subAll(v)]));
  return value;
}

/**
 * A role GitHub Actions assumes through OIDC, with the stage's policy as managed policies. With
 * `previews`, the role of every preview stage, named by the prefix they share.
 */
export function roleTemplate(
  ctx: PocketContext,
  policy: StagePolicy,
  spec: string,
  options: { allowWildcard?: boolean; previews?: boolean } = {},
): Template {
  const subject = githubSubject(spec, options);
  const prefix = (options.previews && ctx.preview?.sharedPrefix) || ctx.resourcePrefix;
  const policies = deployPolicies(ctx, policy, prefix);
  const boundary = boundaryResource(ctx);
  const resources: Template["Resources"] = {
    GitHubOidcProvider: {
      Type: "AWS::IAM::OIDCProvider",
      Condition: "CreateProvider",
      Properties: {
        Url: "https://token.actions.githubusercontent.com",
        ClientIdList: ["sts.amazonaws.com"],
      },
    },
    ...policies,
    ...(boundary ? { StageBoundary: boundary } : {}),
    DeployRole: deployRole(ctx, subject, Object.keys(policies), prefix),
  };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `Role for GitHub Actions (${subject.sub}) to deploy pocket stage ${ctx.stage}; it may write the stage's roles only within their permissions boundary`,
    Parameters: {
      GitHubOidcProviderArn: {
        Type: "String",
        Default: "",
        Description:
          "ARN of the account's existing token.actions.githubusercontent.com OIDC provider; empty creates one (an account has at most one)",
      },
    },
    Conditions: { CreateProvider: { "Fn::Equals": [{ Ref: "GitHubOidcProviderArn" }, ""] } },
    Resources: resources,
    Outputs: {
      RoleArn: {
        Description: "role-to-assume for aws-actions/configure-aws-credentials",
        Value: { "Fn::GetAtt": ["DeployRole", "Arn"] },
      },
    },
  };
}

/** The stage's policy as managed policies `DeployPolicy1..n`, each within IAM's size limit. */
function deployPolicies(ctx: PocketContext, policy: StagePolicy, prefix: string): Template["Resources"] {
  const parts = chunks(policy.statements);
  return Object.fromEntries(
    parts.map((statements, i) => [
      `DeployPolicy${i + 1}`,
      {
        Type: "AWS::IAM::ManagedPolicy",
        Properties: {
          ManagedPolicyName: `${prefix}deploy-${i + 1}`,
          Description: `pocket deploy of stage ${ctx.stage} (${i + 1}/${parts.length})`,
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: substituteStatements(statements, sub) as unknown as Json,
          },
        },
        // Why each wildcard is there, next to the statements (IAM documents hold no comments).
        Metadata: { PocketWildcardReasons: policy.reasons },
      },
    ]),
  );
}

/**
 * The boundary of the stage's roles, when the configuration names one for pocket to make: made
 * here, by whoever deploys this template, and out of the deploy role's reach (it may not write
 * it: DenyBoundaryPolicyWrites). A boundary given as an ARN is the user's own policy.
 */
function boundaryResource(ctx: PocketContext): Template["Resources"][string] | undefined {
  const boundaryName = ownBoundaryName(ctx);
  if (!boundaryName) return undefined;
  const boundary = boundaryFor(ctx);
  return {
    Type: "AWS::IAM::ManagedPolicy",
    Properties: {
      ManagedPolicyName: boundaryName,
      Description: `pocket: the most the roles of stage ${ctx.stage} may do`,
      PolicyDocument: {
        Version: boundary.Version,
        Statement: boundary.Statement.map((s) => subAll(s)) as Json[],
      },
    },
  };
}

/** The role itself: trusted by GitHub's OIDC tokens of one subject, with the deploy policies. */
function deployRole(
  ctx: PocketContext,
  { repo, sub: subject, wildcard }: ReturnType<typeof githubSubject>,
  policyIds: string[],
  prefix: string,
): Template["Resources"][string] {
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: `${prefix}deploy`,
      Description: `GitHub Actions of ${repo} deploy stage ${ctx.stage} with pocket`,
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: {
              Federated: {
                "Fn::If": ["CreateProvider", { Ref: "GitHubOidcProvider" }, { Ref: "GitHubOidcProviderArn" }],
              },
            },
            Action: "sts:AssumeRoleWithWebIdentity",
            // StringLike only for a wildcard the user asked for (--allow-wildcard-subject).
            Condition: wildcard
              ? {
                  StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                  StringLike: { "token.actions.githubusercontent.com:sub": subject },
                }
              : {
                  StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": subject,
                  },
                },
          },
        ],
      },
      ManagedPolicyArns: policyIds.map((id) => ({ Ref: id })),
    },
  };
}

/** `pocket permissions`. */
export async function permissionsCommand(global: GlobalOptions, opts: PermissionsOptions): Promise<void> {
  const config = opts.previews ? await loadPreviews(global, opts.stage) : await loadStage(global, opts.stage);
  const ctx = config.context;
  const sources = await imageSources(global, ctx, opts.imageFrom);
  const policy = opts.previews ? previewsPolicy(ctx, () => policyFor(ctx, sources)) : policyFor(ctx, sources);
  // Every preview stage's names at once: the stand-in of the stage name read as `*`.
  const names = <T>(value: T): T => (opts.previews ? withWildcards(value) : value);
  if (opts.roleTemplate) {
    const options = { allowWildcard: opts.allowWildcardSubject, previews: opts.previews };
    const subject = githubSubject(opts.roleTemplate, options);
    writeOut(renderYaml(names(roleTemplate(ctx, policy, opts.roleTemplate, options))));
    writeErr(`\nThe role trusts ${subject.trusts}: token sub ${subject.sub}.\n`);
    return;
  }
  let account = opts.account;
  let partition = regionPartition(ctx.region);
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new CliError("invalid-account", `--account ${account} is not a 12-digit AWS account id.`, {
      exitCode: 2,
    });
  }
  if (!account) {
    const clients = awsClients(ctx.region, { profile: opts.profile });
    try {
      [account, partition] = await Promise.all([accountId(clients), callerPartition(clients)]);
    } catch (error) {
      const explained = explainAwsError(error, ctx.region);
      throw explained
        ? new CliError(explained.code, explained.message, {
            hint: `${explained.hint ?? ""} Or pass --account ID to work without credentials.`.trim(),
          })
        : error;
    }
  }
  if (opts.boundary) {
    // The same substitution as the policy: the boundary's statements use the same placeholders.
    const text = JSON.stringify(names(boundaryFor(ctx)))
      .replaceAll("${AWS::Partition}", partition)
      .replaceAll("${AWS::AccountId}", account!);
    writeJson(JSON.parse(text));
    return;
  }
  const document = names(concretePolicy(policy, account!, partition));
  if (opts.json) {
    writeJson(document);
    return;
  }
  writeJson(document);
  const size = JSON.stringify(document).length;
  writeErr(
    `\n${document.Statement.length} statements, ${size} characters (an inline role policy holds 10240; --role-template splits it into managed policies).\nWildcards, and why:\n${Object.entries(
      policy.reasons,
    )
      .map(([sid, why]) => `  ${sid}: ${why}\n`)
      .join("")}`,
  );
}
