import type { Issue } from "../diagnostics.js";
import { MANAGEMENT_COMMAND_HANDLER } from "../schema/awscontainer.js";
import { type Add, type CheckedSettings, type CrossRule, container, ok } from "./checked.js";
import { cloudfrontNeedsS3, distributionReferences, signingKeyIdsDistinct } from "./cross-cloudfront.js";
import { deployHashNotInEnvs } from "./cross-deploy-hash.js";
import { fallbackCachesLocal, localDjangoReferences, stageDjangoReferences } from "./cross-django.js";
import { scheduleTargets } from "./cross-schedules.js";

export { type Checked, type CheckedSettings, ok } from "./checked.js";
export { handlerKind } from "./cross-schedules.js";

/**
 * Rules that look at more than one section: the original's and those it left unchecked
 * (docs/decisions.md#d6-guide-rules-the-original-did-not-enforce), each a validation error
 * (docs/decisions.md#d5-every-failure-is-a-validation-error), in the order they are reported.
 * A rule whose inputs did not validate is skipped: its section already has an error.
 */
const CROSS_RULES: readonly CrossRule[] = [
  rdsInVpc,
  rdsBesideContainer,
  cloudfrontNeedsS3,
  distributionReferences,
  signingKeyIdsDistinct,
  secretsNeedTheirDatabase,
  commandProvisionedUrlIsStored,
  stageDjangoReferences,
  managementHandlerNotHttp,
  localDjangoReferences,
  fallbackCachesLocal,
  scheduleTargets,
  backupNeedsItsDatabase,
  deployHashNotInEnvs,
];

export function crossSectionIssues(s: CheckedSettings): Issue[] {
  const issues: Issue[] = [];
  const add: Add = (code, message, path, hint) => issues.push({ code, message, path, hint });
  for (const rule of CROSS_RULES) rule(s, add);
  return issues;
}

/** Aurora runs in private subnets: [rds] needs the VPC, spanning two zones when pocket makes it. */
function rdsInVpc(s: CheckedSettings, add: Add): void {
  // An existing cluster (managed = false) is not placed by pocket: only the container must reach it.
  if (!ok(s.rds) || !s.rds.managed) return;
  const vpc = ok(s.vpc) ? s.vpc : undefined;
  if (!s.rds.useVpc) {
    add(
      "rds-needs-vpc",
      "[rds] needs a VPC: Aurora runs in private subnets",
      ["rds"],
      s.vpc === undefined
        ? 'Add a [vpc] table (ref = "main", zone_suffixes = ["a", "c"]).'
        : "Remove use_vpc = false from [rds].",
    );
  } else if (vpc?.manage && vpc.zoneSuffixes.length < 2) {
    add(
      "rds-vpc-zones",
      "[rds] needs a VPC with at least 2 zone_suffixes (a DB subnet group spans 2 or more availability zones)",
      ["vpc", "zone_suffixes"],
      'e.g. zone_suffixes = ["a", "c"]',
    );
  }
}

/** The database is reachable only from inside its VPC, so the container must be there too. */
function rdsBesideContainer(s: CheckedSettings, add: Add): void {
  const c = s.awscontainer;
  if (!ok(s.rds) || c === "failed" || c?.useVpc) return;
  if (!s.rds.managed) {
    if (c !== undefined) {
      add(
        "rds-existing-container-vpc",
        "[rds] managed = false is reached through its security group, which needs the container in the cluster's VPC",
        ["awscontainer", "use_vpc"],
        "Add [vpc] with ref naming the cluster's VPC (an existing one: manage = false) and keep the container in it.",
      );
    }
    return;
  }
  if (!s.rds.useVpc) return;
  add(
    "rds-container-vpc",
    "[rds] needs [awscontainer] in the same VPC: the database is reachable only from inside it",
    c === undefined ? ["rds"] : ["awscontainer", "use_vpc"],
    c === undefined ? "Add an [awscontainer] section." : "Remove use_vpc = false from [awscontainer].",
  );
}

