import type { PocketContext } from "@magic-pocket/config";
import { awsOperation } from "./operation.js";
import { type Operation, type Resource, type ResourceKind, resourceKind } from "./resource.js";
import type { StoreUrl } from "./vendor-store-url.js";

/**
 * A database a vendor holds for the stage (`[neon]`, `[tidb]`, `[upstash]`): the section of the
 * kind's own name, no stack and no IAM of its own (it calls the vendor's API with keys from the
 * environment, never AWS), and data that destroy deletes only with `--with-data`.
 */
type VendorGroup = StoreUrl["group"];

export function vendorDatabaseKind(
  group: VendorGroup,
  kind: {
    noun: string;
    description: string;
    /** What `--with-data` deletes, for the destroy help. */
    withData: string;
    create(ctx: PocketContext): Resource[];
    /** `provisioning = "command"`: how `pocket resource <group> store-url` provisions. */
    storeUrl: Omit<StoreUrl, "group">;
    operations?: ResourceKind["operations"];
  },
): ResourceKind {
  const { withData, storeUrl, create, operations, ...rest } = kind;
  const spec: StoreUrl = { group, ...storeUrl };
  const byCommand = (ctx: PocketContext) => ctx[group]?.provisioning === "command";
  return resourceKind({
    group,
    section: `[${group}]`,
    keeps: { withData: `required: ${withData}` },
    ...rest,
    // With provisioning by command deploy never calls the vendor: the stage has no resource of
    // the kind, and store-url provisions it (docs/decisions.md#b12-provisioning-by-command).
    create: (ctx) => (byCommand(ctx) ? [] : create(ctx)),
    absent: (ctx) =>
      byCommand(ctx)
        ? {
            code: `${group}-provisioned-by-command`,
            message: `[${group}] provisioning = "command": deploy and destroy leave stage ${ctx.stage}'s ${kind.noun.replace(/^the stage's /, "")} alone.`,
            hint: `Provision it with \`pocket resource ${group} store-url --stage ${ctx.stage}\`; delete it in the ${storeUrl.vendor} console.`,
          }
        : undefined,
    operations: { "store-url": storeUrlOperation(spec), ...operations },
  });
}

/** `pocket resource <group> store-url [--force]` (vendor-store-url.ts, loaded when it runs). */
function storeUrlOperation(spec: StoreUrl): Operation<never> {
  return awsOperation<{ force?: boolean }>({
    description: `with provisioning = "command": ensure ${spec.ensures} and store the URL in the user secret of type ${spec.type}`,
    options: [["--force", spec.forceHelp ?? "store the URL again when one is stored"]],
    allowEmpty: true,
    run: async () => {
      const { storeUrl } = await import("./vendor-store-url.js");
      return (operation, opts) => storeUrl(spec, operation, opts);
    },
  }) as Operation<never>;
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
