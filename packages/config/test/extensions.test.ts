import { describe, expect, it } from "vitest";
import { pocketTomlJsonSchema } from "../src/index.js";
import { CONTAINER, codes, context, GENERAL, problems } from "./helpers.js";

describe("[ses]", () => {
  it("derives the identity, the region and the send resources", () => {
    const c = context(
      `${GENERAL}\n${CONTAINER}\n[ses]\nfrom_email = "Shop <noreply@example.com>"\nconfiguration_set = "main"\n`,
    );
    expect(c.ses).toEqual({
      fromEmail: "Shop <noreply@example.com>",
      region: "ap-northeast-1",
      identity: "noreply@example.com",
      identityType: "email",
      domain: "example.com",
      sendResources: [
        "arn:${AWS::Partition}:ses:ap-northeast-1:${AWS::AccountId}:identity/noreply@example.com",
        "arn:${AWS::Partition}:ses:ap-northeast-1:${AWS::AccountId}:identity/example.com",
        "arn:${AWS::Partition}:ses:ap-northeast-1:${AWS::AccountId}:configuration-set/main",
      ],
      configurationSet: "main",
      env: {
        fromEmail: "POCKET_SES_FROM_EMAIL",
        region: "POCKET_SES_REGION",
        configurationSet: "POCKET_SES_CONFIGURATION_SET",
      },
    });
  });

  it("accepts a domain identity and another region", () => {
    const c = context(`${GENERAL}\n[ses]\nfrom_email = "example.com"\nregion = "us-east-1"\n`);
    expect(c.ses).toMatchObject({ identity: "example.com", identityType: "domain", region: "us-east-1" });
    expect(c.ses!.sendResources).toEqual([
      "arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:identity/example.com",
    ]);
  });

  it("requires from_email, an address or a domain, at its line", () => {
    expect(problems(`${GENERAL}\n[ses]\n`)[0]).toMatchObject({ code: "missing-key", path: "ses.from_email" });
    for (const bad of ["noreply", "a@b", "two words@example.com", "<>"]) {
      const d = problems(`${GENERAL}\n[ses]\nfrom_email = "${bad}"\n`)[0]!;
      expect(d, bad).toMatchObject({ code: "ses-from-email", path: "ses.from_email" });
      expect(d.position!.line).toBe(7);
    }
    expect(
      codes(problems(`${GENERAL}\n[ses]\nfrom_email = "a@b.com"\nconfiguration_set = "no spaces"\n`)),
    ).toEqual(["invalid-format"]);
  });

  it("is in the JSON schema", () => {
    const schema = pocketTomlJsonSchema() as {
      properties: Record<string, { properties: object; required: string[] }>;
    };
    expect(Object.keys(schema.properties.ses!.properties)).toEqual([
      "from_email",
      "region",
      "configuration_set",
    ]);
    expect(schema.properties.ses!.required).toEqual(["from_email"]);
  });
});
