import { describe, expect, it } from "vitest";
import { boundaryFor, policyFor } from "../src/commands/permissions-actions.js";
import { concretePolicy } from "../src/commands/permissions-policy.js";
import { type IamCall, isAllowed, type PolicyDocument } from "./ops-iam-evaluator.js";
import { FULL_STAGE } from "./safety-full-stage.js";
import { loadInline } from "./templates/context.js";

/*
 * Issue 20 item 1: the deploy role must not be able to make itself (or anything it can run code
 * as) account admin. The CI principal's generated policy is evaluated, conditions included, on
 * every sequence of up to three IAM calls an attacker holding it could make against the stage's
 * roles, the deploy role, an outside role and the boundary policy; after each allowed call, the
 * world must still hold: every role the stage runs code as carries the stage's boundary, no
 * managed policy is attached, no trust policy was changed in place, the boundary is unchanged,
 * and only bounded roles can be passed to a service. What a bounded role can then do is
 * evaluated too: the boundary grants nothing outside the stage.
 */
const ACCOUNT = "123456789012";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/dev-full-pocket-boundary`;
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const EXTRA = "arn:aws:iam::aws:policy/AmazonBedrockReadOnly";
const TOML = (extra = "") => `${FULL_STAGE}
[dev.awscontainer.iam]
permissions_boundary = "${BOUNDARY}"
${extra}

