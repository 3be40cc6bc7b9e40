import type { KindPermissions } from "../permissions.js";

/**
 * The VPC stack (or an external VPC's, whose tags pocket updates): its networking and EFS types.
 * The container stack's security group for EFS and its ingress rule are EC2 types of this table
 * too. Their resources get ids chosen by AWS, so the statements name `*`, narrowed where the
 * stage's stack tag can (commands/permissions/stage-scope.ts).
 */
export const vpcPermissions: KindPermissions = {
  stackTypes: [
    {
      group: "EC2",
      reason:
        "EC2 Create* and Describe* calls for VPC networking have no resource-level permissions by name; ids are chosen by AWS; the Modify*, Associate*, Attach*, egress and tag calls are made by CloudFormation while it creates the resource (deletes and changes of existing ones are in StackEC2OwnStacks)",
      types: {
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
        "AWS::EC2::Route": [
          "ec2:CreateRoute",
          "ec2:ReplaceRoute",
          "ec2:DeleteRoute",
          "ec2:DescribeRouteTables",
        ],
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
        "AWS::EC2::EIP": [
          "ec2:AllocateAddress",
          "ec2:ReleaseAddress",
          "ec2:DescribeAddresses",
          "ec2:CreateTags",
        ],
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
      },
    },
    {
      group: "EFS",
      reason:
        "file system, mount target and access point ids are chosen by AWS at creation; the mount targets' network interfaces are made by EFS without the stack's tags (deletes are in StackEFSOwnStacks)",
      types: {
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
      },
    },
  ],
  forStage: (ctx) => ({ stacks: ctx.vpc ? [{ name: ctx.vpc.stackName, region: ctx.vpc.region }] : [] }),
};
