import { STAGE_NAME } from "./schema/general.js";
import { matchesPreview } from "./schema/preview.js";

/**
 * Preview stages (docs/decisions.md#e19-preview-stages): `general.preview_stages` is a pattern
 * where `*` stands for any run of characters (`"pr-*"`); a stage that is not listed in
 * `general.stages` but matches it is deployed from the settings of `general.preview_base`.
 */

/** The base stage when `stage` is a preview stage of `general`; undefined for a listed or other stage. */
export function previewBase(
  general: { stages: readonly string[]; previewStages?: string; previewBase?: string },
  stage: string,
): string | undefined {
  const { stages, previewStages, previewBase } = general;
  if (stages.includes(stage) || previewStages === undefined) return undefined;
  return matchesPreview(previewStages, stage) ? previewBase : undefined;
}

/** What a `--stage` names: a listed stage, a preview stage (and its base), or neither. */
export type StageKind =
  | { kind: "listed" }
  | { kind: "preview"; base?: string }
  | { kind: "unknown"; pattern?: string }
  | { kind: "bad-preview-name"; pattern: string };

/**
 * Read from the raw `[general]` table, before validation: a preview stage merges its base's
 * tables, and the base itself is checked by the schema (preview-base-unknown).
 */
export function stageKind(
  general: Record<string, unknown>,
  stages: readonly string[],
  stage: string,
): StageKind {
  if (stages.includes(stage)) return { kind: "listed" };
  const pattern = typeof general.preview_stages === "string" ? general.preview_stages : undefined;
  if (pattern === undefined || !matchesPreview(pattern, stage)) return { kind: "unknown", pattern };
  if (stage.length > 128 || !STAGE_NAME.test(stage)) return { kind: "bad-preview-name", pattern };
  const base = typeof general.preview_base === "string" ? general.preview_base : undefined;
  return { kind: "preview", base: base !== undefined && stages.includes(base) ? base : undefined };
}
