import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lambdaEnvironment, loadConfig } from "@magic-pocket/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editSettings } from "../src/django/settings-edit.js";
import { scanSettings } from "../src/django/settings-scan.js";
import { buildCli } from "./cli/build.js";
import { pocket, repoRoot } from "./cli/run.js";
import { DEPS_SITE, DJANGO_ADMIN, ensurePython, PYTHON } from "./django/python.js";
import { type ProjectShape, SHAPES } from "./django/shapes.js";

// `pocket django init` on the project shapes real apps have (issue 24): no setting of the
// project's is left winning over pocket's block, and the settings in force, run with a deployed
// function's environment, are the database, storages and email pocket wired.

const SHOW = `import json
from django.conf import settings
d = settings.DATABASES["default"]
print(json.dumps({
    "engine": d["ENGINE"], "name": str(d["NAME"]), "host": d.get("HOST", ""),
    "options": d.get("OPTIONS", {}), "atomic": d.get("ATOMIC_REQUESTS", False),
    "storages": {k: v["BACKEND"] for k, v in settings.STORAGES.items()},
    "email": settings.EMAIL_BACKEND, "email_host": settings.EMAIL_HOST, "from": settings.DEFAULT_FROM_EMAIL,
    "middleware": settings.MIDDLEWARE, "debug": settings.DEBUG,
}))`;

interface InForce {
  engine: string;
  name: string;
  host: string;
  options: Record<string, unknown>;
  atomic: boolean;
  storages: Record<string, string>;
  email: string;
  email_host: string;
  from: string;
  middleware: string[];
  debug: boolean;
}

/** The stage's function environment as the container template writes it (strings only). */
function functionEnvironment(dir: string, extra: string): Record<string, string> {
  writeFileSync(join(dir, "pocket.toml"), `${readFileSync(join(dir, "pocket.toml"), "utf8")}${extra}`);
  const r = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage: "dev" });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(lambdaEnvironment(r.config.context))) {
    // The secrets document makes the runtime read AWS: the secrets' values are given below.
    if (typeof v === "string" && k !== "POCKET_SECRETS") env[k] = v;
  }
  return env;
}

function inForce(shape: ProjectShape, dir: string, env: Record<string, string>): InForce {
  // The image has no .env (.dockerignore): a deployed run must not read the local one.
  const deployed = env.POCKET_STAGE !== undefined;
  if (deployed) renameSync(join(dir, ".env"), join(dir, "local.env"));
  try {
    return settingsInForce(shape, dir, env);
  } finally {
    if (deployed) renameSync(join(dir, "local.env"), join(dir, ".env"));
  }
}

function settingsInForce(shape: ProjectShape, dir: string, env: Record<string, string>): InForce {
  const r = spawnSync(PYTHON, ["manage.py", "shell", "-c", SHOW], {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      PYTHONPATH: `${join(repoRoot, "python", "src")}:${DEPS_SITE}`,
      DJANGO_SETTINGS_MODULE: shape.module,
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      ...env,
    },
  });
  if (r.status !== 0) throw new Error(`${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as InForce;
}

beforeAll(() => {
  buildCli();
  ensurePython();
}, 300_000);

describe.each(SHAPES)("pocket django init on $name", (shape) => {
  let root: string;
  let dir: string;
  let init: { status: number | null; stderr: string };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "pocket-shape-"));
    const made = spawnSync(DJANGO_ADMIN, ["startproject", "mysite"], {
      cwd: root,
      encoding: "utf8",
    });
    if (made.status !== 0) throw new Error(made.stderr);
    dir = join(root, "mysite");
    shape.apply(dir);
    writeFileSync(join(dir, "requirements.txt"), shape.requirements);
    init = pocket(["django", "init", "--yes", "--region", "eu-west-1"], { cwd: dir });
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("wires the settings file and leaves none of the project's assignments of a wired setting in force", () => {
    expect(init.status, init.stderr).toBe(0);
    expect(init.stderr).toContain(`wired ${shape.wired}`);
    // Each line it commented out, with its number and why.
    expect(init.stderr).toMatch(
      /^ {2}line \d+( \(inside a block\))?: DATABASES commented out: get_databases\(\) builds it/m,
    );
    const text = readFileSync(join(dir, shape.wired), "utf8");
    const scan = scanSettings(text.replace(/# >>> pocket: (\w+) >>>[\s\S]*?# <<< pocket: \1 <<</g, ""));
    if (typeof scan === "string") throw new Error(scan);
    expect(scan.touches.map((t) => `${t.name} line ${t.statement.start + 1}`)).toEqual([]);
    // A second run changes nothing.
    const again = editSettings(text, { depth: shape.module.split(".").length - 1, originVerify: false });
    expect(again.ok && again.changed).toBe(false);
  });

  it("runs locally: SQLite next to pocket.toml, the console email backend, WhiteNoise's middleware out", () => {
    const local = inForce(shape, dir, {});
    expect(local.engine).toBe("django.db.backends.sqlite3");
    expect(local.name).toBe(join(dir, "db.sqlite3"));
    expect(local.email).toBe("django.core.mail.backends.console.EmailBackend");
    expect(local.middleware).toContain("pocket.django.static.StaticFilesMiddleware");
    expect(local.middleware).not.toContain("whitenoise.middleware.WhiteNoiseMiddleware");
  });

  it("deployed without [ses]: pocket's database and storages, the project's own email settings", () => {
    const env = functionEnvironment(dir, "");
    const deployed = inForce(shape, dir, {
      ...env,
      SECRET_KEY: "k".repeat(50),
      DATABASE_URL: "postgres://app:pw@db.example.com:5432/app",
    });
    expect(deployed).toMatchObject({
      engine: "django.db.backends.postgresql",
      name: "app",
      host: "db.example.com",
      atomic: false,
      debug: false,
      storages: {
        default: "storages.backends.s3boto3.S3Boto3Storage",
        staticfiles: "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
      },
    });
    // dj-database-url's ssl_require (the PaaS block init commented out) would have added sslmode.
    expect(deployed.options).not.toHaveProperty("sslmode");
    expect(deployed.email).not.toBe("pocket.django.mail.SesEmailBackend");
  });

  it("deployed with [ses]: pocket's SES backend and sender win over the project's email settings", () => {
    const env = functionEnvironment(dir, '\n[ses]\nfrom_email = "noreply@example.com"\n');
    const deployed = inForce(shape, dir, {
      ...env,
      SECRET_KEY: "k".repeat(50),
      DATABASE_URL: "postgres://app:pw@db.example.com:5432/app",
    });
    expect(deployed.email).toBe("pocket.django.mail.SesEmailBackend");
    expect(deployed.from).toBe("noreply@example.com");
  });
});
