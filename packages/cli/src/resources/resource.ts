import type { Credentials, LoadedConfig, PocketContext, Settings } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import type { StackSpec } from "../stacks/spec.js";
import type { Change, Progress, ResourceStatus } from "../status.js";
import type { ParameterSource, Template } from "../templates/template.js";
import type { KindPermissions } from "./permissions.js";

/**
 * The one contract every deployable thing implements. A resource folder's `index.ts` exports a
 * `ResourceKind`: static facts for the command line (its `pocket resource` group and extra
 * operations) and one factory `(stage) => Resource[]`. The engine (`src/engine/`) alone decides
 * order, locking, confirmation, what destroy keeps, error wording and progress; a resource only
 * says what it is and how to read, change and delete it.
 */

export type { Change, Progress, ResourceState, ResourceStatus } from "../status.js";

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

/** The flags that let destroy delete what it keeps by default. */
export const DESTROY_FLAGS = {
  withData: "--with-data",
  withSecrets: "--with-secrets",
  withStateBucket: "--with-state-bucket",
} as const;
export type DestroyFlag = keyof typeof DESTROY_FLAGS;
export type DestroyOptions = Record<DestroyFlag, boolean>;

/**
 * What destroy keeps unless a flag says otherwise. The engine reads it to skip the resource, to
 * write the destroy listing and to offer the flag on `pocket resource <group> destroy`.
 */
export interface Keep {
  unless: DestroyFlag;
  /** Why it is kept, for the listing ("the Aurora cluster in it is kept"). */
  because?: string;
  /**
   * Deleted without the flag when it holds nothing (a bucket): the engine still calls
   * `destroy`, with `onlyIfEmpty`, and the resource checks.
   */
  whenEmpty?: "delete";
}

/** How long to wait between polls, and for how long at most. Tests shorten them. */
export interface Timing {
  rdsPollMs: number;
  codebuildPollMs: number;
  iamSettleMs: number;
  neonPollMs: number;
  tidbPollMs: number;
  /** Multiplies the waits between bucket-policy retries (tests make them short). */
  policyRetryScale: number;
}

/** Base URLs of the vendor APIs, when a proxy (or a contract server in tests) stands in. */
export interface VendorEndpoints {
  neonApi?: string;
  tidbIam?: string;
  tidbApi?: string;
  upstashApi?: string;
}

/**
 * What the image builders take from the environment (README "Environment variables"), read once
 * by the engine: resources never read the environment.
 */
export interface BuilderEnvironment {
  /** `DEPOT_TOKEN`, else `DEPOT_API_KEY`: the depot builder's token. */
  depotToken?: string;
  /** `DEPOT_PROJECT_ID`, when `awscontainer` names no depot project. */
  depotProjectId?: string;
  /** `CODEBUILD_PERMISSIONS_BOUNDARY`: overrides `permissions_boundary` for the CodeBuild role. */
  codebuildPermissionsBoundary?: string;
}

/** Shared state of one command run. */
export interface RunContext {
  config: LoadedConfig;
  ctx: PocketContext;
  settings: Settings;
  credentials: Credentials;
  /** Every resource of the stage (also those a command does not act on). */
  resources: readonly Resource[];
  /** Outputs of resources deployed (or read back) in this run, by resource id. */
  outputs: Map<string, Record<string, string>>;
  /** An image given with `pocket deploy --image URI@sha256:...` (skips the build). */
  image?: string;
  /**
   * By container resource id (`container`, `container:<name>`): the image `deploy --image-from`
   * promoted into each container's repository (resources/container/given-image.ts).
   */
  images?: Record<string, string>;
  /** Build the image even when its sources did not change (`pocket deploy --rebuild`). */
  rebuild?: boolean;
  /** Leave the front end alone (`pocket deploy --skip-frontend`). */
  skipFrontend?: boolean;
  /** Upload the front end as built, without running its build commands (`--skip-build`). */
  skipBuild?: boolean;
  /** Answer yes to confirmations (`--yes`). */
  assumeYes: boolean;
  timing: Timing;
  vendorEndpoints: VendorEndpoints;
  builders: BuilderEnvironment;
  /** AWS clients for a region (the stage's region, or us-east-1 for CloudFront). */
  aws(region: string): AwsClients;
  /** Asks the user (or answers from --yes; false when nobody can answer). */
  confirm(question: string): Promise<boolean>;
  /** Values for stack parameters, from where each one's source says (the engine resolves them). */
  parameters(
    sources: Record<string, ParameterSource>,
    given?: { image?: string },
  ): Promise<Record<string, string>>;
}

/** A resource that is one CloudFormation stack: what `yaml`, `yaml-diff` and the lock report use. */
export interface StackDeclaration {
  region: string;
  name: string;
  /** The template, offline (for `pocket resource <group> yaml`). */
  template(): Template;
  /** NoEcho parameter -> the stack tag with its value's fingerprint (what deploy history records). */
  fingerprintTags?: Record<string, string>;
}

