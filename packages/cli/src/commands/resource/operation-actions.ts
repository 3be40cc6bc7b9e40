import type { CloudFrontContext, LoadedConfig } from "@magic-pocket/config";
import { explainAwsError } from "../../aws/errors.js";
import { type GlobalOptions, loadStage } from "../../config-loader.js";
import { ProgressView } from "../../deploy/progress.js";
import { runContext } from "../../deploy/run-context.js";
import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { containerEndpoints } from "../../resources/container/resource.js";
import { stageResources } from "../../resources/index.js";
import type { Resource, RunContext } from "../../resources/resource.js";
import { managedSecretStore } from "../../resources/secrets/store.js";
import { generateSecret, maskSecret, type SecretValue } from "../../resources/secrets/values.js";
import { formatDiff, jsonDiff } from "../../stacks/diff.js";
import { describeStack } from "../../stacks/stack.js";
import { OPERABLE, type OperableGroup } from "./operations.js";
import type { NameOptions } from "./options.js";

async function aws<T>(region: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainAwsError(error, region) ?? error;
  }
}

/** The distributions a command acts on: `--name N` (checked), or every eligible one in order. */
function distributions(
  config: LoadedConfig,
  group: string,
  name: string | undefined,
  eligible: (cf: CloudFrontContext) => boolean = () => true,
): string[] {
  const all = config.context.cloudfront ?? {};
  const names = Object.keys(all).filter((n) => eligible(all[n]!));
  if (name && !names.includes(name)) {
    throw new CliError("unknown-distribution", `no ${group} "${name}" in stage ${config.settings.stage}.`, {
      hint: names.length ? `Choose one of: ${names.join(", ")}.` : undefined,
    });
  }
  return name ? [name] : names;
}

async function select(global: GlobalOptions, group: OperableGroup, opts: NameOptions & { yes?: boolean }) {
  const config = await loadStage(global, opts.stage);
  const run = runContext(config, { yes: opts.yes, profile: opts.profile });
  const all = stageResources(config.context);
  const spec = OPERABLE[group];
  let ids: string[];
  if ("named" in spec) {
    const idOf = spec.id as (name: string) => string;
    ids = distributions(config, group, opts.name, (cf) => group === "cloudfront" || !!cf.signingKey).map(
      idOf,
    );
  } else {
    ids = [(spec.id as () => string)()];
  }
  const resources = all.filter((r) => ids.includes(r.id));
  if (resources.length === 0) {
    throw new CliError("section-missing", `stage ${config.settings.stage} has no ${group} to operate on.`, {
      hint: `Add the section to ${config.file} (see \`pocket config show --stage ${config.settings.stage}\`).`,
    });
  }
  return { config, run, resources };
}

export async function resourceStatus(global: GlobalOptions, group: OperableGroup, opts: NameOptions) {
  const { config, run, resources } = await select(global, group, opts);
  for (const r of resources) {
    const s = await aws(config.context.region, () => r.status(run));
    process.stdout.write(`${r.title}: ${s.state}${s.detail ? ` (${s.detail})` : ""}\n`);
    if (s.state === "failed") process.exitCode = 1;
  }
}

export async function resourceDeploy(
  global: GlobalOptions,
  group: OperableGroup,
  opts: NameOptions & { yes?: boolean },
) {
  const { config, run, resources } = await select(global, group, opts);
  await eachWithProgress(config.context.region, resources, (r, p) => r.deploy(run, p));
}

