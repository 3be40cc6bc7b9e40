import { applyFormat, type FormatVariables } from "../schema/base.js";
import type { GeneralSettings } from "../schema/general.js";
import type { ContainerContext, PocketContext, PreviewContext } from "./types.js";

/**
 * A preview stage's facts (docs/decisions.md#e19-preview-stages). `sharedPrefix` is the resource
 * prefix of the stage name `pattern` gives with `*` read as `previews` (`pr-previews-shop-pocket-`):
 * the names of what every preview shares, the CI role and its policies and the roles' boundary,
 * which the pattern's IAM wildcard (`pr-*-shop-pocket-`) also covers.
 */
export function previewContext(
  general: GeneralSettings,
  base: string,
  vars: FormatVariables,
): PreviewContext {
  const pattern = general.previewStages!;
  const prefix = (stage: string) => applyFormat(general.prefixTemplate, { ...vars, stage });
  return {
    base,
    pattern,
    baseBoundary: `${prefix(base)}boundary`,
    sharedPrefix: prefix(pattern.replaceAll("*", "previews")),
  };
}

/**
 * A preview's roles cannot carry the base stage's own boundary (it names the base's resources
 * only), nor one of their own (the CI role may not write boundaries): the base's boundary, when it
 * is pocket's name for it, becomes the one every preview shares, `{sharedPrefix}boundary`.
 */
export function withPreviewBoundary(ctx: PocketContext): void {
  const preview = ctx.preview;
  if (!preview) return;
  const swap = (c: ContainerContext): ContainerContext => {
    const b = c.permissionsBoundary;
    if (!b || !(b === preview.baseBoundary || b.endsWith(`:policy/${preview.baseBoundary}`))) return c;
    const shared = `${preview.sharedPrefix}boundary`;
    return { ...c, permissionsBoundary: `${b.slice(0, b.length - preview.baseBoundary.length)}${shared}` };
  };
  if (ctx.container) ctx.container = swap(ctx.container);
  if (ctx.containers)
    ctx.containers = Object.fromEntries(Object.entries(ctx.containers).map(([name, c]) => [name, swap(c)]));
}
