import type { PocketContext } from "@magic-pocket/config";
import { RESOURCE_KINDS } from "../resources/index.js";
import type {
  Grant,
  KindPermissions,
  PassedRoles,
  PolicyPart,
  PolicyStatement,
  StackTypeGroup,
  StagePermissions,
} from "../resources/permissions.js";
import { A, P } from "../resources/permissions.js";
import { roleStatements } from "./permissions/role-writes.js";
import { splitAnyStatement, stageNames } from "./permissions/stage-scope.js";

export type { PolicyStatement };

/**
 * The IAM policy a CI principal needs to deploy, update and destroy one stage, composed from
 * what each resource kind declares (`resources/<kind>/permissions.ts`, resources/permissions.ts
 * says the shape): the calls pocket makes itself, and the calls CloudFormation makes with the
 * caller's credentials for every resource type in the stage's stacks (pocket passes no service
 * role). Resources are the stage's own names wherever the service can scope an action to a name;
 * a wildcard is used only where it cannot (ids AWS chooses, actions without resource-level
 * permissions), and each such statement says why in `reasons`.
 *
 * What the CI principal may do to IAM roles is in permissions/role-writes.ts: only ever within
 * the stage's boundary.
 */
export interface StagePolicy {
  statements: PolicyStatement[];
  /** Sid → why the statement needs a wildcard resource. */
  reasons: Record<string, string>;
  /** Every CloudFormation resource type of the stage's stacks → its create/update/delete actions. */
  resourceTypes: Record<string, string[]>;
}

const KIND_PERMISSIONS: readonly KindPermissions[] = RESOURCE_KINDS.flatMap((k) =>
  k.permissions ? [k.permissions] : [],
);

/** Every resource type pocket's templates may hold → the group (statement) that grants it. */
const TYPE_GROUPS: ReadonlyMap<string, StackTypeGroup> = typeGroups(KIND_PERMISSIONS);

/** What CloudFormation calls, on the caller's credentials, for each resource type of pocket's templates. */
export const RESOURCE_TYPE_ACTIONS: Record<string, string[]> = Object.fromEntries(
  [...TYPE_GROUPS].map(([type, g]) => [type, [...g.types[type]!]]),
);

function typeGroups(kinds: readonly KindPermissions[]): Map<string, StackTypeGroup> {
  const out = new Map<string, StackTypeGroup>();
  for (const group of kinds.flatMap((k) => k.stackTypes ?? [])) {
    for (const type of Object.keys(group.types)) {
      const known = out.get(type);
      // A group two kinds share (custom domains) is one object; a type declared twice is a mistake.
      if (known && known !== group) throw new Error(`${type} is declared by two resource kinds' permissions`);
      out.set(type, group);
    }
  }
  return out;
}

/**
 * The stage's policy, written in a fixed order (the role template splits it into managed
 * policies in this order, so it stays put; `PolicyPart` in resources/permissions.ts): within a
 * part, the kinds' statements follow RESOURCE_KINDS. `types` are the resource types of its
 * stacks' templates (the caller renders them; this module stays free of template code).
 * `imageSources`: the stages `deploy --image-from` promotes from (`pocket permissions
 * --image-from`), whose reads come last.
 */
export function stagePolicy(
  ctx: PocketContext,
  types: readonly string[],
  imageSources: readonly PocketContext[] = [],
): StagePolicy {
  const stage = KIND_PERMISSIONS.map((k) => k.forStage?.(ctx) ?? {});
  const calls = stage.flatMap((s) => s.calls ?? []);
  const part = (p: PolicyPart) => calls.filter((g) => g.part === p);
  const stacks = stage.flatMap((s) => s.stacks ?? []);
  const roles = stage.flatMap((s) => s.roles ?? []);
  const policy = new PolicyBuilder();
  allowStackCalls(policy, stacks);
  allowBuckets(
    policy,
    stage.flatMap((s) => s.buckets ?? []),
  );
  policy.allowAll(part("secrets"));
  policy.allowAll(part("image"));
  const resourceTypes = allowStackTypes(
    policy,
    types,
    stage,
    // A stack name may come twice, in two regions (A1: a distribution's stacks).
    stageNames(ctx, [...new Set(stacks.map((s) => s.name))]),
  );
  policy.allowAll(part("on-behalf"));
  allowPassRoles(policy, roles);
  allowRoleWrites(policy, ctx, roles);
  policy.allowAll(part("database"));
  policy.allowAll(part("domains"));
  policy.allowAll(part("front-ends"));
  policy.allowAll(part("monitoring"));
  policy.allowAll(KIND_PERMISSIONS.flatMap((k) => k.forImageSources?.(ctx, imageSources) ?? []));
  return { statements: policy.statements, reasons: policy.reasons, resourceTypes };
}

