/**
 * The derived context: every name and value the deploy, the templates and the runtime need,
 * computed once from validated settings, with the original's names (docs/decisions.md#n1-derived-names).
 * Nothing here calls AWS; values only known after deploy (hosted zone ids, stack outputs, ARNs
 * with random suffixes) are resolved by the deploy engine.
 */
export interface PocketContext {
  stage: string;
  project: string;
  namespace: string;
  region: string;
  /** `{stage}-{project}` */
  slug: string;
  /** `general.prefix_template` formatted, e.g. `dev-myapp-pocket-`. */
  resourcePrefix: string;
  /** `{resourcePrefix}state`: deploy state and locks. */
  stateBucket: string;
  /** `locks/{stage}.json` in the state bucket: the stage lock, one change to a stage at a time. */
  lockKey: string;
  /**
   * Where the stage's deploy history lives in the state bucket: one record per deploy under
   * `records` (numbered), and the templates they deployed under `templates` (by content hash),
   * so `pocket rollback` can apply them again.
   */
  history: { records: string; templates: string };
  /**
   * A preview stage (docs/decisions.md#e19-preview-stages): not listed in `general.stages`, it
   * matches `general.preview_stages` and has the settings of `base` (`general.preview_base`).
   */
  preview?: PreviewContext;
  s3?: S3Context;
  vpc?: VpcContext;
  container?: ContainerContext;
  /**
   * A file in the original's current spelling with several `[container.<name>]` tables: each
   * container by name, named as that version names them (`container` is the first of them).
   * Each is deployed as its own stack (docs/decisions.md#d11-two-spellings-one-schema).
   */
  containers?: Record<string, ContainerContext>;
  rds?: RdsContext;
  /** `[rds] managed = false`: a cluster pocket neither makes nor deletes. */
  rdsExisting?: ExistingRdsContext;
  dsql?: DsqlContext;
  neon?: NeonContext;
  tidb?: TidbContext;
  upstash?: UpstashContext;
  cloudfront?: Record<string, CloudFrontContext>;
  ses?: SesContext;
  scheduler?: SchedulerContext;
  /**
   * With several containers: the schedules of each container that starts any, by container name
   * (the first's is `scheduler`). Each container stack holds the schedules that start its own
   * handlers, in a group of its own (docs/decisions.md#d11-two-spellings-one-schema).
   */
  containerSchedulers?: Record<string, SchedulerContext>;
  alarms?: AlarmsContext;
  backup?: BackupContext;
  /** Django STORAGES/CACHES/settings used locally (no POCKET_STAGE). */
  djangoFallback: DjangoRuntime;
  /**
   * Set by the CLI before it renders (never by the config package): what of the original's shape
   * the stage's deployed stacks carry and the templates keep, because changing it would replace
   * something (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original). Absent for a
   * stage the original never deployed.
   */
  original?: OriginalShape;
}

/** What a stage deployed by the original keeps of its shape, as read from its deployed stacks. */
export interface OriginalShape {
  /** The version of the original that deployed it (the file's spelling says which). */
  version: "42a3468" | "head";
  /** Container stack: HTTP APIs made by quick create (`Target`, managed overrides, route `ANY /{proxy+}`). */
  quickCreateApis?: boolean;
  /** Container stack: the `/aws/lambda/<function>` log groups Lambda made, outside the stack. */
  lambdaLogGroupsOutside?: boolean;
  /** VPC stack: the EFS file system made through the API, by id (no `EFSFileSystem` resource). */
  efsFileSystemId?: string;
  /** Signing-key stacks by distribution: the original's public key and key group names. */
  signingKeyNames?: Record<string, { publicKey: string; keyGroup: string }>;
  /**
   * The original's current version: the region of its distribution and keys stacks (the
   * stage's, not us-east-1); every `CloudFrontContext.region` of the stage is set to it.
   */
  distributionRegion?: string;
  /**
   * The original's current version, by distribution with domains: the certificate its
   * `{cfslug}-acm` stack made in us-east-1, as the deployed distribution names it (that stack is
   * left as it is), and the domains the one distribution answers for, its own and each
   * `redirect_from` (one SAN certificate; other hosts get a 301 from its viewer-request functions).
   */
  acmCertificates?: Record<string, { arn: string; aliases: string[] }>;
  /**
   * The original's current version, by distribution with `waf`: the web ACL its `{cfslug}-waf`
   * stack made in us-east-1, by the ARN the deployed distribution names (that stack is left as
   * it is; `pocket waf ip` edits the IP set its allow rule names).
   */
  webAcls?: Record<string, string>;
}

