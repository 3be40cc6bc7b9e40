import { CliError } from "../../errors.js";
import { edgeProtection } from "../../templates/edge.js";
import { writeErr, writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { basicAuthCredential } from "../secrets/values.js";

/**
 * `pocket resource cloudfront credentials [--name N] [--show-password]`: the basic-auth user of
 * each selected distribution, and its password only when asked (it then is on the screen and in
 * the scrollback, like `secrets list --show-values`).
 */
export async function printCredentials(
  { run, resources }: OperationContext,
  opts: { showPassword?: boolean },
) {
  const names = new Set(resources.map((r) => r.name));
  const selected = Object.values(run.ctx.cloudfront ?? {}).filter((cf) => names.has(cf.name));
  const guarded = selected.flatMap((cf) => {
    const auth = edgeProtection(cf).basicAuth;
    return auth ? [{ cf, auth }] : [];
  });
  if (guarded.length === 0) {
    throw new CliError("no-basic-auth", "no selected distribution has basic_auth.", {
      hint: 'Set basic_auth = "NAME" on the distribution, with a managed secret NAME of type basic_auth_credential.',
    });
  }
  const secrets = run.ctx.container?.secrets;
  const stored = secrets
    ? await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read()
    : {};
  const lines: string[] = [];
  for (const { cf, auth } of guarded) {
    const credential = basicAuthCredential(stored[auth.secret]);
    if (!credential) {
      throw new CliError(
        "basic-auth-secret-missing",
        `the managed secret ${auth.secret} does not exist yet.`,
        {
          hint: "Deploy the stage (`pocket deploy` creates secrets first), or run `pocket resource awscontainer secrets create-pocket-managed`.",
        },
      );
    }
    const prefix = guarded.length > 1 ? `${cf.name} ` : "";
    lines.push(`${prefix}username: ${credential.username}`);
    if (opts.showPassword) lines.push(`${prefix}password: ${credential.password}`);
  }
  writeOut(`${lines.join("\n")}\n`);
  if (!opts.showPassword) writeErr("The password is hidden; add --show-password to print it.\n");
}
