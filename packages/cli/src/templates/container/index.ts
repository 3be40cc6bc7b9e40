import type { HandlerContext, PocketContext } from "@magic-pocket/config";
import {
  cfn,
  type Json,
  type Template,
  type TemplateOutput,
  type TemplateParameter,
  type TemplateResource,
} from "../template.js";
import { checkEnvironmentSize, containerEnvironment } from "./environment.js";
import { lambdaRole } from "./iam.js";
import { containerParameters, parameterNames } from "./parameters.js";
import { addSchedules } from "./schedules.js";

export { checkEnvironmentSize, containerEnvironment } from "./environment.js";
export {
  containerParameters,
  parameterNames,
} from "./parameters.js";

/** JSON access-log line of each HTTP API (one object per request). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestTime: "$context.requestTime",
  requestId: "$context.requestId",
  httpMethod: "$context.httpMethod",
  path: "$context.path",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLatency: "$context.responseLatency",
  integrationRequestId: "$context.integration.requestId",
  functionResponseStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  integrationServiceStatus: "$context.integration.integrationStatus",
  integrationErrorMessage: "$context.integrationErrorMessage",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
});

/**
 * `{slug}-container`: the execution role, one Lambda per handler with the runtime-contract
 * environment, HTTP APIs, SQS queues, and their wiring (docs/decisions.md#p12-the-container-stack,
 * docs/decisions.md#p6-least-privilege-iam). The image is a parameter (by digest), so a new image
 * always updates the functions and the template can be rendered offline.
 */