export async function resourceDestroy(
  global: GlobalOptions,
  group: OperableGroup,
  opts: NameOptions & { yes?: boolean; withData?: boolean; withSecrets?: boolean },
) {
  const { config, run, resources } = await select(global, group, opts);
  const extra: Resource[] = [];
  if (group === "awscontainer" && opts.withSecrets) {
    const secrets = stageResources(config.context).find((r) => r.id === "secrets");
    if (secrets) extra.push(secrets);
  }
  const targets = [...resources, ...extra];
  process.stderr.write(`This deletes:\n${targets.map((r) => `  - ${r.title}\n`).join("")}`);
  if (!(await run.confirm("Delete? This cannot be undone."))) {
    throw new CliError("destroy-not-confirmed", "nothing was deleted.", {
      hint: process.stdin.isTTY ? undefined : "Pass --yes to confirm when not running in a terminal.",
    });
  }
  const options = {
    withData: opts.withData === true,
    withSecrets: opts.withSecrets === true,
    withStateBucket: false,
  };
  await eachWithProgress(config.context.region, targets, (r, p) => r.destroy(run, p, options));
}

async function eachWithProgress(
  region: string,
  resources: Resource[],
  work: (r: Resource, p: ReturnType<ProgressView["for"]>) => Promise<{ changed: boolean; summary: string }>,
) {
  const view = new ProgressView();
  try {
    for (const r of resources) {
      const p = view.for(r.id, r.title);
      try {
        const report = await aws(region, () => work(r, p));
        p.done(report.summary, report.changed ? "ok" : "skip");
      } catch (error) {
        p.done((error as Error).message, "fail");
        throw error;
      }
    }
  } finally {
    view.stop();
  }
}

/**
 * `pocket resource neon branch-out --base-stage B`: the stage's branch as a copy of stage B's
 * (schema and data, roles with their passwords), for preview stages. `pocket deploy` then finds
 * the role and database in place and only adds what is missing.
 */
export async function neonBranchOut(global: GlobalOptions, opts: NameOptions & { baseStage: string }) {
  const config = await loadStage(global, opts.stage);
  const neon = config.context.neon;
  if (!neon) throw new CliError("section-missing", `stage ${config.settings.stage} has no [neon].`);
  if (opts.baseStage === neon.branch) {
    throw new CliError("neon-same-stage", "--base-stage must name another stage than --stage.");
  }
  const { neonApi } = await import("../../resources/neon/resource.js");
  const api = neonApi(config.credentials);
  const project = await api.project(neon.projectName);
  const [base, existing] = await Promise.all([
    api.branch(project.id, opts.baseStage),
    api.branch(project.id, neon.branch),
  ]);
  if (!base) {
    throw new CliError(
      "neon-base-missing",
      `the Neon project ${neon.projectName} has no branch "${opts.baseStage}".`,
      {
        hint: `Deploy stage ${opts.baseStage} first, or pick another --base-stage.`,
      },
    );
  }
  if (existing) {
    throw new CliError("neon-branch-exists", `stage ${neon.branch} already has its Neon branch.`, {
      hint: `Delete it first (pocket resource neon destroy --stage ${neon.branch} --with-data) to branch out again.`,
    });
  }
  process.stderr.write(`creating Neon branch ${neon.branch} from ${opts.baseStage}...\n`);
  await api.createBranch(project.id, neon.branch, base.id);
  process.stderr.write(
    `created: ${neon.branch} starts as a copy of ${opts.baseStage}. Run \`pocket deploy --stage ${neon.branch}\` to use it.\n`,
  );
}

/** `pocket resource rds endpoint`: where to connect, and where the password is (never the password). */
export async function rdsEndpoint(global: GlobalOptions, opts: NameOptions & { json?: boolean }) {
  const config = await loadStage(global, opts.stage);
  const rds = config.context.rds;
  if (!rds) throw new CliError("section-missing", `stage ${config.settings.stage} has no [rds].`);
  const run = runContext(config, { profile: opts.profile });
  const { readRdsOutputs } = await import("../../resources/rds/resource.js");
  const out = await aws(rds.region, () => readRdsOutputs(run.aws(rds.region), rds));
  if (!out) {
    throw new CliError("rds-missing", `the Aurora cluster ${rds.clusterIdentifier} does not exist.`, {
      hint: "Create it with `pocket deploy`.",
    });
  }
  const info = {
    host: out.endpoint,
    port: Number(out.port),
    database: rds.databaseName,
    username: rds.username,
    passwordSecretArn: out.secretArn,
  };
  if (opts.json) return writeJson(info);
  for (const [k, v] of Object.entries(info)) process.stdout.write(`${k}: ${v}\n`);
}

