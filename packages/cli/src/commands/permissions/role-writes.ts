import { CliError } from "../../errors.js";
import { A, P, type PolicyStatement, policyArn } from "../../resources/permissions.js";

/**
 * What the CI principal may do to the stage's IAM roles (docs/decisions.md#e11-deploy-role-boundary).
 * Every call that writes a role's permissions (CreateRole, PutRolePolicy, DeleteRolePolicy,
 * PutRolePermissionsBoundary, Attach/DetachRolePolicy) is allowed only when the role carries the
 * stage's permissions boundary, so whatever the CI principal (or CloudFormation on its
 * credentials) writes into a role, the role can do no more than the boundary. Managed policies
 * may be attached only when the configuration lists them. Removing the boundary, changing a
 * trust policy and writing the boundary policy itself are denied outright.
 */
export interface RoleScope {
  resourcePrefix: string;
  /** Every role of the stage: the functions', each schedule's, the CodeBuild role. */
  roles: string[];
  /** `[awscontainer.iam] permissions_boundary`: a policy name or ARN. */
  boundary: string | undefined;
  /** The role `[awscontainer.iam] managed_policy_arns` are attached to, and those ARNs. */
  managed?: { role: string; arns: string[] };
}

const role = (name: string) => `arn:${P}:iam::${A}:role/${name}`;

/** The IAM calls on roles that do not change what a role may do, or only end it. */
const ROLE_UPKEEP = [
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:DeleteRole",
];

/** The calls that give a role permissions: allowed only on a role with the stage's boundary. */
export const BOUNDED_ROLE_WRITES = [
  "iam:CreateRole",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:PutRolePermissionsBoundary",
];

/** Never allowed: each would let a role escape its boundary or be assumed by someone else. */
export const DENIED_ROLE_CHANGES = ["iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy"];

/** Never allowed on the boundary and the deploy role's own policies: rewriting what caps the roles. */
export const DENIED_POLICY_WRITES = [
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
];

export function roleStatements(s: RoleScope): {
  statements: PolicyStatement[];
  reasons: Record<string, string>;
} {
  const statements: PolicyStatement[] = [];
  const reasons: Record<string, string> = {};
  const deployRole = role(`${s.resourcePrefix}deploy`);
  const deployPolicies = `arn:${P}:iam::${A}:policy/${s.resourcePrefix}deploy-*`;
  if (s.roles.length > 0) {
    if (!s.boundary) {
      throw new CliError(
        "permissions-boundary-required",
        "the stage creates IAM roles but sets no permissions boundary, so a CI role that may write them could give them any permission.",
        {
          hint: `Name one in pocket.toml under [STAGE.awscontainer.iam], e.g. permissions_boundary = "arn:PARTITION:iam::ACCOUNT:policy/${s.resourcePrefix}boundary" (PARTITION: aws, or aws-cn / aws-us-gov). --role-template creates a boundary of that name holding what pocket's configuration gives the stage's roles; any other name is a policy of your own.`,
          exitCode: 2,
        },
      );
    }
    const boundary = policyArn(s.boundary);
    const arns = s.roles.map(role);
    statements.push({ Sid: "StageRoles", Effect: "Allow", Action: ROLE_UPKEEP, Resource: arns });
    statements.push({
      Sid: "StageRoleWritesWithBoundary",
      Effect: "Allow",
      Action: BOUNDED_ROLE_WRITES,
      Resource: arns,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
    });
    if (s.managed && s.managed.arns.length > 0) {
      statements.push({
        Sid: "ListedManagedPolicies",
        Effect: "Allow",
        Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        Resource: [role(s.managed.role)],
        Condition: {
          StringEquals: { "iam:PermissionsBoundary": boundary },
          ArnEquals: { "iam:PolicyARN": s.managed.arns },
        },
      });
    }
    statements.push({
      Sid: "DenyBoundaryPolicyWrites",
      Effect: "Deny",
      Action: DENIED_POLICY_WRITES,
      Resource: [boundary, deployPolicies],
    });
  }
  statements.push({ Sid: "DenyRoleEscapes", Effect: "Deny", Action: DENIED_ROLE_CHANGES, Resource: "*" });
  reasons.DenyRoleEscapes =
    "a Deny, which only narrows: no role's boundary may be removed and no trust policy changed, whoever else grants it";
  statements.push({
    Sid: "DenyDeployRoleWrites",
    Effect: "Deny",
    Action: [
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:DeleteRole",
    ],
    Resource: [deployRole],
  });
  return { statements, reasons };
}
