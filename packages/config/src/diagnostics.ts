/** Problems found while loading pocket.toml. Errors are values: a load returns them, never throws. */

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `unknown-key`, `route-api-handler`. Tests and scripts rely on it. */
  code: string;
  /** Plain-English description of the problem. */
  message: string;
  /** Key path in the merged document, e.g. `cloudfront.main.routes[1].handler`; "" for the file. */
  path: string;
  /** Absolute path of the file the problem is in. */
  file?: string;
  position?: SourcePosition;
  /** How to fix it, when there is something specific to say. */
  hint?: string;
  /** Stages this problem shows up in, when it does not show up in all of them. */
  stages?: string[];
}

export type PathSegment = string | number;

/** `["cloudfront","main","routes",1,"handler"]` → `cloudfront.main.routes[1].handler`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `${out ? "." : ""}${JSON.stringify(seg)}`;
  }
  return out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** A problem found by a rule before it is placed in a file. */
export interface Issue {
  code: string;
  message: string;
  path: readonly PathSegment[];
  hint?: string;
  severity?: Severity;
}
