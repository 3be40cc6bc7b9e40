import * as z from "zod/mini";
import {
  anyTable,
  bool,
  envName,
  fail,
  int,
  lazy,
  nonEmpty,
  optionalLazy,
  optionalNonEmpty,
  strictObject,
  table,
} from "./base.js";
import { djangoSchema } from "./django.js";
import { optionalHostName } from "./host-name.js";
import { secretsSchema } from "./secrets.js";

/** `envs` names with pocket's own POCKET_ prefix: pocket sets those itself (container or handler). */
function refuseReservedEnvs(envs: Record<string, string>, ctx: z.core.$RefinementCtx): void {
  for (const name of Object.keys(envs)) {
    if (name.toUpperCase().startsWith("POCKET_")) {
      fail(
        ctx,
        "env-reserved-prefix",
        `environment variable ${name} uses the reserved POCKET_ prefix`,
        ["envs", name],
        "pocket sets POCKET_* variables itself; rename yours.",
      );
    }
  }
}

export const MANAGEMENT_COMMAND_HANDLER = "pocket.django.lambda_handlers.management_command_handler";

const apigateway = table({
  domain: optionalHostName,
  create_records: bool(true),
  hosted_zone_id_override: optionalNonEmpty,
});

const sqs = table({
  batch_size: z._default(int(1, 10_000), 10),
  message_retention_period: z._default(int(60, 1_209_600), 345_600),
  maximum_concurrency: z._default(int(2, 1000), 2),
  dead_letter_max_receive_count: z._default(int(1, 1000), 5),
  dead_letter_message_retention_period: z._default(int(60, 1_209_600), 1_209_600),
  report_batch_item_failures: bool(true),
});

/** Seconds an API Gateway HTTP API waits for its Lambda integration (a fixed AWS limit). */
const HTTP_API_TIMEOUT = 30;

const handler = table({
  command: nonEmpty,
  timeout: z._default(int(1, 900), 30),
  memory_size: z._default(int(128, 10_240), 512),
  reserved_concurrency: z.optional(int(0, 100_000)),
  // Overrides [awscontainer] tracing for this handler's function.
  tracing: z.optional(z.boolean()),
  apigateway: z.optional(apigateway),
  sqs: z.optional(sqs),
  // This function's own variables, over the container's `envs` (the original's current
  // spelling only: head/spelling.ts reports it in a seed-spelled file).
  envs: z._default(z.record(envName, z.string()), {}),
}).check(
  z.superRefine((h, ctx) => {
    refuseReservedEnvs(h.envs, ctx);
    // An HTTP API (and CloudFront's api routes in front of it) answers 503 after 30 s whatever the
    // function's timeout: a longer timeout only hides requests that have already failed.
    if (h.apigateway && h.timeout > HTTP_API_TIMEOUT) {
      fail(
        ctx,
        "apigateway-timeout",
        `timeout = ${h.timeout} is over ${HTTP_API_TIMEOUT} seconds, the longest an HTTP API (and a CloudFront api route) waits for the function`,
        ["timeout"],
        "Keep web requests under 30 s and move long work to a queue worker: a handler with sqs = {} (e.g. the management command handler, called with pocket_call_command).",
      );
    }
  }),
);
export type HandlerSettings = z.output<typeof handler>;

/** Handler keys become function names, env var parts and CloudFormation logical ids. */
const HANDLER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A managed policy: AWS's own (`arn:aws:iam::aws:policy/...`) or one of an account. */
const policyArn = z.string().check(
  z.regex(/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/, {
    error: "must be an IAM policy ARN (arn:aws:iam::123456789012:policy/NAME)",
  }),
);

const optionalPolicyArn = z.optional(policyArn);

/** IAM's limit for all inline policies of one role together (whitespace not counted). */
export const INLINE_POLICY_LIMIT = 10_240;
/** Managed policies per role (IAM quota, at its maximum). */
const MANAGED_POLICY_LIMIT = 20;

const optionalStringOrList = lazy(() =>
  z.optional(z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))])),
);
/** An identity-based policy statement as IAM accepts it; keys keep AWS's spelling. */
const statement = lazy(() =>
  strictObject({
    Sid: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9]*$/, { error: "Sid may only contain letters and digits" })),
    ),
    Effect: z.enum(["Allow", "Deny"]),
    Action: optionalStringOrList(),
    NotAction: optionalStringOrList(),
    Resource: optionalStringOrList(),
    NotResource: optionalStringOrList(),
    Condition: z.optional(z.record(z.string(), anyTable)),
  }).check(
    z.superRefine((st, ctx) => {
      if ((st.Action === undefined) === (st.NotAction === undefined)) {
        fail(ctx, "policy-statement-action", "a statement needs exactly one of Action or NotAction", []);
      }
      if ((st.Resource === undefined) === (st.NotResource === undefined)) {
        fail(
          ctx,
          "policy-statement-resource",
          "a statement needs exactly one of Resource or NotResource",
          [],
        );
      }
    }),
  ),
);
const policyDocument = lazy(() =>
  strictObject({
    Version: z._default(z.enum(["2012-10-17", "2008-10-17"]), "2012-10-17"),
    Statement: z.array(statement()).check(z.minLength(1, { error: "needs at least one statement" })),
  }),
);
export type PolicyDocument = z.output<ReturnType<typeof policyDocument>>;

