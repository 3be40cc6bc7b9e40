import * as z from "zod/mini";
import { bool, fail, lazy, table } from "./base.js";

const efs = table({
  local_mount_path: z._default(
    z.string().check(
      z.regex(/^\/mnt\/[A-Za-z0-9._-]+$/, {
        error: 'must be /mnt/NAME (Lambda mounts EFS under /mnt/), e.g. "/mnt/efs"',
      }),
    ),
    "/mnt/efs",
  ),
  access_point_path: z._default(
    z.string().check(
      z.regex(/^\/[^\s]+$/, { error: 'must be an absolute path below the root, e.g. "/lambda"' }),
      z.refine((p) => p !== "/", { error: 'must not be "/" itself' }),
    ),
    "/lambda",
  ),
});

/** `[vpc]`: one VPC, shared by awscontainer and rds, possibly owned by another project. */
export const vpcSchema = lazy(() =>
  table({
    ref: z
      .string()
      .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, { error: "may only contain letters, digits and -" })),
    zone_suffixes: z._default(
      z.array(
        z.string().check(z.regex(/^[a-z]$/, { error: 'must be one availability-zone letter, e.g. "a"' })),
      ),
      [],
    ),
    nat_gateway: bool(true),
    internet_gateway: bool(true),
    efs: z.optional(efs),
    manage: bool(true),
    sharable: bool(false),
  }).check(
    z.superRefine((v, ctx) => {
      const dup = v.zoneSuffixes.find((s, i) => v.zoneSuffixes.indexOf(s) !== i);
      if (dup) fail(ctx, "vpc-zone-duplicate", `zone suffix "${dup}" is listed twice`, ["zone_suffixes"]);
      if (v.manage) {
        if (v.zoneSuffixes.length === 0) {
          fail(
            ctx,
            "vpc-zones-required",
            "zone_suffixes is required when manage = true",
            ["zone_suffixes"],
            'List the availability zones to use, e.g. zone_suffixes = ["a", "c"] (one NAT gateway and fixed IP each).',
          );
        }
        if (v.natGateway && !v.internetGateway) {
          fail(ctx, "vpc-nat-without-igw", "nat_gateway = true needs internet_gateway = true", [
            "internet_gateway",
          ]);
        }
        if (v.internetGateway && !v.natGateway) {
          fail(
            ctx,
            "vpc-igw-without-nat",
            "internet_gateway = true without nat_gateway is not supported: Lambda runs in the private subnets and reaches the internet only through NAT",
            ["nat_gateway"],
            "Set both to true, or both to false for a VPC without internet access.",
          );
        }
      } else {
        if (v.sharable) {
          fail(
            ctx,
            "vpc-external-sharable",
            "sharable needs manage = true: only the project that owns the VPC can share it",
            ["sharable"],
          );
        }
        if (v.efs) {
          fail(ctx, "vpc-external-efs", "efs needs manage = true: EFS is created with the VPC stack", [
            "efs",
          ]);
        }
      }
    }),
  ),
);
export type VpcSettings = z.output<ReturnType<typeof vpcSchema>>;
