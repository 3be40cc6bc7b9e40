import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import { cloudfrontKeysTemplate } from "../../src/templates/cloudfront-keys.js";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { vpcTemplate } from "../../src/templates/vpc.js";
import { repoRoot } from "../cli/run.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";

/**
 * Every whole-file example of the seed (a ```toml block with [general]), for every stage, renders
 * every stack it implies, and each template is cfn-lint clean. Fragments (a single section
 * without [general]) are covered by the option-by-option tests next to this one.
 */
const SEED = join(repoRoot, "../shared/seed/configuration.ja.md");

const GENERAL = `[general]
region = "ap-northeast-1"
project_name = "seedapp"
stages = ["dev", "prd"]
`;
const CONTAINER = `[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;

/**
 * Each ```toml block, completed into a whole file the way a user would paste it: a [general]
 * table when it has none, and a container when its sections need one. Blocks that still do not
 * load (deliberately wrong examples, `[dev.x]` overview lists) are left to the config tests.
 */
function seedExamples(): { examples: { name: string; toml: string }[]; unloadable: number[] } {
  const text = readFileSync(SEED, "utf8");
  const blocks = [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const out: { name: string; toml: string }[] = [];
  const unloadable: number[] = [];
  blocks.forEach((block, i) => {
    const withGeneral = /^\[general\]/m.test(block) ? block : `${GENERAL}\n${block}`;
    // Key pairs a fragment names (signing_key = "X") but does not declare.
    const keys = [...block.matchAll(/signing_key\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
    const secrets = keys.length
      ? `\n[awscontainer.secrets.managed]\n${keys.map((k) => `${k} = { type = "cloudfront_signing_key" }`).join("\n")}\n`
      : "";
    const candidates = [withGeneral];
    if (!/^\[awscontainer\]/m.test(block)) {
      candidates.push(`${withGeneral}\n${CONTAINER}${secrets}`);
      // The block brings its own handlers: only the container's required key is missing.
      candidates.push(`${withGeneral}\n[s3]\n\n[awscontainer]\ndockerfile_path = "Dockerfile"\n`);
    }
    for (const toml of candidates) {
      const r = loadConfig({ configPath: `/virtual/seed/pocket.toml`, source: toml, env: {}, stage: "dev" });
      if (r.ok) {
        out.push({ name: `seed-${i + 1}`, toml });
        return;
      }
    }
    unloadable.push(i + 1);
  });
  return { examples: out, unloadable };
}

/**
 * The blocks that are fragments on purpose and need more than a [general] and a container: the
 * overview of the file's layout (1), [rds] without [vpc] (12), a Neon URL without [neon] (18),
 * storages naming undeclared distributions (25), a stage table without routes (29). The config
 * tests complete and load each of them; any other block that does not load fails this matrix.
 */
const PARTIAL_BLOCKS = [1, 12, 18, 25, 29];

/** The seed lives beside the checkout: a developer without it skips, CI (`CI` set) fails. */
const SKIP_SEED = !existsSync(SEED) && !process.env.CI;

const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;
const rendered: string[] = [];

const failedStages: string[] = [];
let unloadable: number[] = [];

describe.skipIf(SKIP_SEED)("templates for every whole example of the seed", () => {
  beforeAll(() => {
    if (!existsSync(SEED)) return;
    const seed = seedExamples();
    unloadable = seed.unloadable;
    for (const { name, toml } of seed.examples) {
      const stages = /stages\s*=\s*\[([^\]]*)\]/
        .exec(toml)?.[1]
        ?.match(/"([^"]+)"/g)
        ?.map((s) => s.slice(1, -1));
      for (const stage of stages ?? ["dev"]) {
        const r = loadConfig({ configPath: `/virtual/${name}/pocket.toml`, source: toml, env: {}, stage });
        if (!r.ok) {
          failedStages.push(`${name}.${stage}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
          continue;
        }
        const ctx = r.config.context;
        const id = `${name}.${stage}`;
        rendered.push(id);
        if (ctx.vpc?.manage && ctx.vpc.usedBy.length > 0) templates[`${id}.vpc`] = vpcTemplate(ctx);
        if (ctx.container) templates[`${id}.container`] = containerTemplate(ctx);
        for (const cf of Object.values(ctx.cloudfront ?? {})) {
          templates[`${id}.cloudfront-${cf.name}`] = cloudfrontTemplate(cf);
          if (cf.signingKey) templates[`${id}.keys-${cf.name}`] = cloudfrontKeysTemplate(cf);
        }
      }
    }
    lint = cfnLint(templates);
  });

  it("finds the seed", () => {
    expect(existsSync(SEED), `the seed is missing: ${SEED}`).toBe(true);
  });

  it("loads every example but the known fragments, for every stage", () => {
    expect(unloadable).toEqual(PARTIAL_BLOCKS);
    expect(failedStages).toEqual([]);
  });

  it("renders the seed's examples into every kind of stack", () => {
    // Every block but the deliberately partial ones: [rds] without [vpc], a Neon URL without
    // [neon], storages naming an undeclared distribution, a stage table without routes.
    expect(new Set(rendered.map((r) => r.split(".")[0])).size).toBeGreaterThanOrEqual(26);
    const kinds = new Set(Object.keys(templates).map((k) => k.split(".").pop()!.replace(/-.*/, "")));
    expect([...kinds].sort()).toEqual(["cloudfront", "container", "keys", "vpc"]);
  });

  it("are cfn-lint clean", () => {
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name) ?? []), name).toEqual([]);
  });
});
