import { describe, expect, it } from "vitest";
import { context, GENERAL, problems } from "./helpers.js";

// The original's current example ("snapshot からの復元"), with the VPC and container it needs.
const HEAD = (rds: string) => `${GENERAL}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[rds]

[prd.rds]
${rds}

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

describe("[rds] snapshot_identifier (a managed cluster restored from a snapshot)", () => {
  it("is read for the stage that writes it, with the database named after the snapshot's", () => {
    const ctx = context(
      HEAD('snapshot_identifier = "myapp-prod-migration-20260410"\ndatabase = "prod_myapp"'),
      "prd",
    );
    expect(ctx.rds).toMatchObject({
      clusterIdentifier: "prd-testprj-pocket-aurora",
      snapshotIdentifier: "myapp-prod-migration-20260410",
      databaseName: "prod_myapp",
      backupRetentionDays: 35,
    });
    const dev = context(HEAD('snapshot_identifier = "myapp-prod-migration-20260410"'), "dev");
    expect(dev.rds?.snapshotIdentifier).toBeUndefined();
    expect(dev.rds?.databaseName).toBe("dev_testprj");
  });

  it("takes an ARN (another account's or an automated snapshot)", () => {
    const arn = "arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:rds:myapp-prod-2026-04-10-03-07";
    expect(context(HEAD(`snapshot_identifier = "${arn}"`), "prd").rds?.snapshotIdentifier).toBe(arn);
  });

  it("refuses what is neither a snapshot id nor a snapshot ARN, at the key", () => {
    const ds = problems(HEAD('snapshot_identifier = "my snapshot!"'), "prd");
    expect(ds.map((d) => d.path)).toEqual(["rds.snapshot_identifier"]);
  });

  it("is refused with managed = false: that cluster is not pocket's to create", () => {
    const ds = problems(`${GENERAL}
[vpc]
ref = "legacy"
manage = false

[rds]
managed = false
secret_arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db"
security_group_id = "sg-0123456789abcdef0"
snapshot_identifier = "s1"

[container.main]
dockerfile_path = "Dockerfile"
`);
    expect(ds.map((d) => [d.code, d.path])).toEqual([["rds-existing-key", "rds.snapshot_identifier"]]);
  });
});
