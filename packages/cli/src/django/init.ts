import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { listStages, loadConfig } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { carriedRuntimes, placeInProject, type Refreshed } from "../init/carried-runtimes.js";
import { VERSION } from "../version.js";
import { editSettings, middlewareBlock, type ReplacedLine, settingsBlock } from "./settings-edit.js";

/** The Django project's settings module, from manage.py. */
export function settingsModule(projectDir: string): string {
  const manage = join(projectDir, "manage.py");
  if (!existsSync(manage)) {
    throw new CliError("not-a-django-project", `there is no manage.py in ${projectDir}.`, {
      hint: "Run `pocket django init` in the folder of your Django project's manage.py.",
    });
  }
  const m = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(readFileSync(manage, "utf8"));
  if (!m) {
    throw new CliError("settings-module-unknown", "manage.py does not set DJANGO_SETTINGS_MODULE.", {
      hint: 'Add os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yourproject.settings") to manage.py.',
    });
  }
  return m[1]!;
}

export const DATABASES = ["neon", "rds", "tidb", "none"] as const;
export type DatabaseChoice = (typeof DATABASES)[number];

/** The dependency files the Dockerfile can install from, in the order it prefers them. */
export const DEPENDENCY_FILES = ["uv.lock", "poetry.lock", "pyproject.toml", "requirements.txt"] as const;
export type DependencyFile = (typeof DEPENDENCY_FILES)[number];

export function dependencyFile(projectDir: string): DependencyFile | undefined {
  return DEPENDENCY_FILES.find((f) => existsSync(join(projectDir, f)));
}

