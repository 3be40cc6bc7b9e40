import { describe, expect, it } from "vitest";
import { pocketTomlJsonSchema } from "../src/index.js";
import { CONTAINER, codes, context, GENERAL, load, problems } from "./helpers.js";

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

describe("[awscontainer.iam]", () => {
  const iam = (body: string) => `${GENERAL}\n${CONTAINER}\n[awscontainer.iam]\n${body}\n`;

  it("carries managed policies, inline policies as written and the boundary", () => {
    const c = context(
      iam(`managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"

[awscontainer.iam.inline_policies.read-queue]
Version = "2012-10-17"
Statement = [{ Effect = "Allow", Action = ["sqs:ReceiveMessage"], Resource = "arn:aws:sqs:ap-northeast-1:123456789012:q" }]`),
    );
    expect(c.container!.iam).toEqual({
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
      inlinePolicies: {
        "read-queue": {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["sqs:ReceiveMessage"],
              Resource: "arn:aws:sqs:ap-northeast-1:123456789012:q",
            },
          ],
        },
      },
    });
    expect(c.container!.permissionsBoundary).toBe("arn:aws:iam::123456789012:policy/boundary");
  });

  it("keeps awscontainer.permissions_boundary as the same setting", () => {
    const b = "arn:aws:iam::123456789012:policy/b";
    const c = context(`${GENERAL}\n${CONTAINER.replace("\n\n", `\npermissions_boundary = "${b}"\n\n`)}`);
    expect(c.container!.permissionsBoundary).toBe(b);
    expect(c.container!.iam).toEqual({ managedPolicyArns: [], inlinePolicies: {} });
    const twice = `${GENERAL}\n${CONTAINER.replace("\n\n", `\npermissions_boundary = "${b}"\n\n`)}\n[awscontainer.iam]\npermissions_boundary = "${b}2"\n`;
    expect(codes(problems(twice))).toEqual(["permissions-boundary-twice"]);
  });

  it("checks ARN shapes, the policy document and the size limit at the line", () => {
    const bad = problems(iam('managed_policy_arns = ["AmazonS3ReadOnlyAccess"]'))[0]!;
    expect(bad).toMatchObject({ path: "awscontainer.iam.managed_policy_arns[0]" });
    expect(problems(iam('permissions_boundary = "arn:aws:iam::123:policy/x"'))[0]!.path).toBe(
      "awscontainer.iam.permissions_boundary",
    );
    const noAction = problems(
      iam('[awscontainer.iam.inline_policies.p]\nStatement = [{ Effect = "Allow", Resource = "*" }]'),
    )[0]!;
    expect(noAction).toMatchObject({
      code: "policy-statement-action",
      path: "awscontainer.iam.inline_policies.p.Statement[0]",
    });
    const effect = problems(
      iam(
        '[awscontainer.iam.inline_policies.p]\nStatement = [{ Effect = "Maybe", Action = "s3:*", Resource = "*" }]',
      ),
    )[0]!;
    expect(effect.path).toBe("awscontainer.iam.inline_policies.p.Statement[0].Effect");
    const unknown = problems(
      iam(
        '[awscontainer.iam.inline_policies.p]\nStatement = [{ Effect = "Allow", Action = "s3:*", Resource = "*", Principal = "*" }]',
      ),
    )[0]!;
    expect(unknown).toMatchObject({
      code: "unknown-key",
      path: "awscontainer.iam.inline_policies.p.Statement[0].Principal",
    });
    const resources = Array.from({ length: 300 }, (_, i) => `"arn:aws:s3:::bucket-number-${i}/*"`).join(", ");
    const big = problems(
      iam(
        `[awscontainer.iam.inline_policies.p]\nStatement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = [${resources}] }]`,
      ),
    )[0]!;
    expect(big).toMatchObject({
      code: "inline-policies-too-large",
      path: "awscontainer.iam.inline_policies",
    });
  });

  it("is in the JSON schema", () => {
    const schema = pocketTomlJsonSchema() as any;
    // [container.<name>] (the original's current spelling) has the same keys, per named container,
    // and ecr_name (the seed's spelling names the repository itself).
    const { ecr_name, ...named } = schema.properties.container.additionalProperties.properties;
    expect(ecr_name.type).toBe("string");
    expect({ ...schema.properties.container.additionalProperties, properties: named }).toEqual(
      schema.properties.awscontainer,
    );
    expect(schema.properties.container.propertyNames.pattern).toBe("^[a-z][a-z0-9]{0,31}$");
    expect(
      Object.keys(schema.properties.awscontainer.properties.handlers.additionalProperties.properties),
    ).toContain("envs");
    expect(Object.keys(schema.properties.awscontainer.properties.iam.properties)).toEqual([
      "managed_policy_arns",
      "inline_policies",
      "permissions_boundary",
    ]);
  });
});

