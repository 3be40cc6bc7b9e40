import { type PocketContext, storedUrlSuffix } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { type UserSecret, userSecretsOf } from "./user-secrets.js";

/**
 * The stored user secret that holds a database URL of `type` ("stored mode"): the user secret
 * declared `{ type = "<type>" }`, whose name pocket derives from the type alone
 * (`{pocket_key}-user/<type>`, one per stage), so every container that declares it shares it
 * (docs/decisions.md#b12-provisioning-by-command).
 */
export function storedUrlSecret(ctx: PocketContext, type: string): UserSecret {
  const containers = ctx.containers ? Object.values(ctx.containers) : ctx.container ? [ctx.container] : [];
  const found = containers.flatMap((c) => userSecretsOf(c.secrets)).find((u) => isStoredUrl(u, type));
  if (found) return found;
  throw new CliError(
    "stored-url-undeclared",
    `stage ${ctx.stage} declares no user secret of type "${type}" to store the URL in.`,
    {
      hint: `Declare it: [container.<name>.secrets.user] DATABASE_URL = { type = "${type}" }.`,
    },
  );
}

/** Whether a user secret is the stored one of a database-URL `type` (its name is the type's). */
export function isStoredUrl(u: UserSecret, type: string): boolean {
  return u.name.endsWith(storedUrlSuffix(type));
}
