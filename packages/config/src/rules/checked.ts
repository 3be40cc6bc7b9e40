import type { PathSegment } from "../diagnostics.js";
import type { DistributionSettings, SectionName, SectionSettings } from "../schema/settings.js";

/** A section as far as it validated: `undefined` when absent, `"failed"` when it had errors. */
export type Checked<T> = T | undefined | "failed";
export type CheckedSettings = { [K in SectionName]: Checked<SectionSettings<K>> } & {
  cloudfront: Record<string, DistributionSettings | "failed">;
};

export const ok = <T>(v: Checked<T>): v is T => v !== undefined && v !== "failed";

/** How a rule reports: one error with a stable code, the key it points at and how to fix it. */
export type Add = (code: string, message: string, path: PathSegment[], hint?: string) => void;

/** One cross-section rule. Its inputs may have failed validation: it then reports nothing. */
export type CrossRule = (s: CheckedSettings, add: Add) => void;

/** `[awscontainer]` when it validated. */
export function container(s: CheckedSettings): SectionSettings<"awscontainer"> | undefined {
  return ok(s.awscontainer) ? s.awscontainer : undefined;
}

/** `Did you mean "x"?`, else the list of what exists. */
export function didYouMean(guess: string | undefined, what: string, names: readonly string[]): string {
  return guess ? `Did you mean "${guess}"?` : `${what}: ${names.join(", ") || "(none)"}.`;
}
