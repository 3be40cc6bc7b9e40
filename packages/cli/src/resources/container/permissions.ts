import type { ContainerContext, PocketContext } from "@magic-pocket/config";
import { containerViews } from "../container-views.js";
import { DOMAIN_TYPES, FIND_HOSTED_ZONES } from "../domain-permissions.js";
import { A, type Grant, type KindPermissions, P, type StagePermissions } from "../permissions.js";
import { SCHEDULE_TYPES, schedulePermissions } from "../scheduler/permissions.js";
import { codebuildPermissions } from "./codebuild/permissions.js";
import { imageSourceGrants } from "./image-from-permissions.js";

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

const ROLE_ACTIONS = [
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
];

/**
 * The container stack (functions, their role, queues, log groups, HTTP APIs, and the schedules of
 * scheduler/permissions.ts), the ECR repository and image pocket pushes, and the CodeBuild
 * project that builds it (codebuild/permissions.ts).
 */
export const containerPermissions: KindPermissions = {
  stackTypes: [
    {
      // No UpdateAssumeRolePolicy, DeleteRolePermissionsBoundary or Attach/DetachRolePolicy:
      // pocket's trust policies never change, its roles keep their boundary, and it attaches only
      // the managed policies the configuration lists. Every role call is granted by the role
      // writes (commands/permissions/role-writes.ts), within the boundary.
      group: "IAM",
      types: { "AWS::IAM::Role": ROLE_ACTIONS },
      grantedApart: ROLE_ACTIONS,
    },
    {
      group: "Lambda",
      types: {
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
      },
    },
    {
      group: "LambdaEsm",
      reason:
        "CreateEventSourceMapping and ListEventSourceMappings have no resource-level permissions, and a mapping's id is chosen by AWS; the condition limits them to the stage's functions",
      types: {
        "AWS::Lambda::EventSourceMapping": [
          "lambda:CreateEventSourceMapping",
          "lambda:GetEventSourceMapping",
          "lambda:UpdateEventSourceMapping",
          "lambda:DeleteEventSourceMapping",
          "lambda:ListEventSourceMappings",
        ],
      },
    },
    {
      group: "Logs",
      types: {
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
      },
    },
    {
      group: "SQS",
      types: {
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
      },
    },
    {
      group: "ApiGatewayV2",
      reason: "API and domain ids are chosen by API Gateway at creation: any API of the region",
      grantedApart: ACCESS_LOG_DELIVERY,
      types: {
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
        "AWS::ApiGatewayV2::Route": [
          "apigateway:POST",
          "apigateway:GET",
          "apigateway:PATCH",
          "apigateway:DELETE",
        ],
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
      },
    },
    SCHEDULE_TYPES,
    ...DOMAIN_TYPES,
  ],
  // Each container of the stage (docs/decisions.md#d11-two-spellings-one-schema), its statements
  // named with the container's name after the first's.
  forStage: (ctx) =>
    mergeContainers(
      containerViews(ctx).map((v, i) =>
        containerStage(v.ctx, v.ctx.container!, i === 0 ? "" : sidSuffix(v.id)),
      ),
    ),
  forImageSources: imageSourceGrants,
};

