/**
 * Reading secret values for a deployed stage (docs/runtime-contract.md, `POCKET_SECRETS`).
 *
 * AWS calls: one GetSecretValue of the pocket secret (or one paginated GetParametersByPath for the
 * ssm store), one GetSecretValue per Secrets Manager user secret, one GetParameters per ten SSM
 * user secrets of a region, and one GetSecretValue of the RDS master-user secret; all at once.
 * Each SDK client is imported only when its store is used, so an app without secrets never loads
 * the SDK. Every failure becomes one PocketRuntimeError naming the secret and either the IAM
 * action the Lambda role lacks or the command that creates the missing value, because this runs
 * at cold start, where a raw SDK stack trace is all the owner would otherwise see.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { PocketRuntimeError } from "./errors.js";
import { regionOfArn } from "./names.js";

export type SecretStore = "sm" | "ssm";

export interface SecretsDocument {
  store: SecretStore;
  key: string;
  stage: string;
  project: string;
  managed: Record<
    string,
    { type?: string; env?: string; pem?: string; pub?: string; id?: string; shared?: boolean }
  >;
  user: Record<string, { name: string; store?: SecretStore }>;
  /** The shared store's key: entries with `shared: true` are stored there (docs/runtime-contract.md). */
  sharedKey?: string;
}

const createManagedHint = (stage: string) =>
  `run \`pocket deploy\` (it creates missing managed values) or ` +
  `\`pocket resource awscontainer secrets create-pocket-managed --stage ${stage}\``;

const ACCESS_DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"]);
const NOT_FOUND = new Set(["ResourceNotFoundException", "ParameterNotFound"]);

/** SDK clients created on first use, one per (service, region), for one load. */
export class Clients {
  private readonly cache = new Map<string, Promise<unknown>>();
  constructor(readonly region: string | undefined) {}

  secretsManager(name?: string): Promise<SecretsManagerClient> {
    const region = (name && regionOfArn(name)) || this.region;
    return this.get(`sm:${region}`, async () => {
      const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
      return new SecretsManagerClient(region ? { region } : {});
    });
  }

  ssm(name?: string): Promise<SSMClient> {
    const region = (name && regionOfArn(name)) || this.region;
    return this.get(`ssm:${region}`, async () => {
      const { SSMClient } = await import("@aws-sdk/client-ssm");
      return new SSMClient(region ? { region } : {});
    });
  }

  private get<T>(key: string, make: () => Promise<T>): Promise<T> {
    let client = this.cache.get(key);
    if (!client) {
      client = make();
      this.cache.set(key, client);
    }
    return client as Promise<T>;
  }
}

interface CallInfo {
  what: string;
  action: string;
  region: string | undefined;
  notFoundHint: string;
  location: string;
}

/** Turns an SDK failure into the one paragraph the owner needs. */
export function describeAwsError(err: unknown, info: CallInfo): PocketRuntimeError {
  const where = info.region ? ` in region ${info.region}` : "";
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: unknown };
  const code = String(e?.Code ?? e?.name ?? "");
  const message = String(e?.message ?? err);
  const said = message ? ` (AWS: ${code}: ${message})` : ` (AWS: ${code})`;
  const opts = { location: info.location, cause: err };
  if (e?.$metadata === undefined) {
    // Not a service answer: no credentials, an unreachable endpoint, no region.
    return new PocketRuntimeError(
      "secret-read-failed",
      `failed to read ${info.what}${where} with ${info.action}: ${message}`,
      opts,
    );
  }
  if (code.includes("KMS") || (ACCESS_DENIED.has(code) && message.toLowerCase().includes("kms"))) {
    return new PocketRuntimeError(
      "secret-kms-denied",
      `cannot decrypt ${info.what}${where}: the Lambda role needs kms:Decrypt on the KMS key that encrypts it${said}`,
      opts,
    );
  }
  if (ACCESS_DENIED.has(code)) {
    return new PocketRuntimeError(
      "secret-access-denied",
      `access denied reading ${info.what}${where}: the Lambda role needs ${info.action} on it; ` +
        `check [awscontainer.secrets] and redeploy so the policy lists it${said}`,
      opts,
    );
  }
  if (NOT_FOUND.has(code)) {
    return new PocketRuntimeError(
      "secret-not-found",
      `${info.what} does not exist${where}: ${info.notFoundHint}${said}`,
      opts,
    );
  }
  if (code === "InvalidRequestException" && message.toLowerCase().includes("delet")) {
    return new PocketRuntimeError(
      "secret-scheduled-for-deletion",
      `${info.what} is scheduled for deletion${where}: restore it (aws secretsmanager restore-secret) ` +
        `or run \`pocket deploy\`${said}`,
      opts,
    );
  }
  return new PocketRuntimeError(
    "secret-read-failed",
    `failed to read ${info.what}${where} with ${info.action}${said}`,
    opts,
  );
}

