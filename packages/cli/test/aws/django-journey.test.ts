import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HandlerProcess, httpEvent, managementEvent } from "../../src/local/index.js";
import { pocket, repoRoot } from "../cli/run.js";
import { deployedFunctionEnvironment, runPython, startDjangoHandler } from "../django/handlers.js";
import { type Postgres, startPostgres } from "../django/postgres.js";
import { DEPS_SITE, DJANGO_ADMIN, ensurePython } from "../django/python.js";
import { ENVIRON, HEROKU, type ProjectShape, SPLIT } from "../django/shapes.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, stageImage } from "./harness.js";

// The Django journey of issue 12, as a new user walks it: `django-admin startproject`,
// `pocket django init`, a user secret DATABASE_URL and [ses], `pocket deploy --image`; then the
// deployed handlers run as Lambda runs them (a Python process with exactly the function's
// environment read back from moto's Lambda, invoked with API Gateway v2 events) against moto.
// Issue 24: walked on the shapes real projects have (test/django/shapes.ts), one of them on a real
// PostgreSQL server, with `pocket secrets set` creating DATABASE_URL; the handler's settings in
// force are the database, storages and email pocket wired.
const REGION = "ap-northeast-1";
const SENDER = "noreply@example.com";

const VIEWS = `from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.http import JsonResponse


def mail(request):
    return JsonResponse({"sent": send_mail("Journey", "It works.", None, ["someone@example.com"])})


def upload(request):
    name = default_storage.save("journey/hello.txt", ContentFile(b"hello from lambda"))
    return JsonResponse({"name": name})
`;

const URLS = `
from django.urls import path as _path

from mysite import journey_views

urlpatterns += [_path("mail/", journey_views.mail), _path("upload/", journey_views.upload)]
`;

/** What the deployed settings hold, printed by the management handler's `shell -c`. */
const IN_FORCE = `import json
from django.conf import settings
from django.db import connection
d = settings.DATABASES["default"]
connection.ensure_connection()
print(json.dumps({
    "engine": d["ENGINE"], "name": str(d["NAME"]), "host": d.get("HOST", ""), "user": d.get("USER", ""),
    "connected": connection.is_usable(),
    "storages": {k: v["BACKEND"] for k, v in settings.STORAGES.items()},
    "email": settings.EMAIL_BACKEND, "from": settings.DEFAULT_FROM_EMAIL, "debug": settings.DEBUG,
    "middleware": settings.MIDDLEWARE,
}))`;

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

