import type { ContainerContext, HandlerContext, PocketContext } from "@magic-pocket/config";
import { closest } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { containerViews } from "../resources/container-views.js";

/**
 * Which container a command acts on, in a stage of several `[container.<name>]` (the original's
 * current spelling, docs/decisions.md#d11-two-spellings-one-schema): a handler is named
 * `<container>.<handler>` as the original's routes name it, or a bare handler key when one
 * container only has it; `--container <name>` names the container outright. A command never
 * picks the first container silently: an ambiguous name is refused with the choices.
 */
export interface ChosenHandler {
  /** The stage as the handler's container sees it (`ctx.container` is that container). */
  ctx: PocketContext;
  handler: HandlerContext;
  /** What the command shows for it: `<container>.<handler>` with several containers, else the key. */
  label: string;
}

/** The container names of a stage of several containers (none for one `[awscontainer]`). */
export function containerNames(ctx: PocketContext): string[] {
  return Object.keys(ctx.containers ?? {});
}

/** The stage seen from the container `name` (`--container`), or the stage as it is with one container. */
export function chooseContainer(
  ctx: PocketContext,
  name: string | undefined,
  command: string,
): PocketContext {
  const names = containerNames(ctx);
  if (names.length === 0) {
    // One container: `--container` may name it (the original's spelling names every container).
    if (name === undefined || name === ctx.container?.name) return ctx;
    throw new CliError(
      "unknown-container",
      `stage ${ctx.stage} has no [container.${name}]: it has one container.`,
      {
        hint: `Leave out --container.`,
        exitCode: 2,
      },
    );
  }
  if (name === undefined) {
    if (names.length === 1) return ctx;
    throw new CliError(
      "container-required",
      `stage ${ctx.stage} has several containers (${names.join(", ")}): say which one \`pocket ${command}\` acts on.`,
      { hint: `Add --container ${names[0]} (or ${names.slice(1).join(", ")}).`, exitCode: 2 },
    );
  }
  const i = names.indexOf(name);
  if (i < 0) throw unknownContainer(ctx, name, names);
  return containerViews(ctx)[i]!.ctx;
}

/**
 * What a command that acts on the first container only (`pocket dev`) says about the others, in
 * a stage of several containers; undefined with one.
 */
export function firstContainerOnly(ctx: PocketContext, command: string): string | undefined {
  const [first, ...others] = containerNames(ctx);
  if (!first || others.length === 0) return undefined;
  return `pocket ${command} runs container ${first} only; ${others.join(", ")} ${others.length === 1 ? "is" : "are"} not run locally.`;
}

/**
 * The handlers `refs` name (every handler of the chosen containers when none is): a ref is
 * `<container>.<handler>` or a handler key; `container` (`--container`) limits the choice.
 */
export function chooseHandlers(ctx: PocketContext, refs: string[], container?: string): ChosenHandler[] {
  const names = containerNames(ctx);
  if (names.length <= 1) {
    // One container: its handler keys as they are (`--container` may name it).
    if (container !== undefined && names[0] !== container) chooseContainer(ctx, container, ""); // refuses the name
    // The original's `<container>.<handler>` names the only container's handler too.
    const keys = refs.map((ref) =>
      names[0] && ref.startsWith(`${names[0]}.`) ? ref.slice(names[0].length + 1) : ref,
    );
    return selectHandlers(ctx.container, keys).map((handler) => ({ ctx, handler, label: handler.key }));
  }
  if (container !== undefined && !names.includes(container)) throw unknownContainer(ctx, container, names);
  const views = containerViews(ctx).map((v, i) => ({ name: names[i], ctx: v.ctx }));
  const scoped = container === undefined ? views : views.filter((v) => v.name === container);
  const all = scoped.flatMap((v) =>
    Object.values(v.ctx.container!.handlers).map((handler) => ({
      ctx: v.ctx,
      handler,
      label: `${v.name}.${handler.key}`,
      container: v.name,
    })),
  );
  if (refs.length === 0) return all;
  return refs.map((ref) => {
    const dotted = /^([^.]+)\.(.+)$/.exec(ref);
    const matches = dotted
      ? all.filter((h) => h.container === dotted[1] && h.handler.key === dotted[2])
      : all.filter((h) => h.handler.key === ref);
    if (matches.length === 1) return matches[0]!;
    const labels = all.map((h) => h.label);
    if (matches.length > 1)
      throw new CliError(
        "ambiguous-handler",
        `handler "${ref}" is in several containers of stage ${ctx.stage}: ${matches.map((h) => h.label).join(", ")}.`,
        { hint: `Name it as <container>.<handler>, e.g. ${matches[0]!.label}.`, exitCode: 2 },
      );
    const guess = closest(ref, labels);
    throw new CliError("unknown-handler", `there is no handler "${ref}" in stage ${ctx.stage}.`, {
      hint: guess ? `Did you mean ${guess}?` : `Handlers of this stage: ${labels.join(", ")}.`,
      exitCode: 2,
    });
  });
}

/** The handlers named on the command line (all of them when none is), or a usage error. */
export function selectHandlers(container: ContainerContext | undefined, names: string[]): HandlerContext[] {
  if (!container) {
    throw new CliError(
      "no-container",
      "this stage has no [awscontainer], so there are no handlers to read logs of.",
      {
        hint: "Add [awscontainer] with handlers to pocket.toml.",
      },
    );
  }
  const all = Object.values(container.handlers);
  if (names.length === 0) return all;
  return names.map((name) => {
    const h = container.handlers[name];
    if (!h) {
      throw new CliError("unknown-handler", `there is no handler "${name}" in [awscontainer.handlers].`, {
        hint: `Handlers of this stage: ${all.map((x) => x.key).join(", ")}.`,
        exitCode: 2,
      });
    }
    return h;
  });
}

function unknownContainer(ctx: PocketContext, name: string, names: string[]): CliError {
  return new CliError("unknown-container", `stage ${ctx.stage} has no container "${name}".`, {
    hint: `Containers of this stage: ${names.join(", ")}.`,
    exitCode: 2,
  });
}
