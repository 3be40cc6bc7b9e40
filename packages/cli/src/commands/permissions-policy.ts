import type { PocketContext } from "@magic-pocket/config";
import { roleStatements } from "./permissions/role-writes.js";
import { splitAnyStatement, stageNames } from "./permissions/stage-scope.js";
import { A, P, type PolicyStatement } from "./permissions/statement.js";

export type { PolicyStatement };

/**
 * The IAM policy a CI principal needs to deploy, update and destroy one stage, generated from
 * the stage's derived context: the calls pocket makes itself, and the calls CloudFormation makes
 * with the caller's credentials for every resource type in the stage's stacks (pocket passes no
 * service role). Resources are the stage's own names wherever the service can scope an action to
 * a name; a wildcard is used only where it cannot (ids AWS chooses, actions without resource-level
 * permissions), and each such statement says why in `reasons`.
 *
 * ARNs are written with `${AWS::Partition}` and `${AWS::AccountId}`, so the same statements
 * serve the role template (`Fn::Sub`) and, substituted, the JSON policy. What the CI principal
 * may do to IAM roles is in permissions/role-writes.ts: only ever within the stage's boundary.
 */
export interface StagePolicy {
  statements: PolicyStatement[];
  /** Sid → why the statement needs a wildcard resource. */
  reasons: Record<string, string>;
  /** Every CloudFormation resource type of the stage's stacks → its create/update/delete actions. */
  resourceTypes: Record<string, string[]>;
}

/** What API Gateway's access logging calls on the caller's behalf (CloudWatch Logs delivery). */
const ACCESS_LOG_DELIVERY = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
];

/**
 * What CloudFormation calls, on the caller's credentials, to create, update and delete each
 * resource type pocket's templates use (from each type's handler permissions).
 */
