import type { Json, Template } from "../templates/template.js";
import type { ReadTemplate } from "./template-body.js";

/**
 * What a takeover does to one resource of a stack the original deployed: CloudFormation's own
 * words (kept = no change at all). `replaced` and `removed` of a resource that holds data or a
 * name (anything but the wiring below) make the takeover refuse.
 */
export type TakeoverChange =
  | { logicalId: string; type: string; action: "kept" | "updated" | "added" }
  | { logicalId: string; type: string; action: "replaced"; because: string; blocks: boolean }
  | { logicalId: string; type: string; action: "removed"; blocks: boolean };

/**
 * Properties whose change makes CloudFormation replace the resource (its documentation's
 * "Update requires: Replacement"), for the types pocket and the original deploy. A dotted path
 * names a property inside one. moto's change sets say nothing of replacement, so this table is
 * what the comparison relies on.
 */
const REPLACING: Record<string, readonly string[]> = {
  "AWS::EC2::SecurityGroup": ["GroupName", "GroupDescription", "VpcId"],
  "AWS::EC2::VPC": ["CidrBlock", "InstanceTenancy"],
  "AWS::EC2::Subnet": ["AvailabilityZone", "CidrBlock", "VpcId"],
  "AWS::EC2::EIP": ["Domain"],
  "AWS::EC2::NatGateway": ["AllocationId", "SubnetId", "ConnectivityType"],
  "AWS::EFS::FileSystem": ["Encrypted", "KmsKeyId", "PerformanceMode", "AvailabilityZoneName"],
  "AWS::EFS::AccessPoint": ["FileSystemId", "PosixUser", "RootDirectory"],
  "AWS::EFS::MountTarget": ["FileSystemId", "SubnetId", "IpAddress"],
  "AWS::Logs::LogGroup": ["LogGroupName"],
  "AWS::IAM::Role": ["RoleName", "Path"],
  "AWS::Lambda::Function": ["FunctionName", "PackageType"],
  "AWS::SQS::Queue": ["QueueName", "FifoQueue"],
  "AWS::ApiGatewayV2::Route": ["ApiId"],
  "AWS::ApiGatewayV2::DomainName": ["DomainName"],
  "AWS::CertificateManager::Certificate": [
    "DomainName",
    "SubjectAlternativeNames",
    "ValidationMethod",
    "DomainValidationOptions",
  ],
  "AWS::Route53::RecordSet": ["Name", "HostedZoneId", "HostedZoneName"],
  // CloudFront's UpdatePublicKey changes the comment only.
  "AWS::CloudFront::PublicKey": [
    "PublicKeyConfig.Name",
    "PublicKeyConfig.CallerReference",
    "PublicKeyConfig.EncodedKey",
  ],
  "AWS::CloudFront::Function": ["Name"],
  "AWS::CloudFront::KeyValueStore": ["Name"],
  "AWS::S3::Bucket": ["BucketName"],
  "AWS::Lambda::Permission": ["Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"],
};

/** Wiring that holds no data and no name anyone points at: replacing or dropping it is harmless. */
const WIRING = new Set([
  "AWS::Lambda::Permission",
  "AWS::Lambda::EventSourceMapping",
  "AWS::Lambda::EventInvokeConfig",
  "AWS::ApiGatewayV2::Integration",
  "AWS::ApiGatewayV2::Route",
  "AWS::ApiGatewayV2::Stage",
  "AWS::ApiGatewayV2::ApiMapping",
  "AWS::ApiGatewayV2::ApiGatewayManagedOverrides",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::EC2::SubnetRouteTableAssociation",
  "AWS::EC2::Route",
  "AWS::EC2::VPCGatewayAttachment",
]);

/**
 * Dropped without a loss: a viewer-request function only this stack's distribution runs (the
 * current version's `ApiHostFunction`, whose headers pocket's runtimes trust only from a verified
 * origin, docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original). Replacing one stays
 * refused: a new function of the same name cannot be made before the old one goes.
 */
const REMOVABLE = new Set([...WIRING, "AWS::CloudFront::Function"]);

/** Each resource of the deployed template and of ours, with what the update does to it. */
export function compareTemplates(deployed: ReadTemplate, ours: Template): TakeoverChange[] {
  const parameters = new Set(Object.keys(ours.Parameters ?? {}));
  const changes: TakeoverChange[] = [];
  for (const [logicalId, before] of Object.entries(deployed.Resources ?? {})) {
    const after = ours.Resources[logicalId];
    const blocks = !WIRING.has(before.Type);
    if (!after) {
      changes.push({ logicalId, type: before.Type, action: "removed", blocks: !REMOVABLE.has(before.Type) });
      continue;
    }
    if (after.Type !== before.Type) {
      const because = `its type becomes ${after.Type}`;
      changes.push({ logicalId, type: before.Type, action: "replaced", because, blocks });
      continue;
    }
    const was = before.Properties ?? {};
    const will = (after.Properties ?? {}) as Record<string, Json>;
    const replacing = (REPLACING[before.Type] ?? []).find((path) => {
      const next = at(will, path);
      // A deploy-time parameter's value is not in the template: the deploy compares those.
      return !isParameterRef(next, parameters) && normal(at(was, path)) !== normal(next);
    });
    if (replacing) {
      const because = `${replacing} changes`;
      changes.push({ logicalId, type: before.Type, action: "replaced", because, blocks });
    } else {
      changes.push({
        logicalId,
        type: before.Type,
        action: normal(was) === normal(will) ? "kept" : "updated",
      });
    }
  }
  for (const [logicalId, after] of Object.entries(ours.Resources)) {
    if (!deployed.Resources?.[logicalId]) changes.push({ logicalId, type: after.Type, action: "added" });
  }
  return changes;
}

function at(properties: Record<string, Json>, path: string): Json | undefined {
  let value: Json | undefined = properties;
  for (const part of path.split(".")) {
    value = value && typeof value === "object" && !Array.isArray(value) ? value[part] : undefined;
  }
  return value;
}

function isParameterRef(value: Json | undefined, parameters: Set<string>): boolean {
  return !!value && typeof value === "object" && !Array.isArray(value) && parameters.has(value.Ref as string);
}

/**
 * One spelling per meaning: scalars as strings (the original quotes numbers), `Fn::Sub` of a
 * plain string as that string, `Fn::GetAtt` "A.B" as ["A", "B"], object keys sorted.
 */
function normal(value: Json | undefined): string {
  const walk = (v: Json | undefined): unknown => {
    if (v === undefined || v === null) return null;
    if (typeof v !== "object") return String(v);
    if (Array.isArray(v)) return v.map(walk);
    const keys = Object.keys(v);
    if (
      keys.length === 1 &&
      keys[0] === "Fn::Sub" &&
      typeof v["Fn::Sub"] === "string" &&
      !v["Fn::Sub"].includes("${")
    ) {
      return v["Fn::Sub"];
    }
    if (keys.length === 1 && keys[0] === "Fn::GetAtt" && typeof v["Fn::GetAtt"] === "string") {
      return { "Fn::GetAtt": v["Fn::GetAtt"].split(".").map(String) };
    }
    return Object.fromEntries(keys.sort().map((k) => [k, walk(v[k])]));
  };
  return JSON.stringify(walk(value));
}
