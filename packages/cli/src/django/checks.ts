import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerContext, PocketContext } from "@magic-pocket/config";
import { writeErr } from "../util/stdio.js";
import { DEPENDENCY_FILES, settingsModule, settingsTexts } from "./init.js";

/** A problem a deploy goes on with but the user should hear about. */
export interface DjangoWarning {
  code:
    | "django-no-database-url"
    | "django-db-driver-missing"
    | "django-no-dependency-file"
    | "django-static-unsigned-bucket"
    | "django-email-smtp-localhost";
  message: string;
  hint: string;
}

type Engine = "postgres" | "mysql" | "tidb";

/** The container's table as the user's file spells it (`container.main` in the original's current one). */
function table(c: ContainerContext): string {
  return c.name === undefined ? "awscontainer" : `container.${c.name}`;
}

/** Where DATABASE_URL comes from on the stage's functions, if anywhere (or, without it, [dsql]). */
export function databaseUrlSource(ctx: PocketContext): { source: string; engine?: Engine } | undefined {
  const c = ctx.container;
  if (!c) return undefined;
  if (c.usesRds) return { source: "[rds]", engine: "postgres" };
  const managed = c.secrets?.runtime.managed ?? {};
  for (const [name, spec] of Object.entries(managed)) {
    if ((spec as { env?: string }).env !== "DATABASE_URL") continue;
    const type = (spec as { type?: string }).type;
    if (type === "neon_database_url") return { source: `managed secret ${name} (Neon)`, engine: "postgres" };
    if (type === "tidb_database_url") return { source: `managed secret ${name} (TiDB)`, engine: "tidb" };
    return { source: `managed secret ${name}` };
  }
  if (c.secrets?.runtime.user && "DATABASE_URL" in c.secrets.runtime.user) {
    // A user secret's value is not read at deploy: its engine is unknown here.
    return { source: "user secret DATABASE_URL" };
  }
  const url = c.envs.DATABASE_URL;
  if (url !== undefined) {
    const scheme = /^([a-z0-9+]+):/.exec(url)?.[1] ?? "";
    const engine: Engine | undefined = /^(postgres|postgresql|pgsql)/.test(scheme)
      ? "postgres"
      : scheme.startsWith("mysql")
        ? /tidbcloud\.com/.test(url)
          ? "tidb"
          : "mysql"
        : undefined;
    return { source: `[${table(c)}.envs] DATABASE_URL`, engine };
  }
  // Without DATABASE_URL, get_databases() gives the cluster's PostgreSQL backend (decisions B13).
  if (ctx.dsql) return { source: "[dsql]", engine: "postgres" };
  return undefined;
}

/** Distribution names that provide each engine's Django driver (any one is enough). */
const DRIVERS: Record<Engine, { names: string[]; add: string }> = {
  postgres: { names: ["psycopg", "psycopg-binary", "psycopg2", "psycopg2-binary"], add: "psycopg[binary]" },
  mysql: { names: ["mysqlclient", "pymysql"], add: "mysqlclient (or PyMySQL)" },
  tidb: { names: ["django-tidb"], add: "django-tidb and mysqlclient" },
};

/** Package names mentioned by the project's dependency files, normalised as PyPI does. */
export function declaredPackages(projectDir: string): { files: string[]; names: Set<string> } {
  const files = DEPENDENCY_FILES.filter((f) => existsSync(join(projectDir, f)));
  const names = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(projectDir, f), "utf8");
    // Names at the start of a requirement (requirements.txt, pyproject dependency strings,
    // `name = "..."` entries of lock files): generous on purpose, a warning must not be wrong.
    for (const m of text.matchAll(
      /(?:^|["'\s=])([A-Za-z0-9][A-Za-z0-9._-]*)(?=\s*(?:\[|[<>=!~;"'\s]|$))/gm,
    )) {
      names.add(m[1]!.toLowerCase().replace(/[._]+/g, "-"));
    }
  }
  return { files, names };
}

/**
 * What a deploy of a Django stage should warn about: no DATABASE_URL on Lambda (SQLite in /tmp
 * loses every write at a cold start), no dependency file, or a database whose Django driver the
 * dependency files do not name.
 */