describe("[scheduler.schedules.<key>]", () => {
  const APP = `${GENERAL}
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = {}
`;

  it("derives the group, expressions, targets with their input, roles and retries", () => {
    const c = context(`${APP}
[scheduler.schedules.clearsessions]
cron = "30 4 * * ? *"
handler = "management"
manage = "clearsessions"

[scheduler.schedules.tick]
rate = "15 minutes"
handler = "worker"
message = { command = "tick" }
timezone = "Asia/Tokyo"
enabled = false

[scheduler.schedules.ping]
rate = "1 hour"
handler = "wsgi"
input = { path = "/health" }
description = "keep warm"
`);
    const s = c.scheduler!;
    expect(s.groupName).toBe("dev-testprj-pocket-schedules");
    expect(s.schedules.clearsessions).toEqual({
      key: "clearsessions",
      name: "clearsessions",
      logicalId: "ScheduleClearsessions",
      handler: "management",
      expression: "cron(30 4 * * ? *)",
      timezone: "UTC",
      state: "ENABLED",
      description: undefined,
      roleName: "dev-testprj-pocket-schedule-clearsessions",
      target: {
        kind: "lambda",
        handlerKind: "manage",
        functionName: "dev-testprj-pocket-management",
        input: '{"manage":"clearsessions"}',
      },
      deadLetterQueueName: undefined,
      retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 3600 },
    });
    expect(s.schedules.tick).toMatchObject({
      expression: "rate(15 minutes)",
      timezone: "Asia/Tokyo",
      state: "DISABLED",
      target: { kind: "sqs", queueName: "dev-testprj-pocket-worker", input: '{"command":"tick"}' },
      deadLetterQueueName: "dev-testprj-pocket-worker-dead-letter",
    });
    expect(s.schedules.ping!.target).toEqual({
      kind: "lambda",
      handlerKind: "plain",
      functionName: "dev-testprj-pocket-wsgi",
      input: '{"path":"/health"}',
    });
  });

  const one = (body: string) => `${APP}\n[scheduler.schedules.job]\n${body}\n`;
  const first = (body: string) => problems(one(body))[0]!;

  it.each([
    ['cron = "0 3 * * *"\nhandler = "management"\nmanage = "x"', "schedule-cron", "cron", "6"],
    ['cron = "0 3 * * 1 *"\nhandler = "management"\nmanage = "x"', "schedule-cron", "cron", '"?"'],
    ['cron = "0 3 ? * ? *"\nhandler = "management"\nmanage = "x"', "schedule-cron", "cron", '"?"'],
    ['cron = "61 3 * * ? *"\nhandler = "management"\nmanage = "x"', "schedule-cron", "cron", "minutes"],
    ['rate = "1 hours"\nhandler = "management"\nmanage = "x"', "schedule-rate", "rate", "singular"],
    ['rate = "5 minute"\nhandler = "management"\nmanage = "x"', "schedule-rate", "rate", "plural"],
    ['rate = "5 weeks"\nhandler = "management"\nmanage = "x"', "schedule-rate", "rate", "minutes"],
    [
      'rate = "5 minutes"\ncron = "0 3 * * ? *"\nhandler = "management"\nmanage = "x"',
      "schedule-expression",
      "rate",
      "exactly one",
    ],
    [
      'rate = "5 minutes"\nhandler = "management"\nmanage = "x"\ntimezone = "Mars/Base"',
      "schedule-timezone",
      "timezone",
      "IANA",
    ],
    [
      'rate = "5 minutes"\nhandler = "mangement"\nmanage = "x"',
      "schedule-unknown-handler",
      "handler",
      "management",
    ],
    ['rate = "5 minutes"\nhandler = "management"\ninput = { a = 1 }', "schedule-payload", "input", "manage"],
    ['rate = "5 minutes"\nhandler = "wsgi"\nmessage = "x"', "schedule-payload", "message", "input"],
    ['rate = "5 minutes"\nhandler = "worker"\nmanage = "x"', "schedule-payload", "manage", "message"],
  ])("%s → %s", (body, code, key, text) => {
    const d = first(body);
    expect(d.code).toBe(code);
    expect(d.path).toBe(`scheduler.schedules.job.${key}`);
    expect(`${d.message} ${d.hint ?? ""}`).toContain(text);
  });

  it("requires the payload of a management or queue handler", () => {
    expect(first('rate = "1 day"\nhandler = "management"').code).toBe("schedule-payload-missing");
    context(one('rate = "1 day"\nhandler = "wsgi"'));
  });

  it("accepts AWS's cron forms and is in the JSON schema", () => {
    for (const cron of [
      "0 18 ? * MON-FRI *",
      "0/15 * * * ? *",
      "0 8 1 * ? *",
      "0 10 ? * 6L 2026-2030",
      "0 0 L * ? *",
      "15 10 ? * 6#3 *",
    ]) {
      context(one(`cron = "${cron}"\nhandler = "management"\nmanage = "x"`));
    }
    const schema = pocketTomlJsonSchema() as any;
    expect(
      Object.keys(schema.properties.scheduler.properties.schedules.additionalProperties.properties),
    ).toEqual([
      "cron",
      "rate",
      "handler",
      "timezone",
      "enabled",
      "description",
      "input",
      "manage",
      "message",
      // The original's current spelling names the payload by the scheduler kind.
      "scheduler",
    ]);
  });
});

