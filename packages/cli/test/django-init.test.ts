import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { djangoDeployWarnings } from "../src/django/checks.js";
import { dockerfile, profileRegion } from "../src/django/init.js";
import { editSettings, REPLACED_PREFIX, SETTINGS_MARKERS } from "../src/django/settings-edit.js";
import { VERSION } from "../src/version.js";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";
import { loadInline } from "./templates/context.js";

const MANAGE = `#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
`;

// What `django-admin startproject shop` writes (Django 5.2), shortened where nothing is edited.
const STARTPROJECT = `"""
Django settings for shop project.
"""

from pathlib import Path

# Build paths inside the project like this: BASE_DIR / 'subdir'.
BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-abc#def'

# SECURITY WARNING: don't run with debug turned on in production!
DEBUG = True

ALLOWED_HOSTS = []

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.staticfiles',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
]

ROOT_URLCONF = 'shop.urls'

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': BASE_DIR / 'db.sqlite3',  # a comment with ) and ]
    }
}

LANGUAGE_CODE = 'en-us'
STATIC_URL = 'static/'
`;

function djangoProject(name = "my-shop", files: Record<string, string> = {}): string {
  const dir = project("", name);
  rmSync(join(dir, "pocket.toml"));
  writeFileSync(join(dir, "manage.py"), MANAGE);
  mkdirSync(join(dir, "shop"));
  writeFileSync(join(dir, "shop", "settings.py"), STARTPROJECT);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe("settings.py wiring", () => {
  const edit = editSettings(STARTPROJECT, { depth: 1, originVerify: false });

  it("puts the block where SECRET_KEY was, comments out what it replaces, keeps the rest", () => {
    expect(edit.ok).toBe(true);
    if (!edit.ok) return;
    expect(edit.replaced).toEqual(["SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASES"]);
    const text = edit.text;
    // The block comes before the SECURITY WARNING comment of SECRET_KEY, after BASE_DIR.
    expect(text.indexOf(SETTINGS_MARKERS.begin)).toBeGreaterThan(text.indexOf("BASE_DIR = Path"));
    expect(text.indexOf(SETTINGS_MARKERS.begin)).toBeLessThan(text.indexOf("# SECURITY WARNING: keep"));
    expect(text).toContain(`${REPLACED_PREFIX}SECRET_KEY = 'django-insecure-abc#def'`);
    expect(text).toContain(`${REPLACED_PREFIX}DATABASES = {`);
    expect(text).toContain(
      `${REPLACED_PREFIX}        'NAME': BASE_DIR / 'db.sqlite3',  # a comment with ) and ]`,
    );
    expect(text).toContain(`${REPLACED_PREFIX}}`);
    expect(text).toContain('POCKET_TOML = Path(__file__).resolve().parents[1] / "pocket.toml"');
    expect(text).toContain("MIDDLEWARE = pocket_middleware(MIDDLEWARE, origin_verify=False)");
    // The middleware block follows MIDDLEWARE; everything else is untouched.
    expect(text.indexOf("pocket_middleware(MIDDLEWARE")).toBeGreaterThan(text.indexOf("MIDDLEWARE = ["));
    expect(text.indexOf("pocket_middleware(MIDDLEWARE")).toBeLessThan(text.indexOf("ROOT_URLCONF"));
    for (const kept of ["LANGUAGE_CODE = 'en-us'", "STATIC_URL = 'static/'", "INSTALLED_APPS = ["]) {
      expect(text).toContain(`\n${kept}`);
    }
  });

  it("changes nothing the second time, and rewrites only its blocks", () => {
    if (!edit.ok) throw new Error("first edit failed");
    const again = editSettings(edit.text, { depth: 1, originVerify: false });
    expect(again).toMatchObject({ ok: true, text: edit.text, changed: false, replaced: [] });
    const verify = editSettings(edit.text, { depth: 1, originVerify: true });
    expect(verify.ok && verify.changed).toBe(true);
    if (!verify.ok) return;
    expect(verify.text).toContain("pocket_middleware(MIDDLEWARE, origin_verify=True)");
    expect(
      verify.text
        .replace("origin_verify=True", "origin_verify=False")
        .replace(
          /\n# OriginVerify.*\n/,
          "\n# Serves the static files collected into the image (pocket.django.static).\n",
        ),
    ).toBe(edit.text);
  });

  it("refuses, with the reason, what it cannot edit safely", () => {
    const cases: [string, RegExp][] = [
      [
        `${STARTPROJECT}\nif 'DATABASE_URL' in os.environ: DATABASES['default'] = dj_database_url.config()\n`,
        /DATABASES is set on the same line as the `if` at line 40: put it on a line of its own/,
      ],
      [STARTPROJECT.replace(/MIDDLEWARE = \[[^\]]*\]\n/, ""), /MIDDLEWARE is not assigned/],
      [`${STARTPROJECT}\n${SETTINGS_MARKERS.begin}\n`, /markers .* are not one pair/],
      [`${STARTPROJECT}\nX = (1,\n`, /ends inside a statement/],
      [`${STARTPROJECT}\nX = 'open\n`, /unterminated string at line 40/],
    ];
    for (const [text, reason] of cases) {
      const r = editSettings(text, { depth: 1, originVerify: false });
      expect(r.ok, String(reason)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });
});

describe("settings.py wiring: later assignments never win over pocket's block (issue 24)", () => {
  const PAAS = `${STARTPROJECT}
import os
if 'DATABASE_URL' in os.environ:
    DATABASES['default'] = dj_database_url.config(conn_max_age=500, ssl_require=True)
else:
    DATABASES.update({'replica': {}})
DEBUG = False
try:
    STATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'
except Exception:
    pass
if DEBUG:
    ALLOWED_HOSTS += ['debug.local']

def helper():
    DATABASES = {}
    return DATABASES

EMAIL_BACKEND = os.environ.get('EMAIL_BACKEND', 'django.core.mail.backends.smtp.EmailBackend')
if os.environ.get('EMAIL_HOST'):
    EMAIL_HOST = os.environ['EMAIL_HOST']
`;
  const edit = editSettings(PAAS, { depth: 1, originVerify: false });

  it("comments out every later assignment, item set and update, inside if/else/try too, with the line numbers", () => {
    if (!edit.ok) throw new Error(edit.reason);
    expect(edit.lines.map((l) => `${l.name}:${l.line}${l.nested ? " nested" : ""}`)).toEqual([
      "SECRET_KEY:11",
      "DEBUG:14",
      "ALLOWED_HOSTS:16",
      "DATABASES:30",
      "DATABASES:42 nested",
      "DATABASES:44 nested",
      "DEBUG:45",
      "STATICFILES_STORAGE:47 nested",
    ]);
    expect(edit.text).toContain(
      "if 'DATABASE_URL' in os.environ:\n    pass  # pocket: DATABASES below commented out (pocket's block and pocket.toml decide)\n    # replaced by pocket: DATABASES['default'] = dj_database_url.config(conn_max_age=500, ssl_require=True)\nelse:\n    pass  #",
    );
    expect(edit.text).toContain(`${REPLACED_PREFIX}DEBUG = False`);
    // Additions keep pocket's value; a function's own names are not settings.
    expect(edit.text).toContain("    ALLOWED_HOSTS += ['debug.local']");
    expect(edit.text).toContain("    DATABASES = {}\n    return DATABASES");
    expect(edit.compressed).toBe(true);
  });

  it("keeps the project's email settings and puts pocket's email block after them", () => {
    if (!edit.ok) throw new Error(edit.reason);
    expect(edit.text).toContain("\nEMAIL_BACKEND = os.environ.get('EMAIL_BACKEND'");
    const block = edit.text.slice(
      edit.text.indexOf(SETTINGS_MARKERS.begin),
      edit.text.indexOf(SETTINGS_MARKERS.end),
    );
    expect(block).not.toContain("get_email_settings())");
    expect(edit.text.indexOf("# >>> pocket: email >>>")).toBeGreaterThan(
      edit.text.indexOf("    EMAIL_HOST = os.environ['EMAIL_HOST']"),
    );
    expect(edit.text.trimEnd().endsWith("# <<< pocket: email <<<")).toBe(true);
    const again = editSettings(edit.text, { depth: 1, originVerify: false });
    expect(again).toMatchObject({ ok: true, changed: false });
    // The stage's settings table ([awscontainer.django.settings]) still wins over pocket's email.
    const table = editSettings(`${PAAS}vars().update(get_django_settings())\n`, {
      depth: 1,
      originVerify: false,
    });
    if (!table.ok) throw new Error(table.reason);
    expect(table.text.indexOf("# <<< pocket: email <<<")).toBeLessThan(
      table.text.indexOf("vars().update(get_django_settings())"),
    );
  });

  it("the result is Python that compiles", () => {
    if (!edit.ok) throw new Error(edit.reason);
    const r = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'settings.py', 'exec')"], {
      input: edit.text,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
  });
});

describe("pocket django init", () => {
  beforeAll(() => buildCli());

  it("writes pocket.toml that validates, the Dockerfile, .dockerignore, .env and the runtime copy; wires settings.py", () => {
    const dir = djangoProject("my-shop", { "requirements.txt": "Django>=5.2\n" });
    const r = pocket(["django", "init", "--region", "eu-west-1"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    for (const line of [
      "wrote pocket.toml",
      "wrote pocket.Dockerfile",
      "wrote .dockerignore",
      "wrote .env",
      "wrote .gitignore",
    ]) {
      expect(r.stderr).toContain(line);
    }
    expect(r.stderr).toContain(
      "wired shop/settings.py (replaced SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASES;",
    );
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toContain('region = "eu-west-1"');
    expect(toml).toContain('project_name = "my-shop"');
    expect(toml).toContain('DJANGO_SUPERUSER_PASSWORD = { type = "password", options = { length = 16 } }');
    expect(toml).toContain(
      'staticfiles = { store = "filesystem", location = "staticfiles", static = true, manifest = true }',
    );
    const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
    expect(docker).toContain("DJANGO_SETTINGS_MODULE=shop.settings");
    expect(docker).toContain("COPY requirements.txt /tmp/deps/");
    expect(docker).toContain("python manage.py collectstatic --noinput");
    expect(readFileSync(join(dir, ".env"), "utf8")).toMatch(/^SECRET_KEY=.{50}$/m);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain("\n.env\n");
    expect(readFileSync(join(dir, ".dockerignore"), "utf8")).toMatch(/^\.env$/m);
    // The image needs .pocket/'s wheel; only the source copy of earlier versions is left out.
    expect(readFileSync(join(dir, ".dockerignore"), "utf8")).not.toMatch(/^\.pocket\/?$/m);
    expect(readdirSync(join(dir, ".pocket"))).toEqual([`pocket_cli_runtime-${VERSION}-py3-none-any.whl`]);
    expect(docker.indexOf("pip install -r /tmp/deps/requirements.txt")).toBeLessThan(
      docker.indexOf("COPY .pocket/pocket_cli_runtime-*.whl"),
    );
    const valid = pocket(["config", "validate"], { cwd: dir });
    expect(valid.status, valid.stderr).toBe(0);

    // Again: nothing changes (the runtime copy is refreshed with the same content).
    const files = [
      "pocket.toml",
      "pocket.Dockerfile",
      ".dockerignore",
      ".env",
      ".gitignore",
      "shop/settings.py",
    ];
    const before = files.map((f) => readFileSync(join(dir, f), "utf8"));
    const again = pocket(["django", "init"], { cwd: dir });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("shop/settings.py is already wired");
    expect(again.stderr).toContain("kept pocket.toml (exists; --force replaces it)");
    expect(files.map((f) => readFileSync(join(dir, f), "utf8"))).toEqual(before);
  });

  it("without a terminal never overwrites: an existing pocket.toml, .env and .gitignore are kept", () => {
    const dir = djangoProject("kept", { ".env": "SECRET_KEY=mine\n", ".gitignore": "node_modules" });
    writeFileSync(join(dir, "pocket.toml"), "# mine\n");
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toBe("# mine\n");
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe("SECRET_KEY=mine\n");
    // .env is added to an existing .gitignore, the rest of it kept.
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(
      "node_modules\n# Local secrets (pocket django init)\n.env\n",
    );
    const noted = pocket(["django", "init", "--database", "neon"], { cwd: dir });
    expect(noted.stderr).toContain(
      "note: --database and --region shape a new pocket.toml; the existing one is kept as is",
    );
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toBe("# mine\n");
    const forced = pocket(["django", "init", "--force", "--database", "neon"], { cwd: dir });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("replaced pocket.toml");
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toContain(
      'DATABASE_URL = { type = "neon_database_url" }',
    );
  });

  it("writes a valid configuration for every --database", () => {
    for (const database of ["neon", "rds", "tidb", "none"]) {
      const dir = djangoProject(`db-${database}`);
      const r = pocket(["django", "init", "--database", database, "--yes"], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const valid = pocket(["config", "validate"], { cwd: dir });
      expect(valid.status, `${database}: ${valid.stderr}`).toBe(0);
    }
    const bad = pocket(["django", "init", "--database", "oracle"], { cwd: djangoProject("db-bad") });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--database must be one of neon, rds, tidb, none");
  });

  it("puts OriginVerifyMiddleware first when a stage's distribution has enable_origin_verify", () => {
    const dir = djangoProject("verify");
    writeFileSync(
      join(dir, "pocket.toml"),
      `[general]
region = "ap-northeast-1"
project_name = "verify"
stages = ["dev", "prd"]

[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[cloudfront.main]
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]

[prd.cloudfront.main]
enable_origin_verify = true
`,
    );
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(dir, "shop", "settings.py"), "utf8");
    expect(text).toContain("MIDDLEWARE = pocket_middleware(MIDDLEWARE, origin_verify=True)");
  });

  it("leaves a settings file it cannot edit alone and prints the blocks with the reason", () => {
    const dir = djangoProject("unsafe");
    const unsafe = `${STARTPROJECT}\nif DEBUG: ALLOWED_HOSTS = ["*"]\n`;
    writeFileSync(join(dir, "shop", "settings.py"), unsafe);
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "left shop/settings.py unchanged: ALLOWED_HOSTS is set on the same line as the `if` at line 40",
    );
    expect(r.stdout).toContain(SETTINGS_MARKERS.begin);
    expect(r.stdout).toContain("pocket_middleware(MIDDLEWARE");
    expect(readFileSync(join(dir, "shop", "settings.py"), "utf8")).toBe(unsafe);
  });

  it("explains where to run it when there is no manage.py", () => {
    const dir = project("", "empty");
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("there is no manage.py in");
  });
});

describe("the default region", () => {
  it("is the environment's, else the AWS profile's in the config file", () => {
    const dir = project("", "aws-config");
    const file = join(dir, "config");
    writeFileSync(
      file,
      "[default]\nregion = us-west-2\n\n[profile work]\noutput = json\nregion = eu-central-1\n",
    );
    expect(profileRegion({ AWS_REGION: "sa-east-1", AWS_CONFIG_FILE: file })).toBe("sa-east-1");
    expect(profileRegion({ AWS_DEFAULT_REGION: "ca-central-1", AWS_CONFIG_FILE: file })).toBe("ca-central-1");
    expect(profileRegion({ AWS_CONFIG_FILE: file })).toBe("us-west-2");
    expect(profileRegion({ AWS_CONFIG_FILE: file, AWS_PROFILE: "work" })).toBe("eu-central-1");
    expect(profileRegion({ AWS_CONFIG_FILE: file, AWS_PROFILE: "none" })).toBeUndefined();
    expect(profileRegion({ AWS_CONFIG_FILE: join(dir, "missing") })).toBeUndefined();
  });
});

describe("the Dockerfile installs from whichever dependency file exists", () => {
  it.each([
    ["uv.lock", "uv export --frozen --no-dev"],
    ["poetry.lock", "poetry install --no-root --only main"],
    ["pyproject.toml", "tomllib.load"],
    ["requirements.txt", "pip install -r /tmp/deps/requirements.txt"],
  ] as const)("%s", (file, install) => {
    const text = dockerfile("shop.settings", file);
    expect(text).toContain(install);
    expect(text).toMatch(new RegExp(`^COPY [^\\n]*${file.replace(".", "\\.")} /tmp/deps/$`, "m"));
  });
  it("none: Django alone", () => {
    expect(dockerfile("shop.settings", undefined)).toContain("RUN pip install Django && rm -rf /tmp/deps");
  });
});

describe("deploy warnings for a Django stage", () => {
  const toml = (top: string, extra = "") => `
[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev"]
${top}
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
${extra}`;
  const managed = (type: string) => `\n[awscontainer.secrets.managed]\nDATABASE_URL = { type = "${type}" }\n`;
  const neon = toml('\n[neon]\nproject_name = "shop"\n', managed("neon_database_url"));
  const tidb = toml('\n[tidb]\nproject = "Team"\n', managed("tidb_database_url"));
  const warn = (config: string, files: Record<string, string>) => {
    const dir = project("", "warn");
    for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, f), t);
    return djangoDeployWarnings(loadInline(config).context, dir).map((w) => w.code);
  };

  it("warns when no DATABASE_URL reaches Lambda", () => {
    expect(warn(toml(""), { "requirements.txt": "Django\n" })).toEqual(["django-no-database-url"]);
    const user = toml(
      "",
      '\n[awscontainer.secrets.user]\nDATABASE_URL = { name = "shop/db", store = "sm" }\n',
    );
    expect(warn(user, { "requirements.txt": "Django\n" })).toEqual([]);
  });

  it("a [dsql] stage without DATABASE_URL has a database (get_databases() gives the cluster) that needs psycopg", () => {
    const dsql = toml("\n[dsql]\n");
    expect(warn(dsql, { "requirements.txt": "Django\n" })).toEqual(["django-db-driver-missing"]);
    expect(warn(dsql, { "requirements.txt": "Django\npsycopg[binary]\n" })).toEqual([]);
  });

  it("warns when the database's driver is not among the dependencies", () => {
    expect(warn(neon, { "requirements.txt": "Django\n" })).toEqual(["django-db-driver-missing"]);
    expect(warn(neon, { "requirements.txt": "Django\npsycopg[binary]>=3.2\n" })).toEqual([]);
    expect(
      warn(neon, { "pyproject.toml": '[project]\ndependencies = ["django>=5", "psycopg2-binary"]\n' }),
    ).toEqual([]);
    expect(warn(tidb, { "uv.lock": '[[package]]\nname = "mysqlclient"\n' })).toEqual([
      "django-db-driver-missing",
    ]);
    expect(warn(tidb, { "uv.lock": '[[package]]\nname = "django-tidb"\n' })).toEqual([]);
    expect(warn(neon, {})).toEqual(["django-no-dependency-file"]);
  });

  it("warns when the deployed email backend would be SMTP to localhost (no [ses], no mail server given)", () => {
    const django = (settings: string) => {
      const dir = project("", "mail");
      writeFileSync(join(dir, "requirements.txt"), "Django\npsycopg\n");
      writeFileSync(join(dir, "manage.py"), MANAGE);
      mkdirSync(join(dir, "shop"));
      writeFileSync(join(dir, "shop", "settings.py"), settings);
      return dir;
    };
    const codes = (config: string, dir: string) =>
      djangoDeployWarnings(loadInline(config).context, dir).map((w) => w.code);
    const db = '\n[awscontainer.secrets.user]\nDATABASE_URL = { name = "shop/db", store = "sm" }\n';
    const plain = django(STARTPROJECT);
    expect(codes(toml("", db), plain)).toEqual(["django-email-smtp-localhost"]);
    // [ses], a mail server from the stage, or one in the settings: no warning.
    expect(codes(toml('\n[ses]\nfrom_email = "a@example.com"\n', db), plain)).toEqual([]);
    expect(
      codes(toml("", `${db}EMAIL_HOST_PASSWORD = { name = "shop/smtp", store = "sm" }\n`), plain),
    ).toEqual([]);
    const own = django(`${STARTPROJECT}EMAIL_HOST = os.environ.get("EMAIL_HOST", "smtp.sendgrid.net")\n`);
    expect(codes(toml("", db), own)).toEqual([]);
    const environ = django(
      `${STARTPROJECT}vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))\n`,
    );
    expect(codes(toml("", db), environ)).toEqual(["django-email-smtp-localhost"]);
  });

  it("warns that an S3 staticfiles storage without a distribution gives browsers 403", () => {
    const s3 = toml(
      "\n[s3]\n",
      `${managed("password").replace("DATABASE_URL", "SECRET_KEY")}\n[awscontainer.envs]\nDATABASE_URL = "postgres://u:p@h/db"\n\n[awscontainer.django.storages]\ndefault = { store = "s3", location = "media" }\nstaticfiles = { store = "s3", location = "static", static = true, manifest = true }\n`,
    );
    expect(warn(s3, { "requirements.txt": "psycopg\n" })).toEqual(["django-static-unsigned-bucket"]);
  });

  it("says nothing for a stage that does not run Django", () => {
    const node = toml("").replace("pocket.django.lambda_handlers.wsgi_handler", "app.web");
    expect(warn(node, {})).toEqual([]);
  });
});
