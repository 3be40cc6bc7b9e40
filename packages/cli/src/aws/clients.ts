import type { BackupClient } from "@aws-sdk/client-backup";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { CloudFrontKeyValueStoreClient } from "@aws-sdk/client-cloudfront-keyvaluestore";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { CodeBuildClient } from "@aws-sdk/client-codebuild";
import type { DSQLClient } from "@aws-sdk/client-dsql";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { STSClient } from "@aws-sdk/client-sts";
import type { WAFV2Client } from "@aws-sdk/client-wafv2";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { tagFailedCalls, type WithMiddleware } from "./failed-call.js";
import { withReadAhead } from "./read-ahead.js";

/**
 * The one place AWS clients are made. Each service's SDK package is imported the first time a
 * command needs it, so `pocket --help` and the offline commands load none of them. Credentials
 * come from the SDK's standard chain (env, AWS_PROFILE / --profile, SSO, instance role);
 * AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) is read by the SDK itself.
 */
export interface AwsClients {
  readonly region: string;
  /** The profile the clients sign with (undefined: the SDK's default chain). */
  readonly profile?: string;
  s3(): Promise<S3Client>;
  cloudformation(): Promise<CloudFormationClient>;
  secretsManager(): Promise<SecretsManagerClient>;
  ssm(): Promise<SSMClient>;
  ecr(): Promise<ECRClient>;
  lambda(): Promise<LambdaClient>;
  /** Lambda for synchronous invocations only: the SDK never repeats a call (see aws/invoke.ts). */
  lambdaInvoke(): Promise<LambdaClient>;
  sqs(): Promise<SQSClient>;
  sts(): Promise<STSClient>;
  codebuild(): Promise<CodeBuildClient>;
  /** IAM is global; the client still signs for the stage's region. */
  iam(): Promise<IAMClient>;
  route53(): Promise<Route53Client>;
  ec2(): Promise<EC2Client>;
  cloudfront(): Promise<CloudFrontClient>;
  /** CloudFront KeyValueStore data plane (signed with SigV4A). */
  cloudfrontKvs(): Promise<CloudFrontKeyValueStoreClient>;
  rds(): Promise<RDSClient>;
  /** Aurora DSQL's control plane (the `[dsql]` cluster). */
  dsql(): Promise<DSQLClient>;
  /** CloudWatch Logs (read-only: `pocket logs`, `pocket invoke --log`). */
  logs(): Promise<CloudWatchLogsClient>;
  /** CloudWatch (read-only: the `[alarms]` in ALARM, for `pocket status`). */
  cloudwatch(): Promise<CloudWatchClient>;
  /** AWS WAFv2 (the allow-list IPSets; CloudFront scope is called in us-east-1). */
  wafv2(): Promise<WAFV2Client>;
  /** AWS Backup (the `[backup]` vault and `pocket backup cleanup`). */
  backup(): Promise<BackupClient>;
}

export interface AwsOptions {
  profile?: string;
}

/**
 * Throttling is retried with adaptive backoff; a deploy makes bursts of calls. AWS_MAX_ATTEMPTS,
 * the SDK's own setting, still wins when a user sets it (an explicit option would hide it).
 */
const RETRY = { maxAttempts: maxAttempts(), retryMode: "adaptive" } as const;