/** `[alarms]`: CloudWatch alarms in their own stack, notifying an email address or a topic. */
export interface AlarmsContext {
  /** `{slug}-alarms` */
  stackName: string;
  region: string;
  /** Every alarm's name starts with it (`{slug}-alarm-`): `pocket status` lists those in ALARM. */
  namePrefix: string;
  /** The topic the stack makes for `email` (`{slug}-alarms`). */
  topicName: string;
  email?: string;
  /** A topic of the user's (`sns_topic_arn`), notified as well. */
  topicArn?: string;
}

/** `[scheduler]`: EventBridge Scheduler schedules in the container stack. */
export interface SchedulerContext {
  /**
   * `{resourcePrefix}schedules`: the stage's schedule group (a later container of several:
   * `{resourcePrefix}{name}-schedules`).
   */
  groupName: string;
  region: string;
  schedules: Record<string, ScheduleContext>;
}

export interface ScheduleContext {
  key: string;
  /** The schedule's name inside the group: its key. */
  name: string;
  /** CloudFormation logical-id base, e.g. `ScheduleClearsessions`. */
  logicalId: string;
  handler: string;
  /** `cron(0 3 * * ? *)` or `rate(15 minutes)`, as ScheduleExpression takes it. */
  expression: string;
  /** IANA name, `UTC` by default (ScheduleExpressionTimezone). */
  timezone: string;
  state: "ENABLED" | "DISABLED";
  description?: string;
  /** `{resourcePrefix}schedule-{key}`: the role only this schedule assumes. */
  roleName: string;
  /**
   * What it starts, with the exact `Input`: a plain handler gets `input` as its event; a
   * management handler `{"manage": "<command line>"}`; a queue its `message` (a string as is, a
   * table as JSON). The role may only `lambda:InvokeFunction` that function or `sqs:SendMessage`
   * to that queue.
   */
  target:
    | { kind: "lambda"; handlerKind: "plain" | "manage"; functionName: string; input: string }
    | { kind: "sqs"; queueName: string; input: string };
  /** The handler's dead-letter queue, when it has one (queue handlers). */
  deadLetterQueueName?: string;
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
}

/** `[ses]`: what the Lambda role may send as, and what the runtime is told. */
export interface SesContext {
  /** `ses.from_email` as written: the runtime's DEFAULT_FROM_EMAIL / SERVER_EMAIL. */
  fromEmail: string;
  /** Where the app calls SES (`ses.region`, default the stage's region). */
  region: string;
  /** The SES identity sent as: the address, or the domain when from_email is a domain. */
  identity: string;
  identityType: "email" | "domain";
  /** The identity's domain (an address's domain identity also covers it). */
  domain: string;
  /**
   * Resources for ses:SendEmail / ses:SendRawEmail (CloudFormation `Fn::Sub` syntax): the
   * identity, the domain identity for an address, and the configuration set when there is one.
   */
  sendResources: string[];
  configurationSet?: string;
  env: {
    fromEmail: "POCKET_SES_FROM_EMAIL";
    region: "POCKET_SES_REGION";
    configurationSet: "POCKET_SES_CONFIGURATION_SET";
  };
}

export interface S3Context {
  bucketName: string;
  region: string;
  /** `s3.versioning`: Enabled when true; an unchanged stage never changes it. */
  versioning: boolean;
  cors: { allowedOrigins: string[]; allowedMethods: string[]; allowedHeaders: string[]; maxAge?: number }[];
  lifecycleRules: {
    id: string;
    /** Key prefix ("" = the whole bucket). */
    prefix: string;
    expirationDays?: number;
    noncurrentVersionExpirationDays?: number;
  }[];
}

export interface VpcContext {
  ref: string;
  /** `{ref}-{namespace}`: shared by stages and projects on purpose. */
  name: string;
  /** `{name}-vpc` */
  stackName: string;
  region: string;
  manage: boolean;
  sharable: boolean;
  zoneSuffixes: string[];
  /** `{region}{suffix}`; empty for an external VPC (read from its stack at deploy). */
  zones: string[];
  natGateway: boolean;
  internetGateway: boolean;
  usedBy: ("awscontainer" | "rds")[];
  sharableTag: { key: "pocket:sharable"; value: "true" };
  exports: {
    vpcId: string;
    /** `{name}-private-subnet-` + 1..N */
    privateSubnetPrefix: string;
    /** One per zone for a managed VPC; empty for an external one (count read at deploy). */
    privateSubnets: string[];
    efsAccessPoint: string;
    efsSecurityGroup: string;
  };
  efs?: EfsContext;
}

