import type { PocketContext } from "@magic-pocket/config";
import { cfn, type Json, type TemplateResource } from "../template.js";
import { parameterNames } from "./parameters.js";

const ARN = "arn:${AWS::Partition}";

/**
 * The execution role, least privilege: every statement names the stage's own resources. The few
 * `Resource: "*"` statements are for actions AWS does not scope to resources; each says so.
 * pocket attaches no AWS managed policy (the reference attached several *FullAccess ones); the
 * user's `[awscontainer.iam]` policies and boundary are added as written.
 */
export function lambdaRole(ctx: PocketContext): TemplateResource {
  const c = ctx.container!;
  const statements = [
    ...logStatements(c, ctx.original?.lambdaLogGroupsOutside === true),
    ...vpcStatements(c),
    ...bucketStatements(ctx),
    ...queueStatements(c),
    ...secretStatements(c),
    ...mountStatements(ctx),
    ...dsqlStatements(ctx),
    ...emailStatements(ctx),
    ...tracingStatements(c),
  ];
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: c.roleName,
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      },
      ...(c.permissionsBoundary
        ? { PermissionsBoundary: permissionsBoundaryArn(c.permissionsBoundary) }
        : {}),
      // [awscontainer.iam]: the user's own grants, as written, beside pocket's least-privilege
      // policy (docs/decisions.md#e2-container-iam).
      ...(c.iam.managedPolicyArns.length > 0 ? { ManagedPolicyArns: [...c.iam.managedPolicyArns] } : {}),
      Policies: [
        {
          PolicyName: `${c.roleName}-policy`,
          PolicyDocument: { Version: "2012-10-17", Statement: statements },
        },
        ...Object.entries(c.iam.inlinePolicies).map(([name, document]) => ({
          PolicyName: name,
          PolicyDocument: document as unknown as Json,
        })),
      ],
    },
  };
}

type Container = NonNullable<PocketContext["container"]>;

function allow(sid: string, action: string[], resource: Json[] | "*", condition?: Json): Json {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: action,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  };
}

/** X-Ray active tracing: the functions send their segments (a handler with `tracing`). */
function tracingStatements(c: Container): Json[] {
  if (!Object.values(c.handlers).some((h) => h.tracing)) return [];
  // X-Ray has no resource-level permissions for these two actions: "*" is the only resource.
  return [allow("XRayTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")];
}

function logStatements(c: Container, groupsOutsideStack: boolean): Json[] {
  return [
    allow(
      "WriteOwnLogs",
      // Log groups left to Lambda (a stage the original deployed) are made by it on first invoke.
      [...(groupsOutsideStack ? ["logs:CreateLogGroup"] : []), "logs:CreateLogStream", "logs:PutLogEvents"],
      Object.values(c.handlers).map((h) =>
        cfn.sub(`${ARN}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${h.logGroupName}:*`),
      ),
    ),
  ];
}

function vpcStatements(c: Container): Json[] {
  if (!c.useVpc) return [];
  // Lambda creates and removes its network interfaces in the VPC; EC2 does not support
  // resource-level permissions for these actions, so AWS requires "*" (as in its
  // AWSLambdaVPCAccessExecutionRole policy).
  return [
    allow(
      "ManageVpcNetworkInterfaces",
      [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      "*",
    ),
  ];
}

function bucketStatements(ctx: PocketContext): Json[] {
  if (!ctx.s3) return [];
  const bucket = `${ARN}:s3:::${ctx.s3.bucketName}`;
  return [
    allow("ListStageBucket", ["s3:ListBucket", "s3:GetBucketLocation"], [cfn.sub(bucket)]),
    // No s3:GetObjectAcl / s3:PutObjectAcl: the bucket's objects are owner-only (S3 creates
    // buckets with ACLs disabled, and pocket blocks public access), so the app never needs an
    // ACL, and without the grant code in the image cannot try to make an object public.
    allow(
      "UseStageBucketObjects",
      [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      [cfn.sub(`${bucket}/*`)],
    ),
  ];
}

function queueStatements(c: Container): Json[] {
  const queues = Object.values(c.handlers).filter((h) => h.sqs);
  if (queues.length === 0) return [];
  return [
    allow(
      "UseOwnQueues",
      [
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
      ],
      queues.map((h) => cfn.getAtt(`${h.logicalId}SqsQueue`, "Arn")),
    ),
  ];
}

/** The stage's secrets and parameters, and the RDS-managed master secret. */
function secretStatements(c: Container): Json[] {
  const s = c.secrets;
  const out: Json[] = [];
  if (s && s.allowedSmResources.length > 0) {
    out.push(allow("ReadSecrets", ["secretsmanager:GetSecretValue"], s.allowedSmResources.map(smResource)));
  }
  if (s?.requireListSecrets) {
    // ListSecrets has no resource-level permissions: AWS only accepts "*" for it.
    out.push(allow("ListSecrets", ["secretsmanager:ListSecrets"], "*"));
  }
  if (s && s.allowedSsmResources.length > 0) {
    out.push(
      allow(
        "ReadParameters",
        ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        s.allowedSsmResources.map(ssmResource),
      ),
    );
  }
  if (c.usesRds) {
    // The RDS-managed master secret uses the aws/secretsmanager key, which needs no KMS grant.
    out.push(
      allow("ReadRdsSecret", ["secretsmanager:GetSecretValue"], [cfn.ref(parameterNames().rdsSecretArn)]),
    );
  }
  return out;
}

/**
 * `[dsql]`: an IAM token for the `admin` role of the stage's cluster only, as the original grants
 * (docs/decisions.md#b13-aurora-dsql); the ARN is the deploy's, AWS chooses the cluster's id.
 */
function dsqlStatements(ctx: PocketContext): Json[] {
  if (!ctx.dsql) return [];
  return [allow("ConnectDsqlAsAdmin", ["dsql:DbConnectAdmin"], [cfn.ref(parameterNames().dsqlClusterArn)])];
}

function mountStatements(ctx: PocketContext): Json[] {
  if (!ctx.container!.useEfs || !ctx.vpc) return [];
  return [
    allow(
      "MountEfsAccessPoint",
      ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
      [cfn.sub(`${ARN}:elasticfilesystem:\${AWS::Region}:\${AWS::AccountId}:file-system/*`)],
      {
        StringEquals: { "elasticfilesystem:AccessPointArn": cfn.importValue(ctx.vpc.exports.efsAccessPoint) },
      },
    ),
  ];
}

/**
 * Only the [ses] identity (and its configuration set): a leaked role cannot send as anyone else
 * (docs/decisions.md#e1-ses).
 */
function emailStatements(ctx: PocketContext): Json[] {
  if (!ctx.ses) return [];
  return [
    allow(
      "SendEmailAsIdentity",
      ["ses:SendEmail", "ses:SendRawEmail"],
      ctx.ses.sendResources.map((r) => cfn.sub(r)),
    ),
  ];
}

/** Secrets Manager names become ARNs matching any random suffix (the reference missed it). */
function smResource(resource: string): Json {
  if (resource.startsWith("arn:")) return cfn.sub(resource);
  return cfn.sub(`${ARN}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${resource}-??????`);
}

function ssmResource(resource: string): Json {
  if (resource.startsWith("arn:")) return cfn.sub(resource);
  const name = resource.startsWith("/") ? resource : `/${resource}`;
  return cfn.sub(`${ARN}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`);
}

export function permissionsBoundaryArn(value: string): Json {
  return value.startsWith("arn:") ? value : cfn.sub(`${ARN}:iam::\${AWS::AccountId}:policy/${value}`);
}
