/**
 * What `pocket init` learns of an existing Node app from its files: the framework, the module
 * that builds the app, how that module hands the app out, and which of its top-level statements
 * open a server when the module is loaded (Lambda loads it; a listening port there is a bug).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { type Statement, topLevelStatements } from "./js-statements.js";

export type Framework = "express" | "koa" | "fastify" | "hono" | "http";
export type ModuleFormat = "esm" | "cjs";

/** How the app leaves its module. */
export type Reach =
  /** `export default app` (or, compiled to CommonJS, `exports.default`). */
  | { kind: "default" }
  /** `export const app`, `export { app }`, `exports.app = app`, `module.exports = { app }`. */
  | { kind: "named"; name: string }
  /** `module.exports = app`. */
  | { kind: "module" };

/** A top-level statement that opens a server when the module loads. */
export interface Starter {
  statement: Statement;
  /** Why it cannot be wrapped in a guard as it is (an `export`, a name used later), if so. */
  unpatchable?: string;
}

export interface NodeApp {
  framework: Framework;
  /** The file that builds the app, relative to the project (a TypeScript source for TS). */
  source: string;
  /** The module Node loads: `source` itself, or its build output. */
  loaded: string;
  /** How Node loads `loaded` (its extension, else the nearest package.json `type`). */
  format: ModuleFormat;
  /** `format` of the source as written (TypeScript compiled to CommonJS writes ES syntax). */
  sourceSyntax: ModuleFormat;
  typescript: boolean;
  /** The variable that holds the app. */
  appName: string;
  reach: Reach | undefined;
  starters: Starter[];
  /** A Hono app served by @hono/node-server: its request listener answers as the app's server does. */
  honoNodeServer: boolean;
}

