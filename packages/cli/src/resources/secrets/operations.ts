import type { SecretsContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { writeOut } from "../../util/stdio.js";
import type { OperationContext, RunContext } from "../resource.js";
import { managedSecretStore, readUserSecret } from "./store.js";
import { maskSecret, type SecretValue } from "./values.js";

function secretsOf(run: RunContext): SecretsContext {
  const s = run.ctx.container?.secrets;
  if (!s) {
    throw new CliError("no-secrets", `stage ${run.ctx.stage} has no [awscontainer.secrets].`, {
      hint: "Add [awscontainer.secrets.managed] or [awscontainer.secrets.user] to pocket.toml.",
    });
  }
  return s;
}

/** `pocket resource awscontainer secrets list [--show-values]`. */
export async function listSecrets({ run }: OperationContext, opts: { showValues?: boolean }) {
  const s = secretsOf(run);
  const stored = await managedSecretStore(run.aws(s.region), s, run.ctx.stage, run.ctx.project).read();
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
    if (opts.showValues) row.value = await readUserSecret(run.aws(run.ctx.region), u.name, u.store);
    rows.push(row);
  }
  if (!process.stdout.isTTY) {
    writeJson(rows);
    return;
  }
  for (const r of rows) {
    writeOut(
      `${r.name}: ${r.kind === "managed" ? `${r.type} (${r.state})` : `${r.secret} (store=${r.store})`}${r.value !== undefined ? ` = ${r.value}` : ""}\n`,
    );
  }
}

/** `create-pocket-managed`: the secrets resource's own deploy (adds what is missing, never regenerates). */
export async function createSecrets(op: OperationContext) {
  secretsOf(op.run);
  await op.deploy(op.resources);
}

/** `delete-pocket-managed`: the secrets resource's destroy, confirmed like any destroy. */
export async function deleteSecrets(op: OperationContext) {
  secretsOf(op.run);
  await op.destroy(op.resources, { withSecrets: true });
}
