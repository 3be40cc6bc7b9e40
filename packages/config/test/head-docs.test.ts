import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "./helpers.js";

/**
 * The original's current configuration guide lives beside the checkout, never in it. CI has it
 * (read-only, next to the clone): a missing guide fails here, it does not skip.
 */
const GUIDE = join(import.meta.dirname, "../../../../shared/seed/original-head/configuration.md");

function tomlBlocks(file: string): string[] {
  if (!existsSync(file)) throw new Error(`the original's configuration guide is missing: ${file}`);
  return [...readFileSync(file, "utf8").matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => dedent(m[1]!));
}

function dedent(block: string): string {
  const lines = block.split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

const GENERAL =
  '[general]\nregion = "ap-northeast-1"\nproject_name = "testprj"\nstages = ["dev", "prod", "sandbox"]\n';

/**
 * Most blocks are excerpts: one section, as a reader pastes it into a file that has the rest.
 * Each is completed with what the docs imply (in the original's current spelling): a [general]
 * with the stages the block names, `dockerfile_path` for each container it names, routes for
 * each distribution it names, the secrets its distributions name, and then the smallest set of
 * companions that makes it load: the handlers its routes and schedules start, the [vpc] RDS
 * needs, the [neon] a Neon URL needs, the distributions a storage or CORS rule names, versioning
 * for noncurrent-version lifecycle rules.
 */
const COMPANIONS = [
  `[container.main.handlers.wsgi]\ncommand = "pocket.django.lambda_handlers.wsgi_handler"\napigateway = {}\n\n[container.main.handlers.worker]\ncommand = "worker"\n\n[container.main.handlers.management]\ncommand = "pocket.django.lambda_handlers.management_command_handler"\ntimeout = 600\n`,
  '[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n',
  '[neon]\nproject_name = "head"\n',
  '[cloudfront.web]\nroutes = [{ is_default = true, is_spa = true, origin_path = "/web" }, { path_pattern = "/static/*", ref = "static", origin_path = "/static" }]\n\n[cloudfront.media]\nroutes = [{ is_default = true, origin_path = "/media" }]\n\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true, origin_path = "/main" }, { path_pattern = "/static/*", ref = "static", origin_path = "/static" }]\n',
  "[s3]\n",
  "[s3]\nversioning = true\n",
  // [backup.rds] backs up a managed cluster, which needs the VPC.
  '[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n[rds]\n',
  // [backup.dsql] backs up the stage's DSQL cluster.
  "[dsql]\n",
];

/** The block with what every completion needs: the tables it implies but does not write. */
function implied(raw: string): string {
  let block = /^routes = \[/m.test(raw) && !/^\[/m.test(raw) ? `[cloudfront.main]\n${raw}` : raw;
  const lines: string[] = [];
  for (const name of new Set(
    [...block.matchAll(/^\[(?:[a-z]+\.)?container\.([a-z0-9]+)/gm)].map((m) => m[1]!),
  )) {
    const header = new RegExp(`^\\[container\\.${name}\\]\\s*$`, "m");
    if (!header.test(block)) lines.push(`[container.${name}]\ndockerfile_path = "Dockerfile"\n`);
    else if (!/^dockerfile_path/m.test(block))
      block = block.replace(header, (h) => `${h}\ndockerfile_path = "Dockerfile"`);
  }
  // A distribution written for one stage only: the other stages get one with the routes the
  // block's storages name (`route = "static"`), so that those storages resolve there too.
  const refs = [...new Set([...block.matchAll(/\broute = "([a-z0-9_]+)"/g)].map((m) => m[1]!))];
  const refRoutes = refs.map((r) => `, { path_pattern = "/${r}/*", ref = "${r}" }`).join("");
  for (const name of new Set(
    [...block.matchAll(/^\[(?:[a-z]+\.)?cloudfront\.([a-z0-9]+)/gm)].map((m) => m[1]!),
  )) {
    if (!new RegExp(`^\\[cloudfront\\.${name}\\]`, "m").test(block)) {
      lines.push(
        `[cloudfront.${name}]\nroutes = [{ is_default = true, is_spa = true, origin_path = "/${name}" }${refRoutes}]\n`,
      );
    }
  }
  block = block.replace(
    /^(\[(?:[a-z]+\.)?container\.[a-z0-9]+\.django\.storages\]\s*)$(?![\s\S]*^default =)/m,
    '$1\ndefault = { store = "filesystem" }',
  );
  return [block, ...lines].join("\n");
}

function complete(raw: string): { toml: string; diagnostics: string[] } {
  const block = implied(raw);
  // A block that writes tables for two stages or more is a file of those stages (auto_database_url
  // picks each stage's one database: a third stage would have none).
  const named = [...new Set([...block.matchAll(/^\[(dev|prod|sandbox)\./gm)].map((m) => m[1]!))];
  const general = /^\[general\]/m.test(block)
    ? ""
    : named.length >= 2
      ? GENERAL.replace(/stages = \[.*\]/, `stages = [${named.map((n) => `"${n}"`).join(", ")}]`)
      : GENERAL;
  const keys = [...block.matchAll(/(?:signing_key|token_secret|basic_auth)\s*=\s*"([^"]+)"/g)].map(
    (m) => m[1],
  );
  const declared = (k: string) => new RegExp(`^${k}\\s*=|\\.${k}\\]`, "m").test(block);
  const missing = [...new Set(keys)].filter((k) => !declared(k!));
  const managed = missing.length
    ? `\n[container.main.secrets.managed]\n${missing.map((k) => `${k} = { type = "${secretType(block, k!)}"${secretType(block, k!) === "basic_auth_credential" ? ', options = { username = "u" }' : ""} }`).join("\n")}\n`
    : "";
  // A file in the original's current spelling has a container (it is what the spelling is named after).
  const needsContainer = /^\[container\.main\]/m.test(block)
    ? ""
    : '\n[container.main]\ndockerfile_path = "Dockerfile"\n';
  let best: string[] | undefined;
  for (let mask = 0; mask < 1 << COMPANIONS.length; mask++) {
    const extra = COMPANIONS.filter((_, i) => mask & (1 << i)).join("\n");
    const toml = `${general}\n${block}\n${extra}${managed}${needsContainer}`;
    const r = loadEveryStage(toml);
    if (r.length === 0) return { toml, diagnostics: [] };
    const score = (ds: string[]) => ds.filter((d) => !d.startsWith("unsupported-feature")).length;
    if (!best || score(r) < score(best)) best = r;
  }
  return { toml: block, diagnostics: best ?? [] };
}

function secretType(block: string, key: string): string {
  if (new RegExp(`basic_auth\\s*=\\s*"${key}"`).test(block)) return "basic_auth_credential";
  if (new RegExp(`token_secret\\s*=\\s*"${key}"`).test(block)) return "spa_token_secret";
  return "cloudfront_signing_key";
}

function loadEveryStage(toml: string): string[] {
  const stages = /stages\s*=\s*\[([^\]]*)\]/
    .exec(toml)?.[1]
    ?.match(/"([^"]+)"/g)
    ?.map((s) => s.slice(1, -1)) ?? ["dev"];
  for (const stage of stages) {
    const r = load(toml, stage);
    if (!r.ok)
      return r.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => `${d.code} ${d.path}: ${d.message}`);
  }
  return [];
}

/** The overview of the file's layout: section names with comments, no values. */
const OVERVIEW = /^\[general\]\s+#/;
/** Two alternatives in one block ("# または詳細指定": the shorthand, or the table). */
const ALTERNATIVES = /^# または.*$/m;
const blocks = tomlBlocks(GUIDE);

describe("every TOML block of the original's current guide (configuration.md)", () => {
  it("finds the guide's blocks", () => {
    expect(blocks.length).toBeGreaterThan(60);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))("block %i", (_i, block) => {
    if (OVERVIEW.test(block)) {
      expect(block).toContain("[dev.container.main]");
      return;
    }
    const parts = ALTERNATIVES.test(block) ? block.split(ALTERNATIVES) : [block];
    for (const part of parts) {
      // Every feature of the guide is built: each block loads ([backup.dsql] was the last).
      const { diagnostics } = complete(part);
      expect(diagnostics, `block does not load:\n${part}`).toEqual([]);
    }
  });
});
