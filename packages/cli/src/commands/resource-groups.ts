import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { CONTAINER_GROUP } from "../resources/container-views.js";
import { RESOURCE_KINDS } from "../resources/index.js";
import { DESTROY_FLAGS, type DestroyFlag, type ResourceKind } from "../resources/resource.js";
import { FORCE_UNLOCK_OPTION, withAwsStage, withName, withStage } from "./options.js";

const actions = () => import("./resource-actions.js");

/** `--container <name>`: in a stage of several containers, the one a command acts on. */
const withContainer = (c: Command) =>
  c.option("--container <name>", "with several [container.<name>]: the container to act on");

const YAML_HELP = `
Prints the CloudFormation template as YAML without calling AWS. Values known only at deploy time
(image digest, hosted-zone ids, values from stacks in other regions) are template Parameters;
the comment at the top lists them and where the deploy takes each from.`;

/**
 * One sub-command group per resource group, with the commands its kinds declare; only the
 * `named` group when it is one (the others' commands would be start-up time for nothing).
 */
export function registerResourceGroups(resource: Command, global: () => GlobalOptions, named?: string): void {
  const groups = new Map<string, ResourceKind[]>();
  for (const kind of RESOURCE_KINDS) groups.set(kind.group, [...(groups.get(kind.group) ?? []), kind]);
  const only = named !== undefined && groups.has(named) ? named : undefined;
  for (const [name, kinds] of groups) {
    if (only !== undefined && name !== only) continue;
    const main = kinds.find((k) => k.stacks) ?? kinds[0]!;
    const g = resource.command(name).description(main.description);
    const named = kinds.find((k) => k.named)?.named;
    // The containers' group: with several [container.<name>], --container picks one (container-choice.ts).
    const scoped = (c: Command) =>
      name === CONTAINER_GROUP ? withContainer(c) : named ? withName(c, named) : c;
    const what = main.noun;

    if (kinds.some((k) => k.stacks)) {
      scoped(withStage(g.command("yaml").description(`print the template of ${what} (offline)`)))
        .addHelpText("after", YAML_HELP)
        .action(async (opts) => (await actions()).groupYaml(global(), kinds, opts));
    }
    scoped(withAwsStage(g.command("status").description(`show the state of ${what}`))).action(async (opts) =>
      (await actions()).groupStatus(global(), kinds, opts),
    );
    scoped(withAwsStage(g.command("deploy").description(`create or update ${what} only (no dependencies)`)))
      .option("-y, --yes", "answer yes to questions")
      .option(...FORCE_UNLOCK_OPTION)
      .action(async (opts) => (await actions()).groupDeploy(global(), kinds, opts));
    const destroy = scoped(withAwsStage(g.command("destroy").description(`delete ${what} (asks first)`)))
      .option("-y, --yes", "do not ask for confirmation")
      .option(...FORCE_UNLOCK_OPTION);
    for (const kind of kinds) {
      for (const [flag, help] of Object.entries(kind.keeps ?? {}) as [DestroyFlag, string][]) {
        destroy.option(DESTROY_FLAGS[flag], help);
      }
    }
    destroy.action(async (opts) => (await actions()).groupDestroy(global(), kinds, opts));
    if (kinds.some((k) => k.stacks)) {
      scoped(
        withAwsStage(
          g.command("yaml-diff").description("show how the deployed template differs from the current one"),
        ),
      ).action(async (opts) => (await actions()).groupYamlDiff(global(), kinds, opts));
    }

    for (const kind of kinds) {
      for (const [key, op] of Object.entries(kind.operations ?? {})) {
        const path = op.path ?? [key];
        let parent = g;
        for (const part of path.slice(0, -1)) {
          parent =
            parent.commands.find((c) => c.name() === part) ??
            parent.command(part).description(`the stage's ${part}`);
        }
        let c = parent.command(path[path.length - 1]!).description(op.description);
        c = op.aws ? withAwsStage(c) : withStage(c);
        if (op.named) c = withName(c, kind.named ?? "resource");
        if (name === CONTAINER_GROUP) c = withContainer(c);
        for (const [flags, description] of op.options ?? []) c.option(flags, description);
        c.action(async (opts) =>
          (await actions()).runOperation(global(), kind, op, `resource ${name} ${path.join(" ")}`, opts),
        );
      }
    }
  }
}
