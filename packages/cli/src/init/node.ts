/**
 * `pocket init --runtime node`: pocket.toml and pocket.Dockerfile for a Node.js project, and for an
 * empty folder a Hono starter whose one module exports the three handlers the toml names. Files
 * that exist are never overwritten: they are reported as kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { CliError } from "../errors.js";
import { VERSION } from "../version.js";
import { carriedRuntimes, describeRefresh, packCliInto, placeInProject } from "./carried-runtimes.js";
import { inSpelling, type Spelling } from "./container-spelling.js";
import { findNodeApp, type NodeApp, type PackageJson, tsCompilerOptions } from "./node-app.js";
import { installCommand, nodeDockerfile, packageManagerOf } from "./node-dockerfile.js";
import { ENTRY_FILE, type Extras, entryModule, JOBS_FILE, JOBS_MODULE } from "./node-entry.js";
import { patchApp } from "./node-patch.js";
import { starterFiles } from "./node-starter.js";

export interface InitNodeOptions {
  /** `general.region` of the new pocket.toml. */
  region: string;
  /** Answer yes to the question asked for a folder that has files but no package.json. */
  yes?: boolean;
  /** A terminal can be asked (otherwise that question is a refusal, unless `yes`). */
  interactive?: boolean;
  /**
   * Depend on the published @magic-pocket/runtime and @magic-pocket/cli instead of the copies this
   * CLI carries into `.pocket/` (docs/decisions.md#r8-release-artifacts).
   */
  fromRegistry?: boolean;
  /** `--with worker,tasks`: declare those handlers too (pocket.jobs.mjs holds their code). */
  with?: Partial<Extras>;
  /** `--spelling container`: pocket.toml in the original's current spelling. */
  spelling?: Spelling;
}

export interface InitNodeResult {
  /**
   * `starter`: an empty folder got the Hono starter; `existing`: a package.json was there;
   * `needs-patch`: the app's module starts a server when loaded and nothing was written (`patch`).
   */
  kind: "starter" | "existing" | "needs-patch";
  /** The existing app found and wired through pocket.entry.mjs, if one was. */
  app?: { framework: string; source: string; patched: boolean };
  /** For `needs-patch`: the edit that makes the app's module loadable, as a unified diff. */
  patch?: string;
  /** Files written, relative to the folder, in writing order. */
  written: string[];
  /** Files that already existed and were left as they were. */
  kept: string[];
  /** What happened to `.pocket/` and package.json's references to it, one line each. */
  refreshed: string[];
  /** What to do next, one command or sentence per entry. */
  nextSteps: string[];
}

/** The specs package.json gets for our two packages, and what was placed into `.pocket/`. */
interface OurPackages {
  runtime: string;
  cli: string;
  refreshed: string[];
}

function ourPackages(dir: string, fromRegistry: boolean): OurPackages {
  if (fromRegistry) return { runtime: `^${VERSION}`, cli: `^${VERSION}`, refreshed: [] };
  const carried = carriedRuntimes();
  const runtime = placeInProject(dir, "node", carried.node);
  const cli = packCliInto(dir, carried);
  return {
    runtime: `file:${runtime.file}`,
    cli: `file:${cli.file}`,
    refreshed: [describeRefresh(runtime), describeRefresh(cli)],
  };
}

/**
 * Points an existing package.json at our packages: adds them when missing, and moves references
 * to an earlier `.pocket/` copy to the new one; a version the user chose (a registry range) is kept.
 */