/** `container:v2` → `V2`: IAM statement ids are alphanumeric. */
export function sidSuffix(id: string): string {
  return id
    .replace(/^container:/, "")
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/** The containers' declarations as one: lists joined, each stack statement naming every container's resources. */
function mergeContainers(parts: StagePermissions[]): StagePermissions {
  if (parts.length <= 1) return parts[0] ?? {};
  const scopes: NonNullable<StagePermissions["stackScopes"]> = {};
  for (const [group, scope] of parts.flatMap((p) => Object.entries(p.stackScopes ?? {}))) {
    const known = scopes[group];
    if (!known) scopes[group] = scope;
    else if (group === "LambdaEsm") {
      const arns = (s: typeof scope) => s.condition?.StringLikeIfExists?.["lambda:FunctionArn"] ?? [];
      scopes[group] = {
        ...known,
        condition: { StringLikeIfExists: { "lambda:FunctionArn": [...arns(known), ...arns(scope)] } },
      };
    } else if (known.resources !== "*" && scope.resources !== "*")
      scopes[group] = { ...known, resources: [...new Set([...known.resources, ...scope.resources])] };
  }
  return {
    stacks: parts.flatMap((p) => p.stacks ?? []),
    calls: parts.flatMap((p) => p.calls ?? []),
    stackScopes: scopes,
    roles: parts.flatMap((p) => p.roles ?? []),
  };
}

function containerStage(ctx: PocketContext, c: ContainerContext, suffix: string): StagePermissions {
  const build = codebuildPermissions(c, suffix);
  const schedules = schedulePermissions(ctx, suffix);
  return {
    stacks: [{ name: c.stackName, region: c.region }],
    calls: [...imageCalls(c, suffix), ...build.calls, ...apiCalls(c)],
    stackScopes: { ...stackScopes(c), Scheduler: schedules.scope },
    roles: [
      {
        sid: `PassFunctionRole${suffix}`,
        names: [c.roleName],
        service: "lambda.amazonaws.com",
        managedPolicyArns: c.iam.managedPolicyArns,
      },
      ...schedules.roles,
      ...build.roles,
    ],
  };
}

/** The repository pocket creates and pushes the image to (docker login included). */
function imageCalls(c: ContainerContext, suffix: string): Grant[] {
  return [
    {
      sid: `StageRepository${suffix}`,
      part: "image",
      actions: [
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
      resources: [`arn:${P}:ecr:${c.region}:${A}:repository/${c.ecrRepository}`],
    },
    ECR_LOGIN,
  ];
}

/** One statement for every container (the same object, so the policy holds it once). */
const ECR_LOGIN: Grant = {
  sid: "EcrLogin",
  part: "image",
  actions: ["ecr:GetAuthorizationToken"],
  resources: "*",
  reason: "GetAuthorizationToken (docker login to ECR) has no resource-level permissions",
};

/** API Gateway's access-log delivery, once for every container with an HTTP API. */
const ACCESS_LOG_DELIVERY_CALLS: Grant = {
  sid: "ApiAccessLogDelivery",
  part: "on-behalf",
  actions: ACCESS_LOG_DELIVERY,
  resources: "*",
  reason:
    "API Gateway sets up access-log delivery to CloudWatch Logs with the caller's permissions; these calls have no resource-level permissions",
};

/** What the HTTP APIs' stages and custom domains have pocket or API Gateway call outside the stack. */
function apiCalls(c: ContainerContext): Grant[] {
  const apis = Object.values(c.handlers).flatMap((h) => (h.apigateway ? [h.apigateway] : []));
  const calls: Grant[] = [];
  if (apis.length > 0) calls.push(ACCESS_LOG_DELIVERY_CALLS);
  if (apis.some((a) => a.domain)) calls.push(FIND_HOSTED_ZONES);
  return calls;
}

/** The stage's functions, log groups and queues, by name; the APIs by path (ids AWS chooses). */
function stackScopes(c: ContainerContext): StagePermissions["stackScopes"] {
  const handlers = Object.values(c.handlers);
  const fn = (name: string) => `arn:${P}:lambda:${c.region}:${A}:function:${name}`;
  const functions = handlers.map((h) => fn(h.functionName));
  return {
    Lambda: { resources: functions.flatMap((f) => [f, `${f}:*`]) },
    LambdaEsm: { resources: "*", condition: { StringLikeIfExists: { "lambda:FunctionArn": functions } } },
    Logs: {
      resources: handlers
        .flatMap((h) => [h.logGroupName, ...(h.apigateway ? [h.apigateway.accessLogGroupName] : [])])
        .flatMap((g) => [
          `arn:${P}:logs:${c.region}:${A}:log-group:${g}`,
          `arn:${P}:logs:${c.region}:${A}:log-group:${g}:*`,
        ]),
    },
    SQS: {
      resources: handlers
        .flatMap((h) => (h.sqs ? [h.queueName!, h.deadLetterQueueName!] : []))
        .map((q) => `arn:${P}:sqs:${c.region}:${A}:${q}`),
    },
    ApiGatewayV2: {
      resources: ["/apis", "/apis/*", "/domainnames", "/domainnames/*", "/tags/*"].map(
        (path) => `arn:${P}:apigateway:${c.region}::${path}`,
      ),
    },
  };
}
