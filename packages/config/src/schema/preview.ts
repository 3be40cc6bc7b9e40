import * as z from "zod/mini";
import { fail } from "./base.js";

/** What a pattern may hold: a stage name's characters, and `*`. */
export const PREVIEW_PATTERN = /^[a-z0-9*][a-z0-9._*-]*$/;

/** Whether `stage` matches `pattern`, `*` standing for any run of characters (none included). */
export function matchesPreview(pattern: string, stage: string): boolean {
  const parts = pattern.split("*").map((p) => p.replace(/[.]/g, "\\."));
  return new RegExp(`^${parts.join(".*")}$`).test(stage);
}

/** `general.preview_stages`: a stage name with at least one `*` (docs/decisions.md#e19-preview-stages). */
export const previewStagesSchema = z.string().check(
  z.maxLength(64),
  z.regex(PREVIEW_PATTERN, {
    error: "must be lower case letters, digits, '.', '_', '-' and '*', starting with a letter, digit or '*'",
  }),
  z.regex(/\*/, { error: 'needs a * for the part that differs, e.g. "pr-*"' }),
);

interface PreviewKeys {
  stages: string[];
  previewStages?: string;
  previewBase?: string;
}

/** The two keys go together; the base is a listed stage; the pattern matches none of them. */
export const previewChecks = z.superRefine((g: PreviewKeys, ctx) => {
  const { stages, previewStages, previewBase } = g;
  if (previewStages !== undefined && previewBase === undefined) {
    fail(
      ctx,
      "preview-base-missing",
      "preview_stages needs preview_base: the listed stage whose settings preview stages take",
      ["preview_stages"],
      'Add preview_base = "dev" (a stage of general.stages) to [general].',
    );
  }
  if (previewBase !== undefined && previewStages === undefined) {
    fail(
      ctx,
      "preview-stages-missing",
      "preview_base is set but preview_stages is not",
      ["preview_base"],
      'Add preview_stages = "pr-*" (the pattern of preview stage names) to [general], or remove preview_base.',
    );
  }
  if (previewBase !== undefined && !stages.includes(previewBase)) {
    fail(
      ctx,
      "preview-base-unknown",
      `preview_base "${previewBase}" is not in general.stages [${stages.map((s) => JSON.stringify(s)).join(", ")}]`,
      ["preview_base"],
      "Preview stages take the settings of a listed stage; name one of general.stages.",
    );
  }
  if (previewStages === undefined) return;
  for (const stage of stages) {
    if (!matchesPreview(previewStages, stage)) continue;
    fail(
      ctx,
      "preview-pattern-matches-stage",
      `preview_stages "${previewStages}" matches the listed stage "${stage}"`,
      ["preview_stages"],
      'A listed stage is never a preview: pick a pattern no listed stage matches (e.g. "pr-*").',
    );
  }
});
