import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../errors.js";

/** Where the CLI keeps the Python runtime it ships (dist/python-runtime; python/ in a checkout). */
export function runtimeSource(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, "python-runtime"), join(dir, "python")]) {
      if (existsSync(join(candidate, "pyproject.toml")) && existsSync(join(candidate, "src", "pocket")))
        return candidate;
    }
    dir = dirname(dir);
  }
  throw new CliError(
    "runtime-missing",
    "this pocket installation does not contain the Python runtime package.",
    {
      hint: "Reinstall pocket (npm ci runs the build that bundles it).",
    },
  );
}

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

export interface InitFile {
  path: string;
  content: string;
}

/** The files `pocket django init` writes. */
export function initFiles(projectDir: string, settings: string): InitFile[] {
  const project =
    basename(projectDir)
      .replace(/[^A-Za-z0-9-]/g, "-")
      .toLowerCase() || "app";
  const toml = `# Written by \`pocket django init\`. Reference: the pocket.toml section of the README.
[general]
region = "ap-northeast-1"
project_name = "${project}"
stages = ["dev", "prd"]

[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true }
`;
  const dockerfile = `# Written by \`pocket django init\`: the Lambda image of this project.
FROM public.ecr.aws/lambda/python:3.12
ENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=${settings}
# The pocket runtime copied from the CLI that deploys this image (\`pocket django init\` refreshes it).
COPY .pocket/python-runtime /tmp/pocket-runtime
COPY requirements.tx[t] /tmp/
RUN pip install --no-cache-dir "/tmp/pocket-runtime[storages,signing]" \\
    && if [ -f /tmp/requirements.txt ]; then pip install --no-cache-dir -r /tmp/requirements.txt; fi \\
    && rm -rf /tmp/pocket-runtime
COPY . \${LAMBDA_TASK_ROOT}
CMD ["pocket.django.lambda_handlers.wsgi_handler"]
`;
  return [
    { path: join(projectDir, "pocket.toml"), content: toml },
    { path: join(projectDir, "pocket.Dockerfile"), content: dockerfile },
  ];
}

export const SETTINGS_BLOCK = `import os
from pocket.django.runtime import (
    get_allowed_hosts, get_caches, get_databases, get_django_settings, get_storages, set_envs,
)

set_envs()  # deployed: secrets -> os.environ; locally: .env next to pocket.toml
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = get_allowed_hosts(["localhost", "127.0.0.1"])
DATABASES = get_databases()
STORAGES = get_storages()
CACHES = get_caches()
vars().update(get_django_settings())`;

/** Copies the runtime package to `.pocket/python-runtime` (always: it is generated, not edited). */
export function copyRuntime(projectDir: string): string {
  const target = join(projectDir, ".pocket", "python-runtime");
  const source = runtimeSource();
  rmSync(target, { recursive: true, force: true });
  // From a checkout (python/), only what a pip install needs: no virtualenv, tests or caches.
  const skip = /^(\.venv|\.deps|\.pytest_cache|tests|scripts)(\/|\\|$)|__pycache__|\.pyc$/;
  cpSync(source, target, { recursive: true, filter: (src) => !skip.test(relative(source, src)) });
  return target;
}

export function writeInitFile(file: InitFile): void {
  writeFileSync(file.path, file.content);
}
