/**
 * CloudFront signed URLs for `signed` routes, with the distribution's managed
 * `cloudfront_signing_key`: the private key (base64 PEM) arrives with the secrets, the public-key
 * id from the deploy (docs/runtime-contract.md).
 */
import { PocketRuntimeError } from "./errors.js";
import { distributionDomainVariable } from "./names.js";

export interface SignedUrlOptions {
  /** Seconds the URL stays valid (default 3600). */
  expiresIn?: number;
  /**
   * The managed secret that signs this distribution (`signing_key` in pocket.toml), e.g.
   * `CF_MEDIA_KEY`. Needed only when the stage declares several signing keys.
   */
  signingKey?: string;
  /** The variable holding the public-key id, when its suffix is not `_ID`. */
  keyIdVariable?: string;
  /** The clock, in milliseconds (tests). */
  now?: number;
}

interface KeyVariables {
  idEnv: string;
  pemEnv: string;
}

function managedSigningKeys(env: NodeJS.ProcessEnv): Map<string, { pem: string; id?: string }> {
  const keys = new Map<string, { pem: string; id?: string }>();
  if (!env.POCKET_SECRETS) return keys;
  try {
    const doc = JSON.parse(env.POCKET_SECRETS) as {
      managed?: Record<string, { type?: string; pem?: string; id?: string }>;
    };
    for (const [name, spec] of Object.entries(doc.managed ?? {})) {
      if (spec?.type === "cloudfront_signing_key" && typeof spec.pem === "string") {
        keys.set(name, { pem: spec.pem, ...(typeof spec.id === "string" ? { id: spec.id } : {}) });
      }
    }
  } catch {
    throw new PocketRuntimeError(
      "secrets-document-malformed",
      "POCKET_SECRETS is malformed; redeploy with `pocket deploy`",
      {
        location: "POCKET_SECRETS",
      },
    );
  }
  return keys;
}

/** A Django stage already names the key's variables for each signed storage. */
function djangoSigningKey(distribution: string, env: NodeJS.ProcessEnv): KeyVariables | undefined {
  if (!env.POCKET_DJANGO) return undefined;
  try {
    const doc = JSON.parse(env.POCKET_DJANGO) as {
      storages?: Record<
        string,
        { OPTIONS?: { distribution?: string; signing_key?: { id_env?: string; pem_env?: string } } }
      >;
    };
    for (const storage of Object.values(doc.storages ?? {})) {
      const o = storage?.OPTIONS;
      if (o?.distribution === distribution && o.signing_key?.id_env && o.signing_key.pem_env) {
        return { idEnv: o.signing_key.id_env, pemEnv: o.signing_key.pem_env };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function keyVariables(distribution: string, options: SignedUrlOptions, env: NodeJS.ProcessEnv): KeyVariables {
  const managed = managedSigningKeys(env);
  const pick = (name: string): KeyVariables => {
    const spec = managed.get(name);
    if (!spec) {
      throw new PocketRuntimeError(
        "signing-key-missing",
        `no managed cloudfront_signing_key named ${name} is declared on this stage ` +
          `([awscontainer.secrets.managed] ${name} = { type = "cloudfront_signing_key" })`,
        { location: name },
      );
    }
    return { pemEnv: spec.pem, idEnv: options.keyIdVariable ?? spec.id ?? `${name}_ID` };
  };
  if (options.signingKey) return pick(options.signingKey);
  const fromDjango = djangoSigningKey(distribution, env);
  if (fromDjango) return fromDjango;
  if (managed.size === 1) return pick([...managed.keys()][0]!);
  throw new PocketRuntimeError(
    "signing-key-missing",
    managed.size === 0
      ? "signed URLs need a managed cloudfront_signing_key secret and the distribution's signing_key; none is declared on this stage"
      : `several cloudfront_signing_key secrets are declared (${[...managed.keys()].sort().join(", ")}); ` +
          "pass signingKey naming the distribution's signing_key",
    { location: "POCKET_SECRETS" },
  );
}

/**
 * `https://{distribution's domain}/{path}` with a CloudFront canned-policy signature valid for
 * `expiresIn` seconds. The domain comes from `POCKET_CLOUDFRONT_<NAME>_DOMAIN`; call `loadEnv()`
 * first so the private key is in the environment.
 */
export async function signedUrl(
  distribution: string,
  path: string,
  options: SignedUrlOptions = {},
): Promise<string> {
  const env = process.env;
  const domainEnv = distributionDomainVariable(distribution);
  const domain = env[domainEnv];
  if (!domain) {
    throw new PocketRuntimeError(
      "distribution-domain-missing",
      `${domainEnv} is not set: distribution '${distribution}' is not deployed on this stage (deploy it, or check the name)`,
      { location: domainEnv },
    );
  }
  const { idEnv, pemEnv } = keyVariables(distribution, options, env);
  const keyPairId = env[idEnv];
  const pemBase64 = env[pemEnv];
  const missing = [idEnv, pemEnv].filter((name) => !env[name]);
  if (!keyPairId || !pemBase64) {
    throw new PocketRuntimeError(
      "signing-key-missing",
      `signed URLs need ${missing.join(" and ")} in the environment: the key id comes from the deploy, the ` +
        "private key from the managed cloudfront_signing_key secret; call loadEnv() first",
      { location: missing.join(",") },
    );
  }
  const expiresIn = options.expiresIn ?? 3600;
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new PocketRuntimeError("invalid-expiry", "expiresIn must be a positive number of seconds");
  }
  const privateKey = Buffer.from(pemBase64, "base64").toString("utf8");
  if (!privateKey.includes("PRIVATE KEY")) {
    throw new PocketRuntimeError(
      "signing-key-invalid",
      `${pemEnv} does not hold a base64-encoded PEM private key`,
      {
        location: pemEnv,
      },
    );
  }
  const url = `https://${domain}/${path.replace(/^\/+/, "")}`;
  const { getSignedUrl } = await import("@aws-sdk/cloudfront-signer");
  const dateLessThan = new Date((options.now ?? Date.now()) + expiresIn * 1000).toISOString();
  return getSignedUrl({ url, keyPairId, privateKey, dateLessThan });
}