export function djangoDeployWarnings(ctx: PocketContext, projectDir: string): DjangoWarning[] {
  const c = ctx.container;
  if (!c || !Object.values(c.handlers).some((h) => h.command.startsWith("pocket.django."))) return [];
  const out: DjangoWarning[] = [];
  const db = databaseUrlSource(ctx);
  if (!db) {
    out.push({
      code: "django-no-database-url",
      message: `stage ${ctx.stage} gives its functions no DATABASE_URL: Django will use SQLite in /tmp, which loses every write at each cold start.`,
      hint: `Add a database ([neon], [tidb], [rds] or [dsql]), or a user secret: [${table(c)}.secrets.user] DATABASE_URL = { name = "...", store = "sm" }.`,
    });
  }
  const statics = c.django.storages.staticfiles;
  if (statics?.BACKEND.startsWith("storages.backends.s3boto3.")) {
    // S3StaticStorage's URLs are unsigned by design, and the stage's bucket blocks public access.
    out.push({
      code: "django-static-unsigned-bucket",
      message:
        "staticfiles is an S3 storage without a CloudFront distribution: its URLs are unsigned links into a private bucket, so browsers get 403 for every stylesheet.",
      hint: 'Serve them from the image: staticfiles = { store = "filesystem", location = "staticfiles", static = true, manifest = true } (see pocket django init), or put them on a distribution route.',
    });
  }
  const email = smtpToLocalhost(ctx, projectDir);
  if (email) out.push(email);
  const { files, names } = declaredPackages(projectDir);
  if (files.length === 0) {
    out.push({
      code: "django-no-dependency-file",
      message: `no ${DEPENDENCY_FILES.join(", ")} next to pocket.toml: the image gets only Django and the pocket runtime.`,
      hint: "List your dependencies in requirements.txt or pyproject.toml.",
    });
    return out;
  }
  if (db?.engine) {
    const driver = DRIVERS[db.engine];
    const missing =
      db.engine === "tidb" ? !names.has("django-tidb") : !driver.names.some((n) => names.has(n));
    if (missing) {
      out.push({
        code: "django-db-driver-missing",
        message: `the database (${db.source}) needs ${driver.add}, which ${files.join(", ")} ${files.length > 1 ? "do" : "does"} not list.`,
        hint: `Add ${driver.add} to ${files[0]}.`,
      });
    }
  }
  return out;
}

/** An email backend other than Django's SMTP one, named by a settings file. */
const OTHER_BACKEND =
  /["'](?:[\w.]*\.(?:console|filebased|locmem|dummy)\.EmailBackend|anymail\.[\w.]+|django_ses[\w.]*|pocket\.django\.mail\.[\w.]+)["']/;
/** EMAIL_HOST given a host of its own (a default too): `EMAIL_HOST = env("EMAIL_HOST", "smtp.x")`. */
const OWN_HOST = /^\s*EMAIL_HOST\s*=.*["'](?!localhost["']|127\.0\.0\.1["'])[\w-]+\.[\w.-]+["']/m;

/**
 * A stage without [ses] keeps the project's email settings (pocket's email block sets nothing
 * then): when nothing gives Django a mail server, it sends to localhost:25, where Lambda has none,
 * and password-reset mails are lost without a log line under DEBUG=False (issue 24).
 */
function smtpToLocalhost(ctx: PocketContext, projectDir: string): DjangoWarning | undefined {
  const c = ctx.container;
  if (ctx.ses || !c) return undefined;
  const given = [
    ...Object.keys(c.envs),
    ...Object.keys(c.secrets?.runtime.user ?? {}),
    ...Object.values(c.secrets?.runtime.managed ?? {}).map((m) => (m as { env?: string }).env ?? ""),
    ...Object.keys(c.django.settings ?? {}),
  ];
  if (given.some((name) => /^EMAIL_/.test(name))) return undefined;
  let texts: string[];
  try {
    texts = settingsTexts(projectDir, settingsModule(projectDir));
  } catch {
    return undefined; // not a Django project folder: nothing to read
  }
  if (texts.some((t) => OTHER_BACKEND.test(t) || OWN_HOST.test(t))) return undefined;
  return {
    code: "django-email-smtp-localhost",
    message: `stage ${ctx.stage} has no [ses] and nothing gives Django a mail server: its SMTP backend sends to localhost:25, where Lambda has none, so every mail (password resets too) fails.`,
    hint: `Add [ses] with from_email = "..." (a verified sender), or give EMAIL_HOST and its credentials with [${table(c)}.envs] or [${table(c)}.secrets.user].`,
  };
}

/** Prints the Django warnings of a deploy (the deploy goes on). */
export function warnDjango(ctx: PocketContext, projectDir: string): void {
  for (const w of djangoDeployWarnings(ctx, projectDir)) {
    writeErr(`warning[${w.code}]: ${w.message}\n  hint: ${w.hint}\n`);
  }
}