export const RESOURCE_TYPE_ACTIONS: Record<string, string[]> = {
  // No UpdateAssumeRolePolicy, DeleteRolePermissionsBoundary or Attach/DetachRolePolicy: pocket's
  // trust policies never change, its roles keep their boundary, and it attaches only the managed
  // policies the configuration lists (permissions/role-writes.ts grants those few).
  "AWS::IAM::Role": [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:PutRolePermissionsBoundary",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListInstanceProfilesForRole",
  ],
  "AWS::Lambda::Function": [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:DeleteFunction",
    "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunctionConcurrency",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetRuntimeManagementConfig",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:ListTags",
  ],
  "AWS::Lambda::EventInvokeConfig": [
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:DeleteFunctionEventInvokeConfig",
  ],
  "AWS::Lambda::Permission": ["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"],
  "AWS::Lambda::EventSourceMapping": [
    "lambda:CreateEventSourceMapping",
    "lambda:GetEventSourceMapping",
    "lambda:UpdateEventSourceMapping",
    "lambda:DeleteEventSourceMapping",
    "lambda:ListEventSourceMappings",
  ],
  "AWS::Logs::LogGroup": [
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:DescribeLogGroups",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:ListTagsForResource",
  ],
  "AWS::SQS::Queue": [
    "sqs:CreateQueue",
    "sqs:DeleteQueue",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:TagQueue",
    "sqs:UntagQueue",
    "sqs:ListQueueTags",
  ],
  "AWS::ApiGatewayV2::Api": [
    "apigateway:POST",
    "apigateway:GET",
    "apigateway:PATCH",
    "apigateway:PUT",
    "apigateway:DELETE",
  ],
  "AWS::ApiGatewayV2::Integration": [
    "apigateway:POST",
    "apigateway:GET",
    "apigateway:PATCH",
    "apigateway:DELETE",
  ],
  "AWS::ApiGatewayV2::Route": ["apigateway:POST", "apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"],
  "AWS::ApiGatewayV2::Stage": [
    "apigateway:POST",
    "apigateway:GET",
    "apigateway:PATCH",
    "apigateway:DELETE",
    ...ACCESS_LOG_DELIVERY,
  ],
  "AWS::ApiGatewayV2::DomainName": [
    "apigateway:POST",
    "apigateway:GET",
    "apigateway:PATCH",
    "apigateway:DELETE",
  ],
  "AWS::ApiGatewayV2::ApiMapping": [
    "apigateway:POST",
    "apigateway:GET",
    "apigateway:PATCH",
    "apigateway:DELETE",
  ],
  "AWS::CertificateManager::Certificate": [
    "acm:RequestCertificate",
    "acm:DescribeCertificate",
    "acm:DeleteCertificate",
    "acm:AddTagsToCertificate",
    "acm:RemoveTagsFromCertificate",
    "acm:ListTagsForCertificate",
  ],
  "AWS::Route53::RecordSet": [
    "route53:ChangeResourceRecordSets",
    "route53:ListResourceRecordSets",
    "route53:GetChange",
    "route53:GetHostedZone",
  ],
  "AWS::Scheduler::ScheduleGroup": [
    "scheduler:CreateScheduleGroup",
    "scheduler:GetScheduleGroup",
    "scheduler:DeleteScheduleGroup",
    "scheduler:TagResource",
    "scheduler:UntagResource",
    "scheduler:ListTagsForResource",
  ],
  "AWS::Scheduler::Schedule": [
    "scheduler:CreateSchedule",
    "scheduler:GetSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "iam:PassRole",
  ],
  "AWS::EC2::VPC": [
    "ec2:CreateVpc",
    "ec2:DeleteVpc",
    "ec2:DescribeVpcs",
    "ec2:ModifyVpcAttribute",
    "ec2:DescribeVpcAttribute",
    "ec2:CreateTags",
    "ec2:DeleteTags",
  ],
  "AWS::EC2::Subnet": [
    "ec2:CreateSubnet",
    "ec2:DeleteSubnet",
    "ec2:DescribeSubnets",
    "ec2:ModifySubnetAttribute",
    "ec2:CreateTags",
  ],
  "AWS::EC2::RouteTable": [
    "ec2:CreateRouteTable",
    "ec2:DeleteRouteTable",
    "ec2:DescribeRouteTables",
    "ec2:CreateTags",
  ],
  "AWS::EC2::Route": ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DescribeRouteTables"],
  "AWS::EC2::SubnetRouteTableAssociation": [
    "ec2:AssociateRouteTable",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:DisassociateRouteTable",
    "ec2:DescribeRouteTables",
  ],
  "AWS::EC2::InternetGateway": [
    "ec2:CreateInternetGateway",
    "ec2:DeleteInternetGateway",
    "ec2:DescribeInternetGateways",
    "ec2:CreateTags",
  ],
  "AWS::EC2::VPCGatewayAttachment": [
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DescribeInternetGateways",
  ],
  "AWS::EC2::EIP": ["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DescribeAddresses", "ec2:CreateTags"],
  "AWS::EC2::NatGateway": [
    "ec2:CreateNatGateway",
    "ec2:DeleteNatGateway",
    "ec2:DescribeNatGateways",
    "ec2:CreateTags",
  ],
  "AWS::EC2::SecurityGroup": [
    "ec2:CreateSecurityGroup",
    "ec2:DeleteSecurityGroup",
    "ec2:DescribeSecurityGroups",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:CreateTags",
  ],
  "AWS::EC2::SecurityGroupIngress": [
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
  ],
  "AWS::EFS::FileSystem": [
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:DeleteFileSystem",
    "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:UpdateFileSystem",
    "elasticfilesystem:PutLifecycleConfiguration",
    "elasticfilesystem:DescribeLifecycleConfiguration",
    "elasticfilesystem:PutBackupPolicy",
    "elasticfilesystem:DescribeBackupPolicy",
    "elasticfilesystem:TagResource",
    "elasticfilesystem:UntagResource",
  ],
  "AWS::EFS::MountTarget": [
    "elasticfilesystem:CreateMountTarget",
    "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:DescribeMountTargetSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeNetworkInterfaces",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
  ],
  "AWS::EFS::AccessPoint": [
    "elasticfilesystem:CreateAccessPoint",
    "elasticfilesystem:DeleteAccessPoint",
    "elasticfilesystem:DescribeAccessPoints",
    "elasticfilesystem:TagResource",
  ],
  "AWS::CloudFront::Distribution": [
    "cloudfront:CreateDistribution",
    "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig",
    "cloudfront:UpdateDistribution",
    "cloudfront:DeleteDistribution",
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "cloudfront:ListTagsForResource",
  ],
  "AWS::CloudFront::Function": [
    "cloudfront:CreateFunction",
    "cloudfront:DescribeFunction",
    "cloudfront:GetFunction",
    "cloudfront:UpdateFunction",
    "cloudfront:PublishFunction",
    "cloudfront:DeleteFunction",
  ],
  "AWS::CloudFront::OriginAccessControl": [
    "cloudfront:CreateOriginAccessControl",
    "cloudfront:GetOriginAccessControl",
    "cloudfront:UpdateOriginAccessControl",
    "cloudfront:DeleteOriginAccessControl",
  ],
  "AWS::CloudFront::ResponseHeadersPolicy": [
    "cloudfront:CreateResponseHeadersPolicy",
    "cloudfront:GetResponseHeadersPolicy",
    "cloudfront:UpdateResponseHeadersPolicy",
    "cloudfront:DeleteResponseHeadersPolicy",
  ],
  "AWS::CloudFront::KeyValueStore": [
    "cloudfront:CreateKeyValueStore",
    "cloudfront:DescribeKeyValueStore",
    "cloudfront:UpdateKeyValueStore",
    "cloudfront:DeleteKeyValueStore",
  ],
  "AWS::CloudFront::PublicKey": [
    "cloudfront:CreatePublicKey",
    "cloudfront:GetPublicKey",
    "cloudfront:UpdatePublicKey",
    "cloudfront:DeletePublicKey",
  ],
  "AWS::CloudFront::KeyGroup": [
    "cloudfront:CreateKeyGroup",
    "cloudfront:GetKeyGroup",
    "cloudfront:UpdateKeyGroup",
    "cloudfront:DeleteKeyGroup",
  ],
  "AWS::WAFv2::WebACL": [
    "wafv2:CreateWebACL",
    "wafv2:GetWebACL",
    "wafv2:UpdateWebACL",
    "wafv2:DeleteWebACL",
    "wafv2:TagResource",
    "wafv2:UntagResource",
    "wafv2:ListTagsForResource",
  ],
  "AWS::WAFv2::IPSet": [
    "wafv2:CreateIPSet",
    "wafv2:GetIPSet",
    "wafv2:UpdateIPSet",
    "wafv2:DeleteIPSet",
    "wafv2:TagResource",
    "wafv2:ListTagsForResource",
  ],
};

