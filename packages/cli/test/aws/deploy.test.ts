import { GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from "@aws-sdk/client-lambda";
import { GetBucketLocationCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { djangoContainer, freshProject, general, REGION, stageImage } from "./harness.js";
import { mutating, record } from "./recorder.js";

// The seed's getting-started shape: S3, secrets, a web handler with API Gateway, and a
// management handler with SQS.
const GETTING_STARTED = (memory = 512) => `
${general("demo", ["dev", "prd"])}
[s3]

${djangoContainer({
  envs: { GREETING: "hello" },
  managed: ['SPA_TOKEN_SECRET = { type = "spa_token_secret" }', 'JWT_KEY = { type = "rsa_pem_base64" }'],
  wsgi: [`memory_size = ${memory}`, "reserved_concurrency = 3"],
  management: ["sqs = { batch_size = 5 }"],
})}`;

let dir: string;
let image: string;
const env = () => motoEnv(REGION);

beforeAll(async () => {
  ({ dir, image } = await freshProject(GETTING_STARTED(), "demo"));
});

describe("pocket deploy against moto (getting-started)", () => {
  it("creates every resource", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(r.stderr).toContain("Deployed stage dev");
    expect(r.status, r.stderr).toBe(0);

    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new GetBucketLocationCommand({ Bucket: "dev-demo-pocket" }));
    await s3.send(new GetBucketLocationCommand({ Bucket: "dev-demo-pocket-state" }));

    const sm = new SecretsManagerClient({ region: REGION });
    const doc = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: "dev-demo-pocket" }))).SecretString!,
    );
    const values = doc.dev.demo;
    expect(values.SECRET_KEY).toHaveLength(50);
    expect(values.SPA_TOKEN_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(values.JWT_KEY.pem, "base64").toString()).toContain("BEGIN RSA PRIVATE KEY");
    expect(Buffer.from(values.JWT_KEY.pub, "base64").toString()).toContain("BEGIN PUBLIC KEY");

    const lambda = new LambdaClient({ region: REGION });
    const wsgi = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-demo-pocket-wsgi" }),
    );
    expect(wsgi.MemorySize).toBe(512);
    expect(wsgi.Timeout).toBe(30);
    const vars = wsgi.Environment!.Variables!;
    expect(vars.POCKET_STAGE).toBe("dev");
    expect(vars.GREETING).toBe("hello");
    expect(JSON.parse(vars.POCKET_SECRETS!).managed.JWT_KEY).toEqual({
      type: "rsa_pem_base64",
      pem: "JWT_KEY_PEM_BASE64",
      pub: "JWT_KEY_PUB_BASE64",
    });
    expect(vars.POCKET_MANAGEMENT_QUEUEURL).toContain("dev-demo-pocket-management");
    const mgmt = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-demo-pocket-management" }),
    );
    expect(mgmt.Timeout).toBe(600);

    const sqs = new SQSClient({ region: REGION });
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: "dev-demo-pocket-management" })))
      .QueueUrl!;
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })))
      .Attributes!;
    expect(attrs.VisibilityTimeout).toBe("3600");
    expect(JSON.parse(attrs.RedrivePolicy!).maxReceiveCount).toBe(5);
    const mappings = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: "dev-demo-pocket-management" }),
    );
    expect(mappings.EventSourceMappings?.[0]?.BatchSize).toBe(5);

    const iam = new IAMClient({ region: REGION });
    const policy = await iam.send(
      new GetRolePolicyCommand({
        RoleName: "lambda-dev-demo-pocket",
        PolicyName: "lambda-dev-demo-pocket-policy",
      }),
    );
    const statements = parsePolicy(policy.PolicyDocument!).Statement as { Sid: string; Resource: unknown }[];
    expect(statements.map((s) => s.Sid)).toEqual(
      expect.arrayContaining([
        "WriteOwnLogs",
        "ListStageBucket",
        "UseStageBucketObjects",
        "UseOwnQueues",
        "ReadSecrets",
      ]),
    );
    expect(statements.every((s) => s.Resource !== "*")).toBe(true);
  });

  it("changes nothing on a second deploy", async () => {
    const { result, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("No changes: stage dev is up to date");
    // The deploy lock (an object in the state bucket) is the only write.
    expect(mutating(operations)).toEqual(["PutObject", "DeleteObject"]);
    // Under the lock each read is asked once (engine/read-ahead.ts): the container's drift record
    // (an object read the read-ahead keeps as a value) and its stack; --image is checked before
    // the lock and once under it, with the statuses.
    const count = (op: string) => operations.filter((o) => o === op).length;
    expect(count("GetObject")).toBe(1);
    expect(count("DescribeStacks")).toBe(1);
    expect(count("DescribeImages")).toBe(2);
  });

  it("reports status in sync, also as JSON", () => {
    const r = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { resources: { id: string; state: string }[] };
    expect(status.resources.map((x) => [x.id, x.state])).toEqual([
      ["state", "in-sync"],
      ["s3", "in-sync"],
      ["secrets", "in-sync"],
      ["container", "in-sync"],
    ]);
  });

  it("updates only what changed when one handler's memory changes", async () => {
    dir = project(GETTING_STARTED(1024), "demo");
    const plan = pocket(["plan", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("~ AWS::Lambda::Function WsgiLambdaFunction");
    expect(plan.stdout).not.toContain("ManagementLambdaFunction");

    const { result, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(result.status, result.stderr).toBe(0);
    // The lock, the one stack update, the deploy history (the stack's template by hash, then the
    // record: docs/decisions.md#e14-deploy-history-and-rollback), the lock's release.
    expect(mutating(operations)).toEqual([
      "PutObject",
      "UpdateStack",
      "PutObject",
      "PutObject",
      "DeleteObject",
    ]);
    const lambda = new LambdaClient({ region: REGION });
    expect(
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "dev-demo-pocket-wsgi" })))
        .MemorySize,
    ).toBe(1024);
  });

  it("refuses an --image that is not in ECR before changing anything", async () => {
    const missing = image.replace(/@sha256:.*/, `@sha256:${"d".repeat(64)}`);
    const { result, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", missing], { cwd: dir, env: env() }),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is not in ECR");
    // Checked before the stage lock is even taken.
    expect(mutating(operations)).toEqual([]);
  });

  it("refuses a second deploy while the stage is locked, and --force-unlock clears it", async () => {
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await s3.send(
      new PutObjectCommand({
        Bucket: "dev-demo-pocket-state",
        Key: "locks/dev.json",
        Body: JSON.stringify({ user: "ci", host: "runner", pid: 1, startedAt: "2026-11-24T00:00:00Z" }),
      }),
    );
    const locked = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(locked.status).toBe(1);
    expect(locked.stderr).toContain("another deploy of stage dev is running: ci@runner");
    const forced = pocket(["deploy", "--stage", "dev", "--image", image, "--force-unlock"], {
      cwd: dir,
      env: env(),
    });
    expect(forced.status, forced.stderr).toBe(0);
    const left = await s3.send(
      new ListObjectsV2Command({ Bucket: "dev-demo-pocket-state", Prefix: "locks/" }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it("destroy keeps secrets and the state bucket without flags", async () => {
    const refused = pocket(["destroy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("nothing was deleted");

    const r = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const lambda = new LambdaClient({ region: REGION });
    await expect(
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "dev-demo-pocket-wsgi" })),
    ).rejects.toThrow();
    const sm = new SecretsManagerClient({ region: REGION });
    await sm.send(new GetSecretValueCommand({ SecretId: "dev-demo-pocket" }));
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new GetBucketLocationCommand({ Bucket: "dev-demo-pocket-state" }));
    await expect(s3.send(new GetBucketLocationCommand({ Bucket: "dev-demo-pocket" }))).rejects.toThrow();
  });

  it("destroy --with-secrets --with-state-bucket removes the rest", async () => {
    const r = pocket(["destroy", "--stage", "dev", "--yes", "--with-secrets", "--with-state-bucket"], {
      cwd: dir,
      env: env(),
    });
    expect(r.status, r.stderr).toBe(0);
    const sm = new SecretsManagerClient({ region: REGION });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: "dev-demo-pocket" }))).rejects.toThrow();
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await expect(
      s3.send(new GetBucketLocationCommand({ Bucket: "dev-demo-pocket-state" })),
    ).rejects.toThrow();
  });
});

