import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../cli/run.js";

/** The Python runtime tests' environment, made by their own script (python/scripts/test.sh). */
export const PY_DIR = join(repoRoot, "python");
export const PYTHON = join(PY_DIR, ".venv", "bin", "python");
export const DJANGO_ADMIN = join(PY_DIR, ".venv", "bin", "django-admin");
/** Debian's django-storages, WhiteNoise, django-environ and python-decouple, unpacked. */
export const DEPS_SITE = join(PY_DIR, ".deps", "usr", "lib", "python3", "dist-packages");

/** Sets up python/.venv and python/.deps when they are not there yet. */
export function ensurePython(): void {
  if (
    existsSync(PYTHON) &&
    existsSync(join(DEPS_SITE, "storages")) &&
    existsSync(join(DEPS_SITE, "decouple.py"))
  ) {
    return;
  }
  // The script sets up python/.venv and python/.deps, then runs pytest with our arguments:
  // collecting one small file is the cheapest run that leaves the setup behind.
  const r = spawnSync(
    "bash",
    [join(PY_DIR, "scripts", "test.sh"), "-q", "--collect-only", "tests/test_errors.py"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`python/scripts/test.sh setup failed:\n${r.stdout}\n${r.stderr}`);
}
