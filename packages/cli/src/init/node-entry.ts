/**
 * `pocket.entry.mjs`: pocket's own module around an existing app. It loads the app's module as
 * Lambda would load that module itself (CommonJS with require(), so `module.parent` is set and the
 * app's main-module guard stays quiet) after the environment is loaded, and exports the handlers
 * pocket.toml names. The user's files stay as they are.
 */
import type { Framework, NodeApp, Reach } from "./node-app.js";

export const ENTRY_FILE = "pocket.entry.mjs";
/** The user's own worker and tasks, written once by `--with` and imported by the entry. */
export const JOBS_FILE = "pocket.jobs.mjs";

/** The handlers beside `web` that `--with` names (or the project already has in pocket.jobs.mjs). */
export interface Extras {
  worker: boolean;
  tasks: boolean;
}

/** What turns the app into an API Gateway handler, by framework. */
const WEB: Record<Framework, { imports: string; setup?: string; handler: string }> = {
  express: { imports: "nodeHttpHandler", handler: "nodeHttpHandler(app)" },
  koa: { imports: "nodeHttpHandler", handler: "nodeHttpHandler(app.callback())" },
  // Fastify compiles its routes in ready(); routing() is its own request listener.
  fastify: {
    imports: "nodeHttpHandler",
    setup: "await app.ready();",
    handler: "nodeHttpHandler((req, res) => app.routing(req, res))",
  },
  hono: { imports: "httpHandler", handler: "httpHandler(app)" },
  http: {
    imports: "nodeHttpHandler",
    handler: 'nodeHttpHandler(typeof app === "function" ? app : (req, res) => app.emit("request", req, res))',
  },
};

/**
 * A Hono app on @hono/node-server goes through that server's own request listener, so responses
 * (header spelling included) and `c.env.incoming` are those of the app's own server.
 */
const HONO_NODE_SERVER = {
  imports: "nodeHttpHandler",
  handler: "nodeHttpHandler(getRequestListener(app.fetch))",
  extraImport: 'import { getRequestListener } from "@hono/node-server";',
};

export function entryModule(app: NodeApp, reach: Reach, extras: Extras): string {
  const web: { imports: string; setup?: string; handler: string; extraImport?: string } = app.honoNodeServer
    ? HONO_NODE_SERVER
    : WEB[app.framework];
  const specifier = `./${app.loaded}`;
  const runtime = [
    web.imports,
    ...(extras.worker ? ["sqsHandler"] : []),
    ...(extras.tasks ? ["taskHandler"] : []),
  ];
  const lines = [
    `// Written by \`pocket init --runtime node\`: the handlers pocket.toml names, around the ${app.framework} app`,
    `// of ${app.source} (left as it is). Safe to edit; \`pocket init\` never overwrites it.`,
    "// The environment (secrets, hosts) is in process.env before the app's module runs.",
    'import "@magic-pocket/runtime/env";',
    ...(web.extraImport ? [web.extraImport] : []),
    ...(app.format === "cjs" ? ['import { createRequire } from "node:module";'] : []),
    `import { ${runtime.sort().join(", ")} } from "@magic-pocket/runtime";`,
    "",
  ];
  if (app.format === "cjs") {
    lines.push(
      "// CommonJS loads with require(), as Lambda loads it: the app's `require.main === module` and",
      "// `!module.parent` guards see a loaded module and do not listen.",
      `const app = createRequire(import.meta.url)(${JSON.stringify(specifier)})${cjsAccess(reach)};`,
    );
  } else {
    lines.push(`const { ${esmBinding(reach)} } = await import(${JSON.stringify(specifier)});`);
  }
  if (web.setup) lines.push(web.setup);
  lines.push(
    "",
    "// [awscontainer.handlers.web]: API Gateway -> the app.",
    `export const web = ${web.handler};`,
  );
  if (extras.worker || extras.tasks) {
    lines.push("", `const jobs = await import("./${JOBS_FILE}");`);
    if (extras.worker)
      lines.push(
        "// [awscontainer.handlers.worker]: one call per SQS message; a throw retries that message.",
        "export const worker = sqsHandler(jobs.worker);",
      );
    if (extras.tasks)
      lines.push(
        '// [awscontainer.handlers.management]: {"command", "args"} runs one of the tasks.',
        "export const management = taskHandler(jobs.tasks);",
      );
  }
  return `${lines.join("\n")}\n`;
}

function cjsAccess(reach: Reach): string {
  if (reach.kind === "module") return "";
  // TypeScript's `export default` compiled to CommonJS is `exports.default`.
  if (reach.kind === "default") return ".default";
  return `.${reach.name}`;
}

function esmBinding(reach: Reach): string {
  if (reach.kind === "named") return reach.name === "app" ? "app" : `${reach.name}: app`;
  return "default: app";
}

export const JOBS_MODULE = `// Your worker and tasks: pocket.entry.mjs hands them to Lambda (see pocket.toml).

/** One SQS message's body (what enqueue("worker", body) sent). */
export async function worker(job) {
  console.log("working on", job);
}

/** Tasks run with {"command": "hello", "args": ["you"]}; io.log is the output returned. */
export const tasks = {
  hello: (args, io) => {
    io.log(\`hello \${args.join(" ") || "world"}\`);
  },
};
`;
