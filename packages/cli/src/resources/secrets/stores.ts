import type { PocketContext, SecretsContext } from "@magic-pocket/config";
import { containerViews } from "../container-views.js";

/** One store of managed values pocket writes, and the resource id that keeps it. */
export interface SecretStoreView {
  id: string;
  secrets: SecretsContext;
}

/**
 * Every store of the stage's managed values, each once with every value stored there: a
 * container's own, or the shared store several containers read (`shared = true`, also beside a
 * container's own: `sharedStore`, docs/decisions.md#d11-two-spellings-one-schema). One resource
 * writes each store, so two containers never write the same store at the same time.
 */
export function secretStores(ctx: PocketContext): SecretStoreView[] {
  const stores = new Map<string, SecretStoreView>();
  const add = (id: string, secrets: SecretsContext) => {
    const known = stores.get(secrets.pocketKey);
    if (!known) stores.set(secrets.pocketKey, { id, secrets });
    else known.secrets = { ...known.secrets, managed: { ...known.secrets.managed, ...secrets.managed } };
  };
  for (const { ctx: view, secretsId } of containerViews(ctx)) {
    const secrets = view.container?.secrets;
    if (!secrets) continue;
    const split = secrets.sharedStore;
    const shared = new Set(split?.names ?? []);
    const own = Object.fromEntries(Object.entries(secrets.managed).filter(([n]) => !shared.has(n)));
    if (Object.keys(own).length > 0) add(secretsId, { ...secrets, managed: own, sharedStore: undefined });
    if (split) {
      const managed = Object.fromEntries(Object.entries(secrets.managed).filter(([n]) => shared.has(n)));
      add("secrets:shared", {
        ...secrets,
        pocketKey: split.pocketKey,
        ssmPath: split.ssmPath,
        managed,
        sharedStore: undefined,
      });
    }
  }
  return [...stores.values()];
}
