import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { withAwsStage } from "./options.js";

const actions = () => import("./waf-actions.js");

/** `--name`: here the default is the one distribution with an allow list, not all of them. */
const withDistribution = (c: Command) =>
  c.option("-n, --name <name>", "the distribution (default: the only one with an allow list)");

/** `pocket waf ip list|add|remove [CIDR...] [--name N] --stage S`: the WAF allow list of a distribution. */
export function registerWaf(program: Command, global: () => GlobalOptions): void {
  const waf = program.command("waf").description("the WAF of a CloudFront distribution (waf = {...})");
  const ip = waf
    .command("ip")
    .description("the allow list (waf.ip_allow_list): addresses that may reach the protected paths");
  withDistribution(withAwsStage(ip.command("list").description("print the allow list, one CIDR a line")))
    .option("--json", "print {distribution, addresses} as JSON")
    .action(async (opts) => (await actions()).wafIpList(global(), opts));
  for (const [action, description] of [
    ["add", "add addresses or CIDR blocks to the allow list (IPv4 and IPv6)"],
    ["remove", "remove addresses or CIDR blocks from the allow list"],
  ] as const) {
    const command = withDistribution(
      withAwsStage(
        ip
          .command(action)
          .description(description)
          .argument("<cidr...>", "203.0.113.7, 203.0.113.0/24, 2001:db8::/32"),
      ),
    );
    if (action === "add") command.option("-y, --yes", "add even when the list would cover more than a /8");
    command.action(async (cidrs: string[], opts) =>
      (await actions()).wafIpEdit(global(), action, cidrs, opts),
    );
  }
}
