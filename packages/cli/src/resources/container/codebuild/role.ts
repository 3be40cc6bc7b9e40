import type { Role } from "@aws-sdk/client-iam";
import type { ContainerContext } from "@magic-pocket/config";
import { type AwsClients, accountId } from "../../../aws/clients.js";
import { awsErrorName } from "../../../aws/errors.js";
import { callerPartition } from "../../../aws/partition.js";
import { CliError } from "../../../errors.js";
import { sleep } from "../../../util/time.js";
import type { Progress } from "../../resource.js";
import type { CodeBuildInputs } from "./inputs.js";
import {
  codebuildPolicy,
  codebuildTrustPolicy,
  LEGACY_TRUST,
  POLICY_NAME,
  policyDocument,
  sameDocument,
} from "./policies.js";

/** The CodeBuild project's service role: made, kept to pocket's documents, and deleted. */

type Iam = Awaited<ReturnType<AwsClients["iam"]>>;

/** IAM's "not found" (the SDK names it NoSuchEntityException, the wire NoSuchEntity). */
const noSuchEntity = (error: unknown) =>
  awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException";

/** A boundary given by name is a customer managed policy of the account. */
function boundaryArn(value: string, partition: string, account: string): string {
  return value.startsWith("arn:") ? value : `arn:${partition}:iam::${account}:policy/${value}`;
}

/**
 * What an existing role carries that pocket did not put there; empty when it is safe to reuse.
 * pocket's role has exactly one inline policy (ours), no managed policy, the configured
 * permissions boundary (or none) and our trust policy (or the one older pocket versions wrote).
 * A role of the same name made by someone else may trust other principals or hold other
 * permissions, which the build (running the project's Dockerfile) would then be able to use.
 */
export function foreignRoleParts(role: {
  trust: unknown;
  inlinePolicies: string[];
  managedPolicies: string[];
  boundary: string | undefined;
  wantedTrust: unknown;
  wantedBoundary: string | undefined;
}): string[] {
  const out: string[] = [];
  if (!sameDocument(role.trust, role.wantedTrust) && !sameDocument(role.trust, LEGACY_TRUST))
    out.push("a trust policy that is not pocket's (it lets other principals assume the role)");
  const others = role.inlinePolicies.filter((name) => name !== POLICY_NAME);
  if (others.length > 0) out.push(`inline policies ${others.join(", ")}`);
  if (role.managedPolicies.length > 0)
    out.push(`attached managed policies ${role.managedPolicies.join(", ")}`);
  if (role.boundary !== role.wantedBoundary) {
    out.push(
      role.boundary
        ? `the permissions boundary ${role.boundary}${role.wantedBoundary ? ` (the configuration asks for ${role.wantedBoundary})` : " (the configuration sets none)"}`
        : `no permissions boundary (the configuration asks for ${role.wantedBoundary})`,
    );
  }
  return out;
}

/** The role as pocket wants it: its inline policy, its trust policy and its boundary. */
async function wantedRole(clients: AwsClients, inputs: CodeBuildInputs) {
  const [account, partition] = await Promise.all([accountId(clients), callerPartition(clients)]);
  const names = { region: clients.region, account, partition, project: inputs.build.codebuildProject };
  return {
    policy: codebuildPolicy({ ...names, bucket: inputs.stateBucket, repository: inputs.repository }),
    trust: codebuildTrustPolicy(names),
    boundary: inputs.permissionsBoundary
      ? boundaryArn(inputs.permissionsBoundary, partition, account)
      : undefined,
  };
}

type WantedRole = Awaited<ReturnType<typeof wantedRole>>;

async function readRole(iam: Iam, roleName: string): Promise<Role | undefined> {
  const { GetRoleCommand } = await import("@aws-sdk/client-iam");
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
    return undefined;
  }
}

/** The inline policy names and attached managed policies of a role. */
async function rolePolicies(iam: Iam, roleName: string) {
  const { ListRolePoliciesCommand, ListAttachedRolePoliciesCommand } = await import("@aws-sdk/client-iam");
  const [inline, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: roleName })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
  ]);
  return {
    inlinePolicies: inline.PolicyNames ?? [],
    managedPolicies: (attached.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? a.PolicyName ?? "?"),
  };
}

/** Throws when the role carries what pocket did not put there: it is never used then. */
async function refuseForeignRole(iam: Iam, role: Role, wanted: WantedRole): Promise<void> {
  const roleName = role.RoleName!;
  const foreign = foreignRoleParts({
    trust: policyDocument(role.AssumeRolePolicyDocument),
    ...(await rolePolicies(iam, roleName)),
    boundary: role.PermissionsBoundary?.PermissionsBoundaryArn,
    wantedTrust: wanted.trust,
    wantedBoundary: wanted.boundary,
  });
  if (foreign.length === 0) return;
  throw new CliError(
    "codebuild-role-foreign",
    `the IAM role ${roleName} (${role.Arn}) already exists with ${foreign.join("; ")}, which pocket did not put there; it was not used, and nothing was built.`,
    {
      hint: `pocket only reuses a role it made. If this role is a leftover of this stage, delete it (aws iam delete-role --role-name ${roleName}, after detaching its policies) and deploy again: pocket recreates it. If the boundary differs because the configuration changed, set awscontainer.permissions_boundary (or CODEBUILD_PERMISSIONS_BOUNDARY) to the role's, or delete the role.`,
    },
  );
}

