import type { Command } from "commander";

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
    .option("-y, --yes", "write into a folder that has files but no package.json without asking")
    .option(
      "--from-registry",
      "depend on the published @magic-pocket/runtime and @magic-pocket/cli instead of the copies this pocket carries into .pocket/",
    )
    .addHelpText(
      "after",
      "\nExisting files are never overwritten: they are listed as kept. The runtime and CLI tarballs in .pocket/\nand package.json's file: references to them are refreshed to this pocket's version on every run.",
    )
    .action(async (opts: { runtime: string; region?: string; yes?: boolean; fromRegistry?: boolean }) => {
      const { initCommand } = await import("./init-actions.js");
      await initCommand(opts);
    });
}