/** The section a managed secret's value comes from. */
const SECRET_SOURCES = {
  neon_database_url: "neon",
  tidb_database_url: "tidb",
  upstash_redis_url: "upstash",
} as const;

function secretsNeedTheirDatabase(s: CheckedSettings, add: Add): void {
  for (const [secret, spec] of Object.entries(container(s)?.secrets?.managed ?? {})) {
    if (!Object.hasOwn(SECRET_SOURCES, spec.type)) continue;
    const section = SECRET_SOURCES[spec.type as keyof typeof SECRET_SOURCES];
    if (s[section] !== undefined) continue;
    add(
      `secret-needs-${section}`,
      `managed secret ${secret} is a ${spec.type}, which needs a [${section}] section`,
      ["awscontainer", "secrets", "managed", secret, "type"],
    );
  }
}

/**
 * With `provisioning = "command"` ([neon], [tidb], [upstash]) deploy never calls the vendor, so it
 * cannot fill a managed (computed) URL of that section: the URL is a stored user secret that
 * `pocket resource <section> store-url` writes (docs/decisions.md#b12-provisioning-by-command).
 */
function commandProvisionedUrlIsStored(s: CheckedSettings, add: Add): void {
  for (const [secret, spec] of Object.entries(container(s)?.secrets?.managed ?? {})) {
    if (!Object.hasOwn(SECRET_SOURCES, spec.type)) continue;
    const section = SECRET_SOURCES[spec.type as keyof typeof SECRET_SOURCES];
    const settings = s[section];
    if (!ok(settings) || settings.provisioning !== "command") continue;
    add(
      `${section}-command-managed-url`,
      `managed secret ${secret} is a ${spec.type}, which deploy computes; with [${section}] provisioning = "command" deploy never calls ${VENDORS[section]}`,
      ["awscontainer", "secrets", "managed", secret, "type"],
      `Declare it as a user secret instead ([container.<name>.secrets.user] ${secret} = { type = "${spec.type}" }) and fill it with \`pocket resource ${section} store-url\`.`,
    );
  }
}

const VENDORS = { neon: "Neon", tidb: "TiDB Cloud", upstash: "Upstash" } as const;

/**
 * `[backup.rds]` backs up the cluster pocket makes: it needs a managed `[rds]`; `[backup.dsql]`
 * needs `[dsql]` (the original's refusals, docs/decisions.md#b13-aurora-dsql).
 */
function backupNeedsItsDatabase(s: CheckedSettings, add: Add): void {
  if (ok(s.backup) && s.backup.dsql && s.dsql === undefined) {
    add(
      "backup-dsql-missing",
      "[backup.dsql] backs up the stage's Aurora DSQL cluster, but there is no [dsql]",
      ["backup", "dsql"],
      "Add [dsql], or remove [backup.dsql].",
    );
  }
  if (!ok(s.backup) || !s.backup.rds || s.rds === "failed") return;
  if (s.rds?.managed) return;
  add(
    "backup-rds-missing",
    s.rds
      ? "[backup.rds] backs up the Aurora cluster pocket makes; with managed = false the cluster is not pocket's"
      : "[backup.rds] backs up the stage's Aurora cluster, but there is no [rds]",
    ["backup", "rds"],
    "Add [rds] (a cluster pocket makes), or remove [backup.rds].",
  );
}

/** A handler that runs management commands must not be reachable over HTTP. */
function managementHandlerNotHttp(s: CheckedSettings, add: Add): void {
  for (const [key, h] of Object.entries(container(s)?.handlers ?? {})) {
    if (h.command !== MANAGEMENT_COMMAND_HANDLER || !h.apigateway) continue;
    add(
      "management-handler-apigateway",
      `handler "${key}" runs management commands; it must not be reachable over HTTP (apigateway)`,
      ["awscontainer", "handlers", key, "apigateway"],
    );
  }
}
