import { SM_ARN, SSM_ARN } from "../context/secrets.js";
import type { ContainerContext, PocketContext } from "../context/types.js";

/**
 * A container whose managed secrets are in both stores (the original's configuration.md,
 * container.secrets: `shared = true` on some declarations only): the shared ones are in the
 * stage's shared store `{stage}-{project}-{namespace}`, as every container reads them, the
 * others in the container's own `{stage}-{project}-{name}-{namespace}` (the rewrite's key). The
 * runtime reads both (`sharedKey` in POCKET_SECRETS), the function may read both, and pocket
 * writes each value to its store (docs/decisions.md#d11-two-spellings-one-schema).
 */
export function withSharedStore(
  c: ContainerContext,
  name: string,
  shared: readonly string[],
  ctx: PocketContext,
): ContainerContext {
  const s = c.secrets;
  const names = shared.filter((n) => s?.managed[n] !== undefined);
  // Every one shared, or a pocket_key_format of the file's: one store holds them all.
  if (!s || names.length === 0 || s.pocketKey !== `${ctx.stage}-${ctx.project}-${name}-${ctx.namespace}`) {
    return c;
  }
  const pocketKey = `${ctx.stage}-${ctx.project}-${ctx.namespace}`;
  const runtimeManaged = { ...s.runtime.managed };
  for (const n of names) runtimeManaged[n] = { ...runtimeManaged[n]!, shared: true };
  return {
    ...c,
    secrets: {
      ...s,
      sharedStore: { pocketKey, ssmPath: `/${pocketKey}/`, names },
      ...(s.store === "sm"
        ? { allowedSmResources: [...s.allowedSmResources, `${SM_ARN}${pocketKey}-??????`] }
        : { allowedSsmResources: [...s.allowedSsmResources, `${SSM_ARN}/${pocketKey}/*`] }),
      runtime: { ...s.runtime, managed: runtimeManaged, sharedKey: pocketKey },
    },
  };
}
