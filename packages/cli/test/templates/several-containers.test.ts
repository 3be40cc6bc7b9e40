import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { containerViews } from "../../src/resources/container-views.js";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/*
 * Several `[container.<name>]` (the original's configuration.md, "複数 container"): the
 * original's own rendered fixture `tk` (beside the checkout, never in it; CI has it)
 * with a second container `v2` that copies `main`'s handlers. Every name in the original's
 * rendered container stack is the container's name in a slot, so each container's stack must
 * hold the same names with its own name in that slot.
 */
const TEMPLATES = join(import.meta.dirname, "../../../..", "..", "shared", "spec", "original-templates");
const read = (file: string) => readFileSync(join(TEMPLATES, "tk", file), "utf8");

/** The fixture with `[container.v2]` copying `[container.main]`, and a route to it. */
function twoContainers(): string {
  const head = read("pocket-head.toml");
  const main = head.slice(head.indexOf("[container.main]"), head.indexOf("[cloudfront.main]"));
  const v2 = main
    .replaceAll("[container.main", "[container.v2")
    .replace('dockerfile_path = "Dockerfile"', 'dockerfile_path = "v2/Dockerfile"');
  return head
    .replace("[cloudfront.main]", `${v2}\n[cloudfront.main]`)
    .replace("routes = [", 'routes = [\n  { path_pattern = "/v2/*", type = "lambda", handler = "v2.wsgi" },');
}

/** Every value of `key` in the template (property names as CloudFormation spells them). */
function valuesOf(template: unknown, key: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (k === key && typeof child === "string") out.push(child);
        walk(child);
      }
    }
  };
  walk(template);
  return out.sort();
}

/** The literal names the original wrote for `key` in its container stack, `main` put to `name`. */
function original(key: string, name: string): string[] {
  const yaml = read("head-container.yaml");
  return [...yaml.matchAll(new RegExp(`\\b${key}:\\s*"([^"$]+)"`, "g"))]
    .map((m) => m[1]!.replace(/\bmain\b/, name))
    .sort();
}

const ctx = () => loadInline(twoContainers()).context;
const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  const c = ctx();
  for (const view of containerViews(c))
    templates[view.ctx.container!.stackName] = containerTemplate(view.ctx);
  templates[c.cloudfront!.main!.stackName] = cloudfrontTemplate(c.cloudfront!.main!);
  // A route keyed by its path pattern alone (no origin_path) renders an origin without a path.
  const bare = loadInline(
    twoContainers().replace("routes = [", 'routes = [\n  { path_pattern = "/static/*", ref = "static" },'),
  ).context.cloudfront!.main!;
  templates.bareRoute = cloudfrontTemplate(bare);
  lint = cfnLint(templates, { regions: ["ap-northeast-1"] });
});

describe("a stage of two containers in the original's current spelling", () => {
  it("has one container stack per container, {slug}-container-{name}", () => {
    expect(containerViews(ctx()).map((v) => [v.id, v.ctx.container!.stackName])).toEqual([
      ["container", "dev-myapp-container-main"],
      ["container:v2", "dev-myapp-container-v2"],
    ]);
  });

  it.each(["main", "v2"])("container %s: every name is the original's with its name in the slot", (name) => {
    const t = templates[`dev-myapp-container-${name}`]!;
    for (const key of ["FunctionName", "RoleName", "GroupName"]) {
      expect(valuesOf(t, key), key).toEqual(original(key, name));
    }
    for (const fn of Object.values(t.Resources).filter((r) => r.Type === "AWS::Lambda::Function")) {
      const vars = (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
        .Variables;
      expect(vars.POCKET_CONTAINER).toBe(name);
    }
    expect(valuesOf(t, "QueueName")).toEqual(
      [`dev-myapp-pocket-${name}-worker`, `dev-myapp-pocket-${name}-worker-dead-letter`].sort(),
    );
    const api = Object.values(t.Resources).find((r) => r.Type === "AWS::ApiGatewayV2::Api")!;
    expect([(api.Properties as { Name: string }).Name]).toEqual(
      original("Name", name).filter((n) => n.endsWith("-wsgi")),
    );
    expect(valuesOf(t, "LogGroupName").filter((n) => n.endsWith("-apigateway"))).toEqual(
      original("LogGroupName", name),
    );
    expect(Object.values(t.Outputs ?? {}).flatMap((o) => (o.Export ? [o.Export.Name] : []))).toEqual([
      `dev-myapp-${name}-wsgi-api-domain`,
    ]);
  });

  it("each container has its own repository and managed secrets' key", () => {
    const c = ctx();
    expect(Object.values(c.containers!).map((x) => [x.ecrRepository, x.secrets!.pocketKey])).toEqual([
      ["dev-myapp-pocket-main-lambda", "dev-myapp-main-pocket"],
      ["dev-myapp-pocket-v2-lambda", "dev-myapp-v2-pocket"],
    ]);
  });

  it("the distribution routes each path to its container's API", () => {
    const cf = ctx().cloudfront!.main!;
    const api = cf.routes.flatMap((r) => (r.type === "api" ? [[r.pathPattern, r.originId]] : []));
    expect(api).toEqual([
      ["/v2/*", "dev-myapp-pocket-api-v2.wsgi"],
      ["/api/*", "dev-myapp-pocket-api-main.wsgi"],
    ]);
    expect(Object.values(cf.apiOrigins).map((o) => [o.exportName, o.stackName])).toEqual([
      ["dev-myapp-main-wsgi-api-domain", "dev-myapp-container-main"],
      ["dev-myapp-v2-wsgi-api-domain", "dev-myapp-container-v2"],
    ]);
    // The original's own origin id for main's route.
    expect(read("head-cf.yaml")).toContain('TargetOriginId: "dev-myapp-pocket-api-main.wsgi"');
  });

  it("a handler's envs are set in its function only, over the container's", () => {
    const toml = twoContainers()
      .replace(
        "[container.v2.handlers.wsgi]",
        '[container.v2.envs]\nMODE = "web"\n\n[container.v2.handlers.wsgi]',
      )
      .replace(
        "[container.v2.handlers.worker]",
        '[container.v2.handlers.worker.envs]\nMODE = "worker"\n\n[container.v2.handlers.worker]',
      );
    const view = containerViews(loadInline(toml).context)[1]!;
    const t = containerTemplate(view.ctx);
    const mode = (fn: string) =>
      (
        t.Resources[`${fn}LambdaFunction`]!.Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables.MODE;
    expect([mode("Wsgi"), mode("Worker"), mode("Management")]).toEqual(["web", "worker", "web"]);
  });

  it("a route without origin_path is an origin without a path", () => {
    const t = JSON.stringify(templates.bareRoute);
    expect(t).toContain(
      '"Id":"dev-myapp-pocket-static","DomainName":"dev-myapp-pocket.s3.ap-northeast-1.amazonaws.com","OriginPath":""',
    );
  });

  it("every template is cfn-lint clean", () => {
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });
});
