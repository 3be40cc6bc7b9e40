import { describe, expect, it } from "vitest";
import { lambdaEnvironment } from "../src/index.js";
import { CONTAINER, codes, context, GENERAL, problems } from "./helpers.js";

// The original's current examples (configuration.md, "dsql"): the one-line section, and deletion
// protection for one stage only.
const HEAD_CONTAINER = `[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;
const HEAD = `${GENERAL}\n[dsql]\n\n${HEAD_CONTAINER}`;
const PER_STAGE = `${GENERAL}\n[dsql]\n# dev はこのまま\n\n[prd.dsql]\ndeletion_protection = true\n\n${HEAD_CONTAINER}`;

describe("[dsql]", () => {
  it("derives the original's names: the cluster's Name tag and the endpoint's stored user secret", () => {
    expect(context(HEAD, "dev").dsql).toEqual({
      nameTag: "dev-testprj-pocket-dsql",
      region: "ap-northeast-1",
      deletionProtection: false,
      endpointSecret: { name: "dev-testprj-pocket-user/dsql_endpoint", store: "sm" },
      port: 5432,
    });
  });

  it("publishes the endpoint under /{stage}-{project}-{namespace}-user/ in SSM when the container's store is ssm", () => {
    const ssm = `${HEAD}\n[container.main.secrets]\nstore = "ssm"\n`;
    expect(context(ssm, "prd").dsql?.endpointSecret).toEqual({
      name: "/prd-testprj-pocket-user/dsql_endpoint",
      store: "ssm",
    });
  });

  it("deletion_protection is per stage, as written ([prd.dsql]); no stage name changes the default", () => {
    expect(context(PER_STAGE, "dev").dsql?.deletionProtection).toBe(false);
    expect(context(PER_STAGE, "prd").dsql?.deletionProtection).toBe(true);
  });

  it("is read in the seed's spelling too, with the same meaning", () => {
    const seed = `${GENERAL}\n[dsql]\n\n[prd.dsql]\ndeletion_protection = true\n\n${CONTAINER}`;
    expect(context(seed, "prd").dsql).toEqual(context(PER_STAGE, "prd").dsql);
  });

  it("gives the functions POCKET_DSQL_ENDPOINT (from the deploy) and POCKET_DSQL_REGION", () => {
    const env = lambdaEnvironment(context(HEAD));
    expect(env.POCKET_DSQL_ENDPOINT).toEqual({ Ref: "DsqlEndpoint" });
    expect(env.POCKET_DSQL_REGION).toBe("ap-northeast-1");
    expect(lambdaEnvironment(context(`${GENERAL}\n${HEAD_CONTAINER}`)).POCKET_DSQL_ENDPOINT).toBeUndefined();
  });

  it("refuses an unknown key and a non-boolean deletion_protection", () => {
    expect(codes(problems(HEAD.replace("[dsql]", "[dsql]\nbackup = true")))).toEqual(["unknown-key"]);
    expect(codes(problems(HEAD.replace("[dsql]", '[dsql]\ndeletion_protection = "yes"')))).toHaveLength(1);
  });
});