function referencePackages(path: string, ours: OurPackages): string | undefined {
  const text = readFileSync(path, "utf8");
  const pkg = JSON.parse(text) as PackageJson;
  const changed: string[] = [];
  const set = (field: "dependencies" | "devDependencies", name: string, spec: string) => {
    pkg[field] ??= {};
    const deps = pkg[field];
    const other = field === "dependencies" ? pkg.devDependencies : pkg.dependencies;
    const current = deps[name] ?? other?.[name];
    if (current === spec || (current !== undefined && !current.startsWith("file:.pocket/"))) return;
    if (other?.[name] !== undefined && deps[name] === undefined) other[name] = spec;
    else deps[name] = spec;
    changed.push(`${name}: ${spec}`);
  };
  set("dependencies", "@magic-pocket/runtime", ours.runtime);
  set("devDependencies", "@magic-pocket/cli", ours.cli);
  if (changed.length === 0) return undefined;
  const indent = /^[{]\r?\n([ \t]+)/.exec(text)?.[1] ?? "  ";
  writeFileSync(path, `${JSON.stringify(pkg, null, indent)}\n`);
  return `updated package.json (${changed.join(", ")})`;
}

// Files a fresh `git init` or an editor leave in an otherwise empty folder.
const IGNORABLE = new Set([".git", ".gitignore", ".DS_Store", ".idea", ".vscode", "README.md", "LICENSE"]);

/**
 * `pocket init --runtime node` in `dir`: the starter in an empty folder, else the existing app
 * wired (or a patch it needs), then the files that are missing written and package.json's
 * references to our packages refreshed.
 */
export async function initNodeProject(dir: string, options: InitNodeOptions): Promise<InitNodeResult> {
  const pkgPath = join(dir, "package.json");
  const pkg = await readProject(dir, pkgPath, options);
  const starter = pkg === undefined;
  const wired = pkg ? await wireExistingApp(dir, pkg, options) : undefined;
  if (wired?.kind === "needs-patch") {
    return {
      kind: "needs-patch",
      patch: wired.diff,
      app: wired.app,
      written: [],
      kept: [],
      refreshed: [],
      nextSteps: wired.nextSteps,
    };
  }
  const project = projectName(pkg?.name ?? basename(dir));
  const hasBuild = starter || Boolean(pkg?.scripts?.build);
  const module = starter ? "dist/index" : wired ? ENTRY_FILE.replace(/\.mjs$/, "") : handlerModule(dir, pkg!);
  const extras: Extras = starter
    ? { worker: true, tasks: true }
    : (wired?.extras ?? { worker: false, tasks: false });
  const fromRegistry = options.fromRegistry === true;
  const ours = ourPackages(dir, fromRegistry);
  const pm = packageManagerOf(dir);
  const files: [string, string][] = [
    ["pocket.toml", inSpelling(pocketToml(project, options.region, module, extras), options.spelling)],
    [
      "pocket.Dockerfile",
      nodeDockerfile({ build: hasBuild, command: `${module}.web`, carried: !fromRegistry, pm, dir }),
    ],
    [".dockerignore", DOCKERIGNORE],
    ...(wired?.files ?? []),
    ...(starter ? starterFiles(project, ours) : []),
  ];
  const { written, kept } = writeNew(dir, files);
  const refreshed = [...ours.refreshed];
  if (!starter) {
    const updated = referencePackages(pkgPath, ours);
    if (updated) refreshed.push(updated);
  }
  const nextSteps = nextStepsFor({ starter, wired: wired !== undefined, hasBuild, module, pm });
  const app = wired
    ? { framework: wired.app.framework, source: wired.app.source, patched: wired.patched }
    : undefined;
  return { kind: starter ? "starter" : "existing", app, written, kept, refreshed, nextSteps };
}

/**
 * The folder's package.json, or undefined for a folder that gets the starter: empty, or with
 * files and the user's yes (refused otherwise).
 */
async function readProject(
  dir: string,
  pkgPath: string,
  options: InitNodeOptions,
): Promise<PackageJson | undefined> {
  if (existsSync(pkgPath)) {
    try {
      return JSON.parse(readFileSync(pkgPath, "utf8")) as PackageJson;
    } catch (err) {
      throw new CliError("package-json-invalid", `${pkgPath} is not valid JSON: ${(err as Error).message}`, {
        hint: "Fix package.json, then run `pocket init --runtime node` again.",
      });
    }
  }
  const others = existsSync(dir) ? readdirSync(dir).filter((f) => !IGNORABLE.has(f)) : [];
  if (others.length > 0 && !(await confirmStarter(dir, others, options))) {
    throw new CliError(
      "init-not-a-node-project",
      `${dir} has files (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}) but no package.json; nothing was written.`,
      {
        hint: "Run `pocket init --runtime node` in an empty folder (for the Hono starter) or in a Node.js project's folder; --yes writes the starter here anyway, keeping every existing file.",
      },
    );
  }
  return undefined;
}

/** What to run next: install, build, try it locally, deploy; or how to export the handler by hand. */
function nextStepsFor(o: {
  starter: boolean;
  wired: boolean;
  hasBuild: boolean;
  module: string;
  pm: ReturnType<typeof packageManagerOf>;
}): string[] {
  // `npx @magic-pocket/cli`, never `npx pocket`: in a folder without the devDependency installed,
  // npx would fetch and run the unrelated registry package named "pocket".
  const deploy = "npx @magic-pocket/cli deploy --stage dev";
  const install = installCommand(o.pm);
  const build = o.pm === "npm" ? "npm run build" : `${o.pm.replace("-berry", "")} run build`;
  if (o.starter) return ["npm install", "npm run build", deploy];
  if (o.wired) return [install, ...(o.hasBuild ? [build] : []), "npx @magic-pocket/cli dev", deploy];
  return [
    install,
    `export the handler pocket.toml names from ${o.module}.js: web = httpHandler(app) ` +
      "(or nodeHttpHandler(app) for Express) (see @magic-pocket/runtime's README)",
    ...(o.hasBuild ? [] : ["without a build script the image runs your sources as they are"]),
    deploy,
  ];
}

/** Writes each file that does not exist yet; the ones that do are kept as they are. */
function writeNew(dir: string, files: [string, string][]): { written: string[]; kept: string[] } {
  const written: string[] = [];
  const kept: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    if (existsSync(path)) {
      kept.push(name);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    // "wx": fail instead of overwriting a file created since the check.
    writeFileSync(path, content, { flag: "wx" });
    written.push(name);
  }
  return { written, kept };
}

type Wired =
  | {
      kind: "wired";
      app: NodeApp & { framework: string };
      patched: boolean;
      extras: Extras;
      /** pocket.entry.mjs (and pocket.jobs.mjs with --with). */
      files: [string, string][];
    }
  | {
      kind: "needs-patch";
      app: { framework: string; source: string; patched: false };
      diff: string;
      nextSteps: string[];
    };

/**
 * The existing app, found and made reachable: pocket.entry.mjs imports it and exports the
 * handlers. An app whose module opens a server when loaded gets the smallest edit that stops
 * that, with the user's consent; without a terminal the edit is returned (printed) instead.
 * undefined: no app was recognised (the user exports the handlers).
 */
async function wireExistingApp(
  dir: string,
  pkg: PackageJson,
  options: InitNodeOptions,
): Promise<Wired | undefined> {
  const app = findNodeApp(dir, pkg);
  if (!app) return undefined;
  let reach = app.reach;
  let patched = false;
  if (app.starters.length > 0 || !reach) {
    const file = join(dir, app.source);
    const patch = patchApp(app, readFileSync(file, "utf8"));
    if ("refused" in patch) {
      throw new CliError(
        "init-app-not-loadable",
        `${app.source} starts a server when it is loaded, and pocket cannot make the edit that stops it (${patch.refused.join("; ")}).`,
        {
          hint: `Export the ${app.framework} app from ${app.source} and run its listen() only when the module is the program (\`if (require.main === module)\`, or \`if (import.meta.filename === process.argv[1])\` in an ES module), then run \`pocket init --runtime node\` again.`,
        },
      );
    }
    const why =
      app.starters.length > 0
        ? "starts a server when it is loaded (on Lambda too)"
        : `does not export the ${app.framework} app`;
    if (!(await confirmPatch(app.source, why, patch.diff, options))) {
      return {
        kind: "needs-patch",
        app: { framework: app.framework, source: app.source, patched: false },
        diff: patch.diff,
        nextSteps: [
          `${app.source} ${why}. Apply this edit (git apply, or patch -p1 < the patch), or make it yourself, then run \`pocket init --runtime node\` again.`,
        ],
      };
    }
    writeFileSync(file, patch.text);
    reach = patch.reach;
    patched = true;
  }
  const jobsExist = existsSync(join(dir, JOBS_FILE));
  const jobs = jobsExist ? readFileSync(join(dir, JOBS_FILE), "utf8") : "";
  const extras: Extras = {
    worker:
      options.with?.worker === true || /export\s+(?:async\s+)?(?:function|const|let)\s+worker/.test(jobs),
    tasks: options.with?.tasks === true || /export\s+(?:const|let)\s+tasks/.test(jobs),
  };
  const files: [string, string][] = [[ENTRY_FILE, entryModule(app, reach!, extras)]];
  if ((extras.worker || extras.tasks) && !jobsExist) files.push([JOBS_FILE, JOBS_MODULE]);
  return { kind: "wired", app, patched, extras, files };
}

async function confirmPatch(
  source: string,
  why: string,
  diff: string,
  options: InitNodeOptions,
): Promise<boolean> {
  if (options.yes) return true;
  if (!options.interactive) return false;
  const { confirm, isCancel } = await import("@clack/prompts");
  process.stderr.write(`\n${source} ${why}. The smallest edit that stops it:\n\n${diff}\n`);
  const answer = await confirm({ message: `Make this edit to ${source}?`, initialValue: true });
  return !isCancel(answer) && answer === true;
}

async function confirmStarter(dir: string, others: string[], options: InitNodeOptions): Promise<boolean> {
  if (options.yes) return true;
  if (!options.interactive) return false;
  const { confirm, isCancel } = await import("@clack/prompts");
  const answer = await confirm({
    message: `${dir} has ${others.length} file(s) but no package.json. Write the Hono starter here (existing files are kept)?`,
    initialValue: false,
  });
  return !isCancel(answer) && answer === true;
}

/** Lower-case letters, digits and `-`: the name goes into every AWS resource name. */
function projectName(raw: string): string {
  const name = raw
    .replace(/^@[^/]+\//, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name || "app";
}

/**
 * The module (path without extension, relative to the image's task root) whose exports the
 * handlers name: the TypeScript output folder's index for a project that builds, else `main`.
 */
function handlerModule(dir: string, pkg: PackageJson): string {
  if (pkg.scripts?.build) return posix.join(tsOutDir(dir) ?? "dist", "index");
  const main = (pkg.main ?? "index.js").replace(/^\.\//, "");
  return main.replace(/\.(c|m)?js$/, "");
}

function tsOutDir(dir: string): string | undefined {
  const outDir = tsCompilerOptions(dir).outDir;
  return outDir ? posix.normalize(outDir.replace(/\\/g, "/")).replace(/^\.\/|\/$/g, "") : undefined;
}

function pocketToml(project: string, region: string, module: string, extras: Extras): string {
  const worker = `[awscontainer.handlers.worker]
command = "${module}.worker"
sqs = {}`;
  const management = `[awscontainer.handlers.management]
command = "${module}.management"
timeout = 600`;
  // Only what the app has is declared; the rest stays as commented examples.
  const declare = (on: boolean, text: string) => (on ? text : text.replace(/^/gm, "# "));
  return `# Written by \`pocket init --runtime node\`. Reference: the pocket.toml section of pocket's README.
[general]
region = "${region}"
project_name = "${project}"
stages = ["dev", "prd"]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

# HTTP API -> the app: ${module} exports web.
[awscontainer.handlers.web]
command = "${module}.web"
apigateway = {}

# An SQS queue -> worker = sqsHandler(fn); the app sends with enqueue("worker", body)${extras.worker ? "" : " (pocket init --with worker)"}.
${declare(extras.worker, worker)}

# Tasks -> management = taskHandler({ ... }); invoked with {"command", "args"}${extras.tasks ? "" : " (pocket init --with tasks)"}.
${declare(extras.tasks, management)}

# A task on a schedule (EventBridge Scheduler):
# [scheduler.schedules.nightly]
# cron = "0 3 * * ? *"
# handler = "management"
# input = { command = "hello", args = ["scheduler"] }

# Secrets arrive in process.env when loadEnv() runs (the handlers call it):
# [awscontainer.secrets.managed]
# SESSION_SECRET = { type = "password", options = { length = 50 } }
`;
}

const DOCKERIGNORE = `node_modules
dist
.git
.env
`;
