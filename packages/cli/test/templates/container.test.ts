import { beforeAll, describe, expect, it } from "vitest";
import { containerParameters, containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { vpcStackTags, vpcTemplate } from "../../src/templates/vpc.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

const GENERAL = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev", "prd"]
`;

const GETTING_STARTED = `${GENERAL}
[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.envs]
FEATURE_FLAG = "on"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
RSA_KEY = { type = "rsa_pem_base64" }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[prd.awscontainer.handlers.wsgi]
memory_size = 1024
reserved_concurrency = 5
apigateway = { domain = "api.example.com" }
`;

const CASES: Record<string, { toml: string; stage?: string }> = {
  "getting-started": { toml: GETTING_STARTED },
  "getting-started-prd": { toml: GETTING_STARTED, stage: "prd" },
  "vpc-efs-rds": {
    toml: `${GENERAL}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]
sharable = true
efs = {}

[rds]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`,
  },
  "external-vpc": {
    toml: `${GENERAL}
[vpc]
ref = "main"
manage = false

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`,
  },
  "ssm-user-secrets-boundary": {
    toml: `${GENERAL}
[awscontainer]
dockerfile_path = "Dockerfile"
permissions_boundary = "arn:aws:iam::123456789012:policy/pocket-boundary"

[awscontainer.secrets]
store = "ssm"
require_list_secrets = true
extra_resources = ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared-AbCdEf"]

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password" }

[awscontainer.secrets.user]
STRIPE_KEY = { name = "/myapp/stripe" }
GITHUB_TOKEN = { name = "github-token", store = "sm" }

[awscontainer.handlers.worker]
command = "app.worker"
sqs = { batch_size = 5, maximum_concurrency = 4, dead_letter_max_receive_count = 3, report_batch_item_failures = false }
`,
  },
  "custom-domain-no-records": {
    toml: `${GENERAL}
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = { domain = "api.example.com", create_records = false }