export interface Resource {
  /** Stable and unique within a stage; other resources name it in `dependsOn`. */
  id: string;
  /** For people: "state bucket dev-myapp-pocket-state". */
  title: string;
  /** The `pocket resource <group>` it belongs to, and its name within the group if it has one. */
  group: string;
  name?: string;
  /** Ids that must be deployed before this one (and destroyed after it). Unknown ids are ignored. */
  dependsOn: string[];
  /** Deployed before the stage lock is taken, because the lock lives in it (the state bucket). */
  holdsLock?: boolean;
  /** Kept by destroy unless a flag is given. */
  keep?: Keep;
  /** For the destroy listing: what else goes with it. */
  goesWith?: string;
  /** Deployed again, once, when one of these resources changed in the same run. */
  refreshAfter?: string[];
  stack?: StackDeclaration;
  status(run: RunContext): Promise<ResourceStatus>;
  /**
   * Read-only checks of the run's inputs (`--image`), made for every target before a deploy's
   * first change, the state bucket included, and before a plan. Throws the CliError that says why.
   */
  check?(run: RunContext): Promise<void>;
  /**
   * Reads its deploy makes that `status` does not (a distribution's bucket policy): asked with
   * every status under the stage lock, so the deploy finds their answers (engine/read-ahead.ts).
   * Read-only; what it returns is dropped.
   */
  readsAhead?(run: RunContext): Promise<unknown>;
  /** What deploy would change, without changing anything. */
  plan(run: RunContext): Promise<Change[]>;
  deploy(run: RunContext, progress: Progress): Promise<DeployReport>;
  /** Outputs without deploying (status, plan, a partial deploy), for parameters that need them. */
  readOutputs?(run: RunContext): Promise<Record<string, string> | undefined>;
  /** For `yaml-diff`: the stack as it would be deployed now. */
  stackSpec?(run: RunContext): Promise<StackSpec>;
  destroy(run: RunContext, progress: Progress, options: { onlyIfEmpty: boolean }): Promise<DeployReport>;
}

/** An extra `pocket resource <group> <name>` command (beyond status/deploy/destroy/yaml/yaml-diff). */
export interface Operation<O = Record<string, unknown>> {
  description: string;
  /** `--flag` definitions as commander takes them: `["--json", "print JSON for scripts"]`. */
  options?: [flags: string, description: string][];
  /** `--name` selects one of the group's named resources. */
  named?: boolean;
  /** Calls AWS (adds `--profile`). */
  aws?: boolean;
  /** Runs even when the stage has no resource of the kind (it checks what it needs itself). */
  allowEmpty?: boolean;
  /** Subcommand path below the group, e.g. `["secrets", "list"]`; default the operation's key. */
  path?: string[];
  run: () => Promise<(run: OperationContext, options: O) => Promise<void>>;
}

export interface OperationContext {
  config: LoadedConfig;
  /** The resources of the kind that declares the operation, in this stage (narrowed by --name). */
  resources: readonly Resource[];
  /** The run context (clients are made lazily: offline operations make no AWS call). */
  run: RunContext;
  /** Deploys resources the way `pocket resource <group> deploy` does (lock, order, progress). */
  deploy(resources: readonly Resource[]): Promise<void>;
  /** Destroys resources the way `pocket resource <group> destroy` does (listing, confirmation, lock). */
  destroy(resources: readonly Resource[], flags: Partial<DestroyOptions>): Promise<void>;
}

/** The project a stage's resources are made for: the folder of its pocket.toml. */
export interface StageFiles {
  projectDir: string;
}

/** What a resource folder exports from its `index.ts`. */
export interface ResourceKind {
  /** `pocket resource <group>`; kinds may share a group (the container and its secrets). */
  group: string;
  /** What the group's commands act on, in their descriptions ("the container stack"). */
  noun: string;
  /** The group's line in `pocket resource --help`. */
  description: string;
  /** Resources of this group are named (distributions): `--name` picks one. */
  named?: string;
  /**
   * The destroy flags this kind's resources may be kept by, with what each means here, for the
   * `--help` of `pocket resource <group> destroy` (written before any config is read).
   */
  keeps?: Partial<Record<DestroyFlag, string>>;
  /** Offline template commands (`yaml`) and `yaml-diff` apply: the kind deploys stacks. */
  stacks?: boolean;
  operations?: Record<string, Operation<never>>;
  /** Why the stage has no resource of this kind, when that deserves more than "add the section". */
  absent?(ctx: PocketContext): { code: string; message: string; hint: string } | undefined;
  /** The section to add, for the generic "stage has no ..." error. */
  section: string;
  /**
   * `where` is the project on disk, when the command has one (offline permission listings have
   * none): a distribution's managed_assets folder is listed from it.
   */
  create(ctx: PocketContext, where?: StageFiles): Resource[];
  /** What deploying the kind takes, for `pocket permissions` (its `permissions.ts`). */
  permissions?: KindPermissions;
}

export function resourceKind(kind: ResourceKind): ResourceKind {
  return kind;
}
