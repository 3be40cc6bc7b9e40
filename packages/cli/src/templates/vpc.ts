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
  const tag = (value: string): Json => cfn.tags({ Name: value });

  r.VPC = {
    Type: "AWS::EC2::VPC",
    Properties: {
      CidrBlock: "10.0.0.0/16",
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
      Tags: tag(name),
    },
  };
  const publicSubnets = vpc.internetGateway;
  if (publicSubnets) Object.assign(r, internetGateway(name));
  vpc.zones.forEach((zone, index) => {
    const i = index + 1;
    if (publicSubnets) {
      r[`PublicSubnet${i}`] = {
        Type: "AWS::EC2::Subnet",
        Properties: {
          VpcId: cfn.ref("VPC"),
          AvailabilityZone: zone,
          CidrBlock: `10.0.${10 + index}.0/24`,
          MapPublicIpOnLaunch: true,
          Tags: tag(`${name}-public-${i}`),
        },
      };
      r[`PublicSubnetRouteTableAssociation${i}`] = {
        Type: "AWS::EC2::SubnetRouteTableAssociation",
        Properties: { RouteTableId: cfn.ref("PublicRouteTable"), SubnetId: cfn.ref(`PublicSubnet${i}`) },
      };
    }
    r[`PrivateSubnet${i}`] = {
      Type: "AWS::EC2::Subnet",
      Properties: {
        VpcId: cfn.ref("VPC"),
        AvailabilityZone: zone,
        CidrBlock: `10.0.${20 + index}.0/24`,
        MapPublicIpOnLaunch: false,
        Tags: tag(`${name}-private-${i}`),
      },
    };
    outputs[`PrivateSubnet${i}`] = {
      Value: cfn.ref(`PrivateSubnet${i}`),
      Export: { Name: `${vpc.exports.privateSubnetPrefix}${i}` },
    };
    if (vpc.natGateway) natForZone(r, outputs, name, i);
  });
  if (vpc.efs) efs(r, outputs, vpc);
  outputs.VPC = { Value: cfn.ref("VPC"), Export: { Name: vpc.exports.vpcId } };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket VPC ${name} (shared by every stage that uses vpc ref "${vpc.ref}")`,
    Resources: r,
    Outputs: outputs,
  };
}

/** The internet gateway and the public subnets' route table with its default route. */
function internetGateway(name: string): Record<string, TemplateResource> {
  const tag = (value: string): Json => cfn.tags({ Name: value });
  return {
    InternetGateway: { Type: "AWS::EC2::InternetGateway", Properties: { Tags: tag(name) } },
    InternetGatewayAttachment: {
      Type: "AWS::EC2::VPCGatewayAttachment",
      Properties: { InternetGatewayId: cfn.ref("InternetGateway"), VpcId: cfn.ref("VPC") },
    },
    PublicRouteTable: {
      Type: "AWS::EC2::RouteTable",
      Properties: { VpcId: cfn.ref("VPC"), Tags: tag(`${name}-public`) },
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
    Properties: { VpcId: cfn.ref("VPC"), Tags: cfn.tags({ Name: `${name}-private-${i}` }) },
  };
  r[`PrivateSubnetRouteTableAssociation${i}`] = {
    Type: "AWS::EC2::SubnetRouteTableAssociation",
    Properties: { RouteTableId: cfn.ref(`PrivateRouteTable${i}`), SubnetId: cfn.ref(`PrivateSubnet${i}`) },
  };
  r[`NATGatewayIP${i}`] = {
    Type: "AWS::EC2::EIP",
    DependsOn: "InternetGatewayAttachment",
    Properties: { Domain: "vpc", Tags: cfn.tags({ Name: `${name}-natgateway-${i}` }) },
  };
  r[`NATGateway${i}`] = {
    Type: "AWS::EC2::NatGateway",
    Properties: {
      AllocationId: cfn.getAtt(`NATGatewayIP${i}`, "AllocationId"),
      SubnetId: cfn.ref(`PublicSubnet${i}`),
      Tags: cfn.tags({ Name: `${name}-${i}` }),
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
): void {
  const e = vpc.efs!;
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
  r.EFSSecurityGroup = {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupName: `${vpc.name}-efs`,
      GroupDescription: `${vpc.name}-efs: NFS from the Lambda functions that mount it`,
      VpcId: cfn.ref("VPC"),
      SecurityGroupEgress: [{ IpProtocol: "-1", CidrIp: "0.0.0.0/0", Description: "all outbound" }],
      Tags: cfn.tags({ Name: `${vpc.name}-efs` }),
    },
  };
  r.EfsAccessPoint = {
    Type: "AWS::EFS::AccessPoint",
    Properties: {
      FileSystemId: cfn.ref("EFSFileSystem"),
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
        FileSystemId: cfn.ref("EFSFileSystem"),
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
  outputs.EFSFileSystemId = { Value: cfn.ref("EFSFileSystem") };
}

/** Stack tags: `pocket:sharable` lets other projects attach (`manage = false`) to this VPC. */
export function vpcStackTags(vpc: VpcContext): Record<string, string> {
  return vpc.sharable ? { [vpc.sharableTag.key]: vpc.sharableTag.value } : {};
}
