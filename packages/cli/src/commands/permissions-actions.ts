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

export function policyFor(ctx: PocketContext): StagePolicy {
  return stagePolicy(ctx, stackResourceTypes(ctx));
}

/** `github:OWNER/REPO[:ref]` → the `sub` claim pattern GitHub's OIDC token carries. */
export function githubSubject(spec: string): { repo: string; sub: string } {
  const m = /^github:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(?::(.+))?$/.exec(spec);
  if (!m) {
    throw new CliError("invalid-role-template", `--role-template ${spec} is not github:OWNER/REPO[:ref].`, {
      hint: "For example --role-template github:acme/shop:main, github:acme/shop:refs/tags/v*, github:acme/shop:environment:prd.",
      exitCode: 2,
    });
  }
  const repo = `${m[1]}/${m[2]}`;
  const ref = m[3];
  if (!ref) return { repo, sub: `repo:${repo}:*` };
  if (ref.startsWith("environment:")) return { repo, sub: `repo:${repo}:${ref}` };
  if (ref.startsWith("refs/")) return { repo, sub: `repo:${repo}:ref:${ref}` };
  return { repo, sub: `repo:${repo}:ref:refs/heads/${ref}` };
}

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

/** A role GitHub Actions assumes through OIDC, with the stage's policy as managed policies. */
export function roleTemplate(ctx: PocketContext, policy: StagePolicy, spec: string): Template {
  const { repo, sub: subject } = githubSubject(spec);
  const resources: Template["Resources"] = {
    GitHubOidcProvider: {
      Type: "AWS::IAM::OIDCProvider",
      Condition: "CreateProvider",
      Properties: {
        Url: "https://token.actions.githubusercontent.com",
        ClientIdList: ["sts.amazonaws.com"],
      },
    },
  };
  const parts = chunks(policy.statements);
  const policyIds = parts.map((_, i) => `DeployPolicy${i + 1}`);
  parts.forEach((statements, i) => {
    resources[policyIds[i]!] = {
      Type: "AWS::IAM::ManagedPolicy",
      Properties: {
        ManagedPolicyName: `${ctx.resourcePrefix}deploy-${i + 1}`,
        Description: `pocket deploy of stage ${ctx.stage} (${i + 1}/${parts.length})`,
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: substituteStatements(statements, sub) as unknown as Json,
        },
      },
      // Why each wildcard is there, next to the statements (IAM documents hold no comments).
      Metadata: { PocketWildcardReasons: policy.reasons },
    };
  });
  resources.DeployRole = {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: `${ctx.resourcePrefix}deploy`,
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
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
              StringLike: { "token.actions.githubusercontent.com:sub": subject },
            },
          },
        ],
      },
      ManagedPolicyArns: policyIds.map((id) => ({ Ref: id })),
    },
  };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `Role for GitHub Actions (${subject}) to deploy pocket stage ${ctx.stage}`,
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

/** `pocket permissions`. */
export async function permissionsCommand(global: GlobalOptions, opts: PermissionsOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const ctx = config.context;
  const policy = policyFor(ctx);
  if (opts.roleTemplate) {
    writeOut(renderYaml(roleTemplate(ctx, policy, opts.roleTemplate)));
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
  const document = concretePolicy(policy, account!, partition);
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