/** A grant as the assembler writes it (its part already placed). */
type Statement = Omit<Grant, "part">;

/** Statements in the order allowed; one with no resource is left out, one declared twice kept once. */
class PolicyBuilder {
  readonly statements: PolicyStatement[] = [];
  readonly reasons: Record<string, string> = {};
  private readonly granted = new Map<string, Statement>();

  allow(grant: Statement): void {
    const { sid, actions, resources, reason, condition } = grant;
    if (resources !== "*" && resources.length === 0) return;
    const known = this.granted.get(sid);
    if (known === grant) return;
    if (known) throw new Error(`two statements are named ${sid}`);
    this.granted.set(sid, grant);
    this.statements.push({
      Sid: sid,
      Effect: "Allow",
      Action: [...new Set(actions)].sort(),
      Resource: resources,
      ...(condition ? { Condition: condition } : {}),
    });
    if (reason) this.reasons[sid] = reason;
  }

  allowAll(grants: Grant[]): void {
    for (const grant of grants) this.allow(grant);
  }

  add(statements: PolicyStatement[], reasons: Record<string, string>): void {
    this.statements.push(...statements);
    Object.assign(this.reasons, reasons);
  }
}

/** CloudFormation's own calls on the stage's stacks. */
function allowStackCalls(policy: PolicyBuilder, stacks: { name: string; region: string }[]): void {
  policy.allow({
    sid: "StageStacks",
    actions: [
      "cloudformation:CreateStack",
      "cloudformation:UpdateStack",
      "cloudformation:DeleteStack",
      "cloudformation:DescribeStacks",
      "cloudformation:DescribeStackEvents",
      "cloudformation:DescribeStackResource",
      "cloudformation:DescribeStackResources",
      "cloudformation:ListStackResources",
      "cloudformation:GetTemplate",
      "cloudformation:GetTemplateSummary",
      "cloudformation:CreateChangeSet",
      "cloudformation:DescribeChangeSet",
      "cloudformation:ExecuteChangeSet",
      "cloudformation:DeleteChangeSet",
      "cloudformation:ListChangeSets",
      "cloudformation:TagResource",
      "cloudformation:UntagResource",
    ],
    resources: stacks.map((s) => `arn:${P}:cloudformation:${s.region}:${A}:stack/${s.name}/*`),
  });
  if (stacks.length === 0) return;
  policy.allow({
    sid: "CloudFormationAccountCalls",
    actions: ["cloudformation:ValidateTemplate", "cloudformation:ListExports", "cloudformation:ListImports"],
    resources: "*",
    reason: "ValidateTemplate, ListExports and ListImports have no resource-level permissions",
  });
}

/** The buckets the kinds keep (the state bucket, the app's, the front ends'): bucket and object calls. */
function allowBuckets(policy: PolicyBuilder, declared: (string | undefined)[]): void {
  const buckets = [...new Set(declared.filter((b): b is string => Boolean(b)))];
  policy.allow({
    sid: "StageBuckets",
    actions: [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:GetBucketLocation",
      "s3:GetBucketPolicy",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:PutBucketPublicAccessBlock",
      "s3:GetBucketVersioning",
      "s3:PutBucketVersioning",
      "s3:GetBucketCORS",
      "s3:PutBucketCORS",
      "s3:GetLifecycleConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:PutEncryptionConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:PutBucketOwnershipControls",
      "s3:GetBucketTagging",
      "s3:PutBucketTagging",
    ],
    resources: buckets.map((b) => `arn:${P}:s3:::${b}`),
  });
  policy.allow({
    sid: "StageBucketObjects",
    actions: [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:GetObjectVersion",
    ],
    resources: buckets.map((b) => `arn:${P}:s3:::${b}/*`),
  });
}

