import type { PocketContext, VpcContext } from "@magic-pocket/config";
import { cfn, type Json, type Template, type TemplateOutput, type TemplateResource } from "./template.js";

/**
 * `{vpcName}-vpc`: a VPC shared by every stage and project that names the same `ref`
 * (docs/decisions.md#p11-the-vpc-is-shared-by-ref). Per zone: a public subnet with its own NAT
 * gateway and Elastic IP (the guide's fixed egress IPs, and no cross-zone dependency) and a private
 * subnet for Lambda and RDS. The EFS file system is part of the stack (the original created it by
 * API first) and is retained when the stack is deleted: it holds user data, which
 * `destroy --with-data` removes.
 */
export function vpcTemplate(ctx: PocketContext): Template {
  const vpc = ctx.vpc;
  if (!vpc?.manage) throw new Error("vpcTemplate needs a managed [vpc]");
  const r: Record<string, TemplateResource> = {};
  const outputs: Record<string, TemplateOutput> = {};
  const name = vpc.name;

  r.VPC = {
    Type: "AWS::EC2::VPC",
    Properties: {
      CidrBlock: "10.0.0.0/16",
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
      Tags: nameTag(name),
    },
  };
  const publicSubnets = vpc.internetGateway;
  if (publicSubnets) Object.assign(r, internetGateway(name));
  vpc.zones.forEach((zone, index) => {
    const i = index + 1;
    if (publicSubnets) {
      r[`PublicSubnet${i}`] = subnet(name, zone, index, "public");
      r[`PublicSubnetRouteTableAssociation${i}`] = {
        Type: "AWS::EC2::SubnetRouteTableAssociation",
        Properties: { RouteTableId: cfn.ref("PublicRouteTable"), SubnetId: cfn.ref(`PublicSubnet${i}`) },
      };
    }
    r[`PrivateSubnet${i}`] = subnet(name, zone, index, "private");
    outputs[`PrivateSubnet${i}`] = {
      Value: cfn.ref(`PrivateSubnet${i}`),
      Export: { Name: `${vpc.exports.privateSubnetPrefix}${i}` },
    };
    if (vpc.natGateway) natForZone(r, outputs, name, i);
  });
  if (vpc.efs) efs(r, outputs, vpc, ctx.original?.efsFileSystemId);
  outputs.VPC = { Value: cfn.ref("VPC"), Export: { Name: vpc.exports.vpcId } };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket VPC ${name} (shared by every stage that uses vpc ref "${vpc.ref}")`,
    Resources: r,
    Outputs: outputs,
  };
}

/** The Name tag the EC2 console lists each network resource by. */
function nameTag(value: string): Json {
  return cfn.tags({ Name: value });
}

/**
 * The `index`th zone's subnet: public ones (NAT gateways) in 10.0.1x.0/24 with public addresses,
 * private ones (Lambda, RDS, EFS) in 10.0.2x.0/24.
 */
function subnet(name: string, zone: string, index: number, kind: "public" | "private"): TemplateResource {
  const isPublic = kind === "public";
  return {
    Type: "AWS::EC2::Subnet",
    Properties: {
      VpcId: cfn.ref("VPC"),
      AvailabilityZone: zone,
      CidrBlock: `10.0.${(isPublic ? 10 : 20) + index}.0/24`,
      MapPublicIpOnLaunch: isPublic,
      Tags: nameTag(`${name}-${kind}-${index + 1}`),
    },
  };
}

/** The internet gateway and the public subnets' route table with its default route. */
function internetGateway(name: string): Record<string, TemplateResource> {
  return {
    InternetGateway: { Type: "AWS::EC2::InternetGateway", Properties: { Tags: nameTag(name) } },
    InternetGatewayAttachment: {
      Type: "AWS::EC2::VPCGatewayAttachment",
      Properties: { InternetGatewayId: cfn.ref("InternetGateway"), VpcId: cfn.ref("VPC") },
    },
    PublicRouteTable: {
      Type: "AWS::EC2::RouteTable",
      Properties: { VpcId: cfn.ref("VPC"), Tags: nameTag(`${name}-public`) },
    },
    DefaultPublicRoute: {
      Type: "AWS::EC2::Route",
      DependsOn: "InternetGatewayAttachment",
      Properties: {
        RouteTableId: cfn.ref("PublicRouteTable"),
        DestinationCidrBlock: "0.0.0.0/0",
        GatewayId: cfn.ref("InternetGateway"),
      },
    },
  };
}

function natForZone(
  r: Record<string, TemplateResource>,
  outputs: Record<string, TemplateOutput>,
  name: string,
  i: number,
): void {
  r[`PrivateRouteTable${i}`] = {
    Type: "AWS::EC2::RouteTable",
    Properties: { VpcId: cfn.ref("VPC"), Tags: nameTag(`${name}-private-${i}`) },
  };
  r[`PrivateSubnetRouteTableAssociation${i}`] = {
    Type: "AWS::EC2::SubnetRouteTableAssociation",
    Properties: { RouteTableId: cfn.ref(`PrivateRouteTable${i}`), SubnetId: cfn.ref(`PrivateSubnet${i}`) },
  };
  r[`NATGatewayIP${i}`] = {
    Type: "AWS::EC2::EIP",
    DependsOn: "InternetGatewayAttachment",
    Properties: { Domain: "vpc", Tags: nameTag(`${name}-natgateway-${i}`) },
  };
  r[`NATGateway${i}`] = {
    Type: "AWS::EC2::NatGateway",
    Properties: {
      AllocationId: cfn.getAtt(`NATGatewayIP${i}`, "AllocationId"),
      SubnetId: cfn.ref(`PublicSubnet${i}`),
      Tags: nameTag(`${name}-${i}`),
    },
  };
  r[`PrivateRoute${i}`] = {
    Type: "AWS::EC2::Route",
    Properties: {
      RouteTableId: cfn.ref(`PrivateRouteTable${i}`),
      DestinationCidrBlock: "0.0.0.0/0",
      NatGatewayId: cfn.ref(`NATGateway${i}`),
    },
  };
  // The fixed egress address to give to allow-lists (the reason for one NAT per zone).
  outputs[`NATGatewayIP${i}`] = { Value: cfn.ref(`NATGatewayIP${i}`) };
}

function efs(
  r: Record<string, TemplateResource>,
  outputs: Record<string, TemplateOutput>,
  vpc: VpcContext,
  madeByOriginal: string | undefined,
): void {
  const e = vpc.efs!;
  // A file system the original made through the API stays outside the stack, named by its id
  // (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
  const fileSystemId: Json = madeByOriginal ?? cfn.ref("EFSFileSystem");
  if (!madeByOriginal) {
    r.EFSFileSystem = {
      Type: "AWS::EFS::FileSystem",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        Encrypted: true,
        BackupPolicy: { Status: "ENABLED" },
        LifecyclePolicies: [
          { TransitionToIA: "AFTER_30_DAYS" },
          { TransitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
        ],
        FileSystemTags: [{ Key: "Name", Value: e.name }],
      },
    };
  }
  r.EFSSecurityGroup = {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupName: `${vpc.name}-efs`,
      // The original's description: it forces a replacement, which a fixed-name group cannot take.
      GroupDescription: `${vpc.name}-efs`,
      VpcId: cfn.ref("VPC"),
      SecurityGroupEgress: [
        { IpProtocol: "-1", CidrIp: "0.0.0.0/0", Description: "Allow all outbound traffic by default" },
      ],
      Tags: nameTag(`${vpc.name}-efs`),
    },
  };
  r.EfsAccessPoint = {
    Type: "AWS::EFS::AccessPoint",
    Properties: {
      FileSystemId: fileSystemId,
      PosixUser: { Uid: "1000", Gid: "1000" },
      RootDirectory: {
        Path: e.accessPointPath,
        CreationInfo: { OwnerUid: "1000", OwnerGid: "1000", Permissions: "0777" },
      },
    },
  };
  vpc.zones.forEach((_zone, index) => {
    const i = index + 1;
    r[`MountTarget${i}`] = {
      Type: "AWS::EFS::MountTarget",
      Properties: {
        FileSystemId: fileSystemId,
        SubnetId: cfn.ref(`PrivateSubnet${i}`),
        SecurityGroups: [cfn.ref("EFSSecurityGroup")],
      },
    };
  });
  outputs.EFSAccessPointArn = {
    // Built from the access point's id (its Ref) rather than read with Fn::GetAtt Arn: the same
    // ARN on AWS, and an emulator that lacks the attribute can still create the stack.
    Value: cfn.sub(
      "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:access-point/${EfsAccessPoint}",
    ),
    Export: { Name: vpc.exports.efsAccessPoint },
  };
  outputs.EFSSecurityGroup = {
    Value: cfn.ref("EFSSecurityGroup"),
    Export: { Name: vpc.exports.efsSecurityGroup },
  };
  outputs.EFSFileSystemId = { Value: fileSystemId };
}

/** Stack tags: `pocket:sharable` lets other projects attach (`manage = false`) to this VPC. */
export function vpcStackTags(vpc: VpcContext): Record<string, string> {
  return vpc.sharable ? { [vpc.sharableTag.key]: vpc.sharableTag.value } : {};
}