function cookie(result: HttpResult, name: string): string {
  const line = (result.cookies ?? []).find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(result.cookies)}`);
  return line.split(";")[0]!;
}

/** A Django project in `root`, as a user has it before `pocket django init`; returns its folder. */
type MakeProject = (
  root: string,
  python: (args: string[], cwd: string) => { status: number | null; out: string },
) => string;

/** What differs between the projects the journey walks. */
interface JourneyOptions {
  /** The settings module manage.py and the image use. */
  module?: string;
  /** The file init wires. */
  wired?: string;
  requirements?: string;
  /** DATABASE_URL names a real PostgreSQL server started here, else a SQLite file. */
  postgres?: boolean;
  /** Deploy once as init left it (the SQLite warning): once is enough for the suite's time. */
  firstDeploy?: boolean;
}

function journey(title: string, make: MakeProject, options: JourneyOptions = {}): void {
  const module = options.module ?? "mysite.settings";
  let root: string;
  let dir: string;
  let dbFile: string;
  let databaseUrl: string;
  let postgres: Postgres | undefined;
  let host: string;
  let wsgi: HandlerProcess;
  let management: HandlerProcess;
  let deployOutput: string;
  let functionEnv: Record<string, string>;
  const processes: HandlerProcess[] = [];

  const python = (args: string[], env: Record<string, string | undefined>, cwd = dir) =>
    runPython(args, cwd, pythonPath(), env);

  /** What the image has on its path: the runtime init copied, and django-storages. */
  function pythonPath(): string {
    // A wheel of pure Python is importable from its zip, as pip would install it. Before
    // `pocket django init` (startproject) there is no runtime yet: only the dependencies.
    const carried = join(dir ?? root, ".pocket");
    const wheel = existsSync(carried) ? readdirSync(carried).find((f) => f.endsWith(".whl")) : undefined;
    return [...(wheel ? [join(carried, wheel)] : []), DEPS_SITE].join(":");
  }

  async function ses(script: string): Promise<string> {
    const r = python(
      ["-c", `import boto3, json\nses = boto3.client("ses", region_name="${REGION}")\n${script}`],
      {
        ...motoEnv(REGION),
      },
    );
    if (r.status !== 0) throw new Error(r.out);
    return r.out.trim();
  }

  describe(title, () => {
    beforeAll(async () => {
      ensurePython();
      await freshMoto();
      root = mkdtempSync(join(tmpdir(), "pocket-journey-"));
      dir = make(root, (args, cwd) => python(args, {}, cwd));
      writeFileSync(join(dir, "mysite", "journey_views.py"), VIEWS);
      appendFileSync(join(dir, "mysite", "urls.py"), URLS);
      writeFileSync(
        join(dir, "requirements.txt"),
        options.requirements ?? "Django>=5.2,<6\ndjango-storages[s3]\n",
      );
      dbFile = join(root, "lambda-db.sqlite3");
      if (options.postgres) {
        postgres = await startPostgres();
        databaseUrl = postgres.createDatabase("journey", "journey_app", "journey-pw-1");
      } else databaseUrl = `sqlite:///${dbFile}`;
    }, 300_000);

    afterAll(async () => {
      for (const p of processes) await p.stop();
      postgres?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("init makes the project deployable with no hand edits, and it still runs locally without AWS", () => {
      const r = pocket(["django", "init", "--yes"], { cwd: dir, env: { AWS_REGION: REGION } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`wired ${options.wired ?? "mysite/settings.py"}`);
      // Locally: no POCKET_STAGE, no AWS (an unreachable endpoint would fail any call).
      const local = { AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
      const check = python(["manage.py", "check"], local);
      expect(check.status, check.out).toBe(0);
      const migrate = python(["manage.py", "migrate", "--noinput"], local);
      expect(migrate.status, migrate.out).toBe(0);
      expect(existsSync(join(dir, "db.sqlite3"))).toBe(true);
    });

    // Only the first shape deploys as init left it (the others would repeat it): the case is not
    // declared for them, so nothing shows as skipped.
    (options.firstDeploy === false ? () => undefined : it)(
      "a first deploy as init left it warns that SQLite in /tmp loses data at each cold start",
      async () => {
        const image = await stageImage("mysite");
        const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: motoEnv(REGION) });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toContain(
          "warning[django-no-database-url]: stage dev gives its functions no DATABASE_URL",
        );
        expect(r.stderr).not.toContain("warning[django-static-unsigned-bucket]");
      },
    );

    it("deploys with --image, a user secret DATABASE_URL and [ses], with no Django warning", async () => {
      const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
      // What a user adds: the database and email (and, to examples/django's own pocket.toml, the
      // superuser password init writes into a new one).
      writeFileSync(
        join(dir, "pocket.toml"),
        `${
          toml.includes("DJANGO_SUPERUSER_PASSWORD")
            ? toml
            : toml.replace(
                /^SECRET_KEY = .*$/m,
                (line) =>
                  `${line}\nDJANGO_SUPERUSER_PASSWORD = { type = "password", options = { length = 16 } }`,
              )
        }
[awscontainer.secrets.user]
DATABASE_URL = { name = "mysite/database-url", store = "sm" }

[ses]
from_email = "${SENDER}"
`,
      );
      // The user secret, created as the README says: `pocket secrets set` (the value from a file,
      // never echoed).
      const valueFile = join(root, "database-url.txt");
      writeFileSync(valueFile, `${databaseUrl}\n`);
      const set = pocket(["secrets", "set", "DATABASE_URL", "--stage", "dev", "--from-file", valueFile], {
        cwd: dir,
        env: motoEnv(REGION),
      });
      expect(set.status, set.stderr).toBe(0);
      expect(`${set.stdout}${set.stderr}`).not.toContain(databaseUrl);
      await ses(`ses.verify_email_identity(EmailAddress="${SENDER}")`);
      const image = await stageImage("mysite");
      const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: motoEnv(REGION) });
      deployOutput = r.stderr;
      expect(r.status, r.stderr).toBe(0);
      expect(deployOutput).not.toContain("warning[django-");
      const env = await deployedFunctionEnvironment("dev-mysite-pocket-wsgi", REGION);
      functionEnv = env.variables;
      expect(env.placeholders).toHaveProperty("WsgiApi");
      host = functionEnv.POCKET_WSGI_HOST!;
      expect(host).toBe(`${env.placeholders.WsgiApi}.execute-api.ap-northeast-1.amazonaws.com`);
      expect(functionEnv).toMatchObject({
        POCKET_STAGE: "dev",
        POCKET_SES_FROM_EMAIL: SENDER,
        POCKET_SES_REGION: REGION,
      });
      const mgmt = await deployedFunctionEnvironment("dev-mysite-pocket-management", REGION);
      expect(mgmt.variables).toEqual(functionEnv);
    });

    it("the image build collects the static files (no .env, no AWS), as pocket.Dockerfile does", () => {
      const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
      const backend = /POCKET_STATICFILES_BACKEND_OVERRIDE=(\S+)/.exec(docker)?.[1];
      // WhiteNoise's compressing storage where the project used it, Django's manifest one else.
      expect(backend).toBe(
        options.requirements?.includes("whitenoise")
          ? "whitenoise.storage.CompressedManifestStaticFilesStorage"
          : "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
      );
      // .dockerignore leaves .env and the local database out of the image.
      renameSync(join(dir, ".env"), join(root, "dev.env"));
      rmSync(join(dir, "db.sqlite3"));
      const collect = python(["manage.py", "collectstatic", "--noinput"], {
        DJANGO_SETTINGS_MODULE: module,
        POCKET_STATICFILES_BACKEND_OVERRIDE: backend,
        POCKET_STATICFILES_LOCATION_OVERRIDE: join(dir, "staticfiles"),
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      });
      expect(collect.status, collect.out).toBe(0);
      expect(existsSync(join(dir, "staticfiles", "staticfiles.json"))).toBe(true);
    });

    it("migrate and createsuperuser succeed through the management handler", async () => {
      const env = {
        ...functionEnv,
        // What the image adds (pocket.Dockerfile's ENV, the installed packages) and what Lambda
        // gives the function (credentials; here moto's).
        DJANGO_SETTINGS_MODULE: module,
        PYTHONPATH: pythonPath(),
        ...motoEnv(REGION),
      };
      management = await startDjangoHandler("management", {
        env,
        cwd: dir,
        functionName: "dev-mysite-pocket-management",
        timeoutSeconds: 120,
      });
      processes.push(management);
      wsgi = await startDjangoHandler("wsgi", { env, cwd: dir, functionName: "dev-mysite-pocket-wsgi" });
      processes.push(wsgi);
      const migrate = await management.invoke<{ exitCode: number; output: string }>(
        managementEvent("migrate", ["--noinput"]),
      );
      expect(migrate.exitCode, migrate.output).toBe(0);
      expect(migrate.output).toContain("Applying auth.0001_initial... OK");
      // The database is the user secret's (the SQLite file, not /tmp; or the PostgreSQL server).
      expect(existsSync(dbFile)).toBe(!options.postgres);
      const su = await management.invoke<{ exitCode: number; output: string }>(
        managementEvent("createsuperuser", [
          "--noinput",
          "--username",
          "admin",
          "--email",
          "admin@example.com",
        ]),
      );
      expect(su.exitCode, su.output).toBe(0);
      expect(su.output).toContain("Superuser created successfully.");
    }, 180_000);

    it("the database, storages and email backend in force in the deployed handler are the ones pocket wired", async () => {
      const r = await management.invoke<{ exitCode: number; output: string }>(
        managementEvent("shell", ["-c", IN_FORCE]),
      );
      expect(r.exitCode, r.output).toBe(0);
      const inForce = JSON.parse(r.output.trim().split("\n").at(-1)!) as Record<string, unknown>;
      expect(inForce).toMatchObject(
        options.postgres
          ? {
              engine: "django.db.backends.postgresql",
              name: "journey",
              host: "127.0.0.1",
              user: "journey_app",
            }
          : { engine: "django.db.backends.sqlite3", name: dbFile },
      );
      expect(inForce).toMatchObject({
        connected: true,
        storages: {
          default: "storages.backends.s3boto3.S3Boto3Storage",
          staticfiles: "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        },
        email: "pocket.django.mail.SesEmailBackend",
        from: SENDER,
        debug: false,
      });
      expect(inForce.middleware).not.toContain("whitenoise.middleware.WhiteNoiseMiddleware");
    });

    it("the admin: login page 200, login POST with the CSRF token 302, /admin/ 200 with the session; its stylesheet is served", async () => {
      const page = await wsgi.invoke<HttpResult>(
        httpEvent({ path: "/admin/login/", query: "next=/admin/", host }),
      );
      expect(page.statusCode, page.body.slice(0, 2000)).toBe(200);
      const csrf = cookie(page, "csrftoken");
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
      expect(token).toBeDefined();

      // The stylesheet: a path on this host, hashed, served by the app to an anonymous visitor.
      const href = /<link rel="stylesheet" href="([^"]*base[^"]*\.css)"/.exec(page.body)?.[1];
      expect(href).toMatch(/^\/static\/admin\/css\/base\.[0-9a-f]{12}\.css$/);
      const css = await wsgi.invoke<HttpResult>(httpEvent({ path: href!, host }));
      expect(css.statusCode).toBe(200);
      expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
      expect(css.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(css.isBase64Encoded ? Buffer.from(css.body, "base64").toString() : css.body).toContain("body");

      const secret = await new SecretsManagerClient({ region: REGION }).send(
        new GetSecretValueCommand({ SecretId: "dev-mysite-pocket" }),
      );
      const password = JSON.parse(secret.SecretString!).dev.mysite.DJANGO_SUPERUSER_PASSWORD as string;
      const login = await wsgi.invoke<HttpResult>(
        httpEvent({
          method: "POST",
          path: "/admin/login/",
          query: "next=/admin/",
          host,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: `https://${host}`,
            referer: `https://${host}/admin/login/?next=/admin/`,
          },
          cookies: [csrf],
          body: new URLSearchParams({
            csrfmiddlewaretoken: token!,
            username: "admin",
            password,
            next: "/admin/",
          }).toString(),
        }),
      );
      expect(login.statusCode, login.body.slice(0, 2000)).toBe(302);
      expect(login.headers.location).toBe("/admin/");
      const session = cookie(login, "sessionid");
      const admin = await wsgi.invoke<HttpResult>(
        httpEvent({ path: "/admin/", host, cookies: [csrf, session] }),
      );
      expect(admin.statusCode).toBe(200);
      expect(admin.body).toContain("Site administration");
      const anonymous = await wsgi.invoke<HttpResult>(httpEvent({ path: "/admin/", host }));
      expect(anonymous.statusCode).toBe(302);
    });

    it("a view's send_mail reaches SES as the [ses] sender", async () => {
      const before = Number(await ses('print(int(ses.get_send_quota()["SentLast24Hours"]))'));
      const r = await wsgi.invoke<HttpResult>(httpEvent({ path: "/mail/", host }));
      expect(r.statusCode, r.body).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ sent: 1 });
      // moto refuses a sender that is not verified, so the mail went out as the [ses] identity;
      // its count adds the envelope recipients and the To header both.
      expect(Number(await ses('print(int(ses.get_send_quota()["SentLast24Hours"]))'))).toBeGreaterThan(
        before,
      );
    });

    it("default_storage.save lands under the media location in the stage's bucket", async () => {
      const r = await wsgi.invoke<HttpResult>(httpEvent({ path: "/upload/", host }));
      expect(r.statusCode, r.body).toBe(200);
      const { name } = JSON.parse(r.body) as { name: string };
      const object = await new S3Client({ region: REGION, forcePathStyle: true }).send(
        new GetObjectCommand({ Bucket: "dev-mysite-pocket", Key: `media/${name}` }),
      );
      expect(await object.Body!.transformToString()).toBe("hello from lambda");
    });

    it("runs the runtime wheel init placed, and logged no traceback", async () => {
      const r = await management.invoke<{ exitCode: number; output: string }>(
        managementEvent("shell", ["-c", "import pocket; print(pocket.__file__)"]),
      );
      expect(r.exitCode, r.output).toBe(0);
      // (Django 5.2's shell also reports the objects it imported.)
      expect(r.output.trim().split("\n")).toContain(
        join(
          dir,
          ".pocket",
          readdirSync(join(dir, ".pocket")).find((f) => f.endsWith(".whl"))!,
          "pocket",
          "__init__.py",
        ),
      );
      expect(wsgi.logs()).not.toMatch(/Traceback/);
    });
  });
}