export interface EfsContext {
  /** Name tag of the file system: the VPC name. */
  name: string;
  localMountPath: string;
  accessPointPath: string;
}

export interface ContainerContext {
  /** `{slug}-container` */
  stackName: string;
  region: string;
  dockerfilePath: string;
  platform: "linux/amd64" | "linux/arm64";
  /** `{resourcePrefix}lambda`, or the `ecr_name` of a `[container.<name>]`. */
  ecrRepository: string;
  /**
   * The repository was named by `ecr_name`: stages of the account may share it (build once,
   * promote by tag), so destroy keeps it.
   */
  ecrRepositoryShared?: true;
  /** The stage name. */
  imageTag: string;
  /** `lambda-{slug}-{namespace}` */
  roleName: string;
  /** `{resourcePrefix}lambda`, only in a VPC. */
  securityGroupName?: string;
  inlinePolicyNames: {
    secretsManager: string;
    ssm: string;
    rdsSecret: string;
    cloudFormation: string;
  };
  /** `[awscontainer.iam]` (or `awscontainer.permissions_boundary`): for the Lambda role and the CodeBuild role. */
  permissionsBoundary?: string;
  /** `[awscontainer.iam]`: attached to the Lambda role as written, beside pocket's own policies. */
  iam: {
    managedPolicyArns: string[];
    /** Policy name → document (`Version`, `Statement` as IAM spells them). */
    inlinePolicies: Record<string, IamPolicyDocument>;
  };
  build: BuildContext;
  useVpc: boolean;
  useEfs: boolean;
  efsLocalMountPath?: string;
  /** User `[awscontainer.envs]`, merged for the stage. */
  envs: Record<string, string>;
  /**
   * `<name>` of `[container.<name>]` (a file in the original's current spelling): its functions
   * get `POCKET_CONTAINER`, as the original's do.
   */
  name?: string;
  handlers: Record<string, HandlerContext>;
  /** Key of the handler that runs Django management commands, if any. */
  managementHandler?: string;
  secrets?: SecretsContext;
  /** Resolved Django settings for the stage (POCKET_DJANGO). */
  django: DjangoRuntime;
  /** Env var → CloudFront public key id read from a keys stack output at deploy. */
  signingKeyIds: Record<string, { distribution: string; keysStackName: string; outputKey: string }>;
  /** Env var → the distribution's domain (`domain`, else its cloudfront.net name from the stack). */
  distributionDomains: Record<string, { distribution: string; stackName: string; domain?: string }>;
  /** `POCKET_RDS_*` variables are set when `[rds]` exists. */
  usesRds: boolean;
  /**
   * A route of the stage has `versioning = "deploy_hash"`: the functions get `DEPLOY_HASH`, the
   * deploy's hash, as a stack parameter set on every deploy
   * (docs/decisions.md#e22-deploy-hash-versioning).
   */
  deployHash: boolean;
  logRetentionDays: number;
  hotswap: HotswapContext;
}

/** `pocket deploy --hotswap`: image-only deploys straight to the functions. */
export interface HotswapContext {
  /** `hotswap = true` in the stage's `[awscontainer]`. */
  allowed: boolean;
  /**
   * `hotswap/{stackName}.json` in the state bucket: the image the functions run after a hotswap
   * while the stack still names another, until a full deploy reconciles the stack.
   */
  driftKey: string;
}

export interface IamPolicyDocument {
  Version: string;
  Statement: Record<string, unknown>[];
}

export type BuildBackend = "docker" | "codebuild" | "depot";

export interface BuildContext {
  /**
   * `auto`: docker when a Docker engine answers, else codebuild
   * (docs/decisions.md#d8-undocumented-keys-of-the-original).
   */
  backend: BuildBackend | "auto";
  computeType: string;
  depotProjectId?: string;
  codebuildProject: string;
  codebuildRole: string;
  /** Key of the zipped build context in the state bucket. */
  codebuildSourceKey: string;
  /** What the last CodeBuild build was made from, so an unchanged source is not rebuilt. */
  codebuildStateKey: string;
}

