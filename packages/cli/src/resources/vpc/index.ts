import { describeStack } from "../../stacks/stack.js";
import { vpcStackTags, vpcTemplate } from "../../templates/vpc.js";
import { resourceKind } from "../resource.js";
import { stackResource } from "../stack-resource.js";
import { consumerTags, refuseVpcInUse } from "./consumers.js";
import { vpcPermissions } from "./permissions.js";

/** `[vpc]` with manage = true: the VPC stack (subnets, NAT, optional EFS), deployed when something uses it. */
export default resourceKind({
  group: "vpc",
  noun: "the VPC stack",
  description: "the [vpc] stack: VPC, subnets, NAT gateways, optional EFS",
  section: "[vpc]",
  permissions: vpcPermissions,
  stacks: true,
  keeps: { withData: "also delete the VPC when the stage's Aurora cluster goes with it" },
  absent: (ctx) => {
    const vpc = ctx.vpc;
    if (vpc && !vpc.manage) {
      return {
        code: "vpc-not-managed",
        message: `VPC "${vpc.ref}" is used by this stage but managed by another project (manage = false); there is no stack here.`,
        hint: `Run the command in the project that manages it (stack ${vpc.stackName}).`,
      };
    }
    if (vpc && vpc.usedBy.length === 0) {
      return {
        code: "vpc-unused",
        message: "nothing in this stage uses the [vpc], so pocket does not deploy it.",
        hint: "Set vpc = true on [awscontainer] (or add [rds]) to put the stage in the VPC.",
      };
    }
    return undefined;
  },
  create: (ctx) => {
    const vpc = ctx.vpc;
    if (!vpc?.manage || vpc.usedBy.length === 0) return [];
    return [
      stackResource({
        id: "vpc",
        title: `VPC stack ${vpc.stackName}`,
        group: "vpc",
        dependsOn: ["state"],
        region: vpc.region,
        stackName: vpc.stackName,
        template: () => vpcTemplate(ctx),
        // Other projects' consumer tags are theirs: an owner's deploy keeps them.
        tags: async (run) => ({
          ...consumerTags((await describeStack(run.aws(vpc.region), vpc.stackName))?.Tags),
          ...vpcStackTags(vpc),
        }),
        // A kept database still has its network interfaces in the private subnets.
        keep: ctx.rds ? { unless: "withData", because: "the database in it is kept" } : undefined,
        beforeDestroy: (run) => refuseVpcInUse(run.aws(vpc.region), vpc.stackName),
      }),
    ];
  },
});
