import * as z from "zod/mini";
import {
  envName,
  fail,
  formatString,
  int,
  lazy,
  NAME_FORMAT,
  nonEmpty,
  optionalNonEmpty,
  table,
} from "./base.js";

/**
 * The end of a stored URL secret's name (the original's "stored mode": a user secret declared
 * `{ type = "<type>" }` is `{pocket_key}-user/<type>`), by which the container's rewrite names it
 * and deploy, the Django caches and `store-url` find it (docs/decisions.md#b12-provisioning-by-command).
 */
export function storedUrlSuffix(type: string): string {
  return `-user/${type}`;
}

/** The user secret (its variable) stored for a URL of `type`, when one is declared. */
export function storedUrlEnv(user: Readonly<Record<string, { name: string }>> | undefined, type: string) {
  return Object.keys(user ?? {}).find((env) => user![env]!.name.endsWith(storedUrlSuffix(type)));
}

/**
 * The secret that holds the Upstash Redis URL, when the container has one: a managed one (deploy
 * fills it) or the stored user secret (`pocket resource upstash store-url` fills it).
 */
export function redisUrlSecret(
  awscontainer:
    | { secrets?: { managed: Record<string, { type: string }>; user?: Record<string, { name: string }> } }
    | undefined,
): string | undefined {
  const managed = awscontainer?.secrets?.managed ?? {};
  return (
    Object.keys(managed).find((name) => managed[name]!.type === "upstash_redis_url") ??
    storedUrlEnv(awscontainer?.secrets?.user, "upstash_redis_url")
  );
}

const DEFAULT_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";

const noOptions = z._default(table({}), {} as never);

const rsaSuffixes = {
  pem_base64_environ_suffix: envSuffix("_PEM_BASE64"),
  pub_base64_environ_suffix: envSuffix("_PUB_BASE64"),
};

function envSuffix(value: string) {
  return z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_]+$/, { error: "may only contain letters, digits and _" })),
    value,
  );
}

/** `[awscontainer.secrets.managed.NAME]`: a discriminated union on `type`. */
const managedSecret = z.discriminatedUnion(
  "type",
  [
    table({
      type: z.literal("password"),
      options: z.prefault(
        table({
          length: z._default(int(1, 4096), 16),
          chars: z._default(nonEmpty, DEFAULT_CHARS),
        }),
        {},
      ),
    }),
    table({ type: z.literal("neon_database_url"), options: noOptions }),
    table({ type: z.literal("tidb_database_url"), options: noOptions }),
    table({ type: z.literal("upstash_redis_url"), options: noOptions }),
    table({ type: z.literal("spa_token_secret"), options: noOptions }),
    table({ type: z.literal("rsa_pem_base64"), options: z.prefault(table(rsaSuffixes), {}) }),
    table({
      type: z.literal("basic_auth_credential"),
      options: table({
        username: z.string().check(
          z.minLength(1),
          z.regex(/^[^:]*$/, {
            error: 'must not contain ":" (it separates user and password in Basic auth)',
          }),
        ),
        // Absent: generated at deploy, like a password secret.
        password: optionalNonEmpty,
      }),
    }),
    table({
      type: z.literal("cloudfront_signing_key"),
      options: z.prefault(table({ ...rsaSuffixes, id_environ_suffix: envSuffix("_ID") }), {}),
    }),
  ],
  {
    error:
      'type must be one of "password", "neon_database_url", "tidb_database_url", "upstash_redis_url", "rsa_pem_base64", "cloudfront_signing_key", "spa_token_secret", "basic_auth_credential"',
  },
);
export type ManagedSecretSettings = z.output<typeof managedSecret>;
export const MANAGED_SECRET_TYPES = [
  "password",
  "neon_database_url",
  "tidb_database_url",
  "upstash_redis_url",
  "spa_token_secret",
  "rsa_pem_base64",
  "cloudfront_signing_key",
  "basic_auth_credential",
] as const;
export type ManagedSecretType = (typeof MANAGED_SECRET_TYPES)[number];

const userSecret = table({
  name: nonEmpty,
  store: z.optional(z.enum(["sm", "ssm"])),
});
export type UserSecretSettings = z.output<typeof userSecret>;

export const secretsSchema = lazy(() =>
  table({
    store: z._default(z.enum(["sm", "ssm"]), "sm"),
    pocket_key_format: formatString("{stage}-{project}-{namespace}", NAME_FORMAT),
    require_list_secrets: z._default(z.boolean(), false),
    managed: z._default(z.record(envName, managedSecret), {}),
    user: z._default(z.record(envName, userSecret), {}),
    extra_resources: z._default(z.array(nonEmpty), []),
  }).check(
    z.superRefine((s, ctx) => {
      for (const [kind, names] of [
        ["managed", Object.keys(s.managed)],
        ["user", Object.keys(s.user)],
      ] as const) {
        for (const name of names) {
          if (name.toUpperCase().startsWith("POCKET_")) {
            fail(
              ctx,
              "secret-reserved-prefix",
              `secret ${name} uses the reserved POCKET_ prefix`,
              [kind, name],
              "pocket sets POCKET_* variables (and its own secrets, e.g. POCKET_ORIGIN_VERIFY_SECRET) itself; rename yours.",
            );
          }
        }
      }
      for (const name of Object.keys(s.user)) {
        if (name in s.managed) {
          fail(
            ctx,
            "secret-name-clash",
            `"${name}" is both a managed and a user secret; both would set the same environment variable`,
            ["user", name],
          );
        }
      }
    }),
  ),
);
export type SecretsSettings = z.output<ReturnType<typeof secretsSchema>>;