describe("[cloudfront.<name>] edge protection", () => {
  const SITE = `${GENERAL}\n[s3]\n\n${CONTAINER}apigateway = {}\n`;
  const ROUTES =
    'routes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "api", handler = "wsgi" }]';

  it("origin verify adds its managed secret, with default secret settings when there are none", () => {
    const c = context(`${SITE}\n[cloudfront.main]\nenable_origin_verify = true\n${ROUTES}\n`);
    expect(c.cloudfront!.main!.originVerify).toEqual({
      secret: "POCKET_ORIGIN_VERIFY_SECRET",
      header: "X-Pocket-Origin-Verify",
    });
    const secrets = c.container!.secrets!;
    expect(secrets.managed.POCKET_ORIGIN_VERIFY_SECRET).toEqual({
      type: "origin_verify",
      env: "POCKET_ORIGIN_VERIFY_SECRET",
    });
    expect(secrets).toMatchObject({ store: "sm", pocketKey: "dev-testprj-pocket" });
    expect(secrets.runtime.managed.POCKET_ORIGIN_VERIFY_SECRET).toEqual({
      type: "origin_verify",
      env: "POCKET_ORIGIN_VERIFY_SECRET",
    });
  });

  it("origin verify needs an api route; POCKET_ secret names are pocket's", () => {
    const d = problems(
      `${SITE}\n[cloudfront.main]\nenable_origin_verify = true\nroutes = [{ is_default = true }]\n`,
    )[0]!;
    expect(d).toMatchObject({
      code: "origin-verify-needs-api",
      path: "cloudfront.main.enable_origin_verify",
    });
    expect(
      codes(
        problems(
          `${SITE}\n[awscontainer.secrets.managed]\nPOCKET_ORIGIN_VERIFY_SECRET = { type = "password" }\n`,
        ),
      ),
    ).toEqual(["secret-reserved-prefix"]);
  });

  it("basic auth names a basic_auth_credential secret; a password in the file is a hidden credential", () => {
    const toml = `${SITE}\n[awscontainer.secrets.managed]\nSTAGING_AUTH = { type = "basic_auth_credential", options = { username = "staff", password = "s3cret-pass" } }\n\n[cloudfront.main]\nbasic_auth = "STAGING_AUTH"\nbasic_auth_exclude = ["/health"]\n${ROUTES}\n`;
    const r = load(toml);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    expect(r.config.context.cloudfront!.main!.basicAuth).toEqual({
      secret: "STAGING_AUTH",
      exclude: ["/health"],
      kvsName: "dev-testprj-main-auth-kvs",
    });
    expect(r.config.context.container!.secrets!.managed.STAGING_AUTH).toEqual({
      type: "basic_auth_credential",
      username: "staff",
      env: "STAGING_AUTH",
    });
    expect(r.config.credentials.basicAuthPasswords).toEqual({ STAGING_AUTH: "s3cret-pass" });
    expect(JSON.stringify({ s: r.config.settings, c: r.config.context })).not.toContain("s3cret-pass");
    expect(r.config.warnings.map((w) => w.code)).toEqual(["password-in-file"]);
  });

  it("checks the basic auth secret and its options at the line", () => {
    const base = `${SITE}\n[cloudfront.main]\nbasic_auth = "AUTH"\n${ROUTES}\n`;
    expect(codes(problems(base))).toEqual(["basic-auth-secrets"]);
    expect(
      codes(problems(`${base}\n[awscontainer.secrets.managed]\nAUTH = { type = "password" }\n`)),
    ).toEqual(["basic-auth-type"]);
    const colon = problems(
      `${base}\n[awscontainer.secrets.managed]\nAUTH = { type = "basic_auth_credential", options = { username = "a:b" } }\n`,
    )[0]!;
    expect(colon.path).toBe("awscontainer.secrets.managed.AUTH.options.username");
    const noUser = problems(
      `${base}\n[awscontainer.secrets.managed]\nAUTH = { type = "basic_auth_credential", options = {} }\n`,
    )[0]!;
    expect(noUser).toMatchObject({
      code: "missing-key",
      path: "awscontainer.secrets.managed.AUTH.options.username",
    });
    expect(
      codes(problems(`${SITE}\n[cloudfront.main]\nbasic_auth_exclude = ["/health"]\n${ROUTES}\n`)),
    ).toEqual(["basic-auth-exclude-alone"]);
  });

  it("waf: names, rules and their checks", () => {
    const c = context(
      `${SITE}\n[cloudfront.main]\n${ROUTES}\nwaf = { ip_allow_list = ["/admin"], managed_rule_groups = ["AWSManagedRulesCommonRuleSet"], rate_limit = 2000, allow_paths = ["/health"] }\n`,
    );
    expect(c.cloudfront!.main!.waf).toEqual({
      webAclName: "dev-testprj-main-waf",
      ipSetNames: { v4: "dev-testprj-main-allow-v4", v6: "dev-testprj-main-allow-v6" },
      ipAllowList: ["/admin"],
      managedRuleGroups: ["AWSManagedRulesCommonRuleSet"],
      rateLimit: 2000,
      allowPaths: ["/health"],
      allowExactPaths: [],
    });
    const waf = (v: string) => problems(`${SITE}\n[cloudfront.main]\n${ROUTES}\nwaf = ${v}\n`)[0]!;
    expect(waf("{ rate_limit = 5 }").path).toBe("cloudfront.main.waf.rate_limit");
    expect(waf("{}").code).toBe("waf-empty");
    expect(waf('{ ip_allow_list = true, allow_paths = ["health"] }').path).toBe(
      "cloudfront.main.waf.allow_paths[0]",
    );
    expect(waf('{ managed_rule_groups = ["A", "A"] }').code).toBe("waf-rule-group-duplicate");
    expect(waf('{ managed_rule_groups = ["not a group!"] }').path).toBe(
      "cloudfront.main.waf.managed_rule_groups[0]",
    );
  });

  it("is in the JSON schema", () => {
    const props = (pocketTomlJsonSchema() as any).properties.cloudfront.additionalProperties.properties;
    for (const key of ["enable_origin_verify", "basic_auth", "basic_auth_exclude", "waf"])
      expect(props).toHaveProperty(key);
    expect(Object.keys(props.waf.properties)).toEqual([
      "ip_allow_list",
      "managed_rule_groups",
      "rate_limit",
      "allow_paths",
      // The original's current spelling of the IP allowlist and the path rules.
      "enable_ip_set",
      "allow_rules",
    ]);
  });
});