[awscontainer.handlers.admin]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = { domain = "admin.example.com", hosted_zone_id_override = "Z0OVERRIDE" }
`,
  },
};

const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;
const ctxs: Record<string, ReturnType<typeof loadInline>["context"]> = {};

beforeAll(() => {
  for (const [name, c] of Object.entries(CASES)) {
    const ctx = loadInline(c.toml, c.stage ?? "dev").context;
    ctxs[name] = ctx;
    templates[`${name}.container`] = containerTemplate(ctx);
    if (ctx.vpc?.manage) templates[`${name}.vpc`] = vpcTemplate(ctx);
  }
  lint = cfnLint(templates, { regions: ["ap-northeast-1"] });
});

const res = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`no resource ${id}; have ${Object.keys(t.Resources).join(", ")}`);
  return r.Properties as Record<string, any>;
};
const statements = (t: Template) =>
  (res(t, "LambdaRole").Policies as any[]).flatMap((p) => p.PolicyDocument.Statement as any[]);

describe("container and VPC templates", () => {
  it("are cfn-lint clean for every case", () => {
    expect(Object.keys(templates).length).toBe(7);
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("make one function per handler from the image parameter, with timeout and memory", () => {
    const t = templates["getting-started.container"]!;
    const wsgi = res(t, "WsgiLambdaFunction");
    expect(wsgi.FunctionName).toBe(ctxs["getting-started"]!.container!.handlers.wsgi!.functionName);
    expect(wsgi.Code).toEqual({ ImageUri: { Ref: "ImageUri" } });
    expect(wsgi.ImageConfig.Command).toEqual(["pocket.django.lambda_handlers.wsgi_handler"]);
    expect(wsgi.Timeout).toBe(30);
    expect(wsgi.MemorySize).toBe(512);
    expect(wsgi.ReservedConcurrentExecutions).toBeUndefined();
    expect(res(t, "ManagementLambdaFunction").Timeout).toBe(600);
    expect(t.Parameters!.ImageUri!.AllowedPattern).toContain("@sha256:");
    const prd = res(templates["getting-started-prd.container"]!, "WsgiLambdaFunction");
    expect(prd.MemorySize).toBe(1024);
    expect(prd.ReservedConcurrentExecutions).toBe(5);
  });

  it("sets the whole runtime contract in every function's environment", () => {
    const t = templates["getting-started.container"]!;
    const env = res(t, "ManagementLambdaFunction").Environment.Variables;
    expect(env.POCKET_STAGE).toBe("dev");
    expect(env.POCKET_PROJECT_NAME).toBe("myapp");
    expect(env.POCKET_REGION).toBe("ap-northeast-1");
    expect(env.POCKET_WSGI_HOST).toEqual({
      "Fn::Sub": "${WsgiApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}",
    });
    expect(env.POCKET_WSGI_ENDPOINT).toEqual({
      "Fn::Join": [
        "",
        ["https://", { "Fn::Sub": "${WsgiApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}" }],
      ],
    });
    expect(env.POCKET_HOSTS).toEqual({
      "Fn::Join": [",", [{ "Fn::Sub": "${WsgiApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}" }]],
    });
    expect(env.POCKET_MANAGEMENT_QUEUEURL).toEqual({ Ref: "ManagementSqsQueue" });
    expect(JSON.parse(env.POCKET_SECRETS)).toEqual({
      store: "sm",
      key: "dev-myapp-pocket",
      stage: "dev",
      project: "myapp",
      managed: {
        SECRET_KEY: { type: "password", env: "SECRET_KEY" },
        RSA_KEY: { type: "rsa_pem_base64", pem: "RSA_KEY_PEM_BASE64", pub: "RSA_KEY_PUB_BASE64" },
      },
      user: {},
    });
    expect(JSON.parse(env.POCKET_DJANGO)).toEqual({
      storages: {
        default: { BACKEND: "django.core.files.storage.FileSystemStorage" },
        staticfiles: { BACKEND: "django.contrib.staticfiles.storage.StaticFilesStorage" },
      },
      caches: { default: { BACKEND: "django.core.cache.backends.locmem.LocMemCache" } },
      settings: {},
    });
    // Nothing more than the contract: a new variable must be added here on purpose.
    expect(Object.keys(env).sort()).toEqual([
      "FEATURE_FLAG",
      "POCKET_DJANGO",
      "POCKET_HOSTS",
      "POCKET_MANAGEMENT_QUEUEURL",
      "POCKET_MANAGEMENT_REPORT_BATCH_ITEM_FAILURES",
      "POCKET_PROJECT_NAME",
      "POCKET_REGION",
      "POCKET_SECRETS",
      "POCKET_STAGE",
      "POCKET_WSGI_ENDPOINT",
      "POCKET_WSGI_HOST",
    ]);
    expect(env.FEATURE_FLAG).toBe("on");
    expect(res(t, "WsgiLambdaFunction").Environment.Variables).toEqual(env);
    const prdEnv = res(templates["getting-started-prd.container"]!, "WsgiLambdaFunction").Environment
      .Variables;
    expect(prdEnv.POCKET_WSGI_HOST).toBe("api.example.com");
    expect(prdEnv.POCKET_WSGI_ENDPOINT).toBe("https://api.example.com");
  });

  it("never retries the management handler on its own", () => {
    const t = templates["getting-started.container"]!;
    expect(res(t, "ManagementEventInvokeConfig").MaximumRetryAttempts).toBe(0);
    expect(t.Resources.WsgiEventInvokeConfig).toBeUndefined();
  });

  it("wires an HTTP API with a $default route, stage and scoped invoke permission", () => {
    const t = templates["getting-started.container"]!;
    expect(res(t, "WsgiApi").ProtocolType).toBe("HTTP");
    expect(res(t, "WsgiApi").DisableExecuteApiEndpoint).toBe(false);
    expect(res(t, "WsgiRoute").RouteKey).toBe("$default");
    expect(res(t, "WsgiStage")).toMatchObject({ StageName: "$default", AutoDeploy: true });
    expect(res(t, "WsgiIntegration").PayloadFormatVersion).toBe("2.0");
    expect(res(t, "WsgiPermission").SourceArn["Fn::Sub"]).toContain("${WsgiApi}/*");
  });

  it("adds certificate, domain, mapping and alias records for a custom domain", () => {
    const t = templates["getting-started-prd.container"]!;
    expect(res(t, "WsgiApi").DisableExecuteApiEndpoint).toBe(true);
    const certId = Object.keys(t.Resources).find(
      (k) => t.Resources[k]!.Type === "AWS::CertificateManager::Certificate",
    )!;
    expect(res(t, certId).DomainValidationOptions[0].HostedZoneId).toEqual({ Ref: "HostedZoneIdWsgi" });
    expect(res(t, "WsgiApiGatewayApiMapping").DomainName).toBe("api.example.com");
    expect(res(t, "WsgiDNSRecord").AliasTarget.DNSName).toEqual({
      "Fn::GetAtt": ["WsgiApiGatewayDomainName", "RegionalDomainName"],
    });
    const manual = templates["custom-domain-no-records.container"]!;
    expect(manual.Resources.WsgiDNSRecord).toBeUndefined();
    const manualCert = Object.entries(manual.Resources).find(
      ([, r]) =>
        r.Type === "AWS::CertificateManager::Certificate" &&
        (r.Properties as any).DomainName === "api.example.com",
    )!;
    expect((manualCert[1].Properties as any).DomainValidationOptions).toBeUndefined();
    expect(res(manual, "AdminDNSRecord").HostedZoneId).toBe("Z0OVERRIDE");
    expect(Object.keys(manual.Parameters!)).toEqual(["ImageUri"]);
  });

  it("makes each SQS handler a queue with a dead-letter queue and an event source mapping", () => {
    const t = templates["getting-started.container"]!;
    const q = res(t, "ManagementSqsQueue");
    expect(q.VisibilityTimeout).toBe(3600);
    expect(q.RedrivePolicy.maxReceiveCount).toBe(5);
    const esm = res(t, "ManagementSqsEventSourceMapping");
    expect(esm).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 } });
    expect(esm.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    const custom = templates["ssm-user-secrets-boundary.container"]!;
    expect(res(custom, "WorkerSqsEventSourceMapping")).toMatchObject({
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    expect(res(custom, "WorkerSqsEventSourceMapping").FunctionResponseTypes).toBeUndefined();
    expect(res(custom, "WorkerSqsQueue").RedrivePolicy.maxReceiveCount).toBe(3);
  });

  it("grants least privilege: own bucket, own queues, own secrets, no managed policies", () => {
    for (const [name, t] of Object.entries(templates)) {
      if (!name.endsWith(".container")) continue;
      const role = res(t, "LambdaRole");
      expect(role.ManagedPolicyArns, name).toBeUndefined();
      for (const s of statements(t)) {
        if (s.Resource === "*") {
          expect(["ManageVpcNetworkInterfaces", "ListSecrets"], `${name} ${s.Sid}`).toContain(s.Sid);
        }
      }
    }
    const gs = statements(templates["getting-started.container"]!);
    const bucket = ctxs["getting-started"]!.s3!.bucketName;
    expect(gs.find((s) => s.Sid === "UseStageBucketObjects").Resource).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:s3:::${bucket}/*` },
    ]);
    expect(gs.find((s) => s.Sid === "UseOwnQueues").Resource).toEqual([
      { "Fn::GetAtt": ["ManagementSqsQueue", "Arn"] },
    ]);
    expect(gs.find((s) => s.Sid === "ReadSecrets").Resource[0]["Fn::Sub"]).toMatch(
      /secret:dev-myapp-pocket-\?{6}$/,
    );
    expect(gs.find((s) => s.Sid === "ManageVpcNetworkInterfaces")).toBeUndefined();
    expect(gs.find((s) => s.Sid === "ListSecrets")).toBeUndefined();
  });

  it("honours store = ssm, user secrets, extra_resources, require_list_secrets and the boundary", () => {
    const t = templates["ssm-user-secrets-boundary.container"]!;
    const s = statements(t);
    const ssm = s.find((x) => x.Sid === "ReadParameters").Resource.map((r: any) => r["Fn::Sub"]);
    expect(ssm).toContain(
      "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/dev-myapp-pocket/*",
    );
    expect(ssm).toContain(
      "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/myapp/stripe",
    );
    const sm = s.find((x) => x.Sid === "ReadSecrets").Resource.map((r: any) => r["Fn::Sub"]);
    expect(sm).toContain(
      "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:github-token-??????",
    );
    expect(sm).toContain("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared-AbCdEf");
    expect(s.find((x) => x.Sid === "ListSecrets").Action).toEqual(["secretsmanager:ListSecrets"]);
    expect(res(t, "LambdaRole").PermissionsBoundary).toBe("arn:aws:iam::123456789012:policy/pocket-boundary");
  });

  it("puts functions in the VPC with EFS and RDS access when configured", () => {
    const t = templates["vpc-efs-rds.container"]!;
    const fn = res(t, "WsgiLambdaFunction");
    expect(fn.VpcConfig.SubnetIds).toEqual([
      { "Fn::ImportValue": "main-pocket-private-subnet-1" },
      { "Fn::ImportValue": "main-pocket-private-subnet-2" },
    ]);
    expect(fn.FileSystemConfigs[0].Arn).toEqual({ "Fn::ImportValue": "main-pocket-efs-access-point" });
    expect(res(t, "LambdaEFSAccess").FromPort).toBe(2049);
    expect(res(t, "LambdaRDSAccess").FromPort).toBe(5432);
    expect(fn.Environment.Variables.POCKET_RDS_SECRET_ARN).toEqual({ Ref: "RdsSecretArn" });
    expect(fn.Environment.Variables.POCKET_RDS_DBNAME).toBe(ctxs["vpc-efs-rds"]!.rds!.databaseName);
    const s = statements(t);
    expect(s.find((x) => x.Sid === "ManageVpcNetworkInterfaces")).toBeDefined();
    expect(s.find((x) => x.Sid === "ReadRdsSecret").Resource).toEqual([{ Ref: "RdsSecretArn" }]);
    expect(s.find((x) => x.Sid === "MountEfsAccessPoint").Condition).toBeDefined();
    const ext = res(templates["external-vpc.container"]!, "WsgiLambdaFunction");
    expect(ext.VpcConfig.SubnetIds).toEqual({ Ref: "PrivateSubnetIds" });
    // Imported, not passed in: the import registers this stack as a consumer of the shared VPC.
    expect(res(templates["external-vpc.container"]!, "LambdaSecurityGroup").VpcId).toEqual({
      "Fn::ImportValue": "main-pocket-vpc-id",
    });
    expect(Object.keys(containerParameters(ctxs["external-vpc"]!))).toEqual(["ImageUri", "PrivateSubnetIds"]);
  });

  it("builds the VPC with one NAT gateway per zone, EFS retained, and exports", () => {
    const t = templates["vpc-efs-rds.vpc"]!;
    const types = Object.values(t.Resources).map((r) => r.Type);
    expect(types.filter((x) => x === "AWS::EC2::NatGateway")).toHaveLength(2);
    expect(types.filter((x) => x === "AWS::EC2::EIP")).toHaveLength(2);
    expect(types.filter((x) => x === "AWS::EFS::MountTarget")).toHaveLength(2);
    expect(t.Resources.EFSFileSystem!.DeletionPolicy).toBe("Retain");
    expect(res(t, "PrivateSubnet2").AvailabilityZone).toBe("ap-northeast-1c");
    expect(t.Outputs!.VPC!.Export!.Name).toBe("main-pocket-vpc-id");
    expect(t.Outputs!.PrivateSubnet2!.Export!.Name).toBe("main-pocket-private-subnet-2");
    expect(t.Outputs!.EFSAccessPointArn!.Export!.Name).toBe("main-pocket-efs-access-point");
    expect(vpcStackTags(ctxs["vpc-efs-rds"]!.vpc!)).toEqual({ "pocket:sharable": "true" });
  });

  it("refuses an environment over Lambda's 4 KB before any AWS call", () => {
    const big = `${GETTING_STARTED}\n[dev.awscontainer.envs]\nBLOB = "${"x".repeat(4000)}"\n`;
    expect(() => containerTemplate(loadInline(big).context)).toThrow(/4096.*BLOB/s);
  });
});