export function containerTemplate(ctx: PocketContext): Template {
  const c = ctx.container;
  if (!c) throw new Error("containerTemplate needs [awscontainer]");
  const environment = containerEnvironment(ctx);
  checkEnvironmentSize(environment);

  const parameters: Record<string, TemplateParameter> = {};
  for (const [name, { source: _source, ...parameter }] of Object.entries(containerParameters(ctx))) {
    parameters[name] = parameter;
  }
  const r: Record<string, TemplateResource> = { LambdaRole: lambdaRole(ctx) };
  const outputs: Record<string, TemplateOutput> = {};

  Object.assign(r, networkResources(ctx));
  for (const h of Object.values(c.handlers)) {
    const K = h.logicalId;
    // The original left these to Lambda (made on first invoke): a taken-over stage keeps them so.
    if (!ctx.original?.lambdaLogGroupsOutside) {
      r[`${K}LogGroup`] = {
        Type: "AWS::Logs::LogGroup",
        Properties: { LogGroupName: h.logGroupName, RetentionInDays: c.logRetentionDays },
      };
    }
    if (Object.keys(h.envs).length > 0) checkEnvironmentSize({ ...environment, ...h.envs });
    r[`${K}LambdaFunction`] = lambdaFunction(ctx, h, environment);
    outputs[`${K}LambdaFunction`] = { Value: cfn.getAtt(`${K}LambdaFunction`, "Arn") };
    if (h.isManagementCommand) {
      // A failed migrate must not run twice more on its own: retries are the user's decision.
      r[`${K}EventInvokeConfig`] = {
        Type: "AWS::Lambda::EventInvokeConfig",
        Properties: {
          FunctionName: cfn.ref(`${K}LambdaFunction`),
          Qualifier: "$LATEST",
          MaximumRetryAttempts: 0,
        },
      };
    }
    if (h.apigateway) httpApi(ctx, h, r, outputs);
    if (h.sqs) queue(h, r);
  }
  addSchedules(ctx, r, outputs);
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket container stack ${c.stackName}`,
    Parameters: parameters,
    Resources: r,
    Outputs: outputs,
  };
}

/** The functions' security group in the VPC, and its way in to EFS and to the database. */
function networkResources(ctx: PocketContext): Record<string, TemplateResource> {
  const c = ctx.container!;
  const vpc = ctx.vpc;
  if (!c.useVpc || !vpc) return {};
  const p = parameterNames();
  const ingress = (groupId: Json, port: number, description: string): TemplateResource => ({
    Type: "AWS::EC2::SecurityGroupIngress",
    Properties: {
      GroupId: groupId,
      SourceSecurityGroupId: cfn.ref("LambdaSecurityGroup"),
      IpProtocol: "tcp",
      FromPort: port,
      ToPort: port,
      Description: description,
    },
  });
  return {
    LambdaSecurityGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupName: c.securityGroupName!,
        // The original's description: it forces a replacement, which a fixed-name group cannot take.
        GroupDescription: c.securityGroupName!,
        VpcId: cfn.importValue(vpc.exports.vpcId),
        SecurityGroupEgress: [
          { IpProtocol: "-1", CidrIp: "0.0.0.0/0", Description: "Allow all outbound traffic by default" },
        ],
        Tags: cfn.tags({ Name: c.securityGroupName! }),
      },
    },
    ...(c.useEfs
      ? {
          LambdaEFSAccess: ingress(
            cfn.importValue(vpc.exports.efsSecurityGroup),
            2049,
            `NFS from ${ctx.slug} Lambda`,
          ),
        }
      : {}),
    ...(c.usesRds
      ? {
          LambdaRDSAccess: ingress(cfn.ref(p.rdsSecurityGroupId), 5432, `PostgreSQL from ${ctx.slug} Lambda`),
        }
      : {}),
  };
}

function lambdaFunction(
  ctx: PocketContext,
  h: HandlerContext,
  environment: Record<string, Json>,
): TemplateResource {
  const c = ctx.container!;
  const vpc = ctx.vpc;
  const p = parameterNames();
  const subnetIds: Json =
    c.useVpc && vpc && !vpc.manage
      ? cfn.ref(p.privateSubnetIds)
      : (vpc?.exports.privateSubnets ?? []).map((name) => cfn.importValue(name));
  return {
    Type: "AWS::Lambda::Function",
    Properties: {
      FunctionName: h.functionName,
      PackageType: "Image",
      Code: { ImageUri: cfn.ref(p.imageUri) },
      ImageConfig: { Command: [h.command] },
      Architectures: [c.platform === "linux/arm64" ? "arm64" : "x86_64"],
      Role: cfn.getAtt("LambdaRole", "Arn"),
      Timeout: h.timeout,
      MemorySize: h.memorySize,
      ...(h.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: h.reservedConcurrency } : {}),
      ...(h.tracing ? { TracingConfig: { Mode: "Active" } } : {}),
      Environment: { Variables: { ...environment, ...h.envs } },
      ...(ctx.original?.lambdaLogGroupsOutside
        ? {}
        : { LoggingConfig: { LogGroup: cfn.ref(`${h.logicalId}LogGroup`), LogFormat: "Text" } }),
      ...(c.useVpc
        ? { VpcConfig: { SecurityGroupIds: [cfn.ref("LambdaSecurityGroup")], SubnetIds: subnetIds } }
        : {}),
      ...(c.useEfs && vpc
        ? {
            FileSystemConfigs: [
              { Arn: cfn.importValue(vpc.exports.efsAccessPoint), LocalMountPath: c.efsLocalMountPath! },
            ],
          }
        : {}),
    },
    // The NFS rule must exist before Lambda tries to mount.
    ...(c.useEfs ? { DependsOn: ["LambdaEFSAccess"] } : {}),
  };
}

function httpApi(
  ctx: PocketContext,
  h: HandlerContext,
  r: Record<string, TemplateResource>,
  outputs: Record<string, TemplateOutput>,
): void {
  const api = h.apigateway!;
  const K = h.logicalId;
  const quickCreate = ctx.original?.quickCreateApis === true;
  // The original's logical id, so a stage it deployed keeps its log group (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
  r[accessLogGroupId(K)] = {
    Type: "AWS::Logs::LogGroup",
    Properties: { LogGroupName: api.accessLogGroupName, RetentionInDays: ctx.container!.logRetentionDays },
  };
  r[`${K}Api`] = {
    Type: "AWS::ApiGatewayV2::Api",
    Properties: {
      Name: h.apiName!,
      ProtocolType: "HTTP",
      // With a custom domain the execute-api URL would be a second, unprotected way in.
      DisableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
      ...(quickCreate ? { Target: cfn.getAtt(`${K}LambdaFunction`, "Arn") } : {}),
    },
  };
  r[`${K}Integration`] = {
    Type: "AWS::ApiGatewayV2::Integration",
    Properties: {
      ApiId: cfn.ref(`${K}Api`),
      IntegrationType: "AWS_PROXY",
      IntegrationUri: cfn.getAtt(`${K}LambdaFunction`, "Arn"),
      PayloadFormatVersion: "2.0",
    },
  };
  r[`${K}Route`] = {
    Type: "AWS::ApiGatewayV2::Route",
    Properties: {
      ApiId: cfn.ref(`${K}Api`),
      // Quick create made its own `$default` route: the original routed `ANY /{proxy+}` beside it.
      RouteKey: quickCreate ? "ANY /{proxy+}" : "$default",
      Target: cfn.join("/", ["integrations", cfn.ref(`${K}Integration`)]),
    },
  };
  Object.assign(r, apiStage(K, quickCreate));
  r[`${K}Permission`] = {
    Type: "AWS::Lambda::Permission",
    Properties: {
      Action: "lambda:InvokeFunction",
      FunctionName: cfn.ref(`${K}LambdaFunction`),
      Principal: "apigateway.amazonaws.com",
      SourceArn: cfn.sub(
        `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${K}Api}/*`,
      ),
    },
  };
  if (api.domain) {
    Object.assign(r, apiDomainResources(h, quickCreate));
    outputs[`${K}ApiEndpoint`] = { Value: `https://${api.domain}` };
  } else {
    // Same value as the API's ApiEndpoint attribute, spelled so emulators that lack
    // ApiGatewayV2 (moto) can still create the stack.
    outputs[`${K}ApiEndpoint`] = {
      Value: cfn.sub(`https://\${${K}Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`),
    };
  }
  // The [alarms] stack's API 5xx alarm names the API by id.
  outputs[`${K}ApiId`] = { Value: cfn.ref(`${K}Api`) };
  if (api.exportApiDomain) {
    outputs[`${K}ApiDomain`] = {
      Value: cfn.sub(`\${${K}Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`),
      Export: { Name: api.exportApiDomain },
    };
  }
}

/** A custom domain of the handler's HTTP API: certificate, domain name, mapping, DNS records. */
function apiDomainResources(h: HandlerContext, quickCreate: boolean): Record<string, TemplateResource> {
  const api = h.apigateway!;
  const domain = api.domain!;
  const K = h.logicalId;
  const p = parameterNames();
  const r: Record<string, TemplateResource> = {};
  const zone: Json | undefined = api.createRecords
    ? (api.hostedZoneIdOverride ?? cfn.ref(p.hostedZoneId(K)))
    : undefined;
  r[api.certificateLogicalId] = {
    Type: "AWS::CertificateManager::Certificate",
    Properties: {
      DomainName: domain,
      ValidationMethod: "DNS",
      // Without create_records the user adds the validation record in their own DNS.
      ...(zone ? { DomainValidationOptions: [{ DomainName: domain, HostedZoneId: zone }] } : {}),
      Tags: cfn.tags({ Name: api.certificateTag }),
    },
  };
  r[`${K}ApiGatewayDomainName`] = {
    Type: "AWS::ApiGatewayV2::DomainName",
    Properties: {
      DomainName: domain,
      DomainNameConfigurations: [
        {
          CertificateArn: cfn.ref(api.certificateLogicalId),
          EndpointType: "REGIONAL",
          SecurityPolicy: "TLS_1_2",
        },
      ],
    },
  };
  r[`${K}ApiGatewayApiMapping`] = {
    Type: "AWS::ApiGatewayV2::ApiMapping",
    DependsOn: [`${K}ApiGatewayDomainName`, quickCreate ? `${K}Api` : `${K}Stage`],
    Properties: { DomainName: domain, ApiId: cfn.ref(`${K}Api`), Stage: "$default" },
  };
  if (zone) {
    for (const type of ["A", "AAAA"] as const) {
      // The A record under the original's logical id (a stage it deployed keeps the record).
      r[type === "A" ? `${K}DNSRecord` : `${K}DnsRecordAaaa`] = {
        Type: "AWS::Route53::RecordSet",
        Properties: {
          Name: domain,
          Type: type,
          HostedZoneId: zone,
          AliasTarget: {
            DNSName: cfn.getAtt(`${K}ApiGatewayDomainName`, "RegionalDomainName"),
            HostedZoneId: cfn.getAtt(`${K}ApiGatewayDomainName`, "RegionalHostedZoneId"),
            EvaluateTargetHealth: false,
          },
        },
      };
    }
  }
  return r;
}