/** Which services' actions a resource type's statement scopes, and to what. */
function scopeOf(type: string, s: Scope): { resources: string[] | "*"; reason?: string } {
  const service = type.split("::")[1];
  switch (service) {
    case "Lambda":
      if (type === "AWS::Lambda::EventSourceMapping")
        return {
          resources: "*",
          reason:
            "CreateEventSourceMapping and ListEventSourceMappings have no resource-level permissions, and a mapping's id is chosen by AWS; the condition limits them to the stage's functions",
        };
      return { resources: s.functions.flatMap((f) => [fn(s, f), `${fn(s, f)}:*`]) };
    case "Logs":
      return {
        resources: s.logGroups.flatMap((g) => [
          `arn:${P}:logs:${s.region}:${A}:log-group:${g}`,
          `arn:${P}:logs:${s.region}:${A}:log-group:${g}:*`,
        ]),
      };
    case "SQS":
      return { resources: s.queues.map((q) => `arn:${P}:sqs:${s.region}:${A}:${q}`) };
    case "ApiGatewayV2":
      return {
        resources: ["/apis", "/apis/*", "/domainnames", "/domainnames/*", "/tags/*"].map(
          (path) => `arn:${P}:apigateway:${s.region}::${path}`,
        ),
        reason: REASONS.ApiGatewayV2,
      };
    case "Scheduler":
      return {
        resources: s.scheduleGroup
          ? [
              `arn:${P}:scheduler:${s.region}:${A}:schedule-group/${s.scheduleGroup}`,
              `arn:${P}:scheduler:${s.region}:${A}:schedule/${s.scheduleGroup}/*`,
            ]
          : [],
      };
    default:
      return { resources: "*", reason: REASONS[service ?? ""] ?? "the service chooses this resource's id" };
  }
}

