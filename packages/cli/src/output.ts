import { type Diagnostic, formatDiagnostics, summarize } from "@magic-pocket/config";
import { invocationDir } from "./cwd.js";
import { writeErr, writeOut } from "./util/stdio.js";

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stderr): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
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
