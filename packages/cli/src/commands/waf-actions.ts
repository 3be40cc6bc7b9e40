import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { prepareStage } from "../engine/stage.js";
import { writeJson } from "../output.js";
import {
  allowListDistributions,
  editAllowList,
  listAllowList,
  parseCidr,
} from "../resources/cloudfront/waf-ip.js";
import { writeErr, writeOut } from "../util/stdio.js";
import type { NameOptions } from "./options.js";

/** `pocket waf ip list`. */
export async function wafIpList(global: GlobalOptions, opts: NameOptions & { json?: boolean }) {
  const { run } = await prepareStage(global, opts);
  for (const cf of allowListDistributions(run.ctx, opts.name)) {
    const addresses = await withAwsErrors(cf.region, () => listAllowList(run, cf));
    if (opts.json) writeJson({ distribution: cf.name, addresses });
    else if (addresses.length === 0) {
      writeErr(
        `The allow list of ${cf.name} is empty: only allow_paths reach the protected paths. Add one with pocket waf ip add CIDR.\n`,
      );
    } else writeOut(`${addresses.join("\n")}\n`);
  }
}

/** `pocket waf ip add|remove CIDR...`: every CIDR is checked before anything changes. */
export async function wafIpEdit(
  global: GlobalOptions,
  action: "add" | "remove",
  texts: string[],
  opts: NameOptions & { yes?: boolean },
) {
  const cidrs = texts.map(parseCidr);
  const { run } = await prepareStage(global, opts);
  for (const cf of allowListDistributions(run.ctx, opts.name)) {
    const changed = await withAwsErrors(cf.region, () =>
      editAllowList(run, cf, action, cidrs, {
        allowBroad: opts.yes,
        warn: (message) => writeErr(`Warning: ${message}\n`),
      }),
    );
    const verb = action === "add" ? "added to" : "removed from";
    if (changed.length === 0) {
      writeErr(
        `No change: the allow list of ${cf.name} already ${action === "add" ? "has" : "lacks"} ${texts.join(", ")}.\n`,
      );
    } else {
      writeErr(`${changed.join(", ")} ${verb} the allow list of ${cf.name}.\n`);
    }
  }
}