[scheduler.schedules.ping]
rate = "1 hour"
handler = "wsgi"
input = { path = "/health" }
`;
const ctx = loadInline(TOML()).context;
const policy = concretePolicy(policyFor(ctx), ACCOUNT, "aws") as PolicyDocument;
const concrete = (doc: unknown) =>
  JSON.parse(
    JSON.stringify(doc).replaceAll("${AWS::Partition}", "aws").replaceAll("${AWS::AccountId}", ACCOUNT),
  ) as PolicyDocument;
const boundaryDoc = concrete(boundaryFor(ctx));

const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const c = ctx.container!;
const STAGE_ROLES = [c.roleName, ctx.scheduler!.schedules.ping!.roleName, c.build.codebuildRole];
const DEPLOY_ROLE = `${ctx.resourcePrefix}deploy`;
const OUTSIDER = "ops-admin";
const ROLES = [...STAGE_ROLES, DEPLOY_ROLE, OUTSIDER];

interface Role {
  boundary?: string;
  trust: "service" | "attacker";
  inline: string[];
  attached: string[];
}
interface World {
  roles: Record<string, Role>;
  /** The boundary policy: its default version's document. */
  boundary: "stage" | "admin" | "deleted";
}

const START: World = {
  roles: Object.fromEntries(
    ROLES.map((r) => [
      r,
      {
        boundary: STAGE_ROLES.includes(r) ? BOUNDARY : undefined,
        trust: "service",
        inline: ["pocket"],
        attached: r === OUTSIDER ? [ADMIN] : [],
      },
    ]),
  ),
  boundary: "stage",
};

interface Move {
  name: string;
  call: IamCall;
  apply(w: World): World;
}

const iam = (action: string, resource: string, context: Record<string, string> = {}): IamCall => ({
  service: "iam",
  action: `iam:${action}`,
  resources: [resource],
  context,
});
const clone = (w: World): World => JSON.parse(JSON.stringify(w));
/** The condition keys IAM puts on a call on an existing role: its boundary, when it has one. */
const onRole = (w: World, name: string): Record<string, string> => {
  const b = w.roles[name]?.boundary;
  return b ? { "iam:PermissionsBoundary": b } : {};
};

function moves(w: World): Move[] {
  const out: Move[] = [];
  const edit = (name: string, f: (r: Role) => void) => (x: World) => {
    const y = clone(x);
    if (y.roles[name]) f(y.roles[name]!);
    return y;
  };
  for (const name of ROLES) {
    const arn = roleArn(name);
    const exists = Boolean(w.roles[name]);
    if (!exists) {
      for (const boundary of [undefined, BOUNDARY, ADMIN])
        for (const trust of ["service", "attacker"] as const)
          out.push({
            name: `CreateRole ${name} boundary=${boundary ?? "none"} trust=${trust}`,
            call: iam("CreateRole", arn, boundary ? { "iam:PermissionsBoundary": boundary } : {}),
            apply: (x) => ({
              ...clone(x),
              roles: { ...x.roles, [name]: { boundary, trust, inline: [], attached: [] } },
            }),
          });
      continue;
    }
    out.push({
      name: `DeleteRole ${name}`,
      call: iam("DeleteRole", arn),
      apply: (x) => {
        const y = clone(x);
        delete y.roles[name];
        return y;
      },
    });
    out.push({
      name: `PutRolePolicy ${name} *:*`,
      call: iam("PutRolePolicy", arn, onRole(w, name)),
      apply: edit(name, (r) => r.inline.push("admin")),
    });
    for (const policyArn of [ADMIN, EXTRA])
      out.push({
        name: `AttachRolePolicy ${name} ${policyArn}`,
        call: iam("AttachRolePolicy", arn, { ...onRole(w, name), "iam:PolicyARN": policyArn }),
        apply: edit(name, (r) => r.attached.push(policyArn)),
      });
    out.push({
      name: `DeleteRolePermissionsBoundary ${name}`,
      call: iam("DeleteRolePermissionsBoundary", arn, onRole(w, name)),
      apply: edit(name, (r) => {
        delete r.boundary;
      }),
    });
    for (const boundary of [ADMIN, BOUNDARY])
      out.push({
        name: `PutRolePermissionsBoundary ${name} ${boundary}`,
        call: iam("PutRolePermissionsBoundary", arn, { "iam:PermissionsBoundary": boundary }),
        apply: edit(name, (r) => {
          r.boundary = boundary;
        }),
      });
    out.push({
      name: `UpdateAssumeRolePolicy ${name}`,
      call: iam("UpdateAssumeRolePolicy", arn, onRole(w, name)),
      apply: edit(name, (r) => {
        r.trust = "attacker";
      }),
    });
  }
  for (const [action, result] of [
    ["CreatePolicyVersion", "admin"],
    ["SetDefaultPolicyVersion", "admin"],
    ["DeletePolicy", "deleted"],
  ] as const)
    out.push({
      name: `${action} boundary`,
      call: iam(action, BOUNDARY),
      apply: (x) => ({ ...clone(x), boundary: result }),
    });
  if (w.boundary === "deleted")
    out.push({
      name: "CreatePolicy boundary (admin document)",
      call: iam("CreatePolicy", BOUNDARY),
      apply: (x) => ({ ...clone(x), boundary: "admin" }),
    });
  return out;
}

/** What must hold in every world the attacker can reach. */
function violations(w: World): string[] {
  const out: string[] = [];
  if (w.boundary !== "stage") out.push(`the boundary policy is ${w.boundary}`);
  for (const name of STAGE_ROLES) {
    const r = w.roles[name];
    if (!r) continue;
    if (r.boundary !== BOUNDARY) out.push(`${name} has boundary ${r.boundary ?? "none"}`);
    if (r.attached.length > 0) out.push(`${name} has ${r.attached.join(", ")} attached`);
  }
  for (const name of [DEPLOY_ROLE, OUTSIDER])
    if (JSON.stringify(w.roles[name]) !== JSON.stringify(START.roles[name])) out.push(`${name} was changed`);
  return out;
}

const key = (w: World) => JSON.stringify(w);

describe("the deploy role cannot escalate (issue 20 item 1)", () => {
  it("denies each single escalation outright", () => {
    const lambda = roleArn(c.roleName);
    const bounded = { "iam:PermissionsBoundary": BOUNDARY };
    const denied: [string, IamCall][] = [
      ["attach AdministratorAccess", iam("AttachRolePolicy", lambda, { ...bounded, "iam:PolicyARN": ADMIN })],
      ["create the function role without the boundary", iam("CreateRole", lambda)],
      ["create it with another boundary", iam("CreateRole", lambda, { "iam:PermissionsBoundary": ADMIN })],
      ["put an inline policy on an unbounded role", iam("PutRolePolicy", lambda)],
      ["create a role outside the stage", iam("CreateRole", roleArn("mine"), bounded)],
      ["update a trust policy", iam("UpdateAssumeRolePolicy", lambda, bounded)],
      ["delete the boundary", iam("DeleteRolePermissionsBoundary", lambda, bounded)],
      ["swap the boundary", iam("PutRolePermissionsBoundary", lambda, { "iam:PermissionsBoundary": ADMIN })],
      ["a new version of the boundary", iam("CreatePolicyVersion", BOUNDARY)],
      ["make another version the boundary's default", iam("SetDefaultPolicyVersion", BOUNDARY)],
      ["delete the boundary policy", iam("DeletePolicy", BOUNDARY)],
      [
        "write the deploy role's own policies",
        iam("CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/dev-full-pocket-deploy-1`),
      ],
      ["put an inline policy on the deploy role", iam("PutRolePolicy", roleArn(DEPLOY_ROLE), bounded)],
      [
        "pass a role outside the stage",
        {
          service: "iam",
          action: "iam:PassRole",
          resources: [roleArn(OUTSIDER)],
          context: { "iam:PassedToService": "lambda.amazonaws.com" },
        },
      ],
      [
        "pass the function role to another service",
        {
          service: "iam",
          action: "iam:PassRole",
          resources: [lambda],
          context: { "iam:PassedToService": "ec2.amazonaws.com" },
        },
      ],
    ];
    for (const [what, call] of denied) expect(isAllowed(policy, call), what).toBe(false);
    // What CloudFormation and pocket do for the stage's roles stays allowed.
    for (const action of ["CreateRole", "PutRolePolicy", "DeleteRolePolicy"])
      expect(isAllowed(policy, iam(action, lambda, bounded)), action).toBe(true);
    expect(isAllowed(policy, iam("DeleteRole", lambda))).toBe(true);
    expect(
      isAllowed(policy, {
        service: "iam",
        action: "iam:PassRole",
        resources: [lambda],
        context: { "iam:PassedToService": "lambda.amazonaws.com" },
      }),
    ).toBe(true);
  });

  it("reaches no world where a role escapes the boundary, in any sequence of three calls", () => {
    const seen = new Map<string, string[]>([[key(START), []]]);
    let frontier: World[] = [START];
    const broken: string[] = [];
    for (let depth = 0; depth < 3; depth++) {
      const next: World[] = [];
      for (const w of frontier) {
        for (const m of moves(w)) {
          if (!isAllowed(policy, m.call)) continue;
          const after = m.apply(w);
          const path = [...seen.get(key(w))!, m.name];
          const v = violations(after);
          if (v.length > 0) broken.push(`${path.join(" → ")}: ${v.join("; ")}`);
          if (!seen.has(key(after))) {
            seen.set(key(after), path);
            next.push(after);
          }
        }
      }
      frontier = next;
    }
    expect(broken).toEqual([]);
    // The search did explore: the stage's roles can be deleted, recreated and written (bounded).
    expect(seen.size).toBeGreaterThan(10);
  });

  it("leaves a bounded role with nothing outside the stage, even with *:* written into it", () => {
    const effective = (call: IamCall) =>
      isAllowed(
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
        call,
      ) && isAllowed(boundaryDoc, call);
    const outside: IamCall[] = [
      { service: "iam", action: "iam:AttachRolePolicy", resources: [roleArn(c.roleName)] },
      { service: "iam", action: "iam:CreateUser", resources: [`arn:aws:iam::${ACCOUNT}:user/x`] },
      { service: "s3", action: "s3:GetObject", resources: ["arn:aws:s3:::prd-full-pocket/x"] },
      {
        service: "secretsmanager",
        action: "secretsmanager:GetSecretValue",
        resources: [`arn:aws:secretsmanager:ap-northeast-1:${ACCOUNT}:secret:prd-full-pocket-AbCdEf`],
      },
      {
        service: "lambda",
        action: "lambda:UpdateFunctionCode",
        resources: [`arn:aws:lambda:ap-northeast-1:${ACCOUNT}:function:dev-full-pocket-wsgi`],
      },
      {
        service: "ecr",
        action: "ecr:PutImage",
        resources: [`arn:aws:ecr:ap-northeast-1:${ACCOUNT}:repository/prd-full-pocket-lambda`],
      },
    ];
    for (const call of outside) expect(effective(call), call.action).toBe(false);
    // ...while what the stage's code needs is inside it.
    expect(
      effective({ service: "s3", action: "s3:GetObject", resources: ["arn:aws:s3:::dev-full-pocket/x"] }),
    ).toBe(true);
    expect(
      effective({
        service: "secretsmanager",
        action: "secretsmanager:GetSecretValue",
        resources: [`arn:aws:secretsmanager:ap-northeast-1:${ACCOUNT}:secret:dev-full-pocket-AbCdEf`],
      }),
    ).toBe(true);
  });

  it("attaches only the managed policies the configuration lists, within the boundary", () => {
    const listed = loadInline(TOML(`managed_policy_arns = ["${EXTRA}"]`)).context;
    const p = concretePolicy(policyFor(listed), ACCOUNT, "aws") as PolicyDocument;
    const lambda = roleArn(listed.container!.roleName);
    const attach = (arn: string, boundary = BOUNDARY) =>
      isAllowed(
        p,
        iam("AttachRolePolicy", lambda, { "iam:PermissionsBoundary": boundary, "iam:PolicyARN": arn }),
      );
    expect(attach(EXTRA)).toBe(true);
    expect(attach(ADMIN)).toBe(false);
    expect(attach(EXTRA, ADMIN)).toBe(false);
  });

  it("refuses a stage with roles but no boundary, saying how to set one", () => {
    const bare = loadInline(FULL_STAGE).context;
    expect(() => policyFor(bare)).toThrow(/sets no permissions boundary/);
  });
});
