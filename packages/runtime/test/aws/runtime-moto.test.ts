import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshMoto } from "../../../cli/test/aws/harness.js";
import { record } from "../../../cli/test/aws/recorder.js";
import { enqueue, loadEnv, resetEnvLoaded, type SqsEvent, sqsHandler } from "../../src/index.js";

const REGION = "ap-northeast-1";
const saved = { ...process.env };
let sm: SecretsManagerClient;
let ssm: SSMClient;
let userSecretArn: string;
let rdsSecretArn: string;

beforeAll(async () => {
  await freshMoto({ cli: false });
  Object.assign(saved, process.env);
  sm = new SecretsManagerClient({ region: REGION });
  ssm = new SSMClient({ region: REGION });
  // The pocket secret (sm store) as the deploy writes it: {stage: {project: {NAME: value}}}.
  await sm.send(
    new CreateSecretCommand({
      Name: "dev-myapp-pocket",
      SecretString: JSON.stringify({
        dev: {
          myapp: {
            SECRET_KEY: "k3y with spaces",
            SPA_TOKEN_SECRET: "ab".repeat(32),
            JWT_RSA: { pem: "UEVN", pub: "UFVC" },
            LEFT_BEHIND: "old",
          },
        },
        prd: { myapp: { SECRET_KEY: "not this one" } },
      }),
    }),
  );
  userSecretArn = (
    await sm.send(new CreateSecretCommand({ Name: "shared/api-key", SecretString: "user-sm-value" }))
  ).ARN!;
  rdsSecretArn = (
    await sm.send(
      new CreateSecretCommand({
        Name: "rds!cluster-abc",
        SecretString: JSON.stringify({ username: "pocket admin", password: "p@ss:w/rd?#%&'" }),
      }),
    )
  ).ARN!;
  // The ssm store: /<key>/NAME and /<key>/NAME/pem|pub; plus user parameters.
  const put = (Name: string, Value: string) =>
    ssm.send(new PutParameterCommand({ Name, Value, Type: "SecureString", Overwrite: true }));
  await put("/dev-myapp-pocket/SECRET_KEY", "ssm-secret-key");
  await put("/dev-myapp-pocket/CF_MEDIA_KEY/pem", "UEVNLXNzbQ==");
  await put("/dev-myapp-pocket/CF_MEDIA_KEY/pub", "UFVCLXNzbQ==");
  await put("/dev-myapp-pocket/deeper/a/b", "ignored");
  for (let i = 0; i < 12; i++) await put(`/shared/param${i}`, `value-${i}`);
});

beforeEach(() => {
  resetEnvLoaded();
  process.env = { ...saved };
  process.env.POCKET_STAGE = "dev";
  process.env.POCKET_PROJECT_NAME = "myapp";
  process.env.POCKET_REGION = REGION;
});
afterEach(() => {
  process.env = { ...saved };
});

function secretsDoc(doc: Record<string, unknown>): string {
  return JSON.stringify({
    key: "dev-myapp-pocket",
    stage: "dev",
    project: "myapp",
    managed: {},
    user: {},
    ...doc,
  });
}