export interface PackageJson {
  name?: string;
  main?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The constructor call that makes each framework's app, `name = <call>`. */
const MAKERS: [Framework, RegExp][] = [
  ["express", /\b(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*express\s*\(/],
  ["koa", /\b(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*new\s+Koa\s*\(/],
  [
    "fastify",
    /\b(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*(?:Fastify|fastify|require\(\s*["']fastify["']\s*\))\s*\(/,
  ],
  ["hono", /\b(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*new\s+Hono\s*(?:<[^>]*>)?\s*\(/],
  ["http", /\b(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*(?:https?\.)?createServer\s*\(/],
];

/** Files that usually build the app, after package.json's `main` and its start script's file. */
const USUAL = ["app", "server", "index", "main"].flatMap((n) => [n, `src/${n}`]);
const EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];

/** Conditions under which a server may start: the module is the program, not a loaded module. */
export const GUARD =
  /require\.main\s*===?\s*module|module\s*===?\s*require\.main|!\s*module\.parent|import\.meta\.main|import\.meta\.(?:url|filename|dirname)[^)]*process\.argv|process\.argv\[1\][^)]*import\.meta/;

export function findNodeApp(dir: string, pkg: PackageJson): NodeApp | undefined {
  for (const source of candidates(dir, pkg)) {
    const text = readFileSync(join(dir, source), "utf8");
    // A module that exports the handlers itself (the starter, an app already wired) needs no entry.
    if (/export\s+(?:const|let|var|function)\s+web\b|exports\.web\s*=/.test(text)) return undefined;
    const app = analyse(dir, pkg, source, text);
    if (app) return app;
  }
  return undefined;
}

function candidates(dir: string, pkg: PackageJson): string[] {
  const named: string[] = [];
  if (pkg.main) named.push(pkg.main.replace(/^\.\//, ""));
  for (const script of [pkg.scripts?.start, pkg.scripts?.dev]) {
    const m =
      script && /\b(?:node|tsx|ts-node|nodemon)\s+(?:--?\S+\s+)*([\w./-]+\.[cm]?[jt]s)\b/.exec(script);
    if (m) named.push(m[1]!.replace(/^\.\//, ""));
  }
  const usual = USUAL.flatMap((base) => EXTENSIONS.map((x) => base + x));
  const all = [...named, ...usual].filter((f, i, list) => list.indexOf(f) === i);
  return all.filter((f) => existsSync(join(dir, f)) && !f.startsWith("dist/"));
}

function analyse(dir: string, pkg: PackageJson, source: string, text: string): NodeApp | undefined {
  const made = MAKERS.map(([framework, re]) => ({ framework, m: re.exec(text) })).find((x) => x.m);
  const typescript = /\.[cm]?ts$/.test(source);
  const sourceSyntax: ModuleFormat = /^\s*(?:import|export)\s/m.test(text) ? "esm" : "cjs";
  const handlerExport = made ? undefined : exportedHandler(text, sourceSyntax);
  if (!made && !handlerExport) return undefined;
  const framework = made?.framework ?? "http";
  const appName = made?.m?.[1] ?? handlerExport!.name;
  const loaded = typescript ? buildOutput(dir, source) : source;
  const statements = topLevelStatements(text);
  return {
    framework,
    source,
    loaded,
    format: formatOf(dir, loaded, pkg),
    sourceSyntax,
    typescript,
    appName,
    reach: handlerExport?.reach ?? reachOf(text, appName, sourceSyntax),
    starters: startersOf(statements),
    honoNodeServer: framework === "hono" && /["']@hono\/node-server["']/.test(text),
  };
}

/** `export default function (req, res)` / `module.exports = (req, res) =>`: a plain listener. */
function exportedHandler(text: string, syntax: ModuleFormat): { name: string; reach: Reach } | undefined {
  const listener = /(?:function\s*\w*\s*|)\(\s*req\b[^)]*,\s*res\b[^)]*\)/;
  if (syntax === "esm") {
    const m = new RegExp(`export\\s+default\\s+(?:async\\s+)?${listener.source}`).exec(text);
    return m ? { name: "handler", reach: { kind: "default" } } : undefined;
  }
  const m = new RegExp(`module\\.exports\\s*=\\s*(?:async\\s+)?${listener.source}`).exec(text);
  return m ? { name: "handler", reach: { kind: "module" } } : undefined;
}

export function reachOf(text: string, name: string, syntax: ModuleFormat): Reach | undefined {
  const n = escapeRegExp(name);
  if (syntax === "esm") {
    if (new RegExp(`export\\s+default\\s+${n}\\s*;?\\s*$`, "m").test(text)) return { kind: "default" };
    if (new RegExp(`export\\s+(?:const|let|var)\\s+${n}\\b`).test(text)) return { kind: "named", name };
    const list = /export\s*\{([^}]*)\}/g;
    for (const m of text.matchAll(list)) {
      for (const item of m[1]!.split(",")) {
        const [local, exported] = item.trim().split(/\s+as\s+/);
        if (local !== name) continue;
        if (exported === "default") return { kind: "default" };
        return { kind: "named", name: exported ?? name };
      }
    }
    return undefined;
  }
  if (new RegExp(`module\\.exports\\s*=\\s*${n}\\s*;?\\s*$`, "m").test(text)) return { kind: "module" };
  const prop = new RegExp(`(?:module\\.)?exports\\.(\\w+)\\s*=\\s*${n}\\s*;?\\s*$`, "m").exec(text);
  if (prop) return { kind: "named", name: prop[1]! };
  const obj = /module\.exports\s*=\s*\{([^}]*)\}/.exec(text);
  if (obj) {
    for (const item of obj[1]!.split(",")) {
      const [key, value] = item.split(":").map((s) => s.trim());
      if ((value ?? key) === name) return { kind: "named", name: key! };
    }
  }
  return undefined;
}

/**
 * The statements that listen on a port when the module loads: a `.listen(` or `serve(` call
 * outside a main-module guard, and the top-level call of a function that holds one.
 */
function startersOf(statements: Statement[]): Starter[] {
  const out: Starter[] = [];
  const starts = (s: Statement) => /\.listen\s*\(|\bserve\s*\(/.test(s.text);
  for (const s of statements) {
    if (!starts(s) || isGuarded(s)) continue;
    const fn = declaredFunction(s.text);
    if (fn) {
      const call = new RegExp(`^(?:await\\s+|void\\s+)?${escapeRegExp(fn)}\\s*\\(`);
      for (const c of statements) if (call.test(c.text)) out.push(starter(c, statements));
      continue;
    }
    out.push(starter(s, statements));
  }
  return out;
}

function starter(s: Statement, all: Statement[]): Starter {
  if (/^export\b/.test(s.text)) return { statement: s, unpatchable: "it is an export" };
  const declared = /^(?:const|let|var)\s+(\w+)/.exec(s.text)?.[1];
  if (declared) {
    const used = new RegExp(`\\b${escapeRegExp(declared)}\\b`);
    if (all.some((o) => o !== s && used.test(o.text))) {
      return { statement: s, unpatchable: `\`${declared}\` is used by other statements` };
    }
  }
  return { statement: s };
}

function isGuarded(s: Statement): boolean {
  const cond = /^if\s*\(([\s\S]*?)\)\s*[{\w]/.exec(s.text);
  return cond !== null && GUARD.test(cond[1]!);
}

function declaredFunction(text: string): string | undefined {
  return (
    /^(?:export\s+)?(?:async\s+)?function\s*\*?\s*(\w+)/.exec(text)?.[1] ??
    /^(?:export\s+)?(?:const|let|var)\s+(\w+)\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|\w+\s*=>)/.exec(
      text,
    )?.[1]
  );
}

/** CommonJS or ES module, by Node's rules: the extension, else the nearest package.json type. */
export function formatOf(dir: string, file: string, pkg: PackageJson): ModuleFormat {
  if (/\.m[jt]s$/.test(file)) return "esm";
  if (/\.c[jt]s$/.test(file)) return "cjs";
  for (let d = dirname(join(dir, file)); d !== dir && d.startsWith(dir); d = dirname(d)) {
    const p = join(d, "package.json");
    if (!existsSync(p)) continue;
    try {
      return (JSON.parse(readFileSync(p, "utf8")) as PackageJson).type === "module" ? "esm" : "cjs";
    } catch {
      return "cjs";
    }
  }
  return pkg.type === "module" ? "esm" : "cjs";
}

/** `src/app.ts` → `dist/app.js` through tsconfig.json's `outDir` and `rootDir` (default `src`). */
function buildOutput(dir: string, source: string): string {
  const options = tsCompilerOptions(dir);
  const outDir = clean(options.outDir ?? "dist");
  const rootDir = clean(options.rootDir ?? (source.startsWith("src/") ? "src" : "."));
  const rel = rootDir === "." ? source : posix.relative(rootDir, source);
  return posix
    .join(outDir, rel)
    .replace(/\.ts$/, ".js")
    .replace(/\.mts$/, ".mjs")
    .replace(/\.cts$/, ".cjs");
}

function clean(p: string): string {
  return posix.normalize(p.replace(/\\/g, "/")).replace(/^\.\/|\/$/g, "") || ".";
}

/** tsconfig.json's compilerOptions; comments and trailing commas allowed, as tsc allows them. */
export function tsCompilerOptions(dir: string): { outDir?: string; rootDir?: string } {
  const path = join(dir, "tsconfig.json");
  if (!existsSync(path)) return {};
  const text = readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"])\/\/.*$/gm, "$1")
    .replace(/,(\s*[}\]])/g, "$1");
  try {
    return (
      (JSON.parse(text) as { compilerOptions?: { outDir?: string; rootDir?: string } }).compilerOptions ?? {}
    );
  } catch {
    return {};
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
