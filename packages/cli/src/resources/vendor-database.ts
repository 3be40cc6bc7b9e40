import type { PocketContext } from "@magic-pocket/config";
import { type Resource, type ResourceKind, resourceKind } from "./resource.js";

/**
 * A database a vendor holds for the stage (`[neon]`, `[tidb]`, `[upstash]`): the section of the
 * kind's own name, no stack and no IAM of its own (it calls the vendor's API with keys from the
 * environment, never AWS), and data that destroy deletes only with `--with-data`.
 */
type VendorGroup = "neon" | "tidb" | "upstash";

export function vendorDatabaseKind(
  group: VendorGroup,
  kind: {
    noun: string;
    description: string;
    /** What `--with-data` deletes, for the destroy help. */
    withData: string;
    create(ctx: PocketContext): Resource[];
    absent?: ResourceKind["absent"];
    operations?: ResourceKind["operations"];
  },
): ResourceKind {
  const { withData, ...rest } = kind;
  return resourceKind({
    group,
    section: `[${group}]`,
    keeps: { withData: `required: ${withData}` },
    ...rest,
  });
}

/**
 * The one resource of such a kind, named after its group: deployed after the state bucket and, as
 * its kind says, kept by destroy unless `--with-data`.
 */
export function vendorDatabaseResource(
  group: VendorGroup,
  resource: Omit<Resource, "id" | "group" | "dependsOn" | "keep">,
): Resource {
  return { id: group, group, dependsOn: ["state"], keep: { unless: "withData" }, ...resource };
}