describe("[s3] versioning, cors, lifecycle_rules and [rds] backups", () => {
  it("carries the bucket settings into the context", () => {
    const c = context(`${GENERAL}
[s3]
versioning = true
cors = [{ allowed_origins = ["https://example.com"], allowed_methods = ["GET", "PUT"], max_age = 3000 }]
lifecycle_rules = [{ id = "tmp", prefix = "tmp/", expiration_days = 1, noncurrent_version_expiration_days = 7 }]
`);
    expect(c.s3).toEqual({
      bucketName: "dev-testprj-pocket",
      region: "ap-northeast-1",
      versioning: true,
      cors: [
        {
          allowedOrigins: ["https://example.com"],
          allowedMethods: ["GET", "PUT"],
          allowedHeaders: [],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [{ id: "tmp", prefix: "tmp/", expirationDays: 1, noncurrentVersionExpirationDays: 7 }],
    });
  });

  it("checks rules at the line", () => {
    const s3 = (body: string) => problems(`${GENERAL}\n[s3]\n${body}\n`)[0]!;
    expect(s3('lifecycle_rules = [{ id = "x" }]')).toMatchObject({
      code: "lifecycle-rule-empty",
      path: "s3.lifecycle_rules[0]",
    });
    expect(s3('lifecycle_rules = [{ id = "x", noncurrent_version_expiration_days = 3 }]')).toMatchObject({
      code: "lifecycle-noncurrent-versioning",
      path: "s3.lifecycle_rules[0].noncurrent_version_expiration_days",
    });
    expect(
      s3('lifecycle_rules = [{ id = "x", expiration_days = 1 }, { id = "x", expiration_days = 2 }]').code,
    ).toBe("lifecycle-rule-duplicate");
    expect(s3('cors = [{ allowed_origins = ["example.com"], allowed_methods = ["GET"] }]').path).toBe(
      "s3.cors[0].allowed_origins[0]",
    );
    expect(s3('cors = [{ allowed_origins = ["*"], allowed_methods = ["PATCH"] }]').path).toBe(
      "s3.cors[0].allowed_methods[0]",
    );
  });

  it("warns when a rule would expire a storage's or a front-end route's files, naming it", () => {
    const toml = `${GENERAL}
[s3]
lifecycle_rules = [{ id = "all", expiration_days = 30 }, { id = "uploads", prefix = "media/tmp", expiration_days = 1 }, { id = "ok", prefix = "scratch/", expiration_days = 1 }]

${CONTAINER}
[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true }

[cloudfront.main]
routes = [{ is_default = true, is_spa = true }]
`;
    const r = load(toml);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const w = r.config.warnings.filter((d) => d.code === "lifecycle-expires-files");
    expect(w.map((d) => d.path)).toEqual(["s3.lifecycle_rules[0].prefix", "s3.lifecycle_rules[1].prefix"]);
    expect(w[0]!.message).toContain('Django storage "default"');
    expect(w[0]!.message).toContain('Django storage "staticfiles"');
    expect(w[0]!.message).toContain("[cloudfront.main]");
    expect(w[1]!.message).toContain('Django storage "default"');
    expect(w[1]!.message).not.toContain("staticfiles");
  });

  it("rds: backup retention (default 7, 1-35) and a window of 30 minutes or more", () => {
    const vpc = `${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n${CONTAINER}\n[rds]\n`;
    const c = context(vpc);
    expect(c.rds).toMatchObject({ backupRetentionDays: 7, preferredBackupWindow: undefined });
    expect(
      context(`${vpc}backup_retention_days = 35\npreferred_backup_window = "23:45-00:15"\n`).rds,
    ).toMatchObject({
      backupRetentionDays: 35,
      preferredBackupWindow: "23:45-00:15",
    });
    expect(problems(`${vpc}backup_retention_days = 0\n`)[0]!.path).toBe("rds.backup_retention_days");
    expect(problems(`${vpc}preferred_backup_window = "17:00-17:20"\n`)[0]!).toMatchObject({
      code: "rds-backup-window",
      path: "rds.preferred_backup_window",
    });
    expect(problems(`${vpc}preferred_backup_window = "5pm"\n`)[0]!.path).toBe("rds.preferred_backup_window");
  });
});