/** A role made by an earlier pocket, before the trust policy carried its conditions: upgraded. */
async function upgradeTrust(iam: Iam, role: Role, wanted: WantedRole, progress: Progress): Promise<boolean> {
  if (sameDocument(policyDocument(role.AssumeRolePolicyDocument), wanted.trust)) return false;
  const { UpdateAssumeRolePolicyCommand } = await import("@aws-sdk/client-iam");
  progress.update(`restricting who may assume IAM role ${role.RoleName}`);
  await iam.send(
    new UpdateAssumeRolePolicyCommand({
      RoleName: role.RoleName!,
      PolicyDocument: JSON.stringify(wanted.trust),
    }),
  );
  return true;
}

async function createRole(iam: Iam, roleName: string, wanted: WantedRole, progress: Progress): Promise<Role> {
  const { CreateRoleCommand } = await import("@aws-sdk/client-iam");
  progress.update(`creating IAM role ${roleName}`);
  const out = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify(wanted.trust),
      Description: "magic-pocket: builds and pushes the Lambda image",
      ...(wanted.boundary ? { PermissionsBoundary: wanted.boundary } : {}),
    }),
  );
  return out.Role!;
}

/** Puts pocket's inline policy when it differs from the role's (a new role has none). */
async function putPolicy(iam: Iam, roleName: string, policy: unknown, isNew: boolean): Promise<boolean> {
  const { GetRolePolicyCommand, PutRolePolicyCommand } = await import("@aws-sdk/client-iam");
  let current: unknown;
  if (!isNew) {
    try {
      current = policyDocument(
        (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME })))
          .PolicyDocument,
      );
    } catch (error) {
      if (!noSuchEntity(error)) throw error;
    }
  }
  if (sameDocument(current, policy)) return false;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: POLICY_NAME,
      PolicyDocument: JSON.stringify(policy),
    }),
  );
  return true;
}

/**
 * IAM changes reach CodeBuild's workers seconds later; a build started at once can fail to read
 * its source. The reference waited 10 s after creating the role; so do we, after any change.
 */
async function settle(ms: number, progress: Progress): Promise<void> {
  if (ms <= 0) return;
  progress.update("waiting for the IAM change to propagate");
  await sleep(ms);
}

/** The role exists with our policy; the policy is refreshed when the bucket or project changed. */
export async function ensureRole(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  progress: Progress,
): Promise<{ arn: string; created: boolean }> {
  const iam = await clients.iam();
  const roleName = inputs.build.codebuildRole;
  const wanted = await wantedRole(clients, inputs);
  const existing = await readRole(iam, roleName);
  if (existing) await refuseForeignRole(iam, existing, wanted);
  const trustChanged = existing ? await upgradeTrust(iam, existing, wanted, progress) : false;
  const role = existing ?? (await createRole(iam, roleName, wanted, progress));
  const policyChanged = await putPolicy(iam, roleName, wanted.policy, !existing);
  if (trustChanged || policyChanged) await settle(inputs.timing.iamSettleMs, progress);
  return { arn: role.Arn!, created: !existing };
}

/**
 * Deletes the role with its inline policies; false when there is none. A role of this name
 * that carries what pocket never puts there is someone else's: it is left alone (its boundary
 * is not checked, as a boundary only ever takes permissions away).
 */
export async function deleteCodeBuildRole(
  clients: AwsClients,
  build: ContainerContext["build"],
  progress: Progress,
): Promise<boolean> {
  const iam = await clients.iam();
  const { DeleteRolePolicyCommand, DeleteRoleCommand } = await import("@aws-sdk/client-iam");
  const roleName = build.codebuildRole;
  try {
    const role = await readRole(iam, roleName);
    if (!role) return false;
    const [policies, account, partition] = await Promise.all([
      rolePolicies(iam, roleName),
      accountId(clients),
      callerPartition(clients),
    ]);
    const foreign = foreignRoleParts({
      trust: policyDocument(role.AssumeRolePolicyDocument),
      ...policies,
      boundary: undefined,
      wantedTrust: codebuildTrustPolicy({
        region: clients.region,
        account,
        partition,
        project: build.codebuildProject,
      }),
      wantedBoundary: undefined,
    });
    if (foreign.length > 0) {
      progress.log(
        `kept IAM role ${roleName}: it has ${foreign.join("; ")}, which pocket did not put there (delete it by hand if it is unused)`,
      );
      return false;
    }
    progress.update(`deleting IAM role ${roleName}`);
    for (const name of policies.inlinePolicies) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    return true;
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
    return false;
  }
}
