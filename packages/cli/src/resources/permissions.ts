import type { PocketContext } from "@magic-pocket/config";

/**
 * What deploying a resource kind takes: the IAM policy `pocket permissions` prints for a CI
 * principal is composed from these declarations, one per kind (`<kind>/permissions.ts`, named by
 * the kind's `permissions` field), by `commands/permissions-policy.ts` in the order of
 * `RESOURCE_KINDS`. A kind declares the IAM of the calls it makes itself and of the
 * CloudFormation resource types its stacks use; the stage-wide parts (the stacks' own calls, the
 * role writes within the boundary, docs/decisions.md#e11-deploy-role-boundary) are the
 * assembler's.
 *
 * ARNs are written with `${AWS::Partition}` and `${AWS::AccountId}` (`P`, `A`), so the same
 * statements serve the role template (`Fn::Sub`) and, substituted, the JSON policy.
 */
export interface KindPermissions {
  /**
   * The CloudFormation resource types the kind's stacks use, grouped by the statement that grants
   * them. The same for every stage: together, the kinds' groups are the table of every type
   * pocket's templates may hold; a type is declared by one kind only.
   */
  stackTypes?: readonly StackTypeGroup[];
  /** What this stage's resources of the kind take. */
  forStage?(ctx: PocketContext): StagePermissions;
  /**
   * What `deploy --image-from` reads of the stages it promotes from (`pocket permissions
   * --image-from`, docs/decisions.md#e15-promotion-by-digest): reads only, on their resources.
   */
  forImageSources?(ctx: PocketContext, sources: readonly PocketContext[]): Grant[];
}

/**
 * Resource types whose actions one statement grants (`Stack<group>`). What it may name is the
 * kind's `stackScopes[group]`; without one it is `*`, split by commands/permissions/stage-scope.ts
 * into what the stage's stack tag, names or record names can narrow and what stays `*`.
 */
export interface StackTypeGroup {
  group: string;
  /** Each type → what CloudFormation calls, on the caller's credentials, to create, update and delete one. */
  types: Record<string, readonly string[]>;
  /** Why the statement names any resource (`*`) or more than the stage's own. */
  reason?: string;
  /** Actions the types need that a statement of their own grants (`iam:PassRole`, log delivery). */
  grantedApart?: readonly string[];
}

export interface StagePermissions {
  /** The stacks the kind deploys (or updates); CloudFormation's stack calls are allowed on them. */
  stacks?: { name: string; region: string }[];
  /** The buckets it keeps: bucket and object calls are allowed on them. */
  buckets?: (string | undefined)[];
  /** The API calls it makes itself, outside its stacks (and those a service makes on its behalf). */
  calls?: Grant[];
  /** A `StackTypeGroup.group` → the stage's resources its statement may name. */
  stackScopes?: Record<string, { resources: string[] | "*"; condition?: PolicyStatement["Condition"] }>;
  /** The roles it makes: passed only to the service that assumes them, written only within the boundary. */
  roles?: PassedRoles[];
}

/**
 * Where a grant is written in the policy (commands/permissions-policy.ts writes the parts in a
 * fixed order, around the stacks' own statements). The order stays fixed because the role
 * template splits the statements into managed policies in order: moving one would rewrite a
 * deployed role's policies.
 */
export type PolicyPart =
  | "secrets" // the stage's secrets and the user's
  | "image" // the repository, the login to it, the build
  | "on-behalf" // what a service calls on the caller's credentials while CloudFormation creates a resource
  | "database" // what pocket makes outside a stack: the Aurora cluster
  | "domains" // the hosted-zone lookup for custom domains
  | "front-ends" // calls on deployed distributions
  | "monitoring" // reads of the stage's alarms (`pocket status`)
  | "image-from"; // reads of the stages `--image-from` promotes from (last: only with the option)

/** One statement of the policy, before the assembler sorts its actions. */
export interface Grant {
  sid: string;
  part: PolicyPart;
  actions: readonly string[];
  /** `*` only where the service cannot name the resource; `reason` then says why. */
  resources: string[] | "*";
  reason?: string;
  condition?: PolicyStatement["Condition"];
}

export interface PassedRoles {
  sid: string;
  names: string[];
  /** The service principal the role is passed to (`iam:PassedToService`). */
  service: string;
  /** `[awscontainer.iam] managed_policy_arns`: the managed policies the CI principal may attach to these roles. */
  managedPolicyArns?: string[];
}

/**
 * One statement of a generated IAM policy. ARNs are written with `${AWS::Partition}` and
 * `${AWS::AccountId}`, so the same statements serve a CloudFormation template (`Fn::Sub`) and,
 * substituted, a JSON policy document.
 */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[] | "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

export const P = "${AWS::Partition}";
export const A = "${AWS::AccountId}";

/** A managed policy given by name is a customer managed policy of the account. */
export function policyArn(value: string): string {
  return value.startsWith("arn:") ? value : `arn:${P}:iam::${A}:policy/${value}`;
}
