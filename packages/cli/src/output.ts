import { type Diagnostic, formatDiagnostics, summarize } from "@magic-pocket/config";
import { invocationDir } from "./cwd.js";
import { writeErr, writeOut } from "./util/stdio.js";

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream?: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  // process.stderr is created only when asked about: on a pipe that loads Node's stream modules
  // (util/stdio.ts), and a cached `pocket config show` is kept only when no stream was created.
  return (stream ?? process.stderr).isTTY === true;
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], sources: Map<string, string>): void {
  if (diagnostics.length === 0) return;
  const color = useColor();
  writeErr(
    `${formatDiagnostics(diagnostics, { color, sources, cwd: invocationDir() })}\n\n${summarize(diagnostics)}\n`,
  );
}

export function writeJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}