const accessLogGroupId = (K: string) => `${K}ApigatewayCloudWatchLogsGroup`;

/**
 * The API's `$default` stage with its access log: our own Stage resource, or, on an API made by
 * quick create (a stage the original deployed), the overrides of the stage quick create made.
 */
function apiStage(K: string, quickCreate: boolean): Record<string, TemplateResource> {
  const settings = {
    AutoDeploy: true,
    AccessLogSettings: { DestinationArn: cfn.getAtt(accessLogGroupId(K), "Arn"), Format: ACCESS_LOG_FORMAT },
  };
  if (quickCreate) {
    return {
      [`${K}ApiGatewayManagedOverrides`]: {
        Type: "AWS::ApiGatewayV2::ApiGatewayManagedOverrides",
        Properties: { ApiId: cfn.ref(`${K}Api`), Stage: settings },
      },
    };
  }
  return {
    [`${K}Stage`]: {
      Type: "AWS::ApiGatewayV2::Stage",
      Properties: { ApiId: cfn.ref(`${K}Api`), StageName: "$default", ...settings },
    },
  };
}

function queue(h: HandlerContext, r: Record<string, TemplateResource>): void {
  const s = h.sqs!;
  const K = h.logicalId;
  r[`${K}DeadLetterQueue`] = {
    Type: "AWS::SQS::Queue",
    Properties: {
      QueueName: h.deadLetterQueueName!,
      MessageRetentionPeriod: s.deadLetterMessageRetentionPeriod,
    },
  };
  r[`${K}SqsQueue`] = {
    Type: "AWS::SQS::Queue",
    Properties: {
      QueueName: h.queueName!,
      VisibilityTimeout: h.visibilityTimeout!,
      MessageRetentionPeriod: s.messageRetentionPeriod,
      RedrivePolicy: {
        deadLetterTargetArn: cfn.getAtt(`${K}DeadLetterQueue`, "Arn"),
        maxReceiveCount: s.deadLetterMaxReceiveCount,
      },
    },
  };
  r[`${K}SqsEventSourceMapping`] = {
    Type: "AWS::Lambda::EventSourceMapping",
    // The role's SQS permissions must exist before Lambda validates the mapping.
    DependsOn: ["LambdaRole"],
    Properties: {
      EventSourceArn: cfn.getAtt(`${K}SqsQueue`, "Arn"),
      FunctionName: cfn.ref(`${K}LambdaFunction`),
      BatchSize: s.batchSize,
      ScalingConfig: { MaximumConcurrency: s.maximumConcurrency },
      ...(s.reportBatchItemFailures ? { FunctionResponseTypes: ["ReportBatchItemFailures"] } : {}),
    },
  };
}