/** `pocket resource cloudfront upload`: build and upload the front ends of one or every distribution. */
export async function frontendUpload(global: GlobalOptions, opts: NameOptions & { skipBuild?: boolean }) {
  const config = await loadStage(global, opts.stage);
  const wanted = distributions(config, "cloudfront", opts.name).map((n) => `frontend:${n}`);
  const resources = stageResources(config.context).filter((r) => wanted.includes(r.id));
  if (resources.length === 0) {
    throw new CliError("no-frontend", "no CloudFront route of this stage has a build_dir to upload.", {
      hint: 'Give an S3 route build_dir = "dist" (and build = "npm run build" to build it first).',
    });
  }
  const run = runContext(config, { skipBuild: opts.skipBuild === true, profile: opts.profile });
  await eachWithProgress(config.context.region, resources, (r, p) => r.deploy(run, p));
}

export async function resourceYamlDiff(global: GlobalOptions, group: OperableGroup, opts: NameOptions) {
  const { run, resources } = await select(global, group, opts);
  for (const r of resources) {
    if (!r.stack) continue;
    const { region, spec } = await aws(run.ctx.region, () => r.stack!(run));
    const clients = run.aws(region);
    const stack = await aws(region, () => describeStack(clients, spec.name));
    process.stdout.write(`# ${spec.name} (${region})\n`);
    if (!stack) {
      process.stdout.write("not deployed: the whole template is new\n");
      continue;
    }
    const { GetTemplateCommand } = await import("@aws-sdk/client-cloudformation");
    const body = (
      await (
        await clients.cloudformation()
      ).send(new GetTemplateCommand({ StackName: spec.name, TemplateStage: "Original" }))
    ).TemplateBody;
    let deployed: unknown;
    try {
      deployed = JSON.parse(body ?? "null");
    } catch {
      deployed = (await import("yaml")).parse(body ?? "");
    }
    const deployedParameters = Object.fromEntries(
      (stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    const changes = [
      ...jsonDiff(deployed, spec.template),
      ...jsonDiff({ Parameters: deployedParameters }, { Parameters: spec.parameters ?? {} }).map((c) => ({
        ...c,
        path: `(values) ${c.path}`,
      })),
    ];
    process.stdout.write(changes.length ? `${formatDiff(changes)}\n` : "no differences\n");
  }
}

export async function containerUrl(global: GlobalOptions, opts: NameOptions) {
  const config = await loadStage(global, opts.stage);
  if (!config.context.container) {
    throw new CliError("section-missing", `stage ${config.settings.stage} has no [awscontainer].`);
  }
  const run = runContext(config, { profile: opts.profile });
  const urls = await aws(config.context.region, () => containerEndpoints(run, config.context));
  if (urls.length === 0) {
    throw new CliError("no-endpoint", "no handler has an API endpoint yet.", {
      hint: "Give a handler `apigateway = {}` and run `pocket deploy`.",
    });
  }
  for (const u of urls) process.stdout.write(`${u}\n`);
}

function secretsOf(run: RunContext) {
  const s = run.ctx.container?.secrets;
  if (!s) {
    throw new CliError("no-secrets", `stage ${run.ctx.stage} has no [awscontainer.secrets].`, {
      hint: "Add [awscontainer.secrets.managed] or [awscontainer.secrets.user] to pocket.toml.",
    });
  }
  return s;
}

export async function secretsList(global: GlobalOptions, opts: NameOptions & { showValues?: boolean }) {
  const config = await loadStage(global, opts.stage);
  const run = runContext(config, { profile: opts.profile });
  const s = secretsOf(run);
  const stored = await aws(s.region, () =>
    managedSecretStore(run.aws(s.region), s, run.ctx.stage, run.ctx.project).read(),
  );
  const show = (v: SecretValue) =>
    opts.showValues ? (typeof v === "string" ? v : JSON.stringify(v)) : maskSecret(v);
  const rows: Record<string, unknown>[] = [];
  for (const [name, spec] of Object.entries(s.managed)) {
    const v = stored[name];
    rows.push({
      name,
      kind: "managed",
      type: spec.type,
      state: v === undefined ? "missing" : "created",
      ...(v !== undefined ? { value: show(v) } : {}),
    });
  }
  for (const [name, u] of Object.entries(s.user)) {
    const row: Record<string, unknown> = { name, kind: "user", secret: u.name, store: u.store };
    if (opts.showValues) row.value = await aws(s.region, () => readUserSecret(run, u.name, u.store));
    rows.push(row);
  }
  if (!process.stdout.isTTY) {
    writeJson(rows);
    return;
  }
  for (const r of rows) {
    process.stdout.write(
      `${r.name}: ${r.kind === "managed" ? `${r.type} (${r.state})` : `${r.secret} (store=${r.store})`}${r.value !== undefined ? ` = ${r.value}` : ""}\n`,
    );
  }
}

async function readUserSecret(run: RunContext, name: string, store: "sm" | "ssm"): Promise<string> {
  const clients = run.aws(run.ctx.region);
  if (store === "sm") {
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    return (
      (await (await clients.secretsManager()).send(new GetSecretValueCommand({ SecretId: name })))
        .SecretString ?? ""
    );
  }
  const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
  return (
    (await (await clients.ssm()).send(new GetParameterCommand({ Name: name, WithDecryption: true })))
      .Parameter?.Value ?? ""
  );
}

export async function secretsCreate(global: GlobalOptions, opts: NameOptions) {
  const config = await loadStage(global, opts.stage);
  const run = runContext(config, { profile: opts.profile });
  const s = secretsOf(run);
  const store = managedSecretStore(run.aws(s.region), s, run.ctx.stage, run.ctx.project);
  const stored = await aws(s.region, () => store.read());
  const next = { ...stored };
  const added: string[] = [];
  for (const [name, spec] of Object.entries(s.managed)) {
    if (stored[name] !== undefined) {
      process.stderr.write(`${name} already exists; kept (pocket never regenerates a stored value)\n`);
      continue;
    }
    if (spec.type === "neon_database_url" || spec.type === "tidb_database_url") {
      throw new CliError(
        "secret-source-missing",
        `${name} (${spec.type}) is filled from the database by \`pocket deploy\`.`,
        {
          hint: "Run `pocket deploy` for this stage.",
        },
      );
    }
    next[name] = generateSecret(spec);
    added.push(name);
  }
  if (added.length > 0) await aws(s.region, () => store.write(next));
  process.stderr.write(added.length ? `created ${added.join(", ")}\n` : "nothing to create\n");
}

export async function secretsDelete(global: GlobalOptions, opts: NameOptions & { yes?: boolean }) {
  const config = await loadStage(global, opts.stage);
  const run = runContext(config, { yes: opts.yes, profile: opts.profile });
  const s = secretsOf(run);
  const store = managedSecretStore(run.aws(s.region), s, run.ctx.stage, run.ctx.project);
  const stored = await aws(s.region, () => store.read());
  if (Object.keys(stored).length === 0) {
    process.stderr.write("no managed secrets are stored for this stage\n");
    return;
  }
  process.stderr.write(
    `This deletes ${Object.keys(stored).join(", ")}. Values cannot be recovered from pocket.\n`,
  );
  if (!(await run.confirm("Delete the managed secrets?"))) {
    throw new CliError("destroy-not-confirmed", "nothing was deleted.", {
      hint: process.stdin.isTTY ? undefined : "Pass --yes to confirm when not running in a terminal.",
    });
  }
  await aws(s.region, () => store.remove());
  process.stderr.write("deleted\n");
}