export interface HandlerContext {
  key: string;
  /** Upper-cased, `[A-Z0-9_]` only: the `<KEY>` in `POCKET_<KEY>_HOST`. */
  envKey: string;
  /** CloudFormation logical-id base, e.g. `Wsgi`. */
  logicalId: string;
  functionName: string;
  logGroupName: string;
  command: string;
  timeout: number;
  memorySize: number;
  reservedConcurrency?: number;
  /** The handler's own `envs`, set over the container's in its function only. */
  envs: Record<string, string>;
  /** X-Ray active tracing (`tracing` of the handler, else of `[awscontainer]`). */
  tracing: boolean;
  isManagementCommand: boolean;
  /** HTTP API name `{slug}-{key}`, when the handler has apigateway. */
  apiName?: string;
  queueName?: string;
  deadLetterQueueName?: string;
  /** 6 × timeout (AWS recommends at least 6× the function timeout for SQS sources). */
  visibilityTimeout?: number;
  apigateway?: {
    domain?: string;
    createRecords: boolean;
    hostedZoneIdOverride?: string;
    disableExecuteApiEndpoint: boolean;
    accessLogGroupName: string;
    certificateLogicalId: string;
    certificateTag: string;
    /** Export name of the API's execute-api domain, when a CloudFront api route targets it. */
    exportApiDomain?: string;
    hostEnv: string;
    endpointEnv: string;
  };
  sqs?: {
    batchSize: number;
    messageRetentionPeriod: number;
    maximumConcurrency: number;
    deadLetterMaxReceiveCount: number;
    deadLetterMessageRetentionPeriod: number;
    reportBatchItemFailures: boolean;
    queueUrlEnv: string;
  };
}

export type SecretStore = "sm" | "ssm";

export type ManagedSecretContext =
  | { type: "password"; length: number; chars: string; env: string }
  | { type: "spa_token_secret"; env: string }
  | { type: "neon_database_url"; env: string }
  | { type: "tidb_database_url"; env: string }
  | { type: "upstash_redis_url"; env: string }
  | { type: "rsa_pem_base64"; pemEnv: string; pubEnv: string }
  | { type: "cloudfront_signing_key"; pemEnv: string; pubEnv: string; idEnv: string }
  /**
   * The password is `LoadedConfig.credentials.basicAuthPasswords[name]` when pocket.toml has one,
   * else generated at deploy like a password secret.
   */
  | { type: "basic_auth_credential"; username: string; env: string }
  /** Added by the context for `enable_origin_verify` (never declared in pocket.toml). */
  | { type: "origin_verify"; env: "POCKET_ORIGIN_VERIFY_SECRET" };

export interface SecretsContext {
  store: SecretStore;
  /** Secrets Manager secret name, or SSM path root without slashes. */
  pocketKey: string;
  /** `/{pocketKey}/` for the ssm store. */
  ssmPath: string;
  region: string;
  managed: Record<string, ManagedSecretContext>;
  user: Record<string, { name: string; store: SecretStore }>;
  extraResources: string[];
  requireListSecrets: boolean;
  /** IAM resources for secretsmanager:GetSecretValue (CloudFormation `Fn::Sub` syntax). */
  allowedSmResources: string[];
  /** IAM resources for ssm:GetParameter* (CloudFormation `Fn::Sub` syntax). */
  allowedSsmResources: string[];
  /** The `POCKET_SECRETS` document (docs/runtime-contract.md). */
  runtime: RuntimeSecretsDocument;
  /**
   * A container of the original's current spelling whose managed secrets are in both stores: the
   * ones declared `shared = true` (`names`) are in the shared store `pocketKey`, the others in
   * the container's (docs/decisions.md#d11-two-spellings-one-schema).
   */
  sharedStore?: { pocketKey: string; ssmPath: string; names: string[] };
}

export interface RuntimeSecretsDocument {
  store: SecretStore;
  key: string;
  stage: string;
  project: string;
  managed: Record<
    string,
    ({ type: string; env: string } | { type: string; pem: string; pub: string }) & { shared?: true }
  >;
  user: Record<string, { name: string; store: SecretStore }>;
  /** The shared store's key, when the entries marked `shared` are stored there. */
  sharedKey?: string;
}

