import { describe, expect, it } from "vitest";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/* `[dsql]` (docs/decisions.md#b13-aurora-dsql): the endpoint and the cluster's ARN come from the
 * deploy as parameters; the role may connect as admin to that cluster only. */
const toml = (dsql: string) => `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]
${dsql}
[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;

type Statement = { Sid: string; Action: string[]; Resource: unknown };
const statements = (t: Template): Statement[] =>
  (
    t.Resources.LambdaRole as unknown as {
      Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    }
  ).Properties.Policies[0]!.PolicyDocument.Statement;
const variables = (t: Template) =>
  (
    t.Resources.WsgiLambdaFunction as unknown as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }
  ).Properties.Environment.Variables;

describe("container template: [dsql]", () => {
  const without = containerTemplate(loadInline(toml("")).context);
  const withDsql = containerTemplate(loadInline(toml("\n[dsql]\n")).context);

  it("passes the endpoint and the cluster's ARN as parameters, and sets POCKET_DSQL_ENDPOINT and POCKET_DSQL_REGION", () => {
    expect(Object.keys(withDsql.Parameters ?? {})).toEqual(
      expect.arrayContaining(["DsqlEndpoint", "DsqlClusterArn"]),
    );
    expect(variables(withDsql)).toMatchObject({
      POCKET_DSQL_ENDPOINT: { Ref: "DsqlEndpoint" },
      POCKET_DSQL_REGION: "ap-northeast-1",
    });
    expect(Object.keys(without.Parameters ?? {})).not.toContain("DsqlEndpoint");
    expect(variables(without)).not.toHaveProperty("POCKET_DSQL_ENDPOINT");
  });

  it("grants dsql:DbConnectAdmin on the stage's cluster only", () => {
    const s = statements(withDsql).find((x) => x.Sid === "ConnectDsqlAsAdmin");
    expect(s).toMatchObject({ Action: ["dsql:DbConnectAdmin"], Resource: [{ Ref: "DsqlClusterArn" }] });
    expect(statements(without).map((x) => x.Sid)).not.toContain("ConnectDsqlAsAdmin");
  });

  it("is cfn-lint clean", () => {
    for (const [name, matches] of cfnLint({ withDsql })) expect(lintErrors(matches), name).toEqual([]);
  });
});
