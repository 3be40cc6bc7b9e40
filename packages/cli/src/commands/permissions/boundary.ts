import type { PocketContext } from "@magic-pocket/config";
import { usesCodeBuild } from "../../resources/container/codebuild/permissions.js";
import { codebuildPolicy } from "../../resources/container/codebuild/policies.js";
import { containerViews } from "../../resources/container-views.js";
import { A, P, policyArn } from "../../resources/permissions.js";
import { parameterNames } from "../../templates/container/parameters.js";
import type { Json, Template } from "../../templates/template.js";

/**
 * The stage's permissions boundary (docs/decisions.md#e11-deploy-role-boundary): the union of what pocket
 * grants the stage's roles (the function role with the user's `[awscontainer.iam]` inline
 * policies, each schedule's role, the CodeBuild role), read from the rendered templates with
 * their CloudFormation references turned into the stage's ARNs. A role bounded by it can do no
 * more than pocket's configuration gives it, whatever a CI principal later writes into the role.
 * Managed policies in `managed_policy_arns` act only within it.
 */
export interface BoundaryDocument {
  Version: "2012-10-17";
  Statement: Record<string, Json>[];
}

/**
 * The name of the boundary pocket makes for the stage: `{resourcePrefix}boundary`; for a preview
 * stage the one every preview shares (docs/decisions.md#e19-preview-stages).
 */
export function boundaryName(ctx: PocketContext): string {
  return `${ctx.preview?.sharedPrefix ?? ctx.resourcePrefix}boundary`;
}

/**
 * The boundary policy the role template creates: when the configured boundary is pocket's name
 * for it; any other policy is the user's own, and left alone.
 */
export function ownBoundaryName(ctx: PocketContext): string | undefined {
  const b = ctx.container?.permissionsBoundary;
  const name = b?.startsWith("arn:") ? b.split(":policy/")[1] : b;
  return name === boundaryName(ctx) ? name : undefined;
}

export function boundaryArn(ctx: PocketContext): string | undefined {
  const b = ctx.container?.permissionsBoundary;
  return b ? policyArn(b) : undefined;
}

export function stageBoundary(ctx: PocketContext, templates: { region: string; template: Template }[]) {
  const statements: Record<string, Json>[] = [];
  const seen = new Set<string>();
  const sids = new Set<string>();
  const add = (sid: string, statement: Record<string, Json>) => {
    const { Sid: _, ...rest } = statement;
    const key = JSON.stringify(rest);
    if (seen.has(key)) return;
    seen.add(key);
    // IAM wants each Sid once; two containers' roles share logical ids, so a repeat is numbered.
    const base = sid.replace(/[^A-Za-z0-9]/g, "");
    let unique = base.slice(0, 100);
    for (let n = 2; sids.has(unique); n++) unique = `${base.slice(0, 96)}${n}`;
    sids.add(unique);
    statements.push({ Sid: unique, ...rest });
  };
  for (const { region, template } of templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== "AWS::IAM::Role") continue;
      const policies = (resource.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Json[] } }[];
      for (const policy of policies) {
        policy.PolicyDocument.Statement.forEach((raw, i) => {
          const s = resolve(raw, { region, template }) as Record<string, Json>;
          add(`${id}${typeof s.Sid === "string" ? s.Sid : i}`, s);
        });
      }
    }
  }
  // Each container's CodeBuild role (a stage of several containers builds each apart).
  for (const [n, { ctx: view }] of containerViews(ctx).entries()) {
    const c = view.container!;
    if (!usesCodeBuild(c)) continue;
    const build = codebuildPolicy({
      region: c.region,
      account: A,
      partition: P,
      bucket: ctx.stateBucket,
      project: c.build.codebuildProject,
      repository: c.ecrRepository,
    });
    for (const [i, s] of build.Statement.entries())
      add(`${n === 0 ? "" : `Container${n}`}CodeBuild${i}`, s as unknown as Record<string, Json>);
  }
  return { Version: "2012-10-17", Statement: statements } satisfies BoundaryDocument;
}

interface Where {
  region: string;
  template: Template;
}

/** A template value with its references replaced by the ARN they stand for. */
function resolve(value: Json, where: Where): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, where)).filter((v) => v !== DROP);
  if (!value || typeof value !== "object") return value;
  if ("Fn::Sub" in value && typeof value["Fn::Sub"] === "string") return sub(value["Fn::Sub"], where);
  if ("Fn::GetAtt" in value) {
    const [id, attribute] = value["Fn::GetAtt"] as [string, string];
    return attributeArn(id, attribute, where);
  }
  if ("Ref" in value) {
    // The master secret of the Aurora cluster, named by RDS (`rds!cluster-<id>`).
    if (value.Ref === parameterNames().rdsSecretArn)
      return `arn:${P}:secretsmanager:${where.region}:${A}:secret:rds!*`;
    // The DSQL cluster, whose id AWS chooses: the boundary caps at the region's clusters, the
    // role's own policy names the stage's (docs/decisions.md#b13-aurora-dsql).
    if (value.Ref === parameterNames().dsqlClusterArn) return `arn:${P}:dsql:${where.region}:${A}:cluster/*`;
    throw new Error(`the boundary cannot name Ref ${String(value.Ref)}`);
  }
  // An import (the EFS access point) only narrows a condition: the boundary leaves it out.
  if ("Fn::ImportValue" in value) return DROP;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolve(v, where);
    if (r === DROP) continue;
    if (r && typeof r === "object" && !Array.isArray(r) && Object.keys(r).length === 0) continue;
    out[k] = r;
  }
  return out;
}

const DROP = "\u0000drop";

function sub(text: string, where: Where): string {
  return text
    .replaceAll("${AWS::Region}", where.region)
    .replace(/\$\{([A-Za-z0-9]+)\.([A-Za-z]+)\}/g, (_, id: string, attribute: string) =>
      attributeArn(id, attribute, where),
    );
}

function attributeArn(id: string, attribute: string, where: Where): string {
  const resource = where.template.Resources[id];
  const props = resource?.Properties ?? {};
  if (attribute === "Arn" && resource?.Type === "AWS::SQS::Queue" && typeof props.QueueName === "string")
    return `arn:${P}:sqs:${where.region}:${A}:${props.QueueName}`;
  if (
    attribute === "Arn" &&
    resource?.Type === "AWS::Lambda::Function" &&
    typeof props.FunctionName === "string"
  )
    return `arn:${P}:lambda:${where.region}:${A}:function:${props.FunctionName}`;
  throw new Error(`the boundary cannot name ${id}.${attribute}`);
}