export interface DjangoStorageEntry {
  BACKEND: string;
  OPTIONS?: Record<string, unknown>;
  /**
   * A static storage on a `deploy_hash` route: on Lambda the Python runtime serves it with
   * `StaticFilesStorage` (URLs from `STATIC_URL`, which carries `DEPLOY_HASH`), and removes this
   * key before Django sees it (docs/decisions.md#e22-deploy-hash-versioning).
   */
  VERSIONING?: "deploy_hash";
}

export interface DjangoCacheEntry {
  BACKEND: string;
  LOCATION?: string;
  /**
   * A `redis` cache: the variable that holds its URL (a managed secret, so only the runtime knows
   * the value; the Python runtime sets LOCATION from it).
   */
  LOCATION_ENV?: string;
}

/** The `POCKET_DJANGO` document, and the local fallback. */
export interface DjangoRuntime {
  storages: Record<string, DjangoStorageEntry>;
  caches: Record<string, DjangoCacheEntry>;
  settings: Record<string, unknown>;
}

export interface RdsContext {
  clusterIdentifier: string;
  instanceIdentifier: string;
  databaseName: string;
  username: string;
  subnetGroupName: string;
  securityGroupName: string;
  engine: "aurora-postgresql";
  instanceClass: "db.serverless";
  minCapacity: number;
  maxCapacity: number;
  /** 1-35 days (default 7). */
  backupRetentionDays: number;
  /** `hh:mm-hh:mm` UTC; RDS picks one when absent. */
  preferredBackupWindow?: string;
  region: string;
  finalSnapshotPrefix: string;
  /** Restored from this cluster snapshot (id or ARN) when the cluster does not exist yet. */
  snapshotIdentifier?: string;
}

/** `[dsql]`: the stage's Aurora DSQL cluster (docs/decisions.md#b13-aurora-dsql). */
export interface DsqlContext {
  /** `{resourcePrefix}dsql`: the Name tag the stage's cluster is found by (AWS chooses its id). */
  nameTag: string;
  region: string;
  deletionProtection: boolean;
  /** The stored user secret deploy publishes the endpoint to (`.../-user/dsql_endpoint`). */
  endpointSecret: { name: string; store: SecretStore };
  port: number;
}

/**
 * `[backup]`: AWS Backup plans in the stack `{slug}-backup`
 * (docs/decisions.md#b9-aws-backup-plans), into the account's vault `pocket-backup`.
 */
export interface BackupContext {
  stackName: string;
  region: string;
  /** `pocket-backup`, the original's vault: shared by every stage of the account and region. */
  vaultName: string;
  /** `{resourcePrefix}backup`: the role AWS Backup takes the snapshots with. */
  roleName: string;
  /** `pocket backup cleanup` may delete the recovery points. */
  deletable: boolean;
  /** The IANA zone every rule's cron is read in. */
  timezone: string;
  rds?: BackupPlanContext;
  /** `[backup.dsql]`: the `[dsql]` cluster's plan; its selection names the ARN the deploy reads. */
  dsql?: Omit<BackupPlanContext, "clusterIdentifier">;
}

/** One engine's plan and its selection (`{resourcePrefix}backup-rds`), and what it backs up. */
export interface BackupPlanContext {
  planName: string;
  selectionName: string;
  /** The ARN's `cluster:` name of the stage's Aurora cluster. */
  clusterIdentifier: string;
  rules: BackupRule[];
}

export interface BackupRule {
  name: "daily" | "weekly" | "monthly";
  /** Six cron fields, without `cron(...)`. */
  cron: string;
  deleteAfterDays: number;
  /** DSQL's tiers only: days before a backup moves to cold storage (0: never). */
  coldStorageAfterDays?: number;
}

/**
 * An existing Aurora cluster (docs/decisions.md#b7-an-existing-aurora-cluster): the functions
 * read its secret and reach it through its security group; nothing of it is pocket's.
 */
export interface ExistingRdsContext {
  /** Holds host, port, username, password and dbname (the original's contract for this secret). */
  secretArn: string;
  /** The container stack adds ingress on 5432 from the functions' security group to it. */
  securityGroupId: string;
  /** `[rds] database`, else the secret's `dbname` at run time. */
  databaseName?: string;
  region: string;
}