/** Tries per call, the SDK clients' and the lean S3 PUT's (aws/s3-put.ts). */
export function maxAttempts(): number {
  const set = Number(process.env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(set) && set >= 1 ? set : 8;
}

/**
 * A connection that never opens, or an answer that never comes, fails (and is retried like any
 * network failure) instead of hanging the command; the SDK sets no timeout by default. Connect
 * within 10 s; the answer's status line within 2 minutes (CloudFront's and CodeBuild's slowest
 * calls take seconds); no 2 minutes without a byte either way.
 */
const TIMEOUTS = {
  connectionTimeout: 10_000,
  requestTimeout: 120_000,
  socketTimeout: 120_000,
  throwOnRequestTimeout: true,
} as const;
/** A synchronous Lambda Invoke answers when the function returns: up to its 900 s maximum. */
const LAMBDA_TIMEOUTS = { ...TIMEOUTS, requestTimeout: 960_000, socketTimeout: 960_000 } as const;
/** The answer to an S3 upload comes after the whole body (a build archive) is sent. */
const S3_TIMEOUTS = { ...TIMEOUTS, requestTimeout: 900_000 } as const;

const cache = new Map<string, AwsClients>();

/** What every client of one region is made with. */
type ClientBase = typeof RETRY & { region: string; requestHandler: typeof TIMEOUTS; profile?: string };

/**
 * Clients for one region, cached for the process (CloudFront stacks use `forRegion("us-east-1")`).
 * Long only as a flat table: one lazily made client per service.
 */
export function awsClients(region: string, options: AwsOptions = {}): AwsClients {
  const key = `${region}\0${options.profile ?? ""}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const base: ClientBase = {
    region,
    ...RETRY,
    requestHandler: TIMEOUTS,
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const made = new Map<string, Promise<unknown>>();
  const lazy =
    <T extends WithMiddleware>(name: string, make: () => Promise<T>) =>
    (): Promise<T> => {
      let p = made.get(name) as Promise<T> | undefined;
      if (!p) {
        p = make()
          .then(tagFailedCalls)
          .then((client) => withReadAhead(client, region));
        made.set(name, p);
      }
      return p;
    };
  const clients: AwsClients = {
    region,
    profile: options.profile,
    s3: lazy("s3", () => s3Client(base, clients)),
    cloudformation: lazy("cloudformation", async () => {
      const { CloudFormationClient } = await import("@aws-sdk/client-cloudformation");
      return new CloudFormationClient(base);
    }),
    secretsManager: lazy("secretsManager", async () => {
      const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
      return new SecretsManagerClient(base);
    }),
    ssm: lazy("ssm", async () => {
      const { SSMClient } = await import("@aws-sdk/client-ssm");
      return new SSMClient(base);
    }),
    ecr: lazy("ecr", async () => {
      const { ECRClient } = await import("@aws-sdk/client-ecr");
      return new ECRClient(base);
    }),
    lambda: lazy("lambda", async () => {
      const { LambdaClient } = await import("@aws-sdk/client-lambda");
      return new LambdaClient({ ...base, requestHandler: LAMBDA_TIMEOUTS });
    }),
    lambdaInvoke: lazy("lambdaInvoke", async () => {
      const { LambdaClient } = await import("@aws-sdk/client-lambda");
      return new LambdaClient({ ...base, maxAttempts: 1, requestHandler: LAMBDA_TIMEOUTS });
    }),
    sqs: lazy("sqs", async () => {
      const { SQSClient } = await import("@aws-sdk/client-sqs");
      return new SQSClient(base);
    }),
    sts: lazy("sts", async () => {
      const { STSClient } = await import("@aws-sdk/client-sts");
      return new STSClient(base);
    }),
    codebuild: lazy("codebuild", async () => {
      const { CodeBuildClient } = await import("@aws-sdk/client-codebuild");
      return new CodeBuildClient(base);
    }),
    iam: lazy("iam", async () => {
      const { IAMClient } = await import("@aws-sdk/client-iam");
      return new IAMClient(base);
    }),
    route53: lazy("route53", async () => {
      const { Route53Client } = await import("@aws-sdk/client-route-53");
      return new Route53Client(base);
    }),
    ec2: lazy("ec2", async () => {
      const { EC2Client } = await import("@aws-sdk/client-ec2");
      return new EC2Client(base);
    }),
    cloudfront: lazy("cloudfront", async () => {
      const { CloudFrontClient } = await import("@aws-sdk/client-cloudfront");
      return new CloudFrontClient(base);
    }),
    cloudfrontKvs: lazy("cloudfrontKvs", async () => {
      // The KVS data plane only accepts SigV4A; this package provides it in plain JavaScript.
      await import("@aws-sdk/signature-v4a");
      const { CloudFrontKeyValueStoreClient } = await import("@aws-sdk/client-cloudfront-keyvaluestore");
      return new CloudFrontKeyValueStoreClient({ ...base, ...(await localhostSubdomains()) });
    }),
    rds: lazy("rds", async () => {
      const { RDSClient } = await import("@aws-sdk/client-rds");
      return new RDSClient(base);
    }),
    dsql: lazy("dsql", async () => {
      const { DSQLClient } = await import("@aws-sdk/client-dsql");
      return new DSQLClient(base);
    }),
    logs: lazy("logs", async () => {
      const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
      return new CloudWatchLogsClient(base);
    }),
    cloudwatch: lazy("cloudwatch", async () => {
      const { CloudWatchClient } = await import("@aws-sdk/client-cloudwatch");
      return new CloudWatchClient(base);
    }),
    wafv2: lazy("wafv2", async () => {
      const { WAFV2Client } = await import("@aws-sdk/client-wafv2");
      return new WAFV2Client(base);
    }),
    backup: lazy("backup", async () => {
      const { BackupClient } = await import("@aws-sdk/client-backup");
      return new BackupClient(base);
    }),
  };
  cache.set(key, clients);
  return clients;
}

/** S3, path-style on an emulator, with every call that names a bucket saying whose it must be. */
async function s3Client(base: ClientBase, clients: AwsClients) {
  const { S3Client } = await import("@aws-sdk/client-s3");
  // Emulators on loopback (moto, localstack) cannot serve virtual-hosted bucket names.
  const s3 = new S3Client({
    ...base,
    requestHandler: S3_TIMEOUTS,
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL),
  });
  // Bucket names are predictable: one pre-created in another account must never receive a
  // build archive, a lock or a front end. Every call that names a bucket says whose it must
  // be; S3 answers 403 when it belongs to someone else (CreateBucket has no such field and
  // fails on a taken name anyway).
  s3.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        Bucket?: string;
        ExpectedBucketOwner?: string;
        CopySource?: string;
        ExpectedSourceBucketOwner?: string;
      };
      if (input.Bucket !== undefined && input.ExpectedBucketOwner === undefined) {
        // A read marked by ownerCheckedLater goes out at once when the account is not known yet.
        const known = knownAccountId(clients);
        if (known !== undefined || !ownerLater.has(input))
          input.ExpectedBucketOwner = known ?? (await accountId(clients));
      }
      // A server-side copy (front-end releases) reads from a bucket too.
      if (input.CopySource !== undefined && input.ExpectedSourceBucketOwner === undefined) {
        input.ExpectedSourceBucketOwner = await accountId(clients);
      }
      return next(args);
    },
    { step: "initialize", name: "pocketExpectedBucketOwner" },
  );
  return s3;
}

/**
 * The KVS endpoint rules put the account id in front of the host (`{account}.{endpoint host}`),
 * which an emulator or proxy on `localhost` cannot answer as glibc does not resolve
 * `*.localhost`, and which is no URL at all for an address (`{account}.127.0.0.1`: "Invalid
 * URL"). RFC 6761 reserves `*.localhost` for loopback: resolve those names so, and point a client
 * given an address at `localhost` on the same port, resolved to that address.
 */
async function localhostSubdomains(): Promise<{ endpoint?: string; requestHandler?: NodeHttpHandler }> {
  const url = process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE ?? process.env.AWS_ENDPOINT_URL;
  if (!url) return {};
  const endpoint = new URL(url);
  const bare = endpoint.hostname.replace(/^\[(.*)\]$/, "$1");
  const address = process.getBuiltinModule("node:net").isIP(bare) ? bare : undefined;
  if (endpoint.hostname !== "localhost" && !address) return {};
  const { NodeHttpHandler } = await import("@smithy/node-http-handler");
  const { Agent } = process.getBuiltinModule("node:http");
  const dns = process.getBuiltinModule("node:dns");
  const lookup: typeof dns.lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const name =
      hostname === "localhost" || hostname.endsWith(".localhost") ? (address ?? "localhost") : hostname;
    return (dns.lookup as (...a: unknown[]) => void)(name, options, callback);
  }) as typeof dns.lookup;
  const path = endpoint.pathname === "/" ? "" : endpoint.pathname;
  return {
    ...(address
      ? { endpoint: `${endpoint.protocol}//localhost${endpoint.port ? `:${endpoint.port}` : ""}${path}` }
      : {}),
    requestHandler: new NodeHttpHandler({ ...TIMEOUTS, httpAgent: new Agent({ lookup }) }),
  };
}

