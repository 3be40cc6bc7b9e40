import { writeJson } from "../../output.js";
import { cloudfrontParameters } from "../../templates/cloudfront.js";
import type { OperationContext } from "../resource.js";

/** `pocket resource cloudfront context`: the derived context of each selected distribution. */
export async function printContext({ run, resources }: OperationContext) {
  const names = new Set(resources.map((r) => r.name));
  const out: Record<string, unknown> = {};
  for (const cf of Object.values(run.ctx.cloudfront ?? {})) {
    if (names.has(cf.name)) out[cf.name] = { ...cf, deployParameters: cloudfrontParameters(cf) };
  }
  writeJson(out);
}
