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
}

export interface InitNodeResult {
  /** `starter`: an empty folder got the Hono starter; `existing`: a package.json was there. */
  kind: "starter" | "existing";
  /** Files written, relative to the folder, in writing order. */
  written: string[];
  /** Files that already existed and were left as they were. */
  kept: string[];
  /** What happened to `.pocket/` and package.json's references to it, one line each. */
  refreshed: string[];
  /** What to do next, one command or sentence per entry. */
  nextSteps: string[];
}

interface PackageJson {
  name?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
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

export async function initNodeProject(dir: string, options: InitNodeOptions): Promise<InitNodeResult> {
  const pkgPath = join(dir, "package.json");
  let pkg: PackageJson | undefined;
  if (existsSync(pkgPath)) {
    try {
      pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as PackageJson;
    } catch (err) {
      throw new CliError("package-json-invalid", `${pkgPath} is not valid JSON: ${(err as Error).message}`, {
        hint: "Fix package.json, then run `pocket init --runtime node` again.",
      });
    }
  } else {
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
  }
  const project = projectName(pkg?.name ?? basename(dir));
  const starter = pkg === undefined;
  const hasBuild = starter || Boolean(pkg?.scripts?.build);
  const module = starter ? "dist/index" : handlerModule(dir, pkg!);
  const fromRegistry = options.fromRegistry === true;
  const ours = ourPackages(dir, fromRegistry);
  const files: [string, string][] = [
    ["pocket.toml", pocketToml(project, options.region, module)],
    ["pocket.Dockerfile", dockerfile(hasBuild, module, !fromRegistry)],
    [".dockerignore", DOCKERIGNORE],
  ];
  if (starter) {
    files.push(
      ["package.json", starterPackageJson(project, ours)],
      ["tsconfig.json", STARTER_TSCONFIG],
      ["src/index.ts", STARTER_INDEX],
      [".gitignore", "node_modules/\ndist/\n.env\n"],
      [".env", STARTER_DOTENV],
    );
  }
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
  const refreshed = [...ours.refreshed];
  if (!starter) {
    const updated = referencePackages(pkgPath, ours);
    if (updated) refreshed.push(updated);
  }
  // `npx @magic-pocket/cli`, never `npx pocket`: in a folder without the devDependency installed,
  // npx would fetch and run the unrelated registry package named "pocket".
  const deploy = "npx @magic-pocket/cli deploy --stage dev";
  const nextSteps = starter
    ? ["npm install", "npm run build", deploy]
    : [
        "npm install",
        `export the handlers pocket.toml names from ${module}.js: ` +
          "web = httpHandler(app) (or nodeHttpHandler(app) for Express), worker = sqsHandler(fn), " +
          "management = taskHandler({ ... }) (see @magic-pocket/runtime's README)",
        ...(hasBuild ? [] : ["without a build script the image runs your sources as they are"]),
        deploy,
      ];
  return { kind: starter ? "starter" : "existing", written, kept, refreshed, nextSteps };
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
  const path = join(dir, "tsconfig.json");
  if (!existsSync(path)) return undefined;
  // tsconfig.json allows comments and trailing commas; strip them well enough to read one field.
  const text = readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"])\/\/.*$/gm, "$1")
    .replace(/,(\s*[}\]])/g, "$1");
  try {
    const outDir = (JSON.parse(text) as { compilerOptions?: { outDir?: string } }).compilerOptions?.outDir;
    return outDir ? posix.normalize(outDir.replace(/\\/g, "/")).replace(/^\.\/|\/$/g, "") : undefined;
  } catch {
    return undefined;
  }
}

function pocketToml(project: string, region: string, module: string): string {
  return `# Written by \`pocket init --runtime node\`. Reference: the pocket.toml section of pocket's README.
[general]
region = "${region}"
project_name = "${project}"
stages = ["dev", "prd"]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

# HTTP API -> the app: ${module}.js exports web = httpHandler(app).
[awscontainer.handlers.web]
command = "${module}.web"
apigateway = {}

# An SQS queue -> worker = sqsHandler(fn); the app sends with enqueue("worker", body).
[awscontainer.handlers.worker]
command = "${module}.worker"
sqs = {}

# Tasks -> management = taskHandler({ ... }); invoked with {"command", "args"}.
[awscontainer.handlers.management]
command = "${module}.management"
timeout = 600

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

function dockerfile(build: boolean, module: string, carried: boolean): string {
  // The runtime and CLI tarballs package.json references (file:.pocket/...) must be in place
  // before the install.
  const copy = carried ? "COPY package*.json ./\nCOPY .pocket/ ./.pocket/" : "COPY package*.json ./";
  const install = "RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi";
  if (!build) {
    return `# Written by \`pocket init --runtime node\`: the Lambda image of this project.
FROM public.ecr.aws/lambda/nodejs:22
ENV NODE_ENV=production
WORKDIR \${LAMBDA_TASK_ROOT}
${copy}
${install.replace("npm ci;", "npm ci --omit=dev;").replace("npm install;", "npm install --omit=dev;")}
COPY . .
CMD ["${module}.web"]
`;
  }
  return `# Written by \`pocket init --runtime node\`: the Lambda image of this project.
# Stage 1 installs every dependency and runs \`npm run build\`; stage 2 keeps the build output and
# the production dependencies only.
FROM public.ecr.aws/lambda/nodejs:22 AS build
WORKDIR /build
${copy}
${install}
COPY . .
RUN npm run build && npm prune --omit=dev

FROM public.ecr.aws/lambda/nodejs:22
ENV NODE_ENV=production
COPY --from=build /build/ \${LAMBDA_TASK_ROOT}/
CMD ["${module}.web"]
`;
}

const DOCKERIGNORE = `node_modules
dist
.git
.env
`;

function starterPackageJson(project: string, ours: OurPackages): string {
  const pkg = {
    name: project,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { build: "tsc -p tsconfig.json", typecheck: "tsc -p tsconfig.json --noEmit" },
    dependencies: { "@magic-pocket/runtime": ours.runtime, hono: "^4.6.0" },
    devDependencies: { "@magic-pocket/cli": ours.cli, "@types/node": "^22.0.0", typescript: "^5.6.0" },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const STARTER_TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      rootDir: "src",
      outDir: "dist",
    },
    include: ["src"],
  },
  null,
  2,
)}\n`;

const STARTER_DOTENV = `# Local values for process.env (read by loadEnv() when POCKET_STAGE is not set). Not deployed.
GREETING=hello from .env
`;

const STARTER_INDEX = `import { Hono } from "hono";
import { enqueue, httpHandler, sqsHandler, taskHandler } from "@magic-pocket/runtime";

// The web app: any Hono (or other Fetch-API) app. Secrets are in process.env inside handlers.
export const app = new Hono();

app.get("/", (c) => c.text(\`\${process.env.GREETING ?? "hello"} from pocket\`));

app.post("/api/jobs", async (c) => {
  const job = await c.req.json<{ name?: string }>();
  const id = await enqueue("worker", { name: job.name ?? "anonymous" });
  return c.json({ queued: id }, 202);
});

// [awscontainer.handlers.web]: API Gateway -> app.
export const web = httpHandler(app);

// [awscontainer.handlers.worker]: one call per SQS message; a throw retries that message.
export const worker = sqsHandler(async (job: { name: string }) => {
  console.log(\`working on \${job.name}\`);
});

// [awscontainer.handlers.management]: {"command": "hello", "args": ["you"]} returns its output.
export const management = taskHandler({
  hello: (args, io) => {
    io.log(\`hello \${args.join(" ") || "world"}\`);
  },
});
`;
