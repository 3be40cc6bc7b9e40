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
    .addHelpText("after", "\nExisting files are never overwritten: they are listed as kept.")
    .action(async (opts: { runtime: string; region?: string; yes?: boolean }) => {
      const { initCommand } = await import("./init-actions.js");
      await initCommand(opts);
    });
}
