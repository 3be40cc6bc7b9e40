import type { Command } from "commander";
import type { InitOptions } from "./init-actions.js";

const RUNTIMES = ["node"] as const;

/** `pocket init --runtime node`: a deployable starting point for a Node.js (TypeScript) app. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "write pocket.toml and pocket.Dockerfile for the app in this folder (a Hono starter in an empty one)",
    )
    .requiredOption(
      "--runtime <runtime>",
      `the app's runtime: ${RUNTIMES.join(", ")} (Django: \`pocket django init\`)`,
    )
    .option("--region <region>", "general.region (default: the AWS profile's region, else ap-northeast-1)")
    .option(
      "-y, --yes",
      "write into a folder that has files but no package.json, and make the edit an existing app needs, without asking",
    )
    .option(
      "--spelling <spelling>",
      "seed ([awscontainer], the default) or container ([container.main], the original's current spelling)",
    )
    .option("--with <handlers>", "also declare these handlers beside web: worker, tasks (comma-separated)")
    .option(
      "--from-registry",
      "depend on the published @magic-pocket/runtime and @magic-pocket/cli instead of the copies this pocket carries into .pocket/",
    )
    .addHelpText(
      "after",
      "\nAn existing Express, Koa, Fastify, Hono or node:http app is wired through pocket.entry.mjs, which imports\nthe app and exports the handlers; the app's files stay as they are unless its module starts a server when\nloaded: then the smallest edit is shown and made with consent (without a terminal it is printed to stdout\nand nothing is written).\nExisting files are never overwritten: they are listed as kept. The runtime and CLI tarballs in .pocket/\nand package.json's file: references to them are refreshed to this pocket's version on every run.",
    )
    .action(async (opts: InitOptions) => {
      const { initCommand } = await import("./init-actions.js");
      await initCommand(opts);
    });
}
