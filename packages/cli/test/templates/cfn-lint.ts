import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { renderYaml } from "../../src/templates/render.js";
import type { Template } from "../../src/templates/template.js";

export interface LintMatch {
  file: string;
  rule: string;
  level: "Error" | "Warning" | "Informational";
  message: string;
  path: string;
}

/**
 * Runs cfn-lint (preinstalled with the image's Python) once over many templates: it takes
 * seconds to start, so tests collect their templates and lint them in one call.
 * Returns the matches per template name.
 */
export function cfnLint(
  templates: Record<string, Template>,
  options: { regions?: string[] } = {},
): Map<string, LintMatch[]> {
  const dir = mkdtempSync(join(tmpdir(), "pocket-cfn-lint-"));
  const files = Object.entries(templates).map(([name, template]) => {
    const file = join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.yaml`);
    const yaml = renderYaml(template);
    // What cfn-lint reads must be the template itself: YAML 1.1 read back gives the same value.
    if (!isDeepStrictEqual(parse(yaml, { version: "1.1" }), JSON.parse(JSON.stringify(template)))) {
      throw new Error(`${name}: the YAML does not read back as the template`);
    }
    writeFileSync(file, yaml);
    return [name, file] as const;
  });
  const args = [
    "--format",
    "json",
    "--regions",
    ...(options.regions ?? ["us-east-1", "ap-northeast-1"]),
    "--",
    ...files.map(([, f]) => f),
  ];
  const r = spawnSync("cfn-lint", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    throw new Error(`cfn-lint could not run (${r.error.message}); it ships with the machine image's Python`);
  // Exit codes are a bit mask of levels found; 0 = clean. Anything on stderr with no JSON is a crash.
  let raw: {
    Filename: string;
    Rule: { Id: string };
    Level: LintMatch["level"];
    Message: string;
    Location: { Path?: (string | number)[] };
  }[];
  try {
    raw = JSON.parse(r.stdout || "[]");
  } catch {
    throw new Error(`cfn-lint output was not JSON (exit ${r.status}): ${r.stderr}`);
  }
  const byFile = new Map(files.map(([name, f]) => [f, name]));
  const out = new Map<string, LintMatch[]>(files.map(([name]) => [name, []]));
  for (const m of raw) {
    const name = byFile.get(m.Filename) ?? m.Filename;
    out.get(name)?.push({
      file: m.Filename,
      rule: m.Rule.Id,
      level: m.Level,
      message: m.Message,
      path: (m.Location.Path ?? []).join("/"),
    });
  }
  return out;
}

/** Only the errors ("E" rules), formatted for an assertion message. */
export function lintErrors(matches: LintMatch[]): string[] {
  return matches.filter((m) => m.level === "Error").map((m) => `${m.rule} ${m.path}: ${m.message}`);
}
