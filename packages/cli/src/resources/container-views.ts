import type { PocketContext } from "@magic-pocket/config";

/**
 * One container of the stage, as its resources see it. A file in the original's current spelling
 * may declare several `[container.<name>]` (docs/decisions.md#d11-two-spellings-one-schema): each
 * gets its own stack, repository, functions and managed secrets, so each is deployed from a view
 * of the stage whose `container` is that one, and whose `scheduler` holds the schedules that start
 * its handlers (its stack holds them).
 */
/** The resource group of the containers and their managed secrets (`pocket resource awscontainer`). */
export const CONTAINER_GROUP = "awscontainer";

export interface ContainerView {
  /** The resource id: `container` for the first (or only) container, `container:<name>` after. */
  id: string;
  /** The id of its managed secrets: `secrets`, or `secrets:<name>`. */
  secretsId: string;
  ctx: PocketContext;
}

export function containerViews(ctx: PocketContext): ContainerView[] {
  if (!ctx.container) return [];
  const several = Object.entries(ctx.containers ?? {});
  if (several.length === 0) return [{ id: "container", secretsId: "secrets", ctx }];
  return several.map(([name, container], i) => {
    const view = i === 0 ? ctx : { ...ctx, container, scheduler: ctx.containerSchedulers?.[name] };
    return { ...viewOf(view), ctx: view };
  });
}

/** The ids of the container that is `ctx.container` (a view's, or the stage's first). */
export function viewOf(ctx: PocketContext): Omit<ContainerView, "ctx"> {
  const names = Object.keys(ctx.containers ?? {});
  const i = names.findIndex((n) => ctx.containers![n]!.stackName === ctx.container?.stackName);
  return i > 0
    ? { id: `container:${names[i]}`, secretsId: `secrets:${names[i]}` }
    : { id: "container", secretsId: "secrets" };
}

/** Every container resource's id (what a distribution waits for). */
export function containerIds(ctx: PocketContext): string[] {
  return containerViews(ctx).map((v) => v.id);
}