async function awsCall<T>(fn: () => Promise<T>, info: CallInfo): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw describeAwsError(err, info);
  }
}

/** Parses and shape-checks `POCKET_SECRETS`; a malformed document means a broken deploy. */
export function parseSecretsDocument(raw: string): SecretsDocument {
  const bad = (why: string) =>
    new PocketRuntimeError(
      "secrets-document-malformed",
      `POCKET_SECRETS is malformed (${why}); redeploy with \`pocket deploy\``,
      { location: "POCKET_SECRETS" },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw bad(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw bad("not an object");
  if (doc.store !== "sm" && doc.store !== "ssm") {
    throw bad(`store must be 'sm' or 'ssm', got ${JSON.stringify(doc.store)}`);
  }
  for (const field of ["key", "stage", "project"]) {
    if (typeof doc[field] !== "string" || !doc[field]) throw bad(`${field} must be a non-empty string`);
  }
  const managed = doc.managed ?? {};
  const user = doc.user ?? {};
  if (!isObject(managed) || !isObject(user)) throw bad("managed and user must be objects");
  for (const [name, spec] of Object.entries(managed)) {
    const ok =
      isObject(spec) &&
      (typeof spec.env === "string" || (typeof spec.pem === "string" && typeof spec.pub === "string"));
    if (!ok) throw bad(`managed.${name} needs env, or pem and pub`);
  }
  if (doc.sharedKey !== undefined && (typeof doc.sharedKey !== "string" || !doc.sharedKey)) {
    throw bad("sharedKey must be a non-empty string");
  }
  for (const [name, spec] of Object.entries(user)) {
    if (!isObject(spec) || typeof spec.name !== "string") throw bad(`user.${name} needs a name`);
    const store = spec.store ?? doc.store;
    if (store !== "sm" && store !== "ssm") throw bad(`user.${name}.store must be 'sm' or 'ssm'`);
  }
  return { ...(doc as unknown as SecretsDocument), managed, user } as SecretsDocument;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function storeLabel(doc: SecretsDocument): string {
  return doc.store === "sm" ? `Secrets Manager secret '${doc.key}'` : `SSM parameters under /${doc.key}/`;
}

async function readPocketStoreSm(doc: SecretsDocument, clients: Clients): Promise<Record<string, unknown>> {
  const label = storeLabel(doc);
  const client = await clients.secretsManager();
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const out = await awsCall(() => client.send(new GetSecretValueCommand({ SecretId: doc.key })), {
    what: `pocket ${label}`,
    action: "secretsmanager:GetSecretValue",
    region: clients.region,
    notFoundHint: createManagedHint(doc.stage),
    location: doc.key,
  });
  if (out.SecretString === undefined) {
    throw new PocketRuntimeError(
      "secret-not-text",
      `pocket ${label} holds binary data; expected a JSON SecretString`,
      { location: doc.key },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(out.SecretString);
  } catch (err) {
    throw new PocketRuntimeError(
      "secret-not-json",
      `pocket ${label} is not JSON: ${(err as Error).message}`,
      {
        location: doc.key,
      },
    );
  }
  // Layout {stage: {project: {NAME: value | {pem, pub}}}}; a missing branch is "nothing stored".
  let branch: unknown = isObject(data) ? data : {};
  for (const level of [doc.stage, doc.project]) branch = isObject(branch) ? (branch[level] ?? {}) : {};
  if (!isObject(branch)) {
    throw new PocketRuntimeError(
      "secret-layout",
      `pocket ${label}: ${doc.stage}.${doc.project} is not an object`,
      { location: doc.key },
    );
  }
  return branch;
}

async function readPocketStoreSsm(doc: SecretsDocument, clients: Clients): Promise<Record<string, unknown>> {
  const prefix = `/${doc.key}/`;
  const client = await clients.ssm();
  const { GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const params: { Name?: string; Value?: string }[] = [];
  await awsCall(
    async () => {
      let NextToken: string | undefined;
      do {
        const page = await client.send(
          new GetParametersByPathCommand({ Path: prefix, Recursive: true, WithDecryption: true, NextToken }),
        );
        params.push(...(page.Parameters ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
    },
    {
      what: `pocket ${storeLabel(doc)}`,
      action: "ssm:GetParametersByPath",
      region: clients.region,
      notFoundHint: createManagedHint(doc.stage),
      location: prefix,
    },
  );
  const plain: Record<string, string> = {};
  const pairs: Record<string, Record<string, string>> = {};
  for (const p of params) {
    if (!p.Name?.startsWith(prefix) || p.Value === undefined) continue;
    const parts = p.Name.slice(prefix.length).split("/");
    if (parts.length === 1 && parts[0]) plain[parts[0]] = p.Value;
    else if (parts.length === 2 && parts[0] && parts[1]) {
      pairs[parts[0]] = { ...pairs[parts[0]], [parts[1]]: p.Value };
    }
    // Deeper names are not part of the layout: ignored rather than guessed at.
  }
  return { ...pairs, ...plain };
}

/**
 * Maps stored managed values to environment variables through the document's declarations.
 * Iterates the declarations, not the store, so a value left behind by a removed declaration is
 * only warned about instead of failing every cold start.
 */
export function managedValues(
  doc: SecretsDocument,
  stored: Record<string, unknown>,
  warn: (message: string) => void = (m) => console.warn(m),
): Record<string, string> {
  const label = storeLabel(doc);
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(doc.managed)) {
    if (!(name in stored)) {
      missing.push(name);
      continue;
    }
    const value = stored[name];
    if (spec.env !== undefined) {
      if (typeof value !== "string") {
        throw new PocketRuntimeError(
          "managed-secret-shape",
          `managed secret ${name} in ${label} is stored as an object; its type '${spec.type}' needs a string value`,
          { location: name },
        );
      }
      values[spec.env] = value;
    } else {
      if (!isObject(value) || typeof value.pem !== "string" || typeof value.pub !== "string") {
        throw new PocketRuntimeError(
          "managed-secret-shape",
          `managed secret ${name} in ${label} must hold both pem and pub (type '${spec.type}')`,
          { location: name },
        );
      }
      values[spec.pem!] = value.pem;
      values[spec.pub!] = value.pub;
    }
  }
  for (const name of Object.keys(stored)) {
    if (!(name in doc.managed)) {
      warn(
        `pocket: ${label} holds ${name}, which [awscontainer.secrets.managed] no longer declares; skipped`,
      );
    }
  }
  if (missing.length > 0) {
    throw new PocketRuntimeError(
      "managed-secret-missing",
      `managed secret(s) ${missing.join(", ")} have no value in ${label} ` +
        `(stage ${doc.stage}, project ${doc.project}): ${createManagedHint(doc.stage)}`,
      { location: missing.join(",") },
    );
  }
  return values;
}

const userHint = (env: string) => `create it, or fix the name in [awscontainer.secrets.user] ${env}`;

async function readUserSm(env: string, name: string, clients: Clients): Promise<string> {
  const client = await clients.secretsManager(name);
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const what = `user secret ${env} (Secrets Manager '${name}')`;
  const out = await awsCall(() => client.send(new GetSecretValueCommand({ SecretId: name })), {
    what,
    action: "secretsmanager:GetSecretValue",
    region: regionOfArn(name) ?? clients.region,
    notFoundHint: userHint(env),
    location: env,
  });
  if (out.SecretString === undefined) {
    throw new PocketRuntimeError(
      "secret-not-text",
      `${what} is binary; only string secrets can become environment variables`,
      { location: env },
    );
  }
  return out.SecretString;
}

/** SSM user secrets of one region, ten names per GetParameters call (the API's limit). */
async function readUserSsm(
  entries: [env: string, name: string][],
  region: string | undefined,
  clients: Clients,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const client = await clients.ssm(entries[0]![1]);
  const { GetParametersCommand } = await import("@aws-sdk/client-ssm");
  const chunks: [string, string][][] = [];
  for (let i = 0; i < entries.length; i += 10) chunks.push(entries.slice(i, i + 10));
  await Promise.all(
    chunks.map(async (chunk) => {
      const names = [...new Set(chunk.map(([, name]) => name))];
      const label = chunk.map(([env]) => env).join(", ");
      const out = await awsCall(
        () => client.send(new GetParametersCommand({ Names: names, WithDecryption: true })),
        {
          what: `user secret(s) ${label} (SSM parameters ${names.map((n) => `'${n}'`).join(", ")})`,
          action: "ssm:GetParameters",
          region,
          notFoundHint: userHint(label),
          location: label,
        },
      );
      const byName = new Map<string, string>();
      for (const p of out.Parameters ?? []) {
        if (p.Value === undefined) continue;
        if (p.Name) byName.set(p.Name, p.Value);
        if (p.ARN) byName.set(p.ARN, p.Value);
      }
      for (const [env, name] of chunk) {
        const value = byName.get(name);
        if (value === undefined) {
          throw new PocketRuntimeError(
            "secret-not-found",
            `user secret ${env} (SSM parameter '${name}') does not exist${region ? ` in region ${region}` : ""}: ` +
              userHint(env),
            { location: env },
          );
        }
        values[env] = value;
      }
    }),
  );
  return values;
}

/** Managed values, then user values over them (the contract's order), as variables. */
/**
 * The stores the managed entries are in, each as a document of its own: the container's (`key`),
 * and the shared one (`sharedKey`) for the entries marked `shared`. A store nothing is declared
 * in is not read. The shared store also holds other containers' values: only this container's
 * are taken from it (`declaredOnly`), with no warning about the others.
 */
function managedStores(doc: SecretsDocument): { part: SecretsDocument; declaredOnly: boolean }[] {
  const entries = Object.entries(doc.managed);
  const own = entries.filter(([, m]) => !(doc.sharedKey && m.shared));
  const shared = doc.sharedKey ? entries.filter(([, m]) => m.shared) : [];
  return [
    ...(own.length ? [{ part: { ...doc, managed: Object.fromEntries(own) }, declaredOnly: false }] : []),
    ...(shared.length
      ? [{ part: { ...doc, key: doc.sharedKey!, managed: Object.fromEntries(shared) }, declaredOnly: true }]
      : []),
  ];
}

function pick(stored: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(stored).filter(([n]) => names.includes(n)));
}

export async function loadSecretValues(
  doc: SecretsDocument,
  clients: Clients,
  warn?: (message: string) => void,
): Promise<Record<string, string>> {
  // Only read the pocket store when something is declared there: a stage with user secrets
  // only has no IAM permission on the pocket key.
  const managed = Promise.all(
    managedStores(doc).map(({ part, declaredOnly }) =>
      (part.store === "sm" ? readPocketStoreSm(part, clients) : readPocketStoreSsm(part, clients)).then((s) =>
        managedValues(part, declaredOnly ? pick(s, Object.keys(part.managed)) : s, warn),
      ),
    ),
  ).then((parts) => Object.assign({}, ...parts) as Record<string, string>);
  const ssmByRegion = new Map<string | undefined, [string, string][]>();
  const smReads: Promise<[string, string]>[] = [];
  for (const [env, spec] of Object.entries(doc.user)) {
    if ((spec.store ?? doc.store) === "sm") {
      smReads.push(readUserSm(env, spec.name, clients).then((v) => [env, v]));
    } else {
      const region = regionOfArn(spec.name) ?? clients.region;
      const list = ssmByRegion.get(region) ?? [];
      list.push([env, spec.name]);
      ssmByRegion.set(region, list);
    }
  }
  const ssmReads = [...ssmByRegion].map(([region, entries]) => readUserSsm(entries, region, clients));
  const [managedOut, smOut, ssmOut] = await Promise.all([
    managed,
    Promise.all(smReads),
    Promise.all(ssmReads),
  ]);
  const user: Record<string, string> = Object.assign({}, ...ssmOut, Object.fromEntries(smOut));
  return { ...managedOut, ...user };
}

/**
 * `DATABASE_URL` from the Aurora master-user secret and the endpoint the deploy passed. The
 * AWS-managed secret holds only `username` and `password`; both are percent-encoded so any
 * character survives URL parsing (encodeURIComponent leaves `!'()*` as Python's quote does not,
 * so those are encoded too).
 */
export async function rdsDatabaseUrl(env: NodeJS.ProcessEnv, clients: Clients): Promise<string> {
  const arn = env.POCKET_RDS_SECRET_ARN!;
  const client = await clients.secretsManager(arn);
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const what = `RDS master-user secret '${arn}'`;
  const out = await awsCall(() => client.send(new GetSecretValueCommand({ SecretId: arn })), {
    what,
    action: "secretsmanager:GetSecretValue",
    region: regionOfArn(arn) ?? clients.region,
    notFoundHint: "the Aurora cluster's managed secret is gone; check [rds] and run `pocket deploy`",
    location: "POCKET_RDS_SECRET_ARN",
  });
  let data: unknown;
  try {
    data = JSON.parse(out.SecretString ?? "");
  } catch {
    data = undefined;
  }
  if (!isObject(data) || data.username === undefined || data.password === undefined) {
    throw new PocketRuntimeError("rds-secret-shape", `${what} must be JSON with username and password`, {
      location: "POCKET_RDS_SECRET_ARN",
    });
  }
  // An existing cluster's secret ([rds] managed = false) holds host, port and dbname; the deploy
  // leaves those variables empty then (docs/decisions.md#b7-an-existing-aurora-cluster).
  const endpoint = env.POCKET_RDS_ENDPOINT || String(data.host ?? "");
  const port = env.POCKET_RDS_PORT || String(data.port ?? "5432");
  const dbname = env.POCKET_RDS_DBNAME || String(data.dbname ?? "");
  if (!endpoint || !dbname) {
    throw new PocketRuntimeError(
      "rds-environment-incomplete",
      "POCKET_RDS_SECRET_ARN is set but neither POCKET_RDS_ENDPOINT/POCKET_RDS_DBNAME nor the secret's host/dbname give the database; redeploy with `pocket deploy`",
      { location: endpoint ? "POCKET_RDS_DBNAME" : "POCKET_RDS_ENDPOINT" },
    );
  }
  return `postgres://${quote(String(data.username))}:${quote(String(data.password))}@${endpoint}:${port}/${dbname}`;
}

/** Python's `urllib.parse.quote(s, safe='')`: everything but `A-Za-z0-9_.-~` percent-encoded. */
export function quote(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