const REASONS: Record<string, string> = {
  ApiGatewayV2: "API and domain ids are chosen by API Gateway at creation: any API of the region",
  CertificateManager:
    "RequestCertificate has no resource-level permissions and certificate ids are chosen by ACM",
  Route53: "hosted zone ids are looked up at deploy time, change ids are chosen by Route 53",
  EC2: "EC2 Create* and Describe* calls for VPC networking have no resource-level permissions by name; ids are chosen by AWS; the Modify*, Associate*, Attach*, egress and tag calls are made by CloudFormation while it creates the resource (deletes and changes of existing ones are in StackEC2OwnStacks)",
  EFS: "file system, mount target and access point ids are chosen by AWS at creation; the mount targets' network interfaces are made by EFS without the stack's tags (deletes are in StackEFSOwnStacks)",
  CloudFront:
    "CloudFront ids (distributions, keys, policies, origin access controls) are chosen by AWS; its create calls have no resource-level permissions, and functions, keys, key groups, origin access controls and response headers policies carry no tags (CloudFront refuses to delete one a distribution still uses; distributions are in StackCloudFrontOwnStacks)",
  WAFv2: "web ACL and IP set ids are chosen by AWS at creation",
};

function fn(s: Scope, name: string): string {
  return `arn:${P}:lambda:${s.region}:${A}:function:${name}`;
}

interface Scope {
  region: string;
  functions: string[];
  logGroups: string[];
  queues: string[];
  scheduleGroup?: string;
}

/** Every stack the stage deploys, with its region, and whether pocket also updates it (an external VPC's tags). */
export function stageStacks(ctx: PocketContext): { name: string; region: string }[] {
  const stacks: { name: string; region: string }[] = [];
  if (ctx.vpc) stacks.push({ name: ctx.vpc.stackName, region: ctx.vpc.region });
  if (ctx.container) stacks.push({ name: ctx.container.stackName, region: ctx.container.region });
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    stacks.push({ name: cf.stackName, region: cf.region });
    if (cf.signingKey) stacks.push({ name: cf.signingKey.keysStackName, region: cf.region });
  }
  return stacks;
}

/**
 * The stage's policy. `types` are the resource types of its stacks' templates (the caller
 * renders them; this module stays free of template code).
 */