describe("secrets with store = ssm", () => {
  it("stores each value as a SecureString under the pocket key path", async () => {
    image = await stageImage("demo"); // destroyed above
    const ssmDir = project(
      `
${general("demo")}
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.secrets]
store = "ssm"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password" }
CF_KEY = { type = "cloudfront_signing_key" }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`,
      "demo",
    );
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: ssmDir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const ssm = new SSMClient({ region: REGION });
    const params = await ssm.send(
      new GetParametersByPathCommand({ Path: "/dev-demo-pocket/", Recursive: true, WithDecryption: true }),
    );
    const byName = Object.fromEntries((params.Parameters ?? []).map((p) => [p.Name, p]));
    expect(Object.keys(byName).sort()).toEqual([
      "/dev-demo-pocket/CF_KEY/pem",
      "/dev-demo-pocket/CF_KEY/pub",
      "/dev-demo-pocket/SECRET_KEY",
    ]);
    expect(byName["/dev-demo-pocket/SECRET_KEY"]!.Type).toBe("SecureString");
    expect(byName["/dev-demo-pocket/SECRET_KEY"]!.Value).toHaveLength(16);
  });
});

/**
 * IAM returns the policy URL-encoded JSON; moto 5.1 returns a role policy created through
 * CloudFormation as a Python dict repr instead (a moto quirk), which is mapped to JSON here.
 */
function parsePolicy(document: string): { Statement: unknown[] } {
  const text = decodeURIComponent(document);
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(
      text
        .replace(/'/g, '"')
        .replace(/\bTrue\b/g, "true")
        .replace(/\bFalse\b/g, "false"),
    );
  }
}