/** A preview stage (docs/decisions.md#e19-preview-stages). */
export interface PreviewContext {
  /** `general.preview_base`: whose settings the stage has. */
  base: string;
  /** `general.preview_stages`, e.g. `pr-*`. */
  pattern: string;
  /** The base stage's own boundary name (`{its resourcePrefix}boundary`). */
  baseBoundary: string;
  /** The prefix of what every preview shares (the CI role, its policies, the roles' boundary). */
  sharedPrefix: string;
}

export interface NeonContext {
  projectName: string;
  branch: string;
  /** A preview stage's branch is made as a copy of its base stage's (this branch name). */
  parentBranch?: string;
  database: string;
  role: string;
  regionId: string;
  pgVersion: number;
  provisioning: Provisioning;
  apiKeySource?: "environment" | ".env" | "pocket.toml";
}

/** `[upstash]`: the stage's Upstash Redis database (docs/decisions.md#b6-upstash-database-per-stage). */
/**
 * "command": deploy never calls the vendor; `pocket resource <section> store-url` provisions and
 * stores the URL (docs/decisions.md#b12-provisioning-by-command).
 */
export type Provisioning = "deploy" | "command";

export interface UpstashContext {
  /** `{project}-{stage}`, as the original names it. */
  databaseName: string;
  /** Fixed by the original: Singapore. */
  primaryRegion: "ap-southeast-1";
  /** Monthly cap in dollars. */
  budget: number;
  provisioning: Provisioning;
  apiKeySource?: "environment" | ".env" | "pocket.toml";
}

export interface TidbContext {
  clusterName: string;
  databaseName: string;
  /** The stage's SQL user, to be prefixed with the cluster's `{userPrefix}.`. */
  sqlUser: string;
  /** Records in the state bucket which cluster already holds the stage's database and user. */
  stateKey: string;
  region: string;
  /** `regions/aws-{region}` as the TiDB Cloud API spells it. */
  apiRegion: string;
  project?: string;
  provisioning: Provisioning;
  publicKeySource?: "environment" | ".env" | "pocket.toml";
  privateKeySource?: "environment" | ".env" | "pocket.toml";
}

