import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { bucketObject } from "../../buckets/object.js";
import type { ResourceStatus } from "../resource.js";

/**
 * What `pocket deploy --hotswap` leaves behind: the functions run `image` while the container
 * stack still names `stackImage`. Kept in the state bucket (the context's `hotswap.driftKey`)
 * until a full deploy reconciles the stack; `pocket status` shows it.
 */
export interface HotswapDrift {
  stack: string;
  /** The image parameter of the stack when the functions were updated. */
  stackImage: string;
  /** The image (`URI@sha256:...`) the functions were updated to. */
  image: string;
  functions: string[];
  /** When (ISO 8601). */
  at: string;
}

/** The drift record of the stage's container stack in the state bucket. */
export function driftRecord(clients: AwsClients, ctx: PocketContext) {
  const object = bucketObject(clients, ctx.stateBucket, ctx.container!.hotswap.driftKey);
  return {
    read: () => object.readJson<HotswapDrift>(),
    write: (drift: HotswapDrift) => object.writeJson(drift),
    remove: () => object.remove(),
  };
}

/** `sha256:0123456789ab` of an image by digest, for one-line messages. */
export function shortImage(uri: string): string {
  return uri.slice(uri.indexOf("@") + 1).slice(0, 19);
}

/** One line for status and deploy: what runs, what the stack names, and what reconciles them. */
export function describeDrift(drift: HotswapDrift): string {
  return `hotswapped: the functions run ${shortImage(drift.image)} since ${drift.at}, the stack names ${shortImage(drift.stackImage)}; the next full \`pocket deploy\` reconciles the stack`;
}

/**
 * The container's status with a drift recorded: the stack needs a full deploy whatever it
 * compares as, and the detail says why (a failed or running stack keeps its own state).
 */
export function statusWithDrift(status: ResourceStatus, drift: HotswapDrift | undefined): ResourceStatus {
  if (!drift) return status;
  if (status.state === "in-sync" || status.state === "needs-update") {
    return { state: "needs-update", detail: describeDrift(drift) };
  }
  return { ...status, detail: `${status.detail ? `${status.detail}; ` : ""}${describeDrift(drift)}` };
}
