import { join } from "node:path";
import type { PocketContext } from "@magic-pocket/config";

/**
 * Where `pocket dev` takes each secret value from, and the banner lines that say where the
 * database, the storages and email go (issue 24, item 6).
 *
 * Order (later wins): `.env` < the shell < `--remote-secrets`. The shell counts only for the
 * names a deployed stage takes from secrets (the stage's managed and user secrets) and
 * DATABASE_URL, which the Python runtime reads whatever set it: run without pocket dev, its local
 * loader also lets an exported variable win over `.env` (docs/runtime-contract.md, Local runs).
 * Anything else in the shell is not the stage's, so it does not reach the handlers.
 */
export type SecretSource = ".env" | "the shell" | "the deployed stage";

export interface DevSecrets {
  values: Record<string, string>;
  sources: Record<string, SecretSource>;
}

/** The variables an exported shell value may set: the stage's secret names and DATABASE_URL. */
export function shellSettable(ctx: PocketContext): string[] {
  const s = ctx.container?.secrets;
  const managed = Object.values(s?.managed ?? {}).flatMap((m) =>
    "pemEnv" in m ? [m.pemEnv, m.pubEnv] : "env" in m ? [m.env] : [],
  );
  return [...new Set([...managed, ...Object.keys(s?.user ?? {}), "DATABASE_URL"])];
}

export function devSecrets(
  dotenv: Record<string, string>,
  shell: NodeJS.ProcessEnv,
  settable: readonly string[],
  remote: Record<string, string>,
): DevSecrets {
  const values: Record<string, string> = {};
  const sources: Record<string, SecretSource> = {};
  const put = (from: Record<string, string | undefined>, source: SecretSource) => {
    for (const [k, v] of Object.entries(from)) {
      if (v === undefined) continue;
      values[k] = v;
      sources[k] = source;
    }
  };
  put(dotenv, ".env");
  put(Object.fromEntries(settable.map((k) => [k, shell[k]])), "the shell");
  put(remote, "the deployed stage");
  return { values, sources };
}

function runsDjango(ctx: PocketContext): boolean {
  return Object.values(ctx.container?.handlers ?? {}).some((h) => h.command.startsWith("pocket.django."));
}

/** The banner's lines on secrets, the database, storages and email (never a value). */
export function sourceLines(ctx: PocketContext, projectDir: string, secrets: DevSecrets): string[] {
  const from = (source: SecretSource) =>
    Object.keys(secrets.sources).filter((k) => secrets.sources[k] === source);
  const parts = [
    ".env",
    ...(from("the shell").length > 0 ? [`the shell (${from("the shell").join(", ")})`] : []),
    ...(from("the deployed stage").length > 0 ? ["the deployed stage"] : []),
  ];
  const lines = [`  secrets: ${parts.join(", ").replace(/, ([^,]*)$/, " and $1")}`];
  const django = runsDjango(ctx);
  const db = secrets.sources.DATABASE_URL;
  if (db) lines.push(`  DATABASE_URL: from ${db}`);
  else if (django) {
    lines.push(`  DATABASE_URL: none, so SQLite at ${join(projectDir, "db.sqlite3")}`);
  }
  if (django) {
    const storages = Object.entries(ctx.djangoFallback.storages).map(([name, s]) => {
      const location = (s.OPTIONS as { location?: unknown } | undefined)?.location;
      return `${name} ${s.BACKEND.split(".").at(-1)}${typeof location === "string" ? ` in ${location}` : ""}`;
    });
    lines.push(
      `  storages: [general.django_fallback] (${storages.join("; ") || "Django's defaults"})`,
      `  email: printed here (Django's console backend; ${ctx.ses ? "[ses] sends only when deployed" : "no [ses]"})`,
    );
  }
  return lines;
}
