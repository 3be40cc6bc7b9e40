import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import { newTable, type TomlTable, type TomlValue } from "../toml/parse.js";
import { autoDatabaseOf } from "./auto-database.js";
import { formatter, type RewriteEnv, rewriteContainer } from "./container-rewrite.js";
import { handlerRef } from "./handler-ref.js";
import { type Renamed, toHeadPath, without } from "./renamed.js";
import { rewriteDistribution } from "./routes.js";
import { rewriteRds, rewriteS3Cors, rewriteScheduler } from "./sections.js";

/**
 * The original's current spelling (`[container.<name>]`, `type = "lambda"` routes, ...) rewritten
 * into the seed's, so that one set of schemas validates both and fills in the same settings
 * (docs/decisions.md#d11-two-spellings-one-schema). Keys that only the rewrite knows keep their
 * meaning: a renamed key's problems are reported at the key the file wrote (`toHeadPath`).
 */
export interface HeadRewrite {
  /** The container this document carries as `[awscontainer]` (none in a file without one). */
  container?: string;
  doc: TomlTable;
  /** Maps a path of `doc` to the path written in the file. */
  toHeadPath: (path: readonly PathSegment[]) => PathSegment[];
  /** Managed secrets declared `shared = true` (stored under the project's key, not the container's). */
  sharedSecrets: string[];
  /** `ecr_name` of the container: its repository's name, when the file sets it. */
  ecrName?: string;
  /** `[rds] database`: the Aurora database name, when the file sets it. */
  rdsDatabase?: string;
  /** Per distribution, the index the file wrote each rewritten route at. */
  routeOrder: Record<string, number[]>;
  /** Per distribution, the rewritten routes keyed by their path pattern alone (no origin path). */
  bareRoutes: Record<string, number[]>;
}

/**
 * The document with `container` as `[awscontainer]`. Routes and schedules that start another
 * container's handler are left out (that container's own rewrite checks them); their problems
 * are the only ones of the file that need the other containers.
 */
export function rewriteForContainer(
  doc: TomlTable,
  container: string | undefined,
  containers: string[],
  env: RewriteEnv,
): {
  rewrite: HeadRewrite;
  issues: Issue[];
} {
  const issues: Issue[] = [];
  const renamed: Renamed[] = container === undefined ? [] : [[["awscontainer"], ["container", container]]];
  const out = newTable();
  const shared: string[] = [];
  let rdsDatabase: string | undefined;
  let ecrName: string | undefined;
  const routeOrder: Record<string, number[]> = {};
  const bareRoutes: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === "container") continue;
    out[key] = value;
  }
  const ref = (value: TomlValue | undefined, path: PathSegment[]) =>
    handlerRef(value, path, container, containers, issues);

  if (container !== undefined) {
    const c = (doc.container as TomlTable)[container] as TomlTable;
    out.awscontainer = rewriteContainer(
      c,
      container,
      shared,
      isTable(doc.rds),
      formatter(doc, env),
      autoDatabaseOf(doc),
    );
    ecrName = ecrNameOf(c, ["container", container], issues);
  }
  if (isTable(doc.rds)) {
    const { rds, database } = rewriteRds(doc.rds, renamed, issues);
    out.rds = rds;
    rdsDatabase = database;
  }
  for (const section of ["neon", "tidb", "upstash"] as const) {
    const t = doc[section];
    if (isTable(t) && t.provisioning === "deploy") out[section] = without(t, "provisioning");
  }
  if (isTable(doc.s3) && Object.hasOwn(doc.s3, "cors")) {
    out.s3 = rewriteS3Cors(doc.s3, doc.cloudfront, renamed, issues);
  }
  if (isTable(doc.cloudfront)) {
    const cloudfront = newTable();
    for (const [name, d] of Object.entries(doc.cloudfront)) {
      const order: number[] = [];
      const bare: number[] = [];
      routeOrder[name] = order;
      bareRoutes[name] = bare;
      cloudfront[name] = isTable(d)
        ? rewriteDistribution(d, ["cloudfront", name], renamed, ref, issues, order, bare)
        : d;
    }
    out.cloudfront = cloudfront;
  }
  if (isTable(doc.scheduler)) out.scheduler = rewriteScheduler(doc.scheduler, ref);
  return {
    rewrite: {
      container,
      doc: out,
      toHeadPath: (path) => toHeadPath(path, renamed),
      sharedSecrets: shared,
      ecrName,
      rdsDatabase,
      routeOrder,
      bareRoutes,
    },
    issues,
  };
}

/** `ecr_name`: a string, checked as a repository name with the other derived names. */
function ecrNameOf(c: TomlTable, at: PathSegment[], issues: Issue[]): string | undefined {
  if (!Object.hasOwn(c, "ecr_name")) return undefined;
  if (typeof c.ecr_name === "string") return c.ecr_name;
  issues.push({
    code: "invalid-type",
    message: `ecr_name must be a string (the ECR repository's name), not ${typeof c.ecr_name}`,
    path: [...at, "ecr_name"],
  });
  return undefined;
}