export interface CloudFrontContext {
  name: string;
  /**
   * Where the distribution and keys stacks live: us-east-1, or the stage's region for a stage
   * the original's current version deployed (set by the CLI from `original.distributionRegion`).
   */
  region: string;
  /** `{slug}-{name}` */
  slug: string;
  /** `{cfSlug}-cloudfront` */
  stackName: string;
  /** Logical-id base, e.g. `DevMyappMain`. */
  logicalId: string;
  bucketName: string;
  bucketRegion: string;
  domain?: string;
  hostedZoneIdOverride?: string;
  /** Distribution-level origin path (routes may override). */
  originPath: string;
  redirectFrom: { domain: string; hostedZoneIdOverride?: string; logicalId: string }[];
  routes: RouteContext[];
  /**
   * Handler key → the container stack export that holds its execute-api domain; `stackName` when
   * the stage has several container stacks (the one that exports it), else the stage's one.
   */
  apiOrigins: Record<string, { exportName: string; originId: string; stackName?: string }>;
  /** Longest common folder of the S3 origin paths: the bucket-policy grant. */
  bucketPolicyPrefix: string;
  bucketPolicySid: string;
  originAccessControlName: string;
  certificateTag: string;
  signingKey?: {
    secret: string;
    /** `{cfSlug}-cloudfront-keys` (us-east-1). */
    keysStackName: string;
    publicKeyName: string;
    keyGroupName: string;
    idEnv: string;
    exports: { publicKeyId: string; keyGroupId: string };
  };
  tokenSecret?: {
    secret: string;
    kvsName: string;
    kvsExport: string;
    /** The KVS key the edge function reads. */
    kvsKey: "token_secret";
  };
  /** `POCKET_CLOUDFRONT_<NAME>_DOMAIN` */
  domainEnv: string;
  /**
   * `enable_origin_verify`: CloudFront sends the managed secret's value to every API origin in
   * `X-Pocket-Origin-Verify`; the secret is added to the stage's managed secrets.
   */
  originVerify?: { secret: "POCKET_ORIGIN_VERIFY_SECRET"; header: "X-Pocket-Origin-Verify" };
  /** `basic_auth`: the `basic_auth_credential` secret, the paths that pass, the KeyValueStore it is kept in. */
  basicAuth?: {
    secret: string;
    exclude: string[];
    /** The distribution's KeyValueStore: the token secret's when there is one, else `{cfSlug}-auth-kvs`. */
    kvsName: string;
  };
  /** `waf`: a WebACL (scope CLOUDFRONT) in the distribution's stack. */
  waf?: {
    /** `{cfSlug}-waf` */
    webAclName: string;
    /** `{cfSlug}-allow-v4` / `-v6`: the allow-list IPSets, created empty. */
    ipSetNames: { v4: string; v6: string };
    /** true: only allow-listed addresses reach the distribution; a list: only those path prefixes. */
    ipAllowList: boolean | string[];
    managedRuleGroups: string[];
    /** Requests per client IP in five minutes. */
    rateLimit?: number;
    /** Path prefixes that pass before every other rule. */
    allowPaths: string[];
    /** Paths that pass before every other rule, that path only (`allow_rules` of the original's current spelling). */
    allowExactPaths: string[];
    /**
     * `allow_rules` with a `header` (the original's current spelling): requests whose
     * `x-pocket-waf-allow` header is the managed secret `secret`'s value pass before every other
     * rule, on `path` only when given (a prefix when `prefix`, else that path).
     */
    allowHeaderRules?: WafHeaderRule[];
  };
  /**
   * Atomic front-end releases (routes with `build_dir`, unless `atomic_releases = false`): each
   * upload goes to `{keyPrefix}/{folder}/{id}/`, and the viewer-request function serves the
   * release whose id is under `kvsKey` in the distribution's KeyValueStore `kvsName`.
   */
  releases?: {
    /** `kept_releases`: releases kept for rollback, the current one included. */
    kept: number;
    kvsKey: "release";
    folder: "_releases";
    kvsName: string;
  };
  /**
   * `managed_assets` (docs/decisions.md#e23-managed-assets): the files of `{dir}/{stageFolder}`,
   * else of `{dir}/{fallbackFolder}`, each served at `/{file name}` from `{keyPrefix}/` of the
   * bucket. The folder is listed by the CLI when it deploys, not here (P5: the context reads
   * nothing but the file).
   */
  managedAssets?: {
    /** As written: relative to the folder of pocket.toml. */
    dir: string;
    stageFolder: string;
    fallbackFolder: "default";
    /** `pocket_managed/{name}`: one folder per distribution of the stage's bucket. */
    keyPrefix: string;
    /** `/pocket_managed/{name}`: the origin path of the files' S3 origin. */
    originPath: string;
    /** `{resourcePrefix}pocket_managed`: no route's origin id has `_` (routeName drops it). */
    originId: string;
  };
}

export type RouteContext = S3RouteContext | ApiRouteContext;

interface RouteBase {
  index: number;
  /** `root` for the default route, else the pattern's folders joined with `-`. */
  name: string;
  logicalId: string;
  pathPattern: string;
  isDefault: boolean;
  ref: string;
  originId: string;
}

export interface S3RouteContext extends RouteBase {
  type: "s3";
  originPath: string;
  /** S3 key prefix the route serves (no leading slash), e.g. `web/static`. */
  keyPrefix: string;
  isSpa: boolean;
  isVersioned: boolean;
  /**
   * `versioning = "deploy_hash"`: URLs carry the deploy's hash as the folder after the route's
   * prefix (`/static/{hash}/app.css`), which the edge strips before reading the bucket
   * (docs/decisions.md#e22-deploy-hash-versioning).
   */
  deployHash: boolean;
  spaFallbackHtml: string;
  versionedMaxAge: number;
  signed: boolean;
  build?: string;
  buildDir?: string;
  /**
   * The key prefix the front-end upload syncs `buildDir` to, deleting what the folder does not
   * hold (no leading or trailing slash): `keyPrefix` when the route has a `buildDir`.
   */
  syncPrefix?: string;
  requireToken: boolean;
  loginPath: string;
  /** `{cfSlug}-{name}-fallback`, for SPA routes. */
  functionName?: string;
  /** `{cfSlug}-{name}-headers`, for versioned and deploy-hash routes. */
  headersPolicyName?: string;
}

export interface ApiRouteContext extends RouteBase {
  type: "api";
  handler: string;
}

/** One `allow_rules` entry with a `header`: the managed secret that opens it, and its path if any. */
export interface WafHeaderRule {
  secret: string;
  path?: { value: string; prefix: boolean };
}
