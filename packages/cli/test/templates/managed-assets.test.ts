import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { deletionForbidden } from "../../src/buckets/owners.js";
import { CliError } from "../../src/errors.js";
import { stageResources } from "../../src/resources/index.js";
import { bucketPolicyStatement } from "../../src/templates/cloudfront.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/** The original's example (configuration.md, "managed_assets"), with basic auth on sandbox. */
const toml = (routes = "") => `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["sandbox", "prod", "dev"]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
[container.main.secrets.managed]
LOGIN = { type = "basic_auth_credential", options = { username = "preview" } }

[s3]

[cloudfront.web]
managed_assets = "assets/managed"
routes = [
    { is_default = true, is_spa = true, origin_path = "/web" },
    { path_pattern = "/fonts/*", origin_path = "/web" },
    ${routes}
]

[sandbox.cloudfront.web]
basic_auth = "LOGIN"
`;

let project: string;
const write = (rel: string, body = "x") => {
  mkdirSync(join(project, rel, ".."), { recursive: true });
  writeFileSync(join(project, rel), body);
};
const distribution = (stage: string, source = toml(), dir = project) => {
  const ctx = loadInline(source, stage).context;
  const resource = stageResources(ctx, { projectDir: dir }).find((r) => r.id === "cloudfront:web")!;
  return { ctx, template: () => resource.stack!.template() };
};
const config = (t: Template) =>
  (t.Resources.CloudFrontDistribution as unknown as { Properties: { DistributionConfig: any } }).Properties
    .DistributionConfig;
const refused = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};

const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "pocket-managed-assets-"));
  write("assets/managed/default/favicon.ico", "default icon");
  write("assets/managed/default/robots.txt", "Allow: /");
  write("assets/managed/default/.DS_Store", "skipped");
  write("assets/managed/sandbox/robots.txt", "Disallow: /");
  templates.sandbox = distribution("sandbox").template();
  templates.prod = distribution("prod").template();
  lint = cfnLint(templates, { regions: ["us-east-1"] });
});

describe("managed_assets in the distribution's template (docs/decisions.md#e23-managed-assets)", () => {
  it("are cfn-lint clean", () => {
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("serve each file of the stage's folder, else of default/ (no merge), before every route", () => {
    const paths = (t: Template) =>
      config(t).CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern);
    expect(paths(templates.sandbox!)).toEqual(["/robots.txt", "/fonts/*"]);
    expect(paths(templates.prod!)).toEqual(["/favicon.ico", "/robots.txt", "/fonts/*"]);
  });

  it("from one S3 origin on the distribution's pocket_managed folder, cached and compressed", () => {
    const c = config(templates.prod!);
    const managed = c.Origins.filter((o: { OriginPath?: string }) => o.OriginPath === "/pocket_managed/web");
    expect(managed).toEqual([
      {
        Id: "prod-myapp-pocket-pocket_managed",
        DomainName: "prod-myapp-pocket.s3.ap-northeast-1.amazonaws.com",
        OriginPath: "/pocket_managed/web",
        OriginAccessControlId: { "Fn::GetAtt": ["OriginAccessControl", "Id"] },
        S3OriginConfig: { OriginAccessIdentity: "" },
      },
    ]);
    expect(c.CacheBehaviors[0]).toEqual({
      PathPattern: "/favicon.ico",
      TargetOriginId: "prod-myapp-pocket-pocket_managed",
      ViewerProtocolPolicy: "redirect-to-https",
      CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
      Compress: true,
    });
  });

  it("are behind the distribution's basic auth like every behaviour", () => {
    const c = config(templates.sandbox!);
    const fn = c.CacheBehaviors[0].FunctionAssociations[0].FunctionARN["Fn::GetAtt"][0];
    expect(c.CacheBehaviors[0].PathPattern).toBe("/robots.txt");
    const comment = (templates.sandbox!.Resources[fn] as any).Properties.FunctionConfig.Comment;
    expect(comment).toBe("basic auth for /robots.txt");
  });

  it("the bucket policy grants the distribution its folder beside the routes' one", () => {
    const ctx = loadInline(toml(), "prod").context;
    const statement = bucketPolicyStatement(ctx.cloudfront!.web!, "123456789012", "E1", "aws");
    expect(statement.Resource).toEqual([
      "arn:aws:s3:::prod-myapp-pocket/web/*",
      "arn:aws:s3:::prod-myapp-pocket/pocket_managed/web/*",
    ]);
  });

  it("no upload or storage sync may delete them", () => {
    const ctx = loadInline(toml(), "prod").context;
    const forbidden = deletionForbidden(ctx, "prod-myapp-pocket", { prefix: "" });
    expect(forbidden("pocket_managed/web/robots.txt")).toBe(true);
    expect(forbidden("stale/old.js")).toBe(false);
  });

  it.each([
    [
      "a route matching a file",
      { routes: '{ path_pattern = "/robots*" },' },
      "managed-asset-route-collision",
    ],
    ["a subfolder", { file: "assets/managed/default/img/a.png" }, "managed-assets-subfolder"],
    [
      "a name CloudFront cannot match exactly",
      { file: "assets/managed/default/a b.txt" },
      "managed-asset-name",
    ],
    [
      "more behaviours than CloudFront's quota",
      { files: Array.from({ length: 24 }, (_, i) => `assets/managed/default/f${i}.txt`) },
      "cache-behavior-quota",
    ],
  ])("refuses %s with a clear error", (_, change, code) => {
    const previous = project;
    project = mkdtempSync(join(tmpdir(), "pocket-managed-assets-"));
    write("assets/managed/default/robots.txt");
    if ("file" in change) write(change.file!);
    for (const f of "files" in change ? change.files! : []) write(f);
    const source = toml("routes" in change ? change.routes : "");
    const error = refused(() => distribution("prod", source).template());
    expect(error.code).toBe(code);
    expect(error.message).toContain("cloudfront.web");
    expect(error.hint).toBeTruthy();
    project = previous;
  });

  it("refuses a missing folder when it renders, never when it is only listed", () => {
    const empty = mkdtempSync(join(tmpdir(), "pocket-managed-assets-"));
    const { template } = distribution("prod", toml(), empty);
    const error = refused(template);
    expect(error.code).toBe("managed-assets-missing");
    expect(error.hint).toContain("assets/managed/default/");
  });

  it("offline permission listings (no project folder) render the stack without them", () => {
    const ctx = loadInline(toml(), "prod").context;
    const r = stageResources(ctx).find((x) => x.id === "cloudfront:web")!;
    expect(config(r.stack!.template()).CacheBehaviors).toHaveLength(1);
  });
});
