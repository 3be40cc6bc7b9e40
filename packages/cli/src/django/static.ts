import { spawn } from "node:child_process";
import type { DjangoStorageEntry } from "@magic-pocket/config";
import type { SyncTarget } from "../buckets/sync.js";
import { CliError } from "../errors.js";

const STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage";
const MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage";

/**
 * The local storage that produces what the stage's static storage serves
 * (docs/decisions.md#i3-static-files-for-django).
 */
export function localStaticBackend(entry: DjangoStorageEntry): string {
  const name = entry.BACKEND.split(".").pop() ?? "";
  if (/Manifest/.test(name) && /S3/.test(name)) return MANIFEST;
  if (/StaticStorage$/.test(name) && /S3/.test(name)) return STATIC_FILES;
  throw new CliError(
    "static-storage-not-s3",
    `the stage's staticfiles storage (${entry.BACKEND}) is not an S3 static storage, so there is nothing to upload.`,
    {
      hint: 'Set [awscontainer.django.storages] staticfiles = { store = "s3", location = "static", static = true }.',
    },
  );
}

/** Bucket and key prefix of an S3-backed storage entry. */
export function storageTarget(name: string, entry: DjangoStorageEntry | undefined): SyncTarget {
  const options = (entry?.OPTIONS ?? {}) as { bucket_name?: string; location?: string };
  if (!entry || !options.bucket_name) {
    throw new CliError("storage-not-s3", `the storage "${name}" of this stage is not stored in S3.`, {
      hint: `Declare it in [awscontainer.django.storages] with store = "s3".`,
    });
  }
  return { bucket: options.bucket_name, prefix: (options.location ?? "").replace(/^\/+|\/+$/g, "") };
}

/**
 * `python manage.py collectstatic --noinput` with the static storage replaced by `backend`
 * writing to `outDir` (the runtime's get_storages honours the two override variables); with
 * `link`, `--link`: links to the sources instead of copies (outDir is always a new, empty folder,
 * so no copy of an earlier run nor a dangling link is mixed in: docs/decisions.md#i3-static-files-for-django).
 */
export async function collectstatic(
  projectDir: string,
  backend: string,
  outDir: string,
  link = false,
): Promise<void> {
  for (const name of ["POCKET_STATICFILES_BACKEND_OVERRIDE", "POCKET_STATICFILES_LOCATION_OVERRIDE"]) {
    if (process.env[name]) {
      throw new CliError("static-override-set", `${name} is already set in the environment.`, {
        hint: "Unset it: deploystatic sets it for the collectstatic run itself.",
      });
    }
  }
  const python = process.env.POCKET_PYTHON ?? "python3";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POCKET_STATICFILES_BACKEND_OVERRIDE: backend,
    POCKET_STATICFILES_LOCATION_OVERRIDE: outDir,
  };
  // Locally: the stage's secrets must not be fetched for a build step.
  delete env.POCKET_STAGE;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(python, ["manage.py", "collectstatic", "--noinput", ...(link ? ["--link"] : [])], {
      cwd: projectDir,
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new CliError("python-missing", `cannot run ${python}: it is not installed or not on PATH.`, {
              hint: "Install Python 3 (or set POCKET_PYTHON to the interpreter of your project's virtualenv).",
            })
          : error,
      ),
    );
    child.on("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    throw new CliError("collectstatic-failed", `collectstatic failed (exit ${code}); nothing was uploaded.`, {
      hint: "Fix the error above (run `python manage.py collectstatic` yourself to see it), then try again.",
    });
  }
}
