import { describe, expect, it } from "vitest";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/* `tracing = true` (issue 26): X-Ray active tracing on the functions, and only the two X-Ray calls. */
const toml = (container: string, wsgi = "", worker = "") => `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"
${container}

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
${wsgi}

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.management_command_handler"
sqs = {}
${worker}
`;

type Statement = { Sid: string; Action: string[]; Resource: unknown };
const statements = (t: Template): Statement[] =>
  (
    t.Resources.LambdaRole as unknown as {
      Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    }
  ).Properties.Policies[0]!.PolicyDocument.Statement;
const tracing = (t: Template, fn: string) =>
  (t.Resources[fn] as unknown as { Properties: { TracingConfig?: unknown } }).Properties.TracingConfig;

describe("container template: X-Ray tracing", () => {
  const off = containerTemplate(loadInline(toml("")).context);
  const all = containerTemplate(loadInline(toml("tracing = true")).context);
  const one = containerTemplate(loadInline(toml("", "tracing = true")).context);
  const allButWorker = containerTemplate(loadInline(toml("tracing = true", "", "tracing = false")).context);

  it("is off by default: no TracingConfig, no X-Ray permission", () => {
    expect(tracing(off, "WsgiLambdaFunction")).toBeUndefined();
    expect(statements(off).map((s) => s.Sid)).not.toContain("XRayTraces");
  });

  it("[awscontainer] tracing = true turns on active tracing on every function", () => {
    expect(tracing(all, "WsgiLambdaFunction")).toEqual({ Mode: "Active" });
    expect(tracing(all, "WorkerLambdaFunction")).toEqual({ Mode: "Active" });
  });

  it("a handler's tracing overrides the container's, either way", () => {
    expect(tracing(one, "WsgiLambdaFunction")).toEqual({ Mode: "Active" });
    expect(tracing(one, "WorkerLambdaFunction")).toBeUndefined();
    expect(tracing(allButWorker, "WsgiLambdaFunction")).toEqual({ Mode: "Active" });
    expect(tracing(allButWorker, "WorkerLambdaFunction")).toBeUndefined();
  });

  it("grants exactly PutTraceSegments and PutTelemetryRecords (X-Ray has no resource-level permissions)", () => {
    const xray = statements(all).filter((s) => s.Action.some((a) => a.startsWith("xray:")));
    expect(xray).toEqual([
      {
        Sid: "XRayTraces",
        Effect: "Allow",
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        Resource: "*",
      },
    ]);
    expect(statements(one).some((s) => s.Sid === "XRayTraces")).toBe(true);
  });

  it("is cfn-lint clean", () => {
    const lint = cfnLint({ tracingAll: all, tracingOne: one });
    for (const [name, matches] of lint) expect(lintErrors(matches), name).toEqual([]);
  });
});
