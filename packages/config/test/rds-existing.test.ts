import { describe, expect, it } from "vitest";
import { codes, context, GENERAL, problems } from "./helpers.js";

const SECRET = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:my-db-secret";

// The original's current example ("既存 RDS への接続"), with the container in the cluster's VPC.
const HEAD = `${GENERAL}
[vpc]
ref = "legacy"
manage = false

[rds]
managed = false
secret_arn = "${SECRET}"
security_group_id = "sg-0123456789abcdef0"

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[container.main.secrets.managed]
DATABASE_URL = { type = "rds_database_url" }
`;

describe("[rds] managed = false (an existing cluster)", () => {
  it("makes nothing: no cluster names, the secret and security group handed to the functions", () => {
    const ctx = context(HEAD);
    expect(ctx.rds).toBeUndefined();
    expect(ctx.rdsExisting).toEqual({
      secretArn: SECRET,
      securityGroupId: "sg-0123456789abcdef0",
      databaseName: undefined,
      region: "ap-northeast-1",
    });
    expect(ctx.container?.usesRds).toBe(true);
    expect(ctx.container?.secrets?.managed.DATABASE_URL).toBeUndefined();
  });

  it("takes database as the database on that cluster", () => {
    expect(
      context(HEAD.replace("managed = false", 'managed = false\ndatabase = "shop"')).rdsExisting
        ?.databaseName,
    ).toBe("shop");
  });

  it("refuses what shapes a cluster pocket makes, and a missing secret or group", () => {
    expect(codes(problems(HEAD.replace("managed = false", "managed = false\nmax_capacity = 4")))).toEqual([
      "rds-existing-key",
    ]);
    expect(codes(problems(HEAD.replace('security_group_id = "sg-0123456789abcdef0"', "")))).toEqual([
      "rds-existing-incomplete",
    ]);
    expect(codes(problems(HEAD.replace("managed = false\n", "")))).toContain("rds-managed-existing-key");
  });

  it("needs the container in a VPC to reach the cluster's security group", () => {
    const noVpc = HEAD.replace('[vpc]\nref = "legacy"\nmanage = false\n', "");
    expect(codes(problems(noVpc))).toContain("rds-existing-container-vpc");
    // Without a container there is nothing to connect: the file loads.
    expect(context(noVpc.slice(0, noVpc.indexOf("[container.main]"))).rdsExisting?.securityGroupId).toBe(
      "sg-0123456789abcdef0",
    );
  });
});