/**
 * One statement per group of the stacks' resource types, scoped to what the kind names for this
 * stage; a group it names nothing for is `*`, split by stage-scope.ts where the stage's stack
 * tag, names or record names can narrow it. Returns each type's actions.
 */
function allowStackTypes(
  policy: PolicyBuilder,
  types: readonly string[],
  stage: StagePermissions[],
  names: ReturnType<typeof stageNames>,
): Record<string, string[]> {
  const resourceTypes: Record<string, string[]> = {};
  const grouped = new Map<StackTypeGroup, { actions: string[]; types: string[] }>();
  for (const type of [...new Set(types)].sort()) {
    const group = TYPE_GROUPS.get(type);
    if (!group)
      throw new Error(`no IAM actions are known for ${type}; add them to its kind's permissions.ts`);
    const actions = group.types[type]!;
    resourceTypes[type] = [...actions];
    const g = grouped.get(group) ?? { actions: [], types: [] };
    g.actions.push(...actions.filter((a) => !group.grantedApart?.includes(a)));
    g.types.push(type);
    grouped.set(group, g);
  }
  const scopes = Object.assign({}, ...stage.map((s) => s.stackScopes)) as NonNullable<
    StagePermissions["stackScopes"]
  >;
  for (const [group, g] of grouped) {
    if (g.actions.length === 0) continue;
    const base = `Stack${group.group}`;
    const why = (reason: string | undefined) => (reason ? `${g.types.join(", ")}: ${reason}` : undefined);
    const scope = scopes[group.group] ?? { resources: "*" };
    if (scope.resources === "*" && !scope.condition) {
      for (const part of splitAnyStatement(group.group, g.actions, names))
        policy.allow({
          sid: `${base}${part.suffix}`,
          actions: part.actions,
          resources: part.resources,
          reason: why(part.reason ?? (part.resources === "*" ? group.reason : undefined)),
          condition: part.condition,
        });
      continue;
    }
    policy.allow({
      sid: `${base}${scope.resources === "*" ? "Any" : ""}`,
      actions: g.actions,
      resources: scope.resources,
      reason: why(group.reason),
      condition: scope.condition,
    });
  }
  return resourceTypes;
}

/** Roles are handed to the services that assume them, and to nothing else. */
function allowPassRoles(policy: PolicyBuilder, roles: PassedRoles[]): void {
  for (const r of roles)
    policy.allow({
      sid: r.sid,
      actions: ["iam:PassRole"],
      resources: r.names.map((name) => `arn:${P}:iam::${A}:role/${name}`),
      condition: { StringEquals: { "iam:PassedToService": r.service } },
    });
}

/** The roles' own IAM calls (CloudFormation's for the stacks' roles, pocket's for the CodeBuild role). */
function allowRoleWrites(policy: PolicyBuilder, ctx: PocketContext, roles: PassedRoles[]): void {
  const managed = roles.find((r) => r.managedPolicyArns);
  const iam = roleStatements({
    resourcePrefix: ctx.resourcePrefix,
    roles: roles.flatMap((r) => r.names),
    boundary: ctx.container?.permissionsBoundary,
    managed: managed ? { role: managed.names[0]!, arns: managed.managedPolicyArns! } : undefined,
  });
  policy.add(iam.statements, iam.reasons);
}

/** Statements with `sub` applied to every resource and condition value. */
export function substituteStatements<T>(statements: readonly PolicyStatement[], sub: (s: string) => T) {
  return statements.map((s) => ({
    ...s,
    Resource: s.Resource === "*" ? "*" : s.Resource.map(sub),
    ...(s.Condition
      ? {
          Condition: Object.fromEntries(
            Object.entries(s.Condition).map(([op, kv]) => [
              op,
              Object.fromEntries(
                Object.entries(kv).map(([k, v]) => [k, Array.isArray(v) ? v.map(sub) : sub(v)]),
              ),
            ]),
          ),
        }
      : {}),
  }));
}

/** The policy with the account and partition filled in, as `aws iam put-role-policy` takes it. */
export function concretePolicy(policy: StagePolicy, account: string, partition: string) {
  const sub = (s: string) =>
    s.replaceAll("${AWS::Partition}", partition).replaceAll("${AWS::AccountId}", account);
  return { Version: "2012-10-17", Statement: substituteStatements(policy.statements, sub) };
}