/** `[awscontainer.iam]`: what the Lambda role gets beyond pocket's own least-privilege policies. */
const iam = lazy(() =>
  table({
    managed_policy_arns: z._default(z.array(policyArn).check(z.maxLength(MANAGED_POLICY_LIMIT)), []),
    inline_policies: z._default(
      z.record(
        z.string().check(
          z.regex(/^[\w+=,.@-]{1,128}$/, {
            error: "policy names are 1-128 letters, digits and +=,.@_-",
          }),
        ),
        policyDocument(),
      ),
      {},
    ),
    permissions_boundary: optionalPolicyArn,
  }).check(
    z.superRefine((i, ctx) => {
      const dup = i.managedPolicyArns.find((a, n) => i.managedPolicyArns.indexOf(a) !== n);
      if (dup) fail(ctx, "managed-policy-duplicate", `${dup} is listed twice`, ["managed_policy_arns"]);
      const size = Object.values(i.inlinePolicies).reduce((n, d) => n + JSON.stringify(d).length, 0);
      if (size > INLINE_POLICY_LIMIT) {
        fail(
          ctx,
          "inline-policies-too-large",
          `the inline policies add up to ${size} characters; IAM allows ${INLINE_POLICY_LIMIT} per role (pocket's own policies count too)`,
          ["inline_policies"],
          "Move large policies into a managed policy and list its ARN in managed_policy_arns.",
        );
      }
    }),
  ),
);

const BUILD_BACKENDS = ["docker", "codebuild", "depot"] as const;
const build = lazy(() =>
  z.union([
    z.pipe(
      z.enum(BUILD_BACKENDS),
      z.transform((backend: (typeof BUILD_BACKENDS)[number]) => ({ backend })),
    ),
    table({
      backend: z.enum(BUILD_BACKENDS),
      compute_type: z.optional(
        z.enum([
          "BUILD_GENERAL1_SMALL",
          "BUILD_GENERAL1_MEDIUM",
          "BUILD_GENERAL1_LARGE",
          "BUILD_GENERAL1_XLARGE",
          "BUILD_GENERAL1_2XLARGE",
        ]),
      ),
      depot_project_id: optionalNonEmpty,
    }),
  ]),
);

export const awscontainerSchema = lazy(() =>
  table({
    dockerfile_path: nonEmpty,
    platform: z._default(z.enum(["linux/amd64", "linux/arm64"]), "linux/amd64"),
    envs: z._default(z.record(envName, z.string()), {}),
    use_vpc: z.optional(z.boolean()),
    handlers: z._default(
      z.record(
        z.string().check(
          z.regex(HANDLER_NAME, {
            error: "handler names may only contain letters, digits, _ and -, starting with a letter",
          }),
        ),
        handler,
      ),
      {},
    ),
    secrets: z.optional(secretsSchema()),
    django: z.optional(djangoSchema()),
    // Kept for the guide's spelling; [awscontainer.iam].permissions_boundary is the same setting.
    permissions_boundary: optionalPolicyArn,
    iam: optionalLazy(iam),
    build: optionalLazy(build),
    // Opt-in per stage: after `deploy --hotswap` the functions run an image the stack does not
    // name until the next full deploy (docs/decisions.md#e13-image-only-deploys-by-hotswap).
    hotswap: bool(false),
    // X-Ray active tracing on every function (a handler's own `tracing` overrides it).
    tracing: bool(false),
  }).check(
    z.superRefine((c, ctx) => {
      if (
        c.permissionsBoundary &&
        c.iam?.permissionsBoundary &&
        c.permissionsBoundary !== c.iam.permissionsBoundary
      ) {
        fail(
          ctx,
          "permissions-boundary-twice",
          "permissions_boundary is set both in [awscontainer] and in [awscontainer.iam], to different policies",
          ["iam", "permissions_boundary"],
          "Keep one: [awscontainer.iam] permissions_boundary is the same setting.",
        );
      }
      refuseReservedEnvs(c.envs, ctx);
      const management = Object.entries(c.handlers).filter(
        ([, h]) => h.command === MANAGEMENT_COMMAND_HANDLER,
      );
      for (const [name] of management.slice(1)) {
        fail(
          ctx,
          "management-handler-duplicate",
          `only one handler may run ${MANAGEMENT_COMMAND_HANDLER}; "${management[0]![0]}" already does`,
          ["handlers", name, "command"],
          "Give the management command handler an sqs table if you also want it queued.",
        );
      }
      const envKeys = new Map<string, string>();
      for (const name of Object.keys(c.handlers)) {
        const key = name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
        const other = envKeys.get(key);
        if (other) {
          fail(ctx, "handler-name-clash", `handlers "${other}" and "${name}" both become POCKET_${key}_*`, [
            "handlers",
            name,
          ]);
        }
        envKeys.set(key, name);
      }
    }),
  ),
);
export type AwsContainerSettings = z.output<ReturnType<typeof awscontainerSchema>>;