describe("loadEnv against moto", () => {
  it("sm store: managed and user secrets (SM by ARN, SSM) and the RDS DATABASE_URL, one call per store", async () => {
    const warnings: string[] = [];
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      managed: {
        SECRET_KEY: { type: "password", env: "SECRET_KEY" },
        SPA_TOKEN_SECRET: { type: "spa_token_secret", env: "SPA_TOKEN_SECRET" },
        JWT_RSA: { type: "rsa_pem_base64", pem: "JWT_RSA_PEM_BASE64", pub: "JWT_RSA_PUB_BASE64" },
      },
      user: {
        API_KEY: { name: userSecretArn, store: "sm" },
        ...Object.fromEntries(
          Array.from({ length: 12 }, (_, i) => [`PARAM_${i}`, { name: `/shared/param${i}`, store: "ssm" }]),
        ),
        // A user secret overrides a managed value of the same variable.
        SPA_TOKEN_SECRET: { name: "/shared/param0", store: "ssm" },
      },
    });
    process.env.POCKET_RDS_SECRET_ARN = rdsSecretArn;
    process.env.POCKET_RDS_ENDPOINT = "cluster.example.internal";
    process.env.POCKET_RDS_PORT = "5432";
    process.env.POCKET_RDS_DBNAME = "myapp_dev";
    process.env.DATABASE_URL = "postgres://image-env";
    const { operations } = await record(() => loadEnv({ warn: (m) => warnings.push(m) }));
    expect(process.env.SECRET_KEY).toBe("k3y with spaces");
    expect(process.env.JWT_RSA_PEM_BASE64).toBe("UEVN");
    expect(process.env.JWT_RSA_PUB_BASE64).toBe("UFVC");
    expect(process.env.API_KEY).toBe("user-sm-value");
    expect(process.env.PARAM_11).toBe("value-11");
    expect(process.env.SPA_TOKEN_SECRET).toBe("value-0");
    expect(process.env.DATABASE_URL).toBe(
      "postgres://pocket%20admin:p%40ss%3Aw%2Frd%3F%23%25%26%27@cluster.example.internal:5432/myapp_dev",
    );
    expect(warnings).toEqual([
      "pocket: Secrets Manager secret 'dev-myapp-pocket' holds LEFT_BEHIND, which [awscontainer.secrets.managed] no longer declares; skipped",
    ]);
    // pocket secret + user SM secret + RDS secret; the 13 SSM names in two GetParameters calls.
    expect(operations.sort()).toEqual([
      "GetParameters",
      "GetParameters",
      "GetSecretValue",
      "GetSecretValue",
      "GetSecretValue",
    ]);
  });

  it("ssm store: plain values and pem/pub pairs from one GetParametersByPath", async () => {
    process.env.POCKET_SECRETS = secretsDoc({
      store: "ssm",
      managed: {
        SECRET_KEY: { type: "password", env: "SECRET_KEY" },
        CF_MEDIA_KEY: {
          type: "cloudfront_signing_key",
          pem: "CF_MEDIA_KEY_PEM_BASE64",
          pub: "CF_MEDIA_KEY_PUB_BASE64",
        },
      },
    });
    const { operations } = await record(() => loadEnv());
    expect(process.env.SECRET_KEY).toBe("ssm-secret-key");
    expect(process.env.CF_MEDIA_KEY_PEM_BASE64).toBe("UEVNLXNzbQ==");
    expect(process.env.CF_MEDIA_KEY_PUB_BASE64).toBe("UFVCLXNzbQ==");
    expect(operations).toEqual(["GetParametersByPath"]);
  });

  it("a declared managed secret without a value names it and the command that creates it; nothing is set", async () => {
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      managed: {
        SECRET_KEY: { type: "password", env: "RT_SECRET_KEY" },
        NEW_ONE: { type: "password", env: "NEW_ONE" },
      },
    });
    delete process.env.RT_SECRET_KEY;
    const error = await loadEnv().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "managed-secret-missing", location: "NEW_ONE" });
    expect(String((error as Error).message)).toContain(
      "pocket resource awscontainer secrets create-pocket-managed --stage dev",
    );
    expect(process.env.RT_SECRET_KEY).toBeUndefined();
    // Not marked done: once the value exists, the next call loads.
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      managed: { SECRET_KEY: { type: "password", env: "RT_SECRET_KEY" } },
    });
    await loadEnv();
    expect(process.env.RT_SECRET_KEY).toBe("k3y with spaces");
  });

  it("a missing user secret is named with its variable, for both stores", async () => {
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      user: { GONE: { name: "no/such/secret", store: "sm" } },
    });
    await expect(loadEnv()).rejects.toMatchObject({ code: "secret-not-found", location: "GONE" });
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      user: { GONE_P: { name: "/no/such", store: "ssm" } },
    });
    await expect(loadEnv()).rejects.toMatchObject({ code: "secret-not-found", location: "GONE_P" });
  });

  it("an existing cluster ([rds] managed = false): host, port and dbname come from its secret", async () => {
    const arn = (
      await sm.send(
        new CreateSecretCommand({
          Name: "legacy-db",
          SecretString: JSON.stringify({
            username: "app",
            password: "p/w",
            host: "legacy.cluster-x.ap-northeast-1.rds.amazonaws.com",
            port: 5433,
            dbname: "legacy",
          }),
        }),
      )
    ).ARN!;
    // What the deploy sets for an existing cluster: the endpoint, port and (without database) name empty.
    Object.assign(process.env, {
      POCKET_RDS_SECRET_ARN: arn,
      POCKET_RDS_ENDPOINT: "",
      POCKET_RDS_PORT: "",
      POCKET_RDS_DBNAME: "",
    });
    await loadEnv();
    expect(process.env.DATABASE_URL).toBe(
      "postgres://app:p%2Fw@legacy.cluster-x.ap-northeast-1.rds.amazonaws.com:5433/legacy",
    );
    // [rds] database names another database on that cluster; a secret without host is refused.
    resetEnvLoaded();
    process.env.POCKET_RDS_DBNAME = "other";
    await loadEnv();
    expect(process.env.DATABASE_URL).toMatch(/:5433\/other$/);
    resetEnvLoaded();
    process.env.POCKET_RDS_SECRET_ARN = rdsSecretArn;
    process.env.POCKET_RDS_DBNAME = "app";
    await expect(loadEnv()).rejects.toMatchObject({
      code: "rds-environment-incomplete",
      location: "POCKET_RDS_ENDPOINT",
    });
  });

  it("a container's own and shared stores (sharedKey): each entry from its store, both read", async () => {
    await sm.send(
      new CreateSecretCommand({
        Name: "dev-myapp-web-pocket",
        SecretString: JSON.stringify({ dev: { myapp: { OWN_TOKEN: "own-value" } } }),
      }),
    );
    process.env.POCKET_SECRETS = secretsDoc({
      store: "sm",
      key: "dev-myapp-web-pocket",
      sharedKey: "dev-myapp-pocket",
      managed: {
        OWN_TOKEN: { type: "password", env: "OWN_TOKEN" },
        SECRET_KEY: { type: "password", env: "SECRET_KEY", shared: true },
      },
    });
    const warnings: string[] = [];
    const { operations } = await record(() => loadEnv({ warn: (m) => warnings.push(m) }));
    expect(process.env.OWN_TOKEN).toBe("own-value");
    expect(process.env.SECRET_KEY).toBe("k3y with spaces");
    expect(operations).toEqual(["GetSecretValue", "GetSecretValue"]);
    // The shared store holds other containers' values too (SPA_TOKEN_SECRET, ...): not this one's to warn about.
    expect(warnings).toEqual([]);
  });

  it("no stored pocket secret at all: the hint says to deploy", async () => {
    process.env.POCKET_SECRETS = JSON.stringify({
      store: "sm",
      key: "dev-other-pocket",
      stage: "dev",
      project: "other",
      managed: { K: { type: "password", env: "K" } },
      user: {},
    });
    await expect(loadEnv()).rejects.toThrow(/does not exist in region ap-northeast-1: run `pocket deploy`/);
  });
});

describe("enqueue and sqsHandler against moto", () => {
  it("sends JSON to the handler's queue; the worker gets it back parsed", async () => {
    const sqs = new SQSClient({ region: REGION });
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: "dev-myapp-sqs-worker" }))).QueueUrl!;
    process.env.POCKET_SQS_WORKER_QUEUEURL = url;
    const id = await enqueue("sqs-worker", { job: "resize", ids: [1, 2] }, { delaySeconds: 0 });
    expect(id).toMatch(/\S/);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    const message = received.Messages![0]!;
    const seen: unknown[] = [];
    const event: SqsEvent = {
      Records: [
        {
          messageId: message.MessageId!,
          body: message.Body!,
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:dev-myapp-sqs-worker`,
        },
      ],
    };
    expect(await sqsHandler((body) => void seen.push(body))(event)).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([{ job: "resize", ids: [1, 2] }]);
  });
});
