import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lambdaEnvironment } from "../src/index.js";
import { context, load } from "./helpers.js";

/**
 * What the original's current version renders for its own fixtures (beside the checkout, never
 * in it; CI has it): a file in its spelling must get exactly these names, so that a stage it
 * deployed is updated in place (docs/decisions.md D11).
 */
const TEMPLATES = join(import.meta.dirname, "../../../..", "shared", "spec", "original-templates");
const read = (folder: string, file: string) => readFileSync(join(TEMPLATES, folder, file), "utf8");

/** Literal names written for a property (`Key: "name"` or `Key:\n  Fn::Sub: "name"`), in order. */
function literals(yaml: string, key: string): string[] {
  return [...yaml.matchAll(new RegExp(`\\b${key}:\\s*(?:Fn::Sub:\\s*)?"([^"$]+)"`, "g"))].map((m) => m[1]!);
}
const apiNames = (yaml: string) =>
  [...yaml.matchAll(/AWS::ApiGatewayV2::Api\s+Properties:\s+Name:\s*"([^"]+)"/g)].map((m) => m[1]!);
const exportNames = (yaml: string) => [...yaml.matchAll(/Export:\s+Name:\s*"([^"]+)"/g)].map((m) => m[1]!);
const imports = (yaml: string) =>
  [...yaml.matchAll(/Fn::ImportValue:\s*"([^"]+-api-domain)"/g)].map((m) => m[1]!);
const sorted = (xs: (string | undefined)[]) => xs.filter((x): x is string => x !== undefined).sort();

describe.each(["tk", "tk2"])("%s: names of a file in the original's current spelling", (folder) => {
  const c = context(read(folder, "pocket-head.toml"));
  const container = read(folder, "head-container.yaml");
  const handlers = Object.values(c.container!.handlers);

  it("the container stack is {slug}-container-{name}", () => {
    expect(c.container!.stackName).toBe("dev-myapp-container-main");
  });

  it("functions, queues and dead-letter queues", () => {
    expect(sorted(handlers.map((h) => h.functionName))).toEqual(sorted(literals(container, "FunctionName")));
    expect(sorted(handlers.flatMap((h) => [h.queueName, h.deadLetterQueueName]))).toEqual(
      sorted(literals(container, "QueueName")),
    );
  });

  it("role, security group and repository", () => {
    expect(literals(container, "RoleName")).toEqual([c.container!.roleName]);
    expect(literals(container, "GroupName")).toEqual(sorted([c.container!.securityGroupName]));
    const images = [...container.matchAll(/amazonaws\.com\/([^:"]+):([^"]+)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    expect(new Set(images)).toEqual(new Set([`${c.container!.ecrRepository}:${c.container!.imageTag}`]));
  });

  it("APIs, their access logs, certificates and exports", () => {
    expect(sorted(handlers.map((h) => h.apiName))).toEqual(sorted(apiNames(container)));
    expect(sorted(handlers.map((h) => h.apigateway?.accessLogGroupName))).toEqual(
      sorted(literals(container, "LogGroupName")),
    );
    const certs = [...container.matchAll(/Value:\s*"([^"]+-cert)"/g)].map((m) => m[1]!);
    expect(
      sorted(handlers.filter((h) => h.apigateway?.domain).map((h) => h.apigateway!.certificateTag)),
    ).toEqual(sorted(certs));
    expect(sorted(handlers.map((h) => h.apigateway?.exportApiDomain))).toEqual(
      sorted(exportNames(container)),
    );
  });

  it("the distribution imports the API's export by the same name", () => {
    const origins = Object.values(c.cloudfront!.main!.apiOrigins).map((o) => o.exportName);
    expect(sorted(origins)).toEqual(sorted(imports(read(folder, "head-cf.yaml"))));
  });

  it("managed secrets live under the container's key", () => {
    expect(c.container!.secrets!.pocketKey).toBe("dev-myapp-main-pocket");
  });
});

describe("names of the seed's spelling do not change", () => {
  it("tk: the seed-spelled fixture keeps the seed's names", () => {
    const c = context(read("tk", "pocket-42a3468.toml"));
    const container = read("tk", "42a3468-container.yaml");
    expect(c.container!.stackName).toBe("dev-myapp-container");
    expect(sorted(Object.values(c.container!.handlers).map((h) => h.functionName))).toEqual(
      sorted(literals(container, "FunctionName")),
    );
    expect(literals(container, "RoleName")).toEqual([c.container!.roleName]);
  });
});

describe("Aurora's database of a file in the original's current spelling", () => {
  const file = (rds: string) =>
    `[general]\nregion = "ap-northeast-1"\nproject_name = "myapp"\nstages = ["dev"]\n\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n${rds}\n[container.main]\ndockerfile_path = "Dockerfile"\n`;
  it("is {stage}_{project}, or [rds] database", () => {
    expect(context(file("[rds]\n")).rds!.databaseName).toBe("dev_myapp");
    expect(context(file('[rds]\ndatabase = "prod_myapp"\n')).rds!.databaseName).toBe("prod_myapp");
  });
});

describe("several containers: each is named with its own name", () => {
  const two = (v2: string) => `[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[container.mydjango]
dockerfile_path = "Dockerfile"
[container.mydjango.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[container.${v2}]
dockerfile_path = "v2/Dockerfile"
[container.${v2}.handlers.wsgi]
command = "admin-v2"
`;
  it("context.containers holds each, context.container the first", () => {
    const c = context(two("v2"));
    expect(Object.keys(c.containers!)).toEqual(["mydjango", "v2"]);
    expect(c.container).toBe(c.containers!.mydjango);
    const v2 = c.containers!.v2!;
    expect([v2.stackName, v2.ecrRepository, v2.roleName, v2.handlers.wsgi!.functionName]).toEqual([
      "dev-myapp-container-v2",
      "dev-myapp-pocket-v2-lambda",
      "lambda-dev-myapp-v2-pocket",
      "dev-myapp-pocket-v2-wsgi",
    ]);
    expect(v2.dockerfilePath).toBe("v2/Dockerfile");
    // Each container's functions are told their container, as the original's are.
    expect(lambdaEnvironment({ ...c, container: v2 }).POCKET_CONTAINER).toBe("v2");
    expect(lambdaEnvironment(c).POCKET_CONTAINER).toBe("mydjango");
    // Built and recorded apart: the containers deploy at the same time.
    expect(Object.values(c.containers!).map((x) => [x.build.codebuildProject, x.hotswap.driftKey])).toEqual([
      ["dev-myapp-pocket-mydjango-codebuild", "hotswap/dev-myapp-container-mydjango.json"],
      ["dev-myapp-pocket-v2-codebuild", "hotswap/dev-myapp-container-v2.json"],
    ]);
  });

  it("a name too long for AWS in any container is reported at that container", () => {
    const key = `w${"x".repeat(50)}`;
    const r = load(two("v2").replace("[container.v2.handlers.wsgi]", `[container.v2.handlers.${key}]`));
    const errors = r.ok ? [] : r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.path)).toEqual([`container.v2.handlers.${key}`]);
    expect(errors[0]!.position?.line).toBeGreaterThan(0);
  });
});
