import type { CacheSettings, DjangoSettings, StorageSettings } from "../schema/django.js";
import { joinPath } from "./names.js";
import type {
  CloudFrontContext,
  DjangoCacheEntry,
  DjangoRuntime,
  DjangoStorageEntry,
  S3RouteContext,
} from "./types.js";

/** The seed's backend table (also `vectors/django-backends.json`). */
export function storageBackend(
  store: "s3" | "filesystem",
  distribution: boolean,
  isStatic: boolean,
  manifest: boolean,
): string {
  if (store === "filesystem") {
    if (!isStatic) return "django.core.files.storage.FileSystemStorage";
    return manifest
      ? "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
      : "django.contrib.staticfiles.storage.StaticFilesStorage";
  }
  const kind = !isStatic ? "Boto3Storage" : manifest ? "ManifestStaticStorage" : "StaticStorage";
  return distribution ? `pocket.django.storages.CloudFrontS3${kind}` : `storages.backends.s3boto3.S3${kind}`;
}

export const CACHE_BACKENDS = {
  locmem: "django.core.cache.backends.locmem.LocMemCache",
  efs: "django.core.cache.backends.filebased.FileBasedCache",
  /** The original's choice for `store = "redis"` (the app installs django-redis). */
  redis: "django_redis.cache.RedisCache",
} as const;

export interface DjangoInputs {
  /** The stage's bucket, or `general.s3_fallback_bucket_name` locally. */
  bucketName?: string;
  cloudfront: Record<string, CloudFrontContext>;
  /** Env var names holding a distribution's signing key id and private key. */
  signingEnvs: (distribution: string) => { id_env: string; pem_env: string } | undefined;
  efsMountPath?: string;
  /** The managed secret holding the Upstash Redis URL (a rule makes `redis` caches need one). */
  redisUrlEnv?: string;
  format: (template: string) => string;
}

export function resolveDjango(django: DjangoSettings, inputs: DjangoInputs): DjangoRuntime {
  const storages: Record<string, DjangoStorageEntry> = {};
  for (const [name, storage] of Object.entries(django.storages))
    storages[name] = resolveStorage(storage, inputs);
  const caches: DjangoRuntime["caches"] = {};
  for (const [name, cache] of Object.entries(django.caches)) {
    caches[name] = cacheEntry(cache, inputs);
  }
  return { storages, caches, settings: django.settings };
}

function cacheEntry(cache: CacheSettings, inputs: DjangoInputs): DjangoCacheEntry {
  switch (cache.store) {
    case "efs":
      return {
        BACKEND: CACHE_BACKENDS.efs,
        LOCATION: joinPath(inputs.efsMountPath ?? "/mnt/efs", inputs.format(cache.locationSubdir)),
      };
    case "redis":
      return { BACKEND: CACHE_BACKENDS.redis, LOCATION_ENV: inputs.redisUrlEnv };
    case "locmem":
      return { BACKEND: CACHE_BACKENDS.locmem };
  }
}

function resolveStorage(s: StorageSettings, inputs: DjangoInputs): DjangoStorageEntry {
  const backend = storageBackend(s.store, s.distribution !== undefined, s.static, s.manifest);
  let options: Record<string, unknown> | undefined;
  let deployHash = false;
  if (s.store === "filesystem") {
    if (s.location !== undefined) options = { location: s.location };
  } else if (s.distribution === undefined) {
    options = { bucket_name: inputs.bucketName, location: s.location };
  } else {
    const cf = inputs.cloudfront[s.distribution]!;
    const route = (
      s.route === undefined ? cf.routes.find((r) => r.isDefault) : cf.routes.find((r) => r.ref === s.route)
    ) as S3RouteContext;
    // The storage's own location is relative to the route's folder
    // (docs/decisions.md#d1-documented-forms-of-the-guide-work).
    const location = [route.keyPrefix, s.location ?? ""]
      .filter((p) => p !== "")
      .join("/")
      .replace(/\/+$/, "");
    options = {
      bucket_name: cf.bucketName,
      location,
      custom_domain: cf.domain ?? null,
      custom_origin_path: route.originPath,
      querystring_auth: route.signed,
      distribution: cf.name,
    };
    const signing = route.signed ? inputs.signingEnvs(cf.name) : undefined;
    if (signing) options.signing_key = signing;
    deployHash = s.static && route.deployHash;
  }
  if (Object.keys(s.options).length > 0) options = { ...options, ...s.options };
  return {
    BACKEND: backend,
    ...(options === undefined ? {} : { OPTIONS: options }),
    ...(deployHash ? { VERSIONING: "deploy_hash" as const } : {}),
  };
}