/** The project name pocket.toml gets: the folder's name as resource names allow it. */
export function projectName(projectDir: string): string {
  const name = basename(projectDir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(name) ? name : `app-${name || "django"}`;
}

export { DEFAULT_REGION, profileRegion } from "../aws/region.js";

function databaseToml(database: DatabaseChoice, project: string): { top: string; secrets: string } {
  switch (database) {
    case "neon":
      return {
        top: `\n# Neon: a branch per stage; NEON_API_KEY in the environment or .env.\n[neon]\nproject_name = "${project}"\n`,
        secrets: 'DATABASE_URL = { type = "neon_database_url" }\n',
      };
    case "tidb":
      return {
        top: `\n# TiDB Cloud Serverless: a database and SQL user per stage; TIDB_PUBLIC_KEY / TIDB_PRIVATE_KEY in the environment or .env.\n[tidb]\nproject = "${project}"\n`,
        secrets: 'DATABASE_URL = { type = "tidb_database_url" }\n',
      };
    case "rds":
      return {
        top: `\n# Aurora Serverless v2 (PostgreSQL) in a VPC pocket manages; the runtime builds DATABASE_URL.\n[vpc]\nref = "${project}"\nzone_suffixes = ["a", "c"]\n\n[rds]\n`,
        secrets: "",
      };
    case "none":
      return {
        top: "",
        secrets:
          '# No database is managed: give Django one with a user secret, e.g.\n# [awscontainer.secrets.user]\n# DATABASE_URL = { name = "myapp/database-url", store = "sm" }\n# Without DATABASE_URL the functions use SQLite in /tmp, which is lost at every cold start.\n',
      };
  }
}

/** pocket.toml for a Django project (docs/decisions.md#i4-static-files-without-a-distribution). */
export function pocketToml(options: { project: string; region: string; database: DatabaseChoice }): string {
  const db = databaseToml(options.database, options.project);
  return `# Written by \`pocket django init\`. Every key: \`pocket config schema\`; check with \`pocket config validate\`.
[general]
region = "${options.region}"
project_name = "${options.project}"
stages = ["dev", "prd"]

[s3]
${db.top}
[awscontainer]
dockerfile_path = "pocket.Dockerfile"
${options.database === "rds" ? "use_vpc = true\n" : ""}
[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
# Read by \`createsuperuser --noinput\`; see it with \`pocket resource awscontainer secrets list --show-values\`.
DJANGO_SUPERUSER_PASSWORD = { type = "password", options = { length = 16 } }
${db.secrets}
[awscontainer.django.storages]
# Uploads go to the stage's private bucket (signed URLs).
default = { store = "s3", location = "media" }
# Collected into the image when it is built and served by the app (pocket.django.static), so the
# admin's stylesheets work with no CloudFront. With a distribution, use an S3 storage on its route.
staticfiles = { store = "filesystem", location = "staticfiles", static = true, manifest = true }
`;
}

/** The command that installs the project's dependencies in the image, per dependency file. */
function installStep(file: DependencyFile | undefined): { copy: string; run: string } {
  switch (file) {
    case "uv.lock":
      return {
        copy: "COPY pyproject.toml uv.lock /tmp/deps/",
        run: "pip install uv && cd /tmp/deps && uv export --frozen --no-dev --no-emit-project --no-hashes -o requirements.txt && pip install -r requirements.txt",
      };
    case "poetry.lock":
      return {
        copy: "COPY pyproject.toml poetry.lock /tmp/deps/",
        run: "pip install poetry && cd /tmp/deps && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --only main --no-interaction",
      };
    case "pyproject.toml":
      return {
        copy: "COPY pyproject.toml /tmp/deps/",
        run: `python -c "import tomllib; print(chr(10).join(tomllib.load(open('/tmp/deps/pyproject.toml', 'rb')).get('project', {}).get('dependencies', [])))" > /tmp/deps/requirements.txt && pip install -r /tmp/deps/requirements.txt`,
      };
    case "requirements.txt":
      return { copy: "COPY requirements.txt /tmp/deps/", run: "pip install -r /tmp/deps/requirements.txt" };
    default:
      // No dependency file: at least Django, so the image can start.
      return { copy: "", run: "pip install Django" };
  }
}

/** The Python distribution of pocket's runtime (docs/decisions.md#r8-release-artifacts). */
export const PYTHON_RUNTIME = "pocket-cli-runtime";

/**
 * The image's steps that install pocket's runtime: the wheel the CLI carried into `.pocket/`
 * (one file: `pocket django init` removes other versions), or the published one.
 */
function runtimeStep(fromRegistry: boolean): string {
  if (fromRegistry) return `RUN pip install "${PYTHON_RUNTIME}[storages,signing]==${VERSION}"`;
  return `COPY .pocket/pocket_cli_runtime-*.whl /tmp/pocket-runtime/
RUN pip install "$(ls /tmp/pocket-runtime/*.whl)[storages,signing]" && rm -rf /tmp/pocket-runtime`;
}

/** The storage the image's collectstatic writes with: WhiteNoise's when the project compressed. */
function collectBackend(compressed: boolean): string {
  return compressed
    ? "whitenoise.storage.CompressedManifestStaticFilesStorage"
    : "django.contrib.staticfiles.storage.ManifestStaticFilesStorage";
}

export function dockerfile(
  settings: string,
  deps: DependencyFile | undefined,
  fromRegistry = false,
  compressed = false,
): string {
  const step = installStep(deps);
  return `# Written by \`pocket django init\`: the Lambda image of this project.
FROM public.ecr.aws/lambda/python:3.12
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=${settings}
# The project's dependencies first (${deps ?? "no dependency file was found: only Django"}), so Django is
# installed once, at the version the project pins; the runtime below only requires Django>=4.2.
${step.copy ? `${step.copy}\n` : ""}RUN ${step.run} && rm -rf /tmp/deps
# pocket's runtime, ${fromRegistry ? `version ${VERSION} from the package index` : "the wheel the deploying CLI carries (`pocket django init` refreshes .pocket/)"}.
${runtimeStep(fromRegistry)}
COPY . \${LAMBDA_TASK_ROOT}
# Static files into the image (staticfiles in pocket.toml); the app serves them (pocket.django.static)${compressed ? ",\n# with the .gz and .br files WhiteNoise's storage writes (served to browsers that accept them)" : ""}.
RUN POCKET_STATICFILES_BACKEND_OVERRIDE=${collectBackend(compressed)} \\
    POCKET_STATICFILES_LOCATION_OVERRIDE=\${LAMBDA_TASK_ROOT}/staticfiles \\
    python manage.py collectstatic --noinput
CMD ["pocket.django.lambda_handlers.wsgi_handler"]
`;
}

const DOCKERIGNORE = `# Written by \`pocket django init\`: what the image build leaves out.
.git
.env
.venv
venv
__pycache__
*.pyc
db.sqlite3
media
staticfiles
node_modules
# Left by a pip install of a source folder (earlier pocket versions copied one into .pocket/).
.pocket/python-runtime
build
*.egg-info
`;

export interface InitFile {
  path: string;
  content: string;
}

/** The files `pocket django init` writes when they do not exist yet. */
export function initFiles(
  projectDir: string,
  settings: string,
  options: { region: string; database: DatabaseChoice; fromRegistry?: boolean; compressed?: boolean },
): InitFile[] {
  return [
    {
      path: join(projectDir, "pocket.toml"),
      content: pocketToml({
        project: projectName(projectDir),
        region: options.region,
        database: options.database,
      }),
    },
    {
      path: join(projectDir, "pocket.Dockerfile"),
      content: dockerfile(
        settings,
        dependencyFile(projectDir),
        options.fromRegistry === true,
        options.compressed === true,
      ),
    },
    { path: join(projectDir, ".dockerignore"), content: DOCKERIGNORE },
  ];
}

/** A development SECRET_KEY: 50 characters of Django's own alphabet. */
export function devSecretKey(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)";
  return [...randomBytes(50)].map((b) => alphabet[b % alphabet.length]).join("");
}

export type LocalFileResult = "wrote" | "kept" | "appended";