/**
 * Reads sent without waiting for the account id when it is not known yet: only the first page of
 * a sync's listing, whose plan is not acted on before an owner-checked call to the bucket
 * succeeded (buckets/sync.ts; docs/decisions.md#p16-buckets-are-checked-for-their-owner).
 */
const ownerLater = new WeakSet<object>();
export function ownerCheckedLater<T extends object>(input: T): T {
  ownerLater.add(input);
  return input;
}

/** Who the credentials are: account and partition, asked once per process and profile. */
const identities = new Map<string, Promise<{ account: string; arn: string }>>();
/** The accounts already answered, by profile: read without waiting. */
const accounts = new Map<string, string>();
export function knownAccountId(clients: AwsClients): string | undefined {
  return accounts.get(clients.profile ?? "");
}
export function callerIdentity(clients: AwsClients): Promise<{ account: string; arn: string }> {
  const key = clients.profile ?? "";
  let identity = identities.get(key);
  if (!identity) {
    identity = (async () => {
      const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const out = await (await clients.sts()).send(new GetCallerIdentityCommand({}));
      accounts.set(key, out.Account!);
      return { account: out.Account!, arn: out.Arn ?? "" };
    })();
    // A failed look-up (an expired session) is asked again next time.
    identity.catch(() => identities.delete(key));
    identities.set(key, identity);
  }
  return identity;
}

/** The account id of the credentials the clients sign with. */
export async function accountId(clients: AwsClients): Promise<string> {
  return (await callerIdentity(clients)).account;
}
