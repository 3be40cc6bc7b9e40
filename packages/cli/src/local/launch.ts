import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve } from "node:path";
import { CliError } from "../errors.js";
import type { HandlerRuntime } from "./process.js";

/**
 * How `pocket dev` starts a handler named by its `command`: which language, which interpreter,
 * which module. Node: `file.function` with a `.js`/`.mjs`/`.cjs` file (or, when tsx is installed
 * in the project, its TypeScript source); Python: a dotted path (`pocket.django...`).
 */
export interface Launch {
  runtime: HandlerRuntime;
  /** The spec the driver imports (`module.function`, relative to the project folder). */
  handler: string;
  executable: string;
  /** Added to the handler's environment (NODE_OPTIONS for tsx). */
  env: Record<string, string>;
  /** Shown at start: what runs. */
  describe: string;
  /** A build output folder the handler loads from (watched although `dist` usually is not). */
  buildDir?: string;
}

const JS = [".js", ".mjs", ".cjs"];
const TS = [".ts", ".mts"];

export function resolveLaunch(
  key: string,
  command: string,
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Launch {
  const dot = command.lastIndexOf(".");
  if (dot <= 0 || dot === command.length - 1) {
    throw new CliError(
      "handler-command-invalid",
      `handler ${key}: command "${command}" is not \`module.function\`.`,
      {
        hint: "Node: `dist/index.handler` (file dist/index.js, export handler); Python: `package.module.function`.",
      },
    );
  }
  const modulePart = command.slice(0, dot);
  const fn = command.slice(dot + 1);
  const base = join(projectDir, modulePart);
  const jsFile = JS.map((x) => base + x).find((f) => existsSync(f));
  const tsx = tsxInstalled(projectDir);
  const tsFile = [...TS.map((x) => base + x), ...sourceOf(projectDir, modulePart)].find((f) => existsSync(f));
  // `index.handler` is Node in a folder with package.json and no index.py; a longer dotted path
  // (`pocket.django.lambda_handlers.wsgi_handler`) is a Python module, often an installed one.
  const bareNode =
    !modulePart.includes(".") &&
    existsSync(join(projectDir, "package.json")) &&
    !existsSync(`${base}.py`) &&
    !existsSync(join(base, "__init__.py"));
  const looksNode = command.includes("/") || jsFile !== undefined || tsFile !== undefined || bareNode;
  if (!looksNode) {
    const executable = pythonFor(projectDir, env);
    return { runtime: "python", handler: command, executable, env: {}, describe: `python (${executable})` };
  }
  // A TypeScript source runs as is when tsx can load it, so edits apply without a build.
  if (tsx && tsFile) {
    const rel = relative(projectDir, tsFile).replace(/\.(m?ts)$/, "");
    return {
      runtime: "node",
      handler: `${rel.split("\\").join("/")}.${fn}`,
      executable: process.execPath,
      env: { NODE_OPTIONS: "--import tsx" },
      describe: `node --import tsx (${relative(projectDir, tsFile)})`,
    };
  }
  if (jsFile) {
    return {
      runtime: "node",
      handler: command,
      executable: process.execPath,
      env: {},
      describe: `node (${relative(projectDir, jsFile)})`,
      buildDir: modulePart.includes("/") ? modulePart.split("/")[0] : undefined,
    };
  }
  const hasBuild = (() => {
    try {
      const pkg = JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as {
        scripts?: Record<string, string>;
      };
      return Boolean(pkg.scripts?.build);
    } catch {
      return false;
    }
  })();
  throw new CliError(
    "handler-not-built",
    `handler ${key}: ${modulePart}.js does not exist${tsFile ? ` (its source ${relative(projectDir, tsFile)} does, but tsx is not installed in the project)` : ""}.`,
    {
      hint: `${hasBuild ? "Run `npm run build` first (or `npx tsc --watch` beside pocket dev)" : "Build the JavaScript the command names"}, or install tsx (\`npm install -D tsx\`) to run the TypeScript sources directly.`,
    },
  );
}

/** `tsx` resolvable from the project (its own node_modules or a parent's, as Node finds it). */
function tsxInstalled(projectDir: string): boolean {
  try {
    createRequire(join(projectDir, "package.json")).resolve("tsx/package.json");
    return true;
  } catch {
    return false;
  }
}

/**
 * The TypeScript source of a build output: `dist/index` → `src/index.ts` through tsconfig.json's
 * `outDir` and `rootDir` (a tsconfig with comments or without both keys gives no guess).
 */
function sourceOf(projectDir: string, modulePart: string): string[] {
  let options: { outDir?: string; rootDir?: string } | undefined;
  try {
    options = (
      JSON.parse(readFileSync(join(projectDir, "tsconfig.json"), "utf8")) as {
        compilerOptions?: typeof options;
      }
    ).compilerOptions;
  } catch {
    return [];
  }
  if (!options?.outDir || !options.rootDir) return [];
  const out = resolve(projectDir, options.outDir);
  const target = resolve(projectDir, modulePart);
  const rel = relative(out, target);
  if (rel.startsWith("..") || isAbsolute(rel)) return [];
  const src = join(resolve(projectDir, options.rootDir), rel);
  return TS.map((x) => src + x);
}

/** POCKET_PYTHON, else the `.venv` beside pocket.toml, else python3 on PATH. */
export function pythonFor(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.POCKET_PYTHON) return env.POCKET_PYTHON;
  for (const candidate of [
    join(projectDir, ".venv", "bin", "python"),
    join(projectDir, ".venv", "Scripts", "python.exe"),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return "python3";
}

/**
 * The image's own `ENV` lines (what Lambda's environment starts from), from the Dockerfile:
 * `ENV A=1 B="two"` and `ENV A 1`. Values that expand variables, and the ones that only make
 * sense inside the image (PATH, library paths, the task root), are left out.
 */
export function dockerfileEnv(dockerfile: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(dockerfile, "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const line of lines) {
    const m = /^\s*ENV\s+(.+)$/i.exec(line);
    if (!m) continue;
    const rest = m[1]!.trim();
    const pairs: [string, string][] = [];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(rest)) {
      for (const p of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
        pairs.push([p[1]!, unquote(p[2]!)]);
      }
    } else {
      const sp = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/.exec(rest);
      if (sp) pairs.push([sp[1]!, unquote(sp[2]!.trim())]);
    }
    for (const [k, v] of pairs) {
      if (IMAGE_ONLY.has(k) || k.startsWith("LAMBDA_") || v.includes("$")) continue;
      out[k] = v;
    }
  }
  return out;
}

const IMAGE_ONLY = new Set(["PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "NODE_PATH", "HOME", "LANG", "TZ"]);

function unquote(v: string): string {
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) return v.slice(1, -1).replace(/\\(.)/g, "$1");
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1);
  return v;
}
