import type { SecretsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import type { SecretValues } from "./values.js";

/**
 * Where a stage's managed values live. The layouts are the original's, so the Python tool and
 * this one read each other's secrets (docs/decisions.md#r3-shared-secret-storage-layouts):
 * - sm: one secret named by the pocket key, `{stage: {project: {NAME: value}}}`;
 * - ssm: SecureStrings `/{pocketKey}/NAME`, and `/{pocketKey}/NAME/pem|pub` for key pairs.
 */
export interface ManagedSecretStore {
  read(): Promise<SecretValues>;
  /** Writes the complete map for this stage and project (existing + new). */
  write(values: SecretValues): Promise<void>;
  /** Removes this stage's and project's values; true when something was deleted. */
  remove(): Promise<boolean>;
}

/**
 * `immediate`: remove deletes a secret without the recovery window, for a preview stage, whose
 * destroy leaves nothing behind (docs/decisions.md#e19-preview-stages).
 */
export function managedSecretStore(
  clients: AwsClients,
  secrets: SecretsContext,
  stage: string,
  project: string,
  options: { immediate?: boolean } = {},
): ManagedSecretStore {
  const own = oneStore(clients, secrets.store, secrets.pocketKey, stage, project, options.immediate === true);
  const split = secrets.sharedStore;
  if (!split) return own;
  // A container with values in both stores: read from both (each name from its store); the
  // shared store's values are written and removed by its own resource (stores.ts).
  const shared = oneStore(clients, secrets.store, split.pocketKey, stage, project, false);
  const pick = (values: SecretValues, inShared: boolean) =>
    Object.fromEntries(Object.entries(values).filter(([n]) => split.names.includes(n) === inShared));
  return {
    async read() {
      const [mine, theirs] = await Promise.all([own.read(), shared.read()]);
      return { ...pick(mine, false), ...pick(theirs, true) };
    },
    write: (values) => own.write(pick(values, false)),
    remove: () => own.remove(),
  };
}

function oneStore(
  clients: AwsClients,
  store: SecretsContext["store"],
  pocketKey: string,
  stage: string,
  project: string,
  immediate: boolean,
): ManagedSecretStore {
  return store === "sm"
    ? smStore(clients, pocketKey, stage, project, immediate)
    : ssmStore(clients, pocketKey);
}

type SmDocument = Record<string, Record<string, SecretValues>>;

function smStore(
  clients: AwsClients,
  name: string,
  stage: string,
  project: string,
  immediate: boolean,
): ManagedSecretStore {
  /**
   * A secret scheduled for deletion (`destroy --with-secrets` keeps it recoverable for 30 days)
   * reads as absent; writing restores it first, since AWS refuses both writes and a new secret of
   * the same name until then.
   */
  const load = async (restore: boolean): Promise<{ doc: SmDocument; exists: boolean }> => {
    const sm = await clients.secretsManager();
    const { GetSecretValueCommand, RestoreSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    try {
      const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
      return { doc: JSON.parse(out.SecretString ?? "{}") as SmDocument, exists: true };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      if (e.name === "ResourceNotFoundException") return { doc: {}, exists: false };
      if (e.name === "InvalidRequestException" && /deletion|marked deleted/i.test(e.message ?? "")) {
        if (!restore) return { doc: {}, exists: false };
        await sm.send(new RestoreSecretCommand({ SecretId: name }));
        return { doc: {}, exists: true };
      }
      throw error;
    }
  };
  return {
    async read() {
      const { doc } = await load(false);
      return doc[stage]?.[project] ?? {};
    },
    async write(values) {
      const { doc, exists } = await load(true);
      doc[stage] = { ...doc[stage], [project]: values };
      const sm = await clients.secretsManager();
      const { CreateSecretCommand, PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
      const SecretString = JSON.stringify(doc);
      if (exists) await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
      else await sm.send(new CreateSecretCommand({ Name: name, SecretString }));
    },
    async remove() {
      const { doc, exists } = await load(false);
      if (!exists || !doc[stage]?.[project]) return false;
      delete doc[stage]![project];
      if (Object.keys(doc[stage]!).length === 0) delete doc[stage];
      const sm = await clients.secretsManager();
      const { DeleteSecretCommand, PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
      if (Object.keys(doc).length === 0) {
        // Recoverable for 30 days, as the original does: a mistaken destroy can be undone
        // (docs/decisions.md#p9-destroy-keeps-data-unless-asked). A preview stage's goes at once.
        const when = immediate ? { ForceDeleteWithoutRecovery: true } : { RecoveryWindowInDays: 30 };
        await sm.send(new DeleteSecretCommand({ SecretId: name, ...when }));
      } else {
        await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(doc) }));
      }
      return true;
    },
  };
}

function ssmStore(clients: AwsClients, pocketKey: string): ManagedSecretStore {
  const root = `/${pocketKey}/`;
  const list = async (): Promise<{ Name: string; Value: string }[]> => {
    const ssm = await clients.ssm();
    const { GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
    const out: { Name: string; Value: string }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ssm.send(
        new GetParametersByPathCommand({ Path: root, Recursive: true, WithDecryption: true, NextToken }),
      );
      for (const p of page.Parameters ?? []) out.push({ Name: p.Name ?? "", Value: p.Value ?? "" });
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  };
  return {
    async read() {
      const values: SecretValues = {};
      for (const p of await list()) {
        const [name, part, ...rest] = p.Name.slice(root.length).split("/");
        if (!name || rest.length > 0) continue;
        if (part === undefined) values[name] = p.Value;
        else if (part === "pem" || part === "pub") {
          const pair = (typeof values[name] === "object" ? values[name] : { pem: "", pub: "" }) as {
            pem: string;
            pub: string;
          };
          pair[part] = p.Value;
          values[name] = pair;
        }
      }
      return values;
    },
    async write(values) {
      const ssm = await clients.ssm();
      const { PutParameterCommand } = await import("@aws-sdk/client-ssm");
      const entries: [string, string][] = [];
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === "string") entries.push([`${root}${name}`, value]);
        else entries.push([`${root}${name}/pem`, value.pem], [`${root}${name}/pub`, value.pub]);
      }
      for (const [Name, Value] of entries) {
        await ssm.send(new PutParameterCommand({ Name, Value, Type: "SecureString", Overwrite: true }));
      }
    },
    async remove() {
      const names = (await list()).map((p) => p.Name);
      if (names.length === 0) return false;
      const ssm = await clients.ssm();
      const { DeleteParametersCommand } = await import("@aws-sdk/client-ssm");
      for (let i = 0; i < names.length; i += 10) {
        await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }));
      }
      return true;
    },
  };
}

/** A user secret's value: a secret or SecureString the user made and named in pocket.toml. */
export async function readUserSecret(
  clients: AwsClients,
  name: string,
  store: "sm" | "ssm",
): Promise<string> {
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