export function stagePolicy(ctx: PocketContext, types: readonly string[]): StagePolicy {
  const c = ctx.container;
  const statements: PolicyStatement[] = [];
  const reasons: Record<string, string> = {};
  const allow = (
    sid: string,
    actions: string[],
    resources: string[] | "*",
    reason?: string,
    condition?: PolicyStatement["Condition"],
  ) => {
    if (resources !== "*" && resources.length === 0) return;
    statements.push({
      Sid: sid,
      Effect: "Allow",
      Action: [...new Set(actions)].sort(),
      Resource: resources,
      ...(condition ? { Condition: condition } : {}),
    });
    if (reason) reasons[sid] = reason;
  };
  const region = ctx.region;

  // Who am I (account and partition for ARNs): always allowed by AWS, listed for clarity.
  const stacks = stageStacks(ctx);
  allow(
    "StageStacks",
    [
      "cloudformation:CreateStack",
      "cloudformation:UpdateStack",
      "cloudformation:DeleteStack",
      "cloudformation:DescribeStacks",
      "cloudformation:DescribeStackEvents",
      "cloudformation:DescribeStackResource",
      "cloudformation:DescribeStackResources",
      "cloudformation:ListStackResources",
      "cloudformation:GetTemplate",
      "cloudformation:GetTemplateSummary",
      "cloudformation:CreateChangeSet",
      "cloudformation:DescribeChangeSet",
      "cloudformation:ExecuteChangeSet",
      "cloudformation:DeleteChangeSet",
      "cloudformation:ListChangeSets",
      "cloudformation:TagResource",
      "cloudformation:UntagResource",
    ],
    stacks.map((s) => `arn:${P}:cloudformation:${s.region}:${A}:stack/${s.name}/*`),
  );
  if (stacks.length > 0) {
    allow(
      "CloudFormationAccountCalls",
      ["cloudformation:ValidateTemplate", "cloudformation:ListExports", "cloudformation:ListImports"],
      "*",
      "ValidateTemplate, ListExports and ListImports have no resource-level permissions",
    );
  }

  // Buckets: the state bucket (lock, build sources), the app bucket and the front ends' buckets.
  const buckets = [
    ...new Set(
      [
        ctx.stateBucket,
        ctx.s3?.bucketName,
        ...Object.values(ctx.cloudfront ?? {}).map((cf) => cf.bucketName),
      ].filter((b): b is string => Boolean(b)),
    ),
  ];
  allow(
    "StageBuckets",
    [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:GetBucketLocation",
      "s3:GetBucketPolicy",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:PutBucketPublicAccessBlock",
      "s3:GetBucketVersioning",
      "s3:PutBucketVersioning",
      "s3:GetBucketCORS",
      "s3:PutBucketCORS",
      "s3:GetLifecycleConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:PutEncryptionConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:PutBucketOwnershipControls",
      "s3:GetBucketTagging",
      "s3:PutBucketTagging",
    ],
    buckets.map((b) => `arn:${P}:s3:::${b}`),
  );
  allow(
    "StageBucketObjects",
    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectVersion"],
    buckets.map((b) => `arn:${P}:s3:::${b}/*`),
  );

  // Secrets pocket generates and keeps (the stage's document or parameter path).
  const sec = c?.secrets;
  if (sec?.store === "sm") {
    allow(
      "StageSecrets",
      [
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
        "secretsmanager:RestoreSecret",
        "secretsmanager:TagResource",
      ],
      [`arn:${P}:secretsmanager:${sec.region}:${A}:secret:${sec.pocketKey}-??????`],
    );
  } else if (sec?.store === "ssm") {
    allow(
      "StageParameters",
      [
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:DeleteParameter",
        "ssm:DeleteParameters",
        "ssm:AddTagsToResource",
      ],
      [
        `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}`,
        `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}/*`,
      ],
    );
  }

  // The user's own secrets: plan, deploy and status ask only whether each exists (its metadata,
  // or an SSM parameter read without decryption); their values are read by the functions' role.
  const userSecrets = Object.values(sec?.user ?? {});
  const smUsers = userSecrets.filter((u) => u.store === "sm");
  const ssmUsers = userSecrets.filter((u) => u.store === "ssm");
  if (sec && smUsers.length > 0) {
    allow(
      "UserSecretsPresence",
      ["secretsmanager:DescribeSecret"],
      smUsers.map((u) =>
        u.name.startsWith("arn:")
          ? u.name
          : `arn:${P}:secretsmanager:${sec.region}:${A}:secret:${u.name}-??????`,
      ),
    );
  }
  if (sec && ssmUsers.length > 0) {
    allow(
      "UserParametersPresence",
      ["ssm:GetParameter"],
      ssmUsers.map((u) =>
        u.name.startsWith("arn:")
          ? u.name
          : `arn:${P}:ssm:${sec.region}:${A}:parameter${u.name.startsWith("/") ? "" : "/"}${u.name}`,
      ),
    );
  }

  if (c) {
    allow(
      "StageRepository",
      [
        "ecr:CreateRepository",
        "ecr:DescribeRepositories",
        "ecr:DeleteRepository",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:GetRepositoryPolicy",
        "ecr:SetRepositoryPolicy",
        "ecr:TagResource",
      ],
      [`arn:${P}:ecr:${c.region}:${A}:repository/${c.ecrRepository}`],
    );
    allow(
      "EcrLogin",
      ["ecr:GetAuthorizationToken"],
      "*",
      "GetAuthorizationToken (docker login to ECR) has no resource-level permissions",
    );
    if (c.build.backend !== "docker" && c.build.backend !== "depot") {
      allow(
        "StageCodeBuild",
        [
          "codebuild:CreateProject",
          "codebuild:UpdateProject",
          "codebuild:DeleteProject",
          "codebuild:BatchGetProjects",
          "codebuild:StartBuild",
          "codebuild:BatchGetBuilds",
        ],
        [`arn:${P}:codebuild:${c.region}:${A}:project/${c.build.codebuildProject}`],
      );
    }
  }

  // Roles: the functions' role, each schedule's role and the CodeBuild role.
  const roles = [
    ...(c ? [c.roleName] : []),
    ...Object.values(ctx.scheduler?.schedules ?? {}).map((s) => s.roleName),
    ...(c && c.build.backend !== "docker" && c.build.backend !== "depot" ? [c.build.codebuildRole] : []),
  ];
  const functions = Object.values(c?.handlers ?? {}).map((h) => h.functionName);
  const queues = Object.values(c?.handlers ?? {}).flatMap((h) =>
    h.sqs ? [h.queueName!, h.deadLetterQueueName!] : [],
  );
  const logGroups = Object.values(c?.handlers ?? {}).flatMap((h) => [
    h.logGroupName,
    ...(h.apigateway ? [h.apigateway.accessLogGroupName] : []),
  ]);
  const scope: Scope = {
    region: c?.region ?? region,
    functions,
    logGroups,
    queues,
    scheduleGroup:
      ctx.scheduler && Object.keys(ctx.scheduler.schedules).length > 0 ? ctx.scheduler.groupName : undefined,
  };

  // Each resource type of the stacks: its actions, scoped as the service allows.
  const resourceTypes: Record<string, string[]> = {};
  const grouped = new Map<
    string,
    { actions: string[]; resources: string[] | "*"; reason?: string; types: string[] }
  >();
  for (const type of [...new Set(types)].sort()) {
    const actions = RESOURCE_TYPE_ACTIONS[type];
    if (!actions) throw new Error(`no IAM actions are known for ${type}; add them to RESOURCE_TYPE_ACTIONS`);
    resourceTypes[type] = actions;
    // Role writes are granted by roleStatements below, each under the boundary condition.
    if (type === "AWS::IAM::Role") continue;
    // PassRole and log delivery get statements of their own below.
    const own = actions.filter((a) => a !== "iam:PassRole" && !ACCESS_LOG_DELIVERY.includes(a));
    const { resources, reason } = scopeOf(type, scope);
    const key = `${type.split("::")[1]}${type === "AWS::Lambda::EventSourceMapping" ? "Esm" : ""}`;
    const g = grouped.get(key) ?? { actions: [], resources, reason, types: [] };
    g.actions.push(...own);
    g.types.push(type);
    grouped.set(key, g);
  }
  const names = stageNames(
    ctx,
    stacks.map((s) => s.name),
  );
  for (const [key, g] of grouped) {
    const base = `Stack${key.replace(/[^A-Za-z0-9]/g, "")}`;
    const why = (reason: string | undefined) => (reason ? `${g.types.join(", ")}: ${reason}` : undefined);
    if (g.resources === "*" && key !== "LambdaEsm") {
      // What can name the stage (a tag only CloudFormation sets, a name, a record name) is split off.
      for (const part of splitAnyStatement(key, g.actions, names))
        allow(
          `${base}${part.suffix}`,
          part.actions,
          part.resources,
          why(part.reason ?? (part.resources === "*" ? g.reason : undefined)),
          part.condition,
        );
      continue;
    }
    const condition =
      key === "LambdaEsm"
        ? { StringLikeIfExists: { "lambda:FunctionArn": functions.map((f) => fn(scope, f)) } }
        : undefined;
    allow(`${base}${g.resources === "*" ? "Any" : ""}`, g.actions, g.resources, why(g.reason), condition);
  }
  if (types.includes("AWS::ApiGatewayV2::Stage")) {
    allow(
      "ApiAccessLogDelivery",
      ACCESS_LOG_DELIVERY,
      "*",
      "API Gateway sets up access-log delivery to CloudWatch Logs with the caller's permissions; these calls have no resource-level permissions",
    );
  }

  // Roles are handed to the services that assume them, and to nothing else.
  const pass = (sid: string, names: string[], service: string) =>
    allow(
      sid,
      ["iam:PassRole"],
      names.map((r) => `arn:${P}:iam::${A}:role/${r}`),
      undefined,
      {
        StringEquals: { "iam:PassedToService": service },
      },
    );
  if (c) pass("PassFunctionRole", [c.roleName], "lambda.amazonaws.com");
  const scheduleRoles = Object.values(ctx.scheduler?.schedules ?? {}).map((s) => s.roleName);
  if (scheduleRoles.length > 0) pass("PassScheduleRoles", scheduleRoles, "scheduler.amazonaws.com");
  if (c && c.build.backend !== "docker" && c.build.backend !== "depot") {
    pass("PassCodeBuildRole", [c.build.codebuildRole], "codebuild.amazonaws.com");
  }

  // The roles' own IAM calls: CloudFormation's for the stacks' roles, pocket's for the CodeBuild role.
  const iam = roleStatements({
    resourcePrefix: ctx.resourcePrefix,
    roles,
    boundary: c?.permissionsBoundary,
    managed: c ? { role: c.roleName, arns: c.iam.managedPolicyArns } : undefined,
  });
  statements.push(...iam.statements);
  Object.assign(reasons, iam.reasons);

  if (ctx.rds) {
    const r = ctx.rds;
    allow(
      "StageDatabase",
      [
        "rds:CreateDBCluster",
        "rds:CreateDBInstance",
        "rds:CreateDBSubnetGroup",
        "rds:ModifyDBCluster",
        "rds:DeleteDBCluster",
        "rds:DeleteDBInstance",
        "rds:DeleteDBSubnetGroup",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "rds:DescribeDBSubnetGroups",
        "rds:DescribeDBClusterSnapshots",
        "rds:CreateDBClusterSnapshot",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
      ],
      [
        `arn:${P}:rds:${r.region}:${A}:cluster:${r.clusterIdentifier}`,
        `arn:${P}:rds:${r.region}:${A}:db:${r.instanceIdentifier}`,
        `arn:${P}:rds:${r.region}:${A}:subgrp:${r.subnetGroupName}`,
        `arn:${P}:rds:${r.region}:${A}:cluster-snapshot:${r.finalSnapshotPrefix}*`,
        `arn:${P}:rds:${r.region}:${A}:cluster-snapshot:${r.clusterIdentifier}-*`,
      ],
    );
    allow(
      "DatabaseMasterSecret",
      ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DescribeSecret"],
      [`arn:${P}:secretsmanager:${r.region}:${A}:secret:rds!*`],
    );
    allow(
      "DatabaseNetwork",
      [
        "ec2:CreateSecurityGroup",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ec2:CreateTags",
      ],
      "*",
      "the database's security group and subnets have ids chosen by AWS, and EC2's create and describe calls allow no resource names",
    );
    // pocket creates the group itself (not a stack) with its Name tag in the create call.
    allow(
      "DatabaseSecurityGroup",
      ["ec2:AuthorizeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
      "*",
      "the group's id is chosen by AWS; the condition limits these calls to the group carrying the stage's Name tag",
      { StringEquals: { "aws:ResourceTag/Name": r.securityGroupName } },
    );
    allow(
      "RdsServiceRole",
      ["iam:CreateServiceLinkedRole"],
      [`arn:${P}:iam::${A}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`],
      undefined,
      { StringEquals: { "iam:AWSServiceName": "rds.amazonaws.com" } },
    );
  }

  const hasDomains =
    Object.values(c?.handlers ?? {}).some((h) => h.apigateway?.domain) ||
    Object.values(ctx.cloudfront ?? {}).some((cf) => cf.domain);
  if (hasDomains) {
    allow(
      "FindHostedZones",
      ["route53:ListHostedZones", "route53:ListHostedZonesByName"],
      "*",
      "ListHostedZones has no resource-level permissions",
    );
  }

  if (ctx.cloudfront && Object.keys(ctx.cloudfront).length > 0) {
    allow(
      "FrontEnds",
      [
        "cloudfront:CreateInvalidation",
        "cloudfront:GetInvalidation",
        "cloudfront:DescribeKeyValueStore",
        "cloudfront-keyvaluestore:DescribeKeyValueStore",
        "cloudfront-keyvaluestore:GetKey",
        "cloudfront-keyvaluestore:PutKey",
        "cloudfront-keyvaluestore:ListKeys",
      ],
      [`arn:${P}:cloudfront::${A}:distribution/*`, `arn:${P}:cloudfront::${A}:key-value-store/*`],
      "distribution and key value store ids are chosen by CloudFront",
    );
  }
  return { statements, reasons, resourceTypes };
}

/** Statements with `sub` applied to every resource and condition value. */
export function substituteStatements<T>(statements: readonly PolicyStatement[], sub: (s: string) => T) {
  return statements.map((s) => ({
    ...s,
    Resource: s.Resource === "*" ? "*" : s.Resource.map(sub),
    ...(s.Condition
      ? {
          Condition: Object.fromEntries(
            Object.entries(s.Condition).map(([op, kv]) => [
              op,
              Object.fromEntries(
                Object.entries(kv).map(([k, v]) => [k, Array.isArray(v) ? v.map(sub) : sub(v)]),
              ),
            ]),
          ),
        }
      : {}),
  }));
}

/** The policy with the account and partition filled in, as `aws iam put-role-policy` takes it. */
export function concretePolicy(policy: StagePolicy, account: string, partition: string) {
  const sub = (s: string) =>
    s.replaceAll("${AWS::Partition}", partition).replaceAll("${AWS::AccountId}", account);
  return { Version: "2012-10-17", Statement: substituteStatements(policy.statements, sub) };
}