/** `django-admin startproject mysite`, then a shape's edits (test/django/shapes.ts). */
function fromStartproject(shape: ProjectShape): MakeProject {
  return (root, python) => {
    const made = python([DJANGO_ADMIN, "startproject", "mysite"], root);
    expect(made.status, made.out).toBe(0);
    shape.apply(join(root, "mysite"));
    return join(root, "mysite");
  };
}

// Three shapes of issue 24 (the fourth, python-decouple, is covered by test/django-shapes.test.ts):
// the first one on a real PostgreSQL server.
for (const [shape, postgres] of [
  [HEROKU, true],
  [SPLIT, false],
  [ENVIRON, false],
] as const) {
  journey(
    `the Django journey on ${shape.name}${postgres ? " and PostgreSQL" : ""}: startproject → pocket django init → deploy → the handlers as Lambda runs them`,
    fromStartproject(shape),
    {
      module: shape.module,
      wired: shape.wired,
      requirements: shape.requirements,
      postgres,
      firstDeploy: postgres,
    },
  );
}

journey("the same journey for examples/django (a project already written for pocket)", (root) => {
  const dir = join(root, "mysite");
  cpSync(join(repoRoot, "examples", "django"), dir, {
    recursive: true,
    filter: (src) => !/__pycache__|db\.sqlite3$|[/\\](\.pocket|staticfiles|media|\.env)$/.test(src),
  });
  return dir;
});