/** `.env` for local runs (a dev SECRET_KEY, DEBUG on); an existing one is never changed. */
export function writeDotEnv(projectDir: string): LocalFileResult {
  const file = join(projectDir, ".env");
  if (existsSync(file)) return "kept";
  writeFileSync(
    file,
    `# Written by \`pocket django init\` for local runs only (git- and docker-ignored).\nDEBUG=true\nSECRET_KEY=${devSecretKey()}\n`,
  );
  return "wrote";
}

/** `.env` must never be committed: adds it to .gitignore (creating it) unless already ignored. */
export function ignoreDotEnv(projectDir: string): LocalFileResult {
  const file = join(projectDir, ".gitignore");
  const lines = existsSync(file) ? readFileSync(file, "utf8").split(/\r?\n/) : undefined;
  if (lines?.some((l) => /^\/?\.env\/?$/.test(l.trim()) || l.trim() === "*.env")) return "kept";
  const add = "# Local secrets (pocket django init)\n.env\n";
  if (!lines) {
    writeFileSync(file, add);
    return "wrote";
  }
  const text = readFileSync(file, "utf8");
  writeFileSync(file, `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${add}`);
  return "appended";
}

/** Whether any stage of the project's pocket.toml has a distribution with enable_origin_verify. */
export function usesOriginVerify(projectDir: string): boolean {
  const configPath = join(projectDir, "pocket.toml");
  if (!existsSync(configPath)) return false;
  for (const stage of listStages({ configPath })) {
    const r = loadConfig({ configPath, stage });
    if (!r.ok) continue;
    const cloudfront = (
      r.config.settings as { cloudfront?: Record<string, { enableOriginVerify?: boolean }> }
    ).cloudfront;
    if (Object.values(cloudfront ?? {}).some((d) => d.enableOriginVerify)) return true;
  }
  return false;
}

export type SettingsOutcome =
  | { kind: "edited"; file: string; replaced: string[]; lines: ReplacedLine[] }
  | { kind: "unchanged"; file: string }
  | { kind: "refused"; file: string; reason: string; blocks: string };

/** The file that holds a settings module: `a/settings.py`, or a package's `__init__.py`. */
export function settingsFile(projectDir: string, module: string): { file: string; depth: number } {
  const parts = module.split(".");
  const pkg = join(projectDir, ...parts);
  if (!existsSync(`${pkg}.py`) && existsSync(join(pkg, "__init__.py"))) {
    return { file: join(pkg, "__init__.py"), depth: parts.length };
  }
  return { file: `${pkg}.py`, depth: parts.length - 1 };
}

/** The settings module's text and, split settings, every file of its package. */
export function settingsTexts(projectDir: string, module: string): string[] {
  const { file } = settingsFile(projectDir, module);
  const folder = join(file, "..");
  // A settings package (settings/__init__.py, or settings/production.py over settings/base.py).
  const split = basename(file) === "__init__.py" || module.split(".").length > 2;
  const files = split
    ? readdirSync(folder)
        .filter((f) => f.endsWith(".py"))
        .map((f) => join(folder, f))
    : [file];
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, "utf8"));
}

/** Whether the project compressed its static files with WhiteNoise: the image then keeps doing so. */
export function usesCompressedStatic(projectDir: string, module: string): boolean {
  return settingsTexts(projectDir, module).some((t) =>
    /\bCompressed(?:Manifest)?StaticFilesStorage\b/.test(t),
  );
}

/** Wires the settings module in place, or says why not (and what to paste). */
export function wireSettings(projectDir: string, module: string, originVerify: boolean): SettingsOutcome {
  const { file, depth } = settingsFile(projectDir, module);
  const blocks = `${settingsBlock(depth)}\n\n# after MIDDLEWARE:\n${middlewareBlock(originVerify)}`;
  const shown = relative(projectDir, file);
  if (!existsSync(file)) return { kind: "refused", file: shown, reason: `${shown} does not exist`, blocks };
  const text = readFileSync(file, "utf8");
  const edit = editSettings(text, { depth, originVerify });
  if (!edit.ok) return { kind: "refused", file: shown, reason: edit.reason, blocks };
  if (!edit.changed) return { kind: "unchanged", file: shown };
  writeFileSync(file, edit.text);
  return { kind: "edited", file: shown, replaced: edit.replaced, lines: edit.lines };
}

/**
 * Puts the runtime wheel this CLI carries into `.pocket/` (always: it is generated, not edited),
 * replacing other versions and the source copy earlier versions of pocket left in
 * `.pocket/python-runtime`.
 */
export function placeRuntime(projectDir: string): Refreshed {
  const refreshed = placeInProject(projectDir, "python", carriedRuntimes().python);
  const old = join(projectDir, ".pocket", "python-runtime");
  if (existsSync(old)) {
    rmSync(old, { recursive: true, force: true });
    refreshed.removed.push(".pocket/python-runtime");
    refreshed.outcome = "replaced";
  }
  return refreshed;
}

export function writeInitFile(file: InitFile): void {
  writeFileSync(file.path, file.content);
}
