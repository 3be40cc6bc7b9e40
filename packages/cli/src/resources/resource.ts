import type { Credentials, LoadedConfig, PocketContext, Settings } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import type { StackSpec } from "../stacks/stack.js";

/**
 * Every deployable thing (state bucket, S3 bucket, secrets, ECR + image, VPC stack, container
 * stack, RDS, Neon, TiDB, CloudFront keys, CloudFront, frontend upload) implements this one small
 * interface, so `pocket deploy|status|plan|destroy` and `pocket resource X ...` are generic.
 */
export type ResourceState = "missing" | "in-sync" | "needs-update" | "in-progress" | "failed" | "unknown";

export interface Change {
  action: "create" | "update" | "replace" | "delete";
  /** What changes, e.g. `AWS::Lambda::Function WsgiLambdaFunction` or `secret SECRET_KEY`. */
  target: string;
  detail?: string;
}

export interface ResourceStatus {
  state: ResourceState;
  /** One line for people: why it needs an update, the failure reason, ... */
  detail?: string;
}

export interface DeployReport {
  /** False when nothing was changed (no mutating AWS call was made). */
  changed: boolean;
  /** One line for the summary, e.g. "created", "no changes", "3 secrets added". */
  summary: string;
  /** Values later resources need (stack outputs, image digest, ...), also shown in the summary. */
  outputs?: Record<string, string>;
  /** URLs to show the user at the end of a deploy. */
  urls?: string[];
}

export interface DestroyOptions {
  /** Delete managed secrets too (`--with-secrets`). */
  withSecrets: boolean;
  /** Delete the state bucket too (`--with-state-bucket`). */
  withStateBucket: boolean;
  /** Delete data stores (buckets with objects, databases, EFS) — never without an explicit flag. */
  withData: boolean;
}

export interface Progress {
  /** A short status line that replaces the previous one for this resource. */
  update(message: string): void;
  /** A line that stays in the log (stack events, warnings). */
  log(message: string): void;
}

/** Shared state of one command run. */
export interface RunContext {
  config: LoadedConfig;
  ctx: PocketContext;
  settings: Settings;
  credentials: Credentials;
  /** Outputs of resources deployed earlier in this run, by resource id. */
  outputs: Map<string, Record<string, string>>;
  /** An image given with `pocket deploy --image URI@sha256:...` (skips the build). */
  image?: string;
  /** Build the image even when its sources did not change (`pocket deploy --rebuild`). */
  rebuild?: boolean;
  /** Leave the front end alone (`pocket deploy --skip-frontend`). */
  skipFrontend?: boolean;
  /** Upload the front end as built, without running its build commands (`--skip-build`). */
  skipBuild?: boolean;
  /** Answer yes to confirmations (`--yes`). */
  assumeYes: boolean;
  /** AWS clients for a region (the stage's region, or us-east-1 for CloudFront). */
  aws(region: string): AwsClients;
  /** Asks the user (or answers from --yes; false when nobody can answer). */
  confirm(question: string): Promise<boolean>;
}

export interface Resource {
  /** Stable id: `state`, `s3`, `secrets`, `ecr`, `image`, `vpc`, `container`, `rds`, `neon`, `tidb`, `cloudfront-keys:NAME`, `cloudfront:NAME`, `frontend:NAME`. */
  id: string;
  /** For people: "state bucket dev-myapp-pocket-state". */
  title: string;
  /** Ids that must be deployed before this one (and destroyed after it). */
  dependsOn: string[];
  /** Holds user data: destroy needs `withData` (or `withSecrets` for secrets). */
  dataStore?: "data" | "secrets" | "state";
  /** For the destroy listing: what else goes with this resource, or when it is kept. */
  destroyNote?: (options: DestroyOptions) => string | undefined;
  status(run: RunContext): Promise<ResourceStatus>;
  /** What deploy would change, without changing anything. */
  plan(run: RunContext): Promise<Change[]>;
  deploy(run: RunContext, progress: Progress): Promise<DeployReport>;
  /** For resources that are one CloudFormation stack: what would be deployed (yaml-diff). */
  stack?(run: RunContext): Promise<{ region: string; spec: StackSpec }>;
  destroy(run: RunContext, progress: Progress, options: DestroyOptions): Promise<DeployReport>;
}
