// The Hono starter `pocket init --runtime node` writes into an empty folder: one module that
// exports the three handlers its pocket.toml names, with its package.json, tsconfig and .env.

/** The starter's files, relative to the folder, given the specs of our two packages. */
export function starterFiles(project: string, ours: { runtime: string; cli: string }): [string, string][] {
  return [
    ["package.json", starterPackageJson(project, ours)],
    ["tsconfig.json", STARTER_TSCONFIG],
    ["src/index.ts", STARTER_INDEX],
    [".gitignore", "node_modules/\ndist/\n.env\n"],
    [".env", STARTER_DOTENV],
  ];
}

function starterPackageJson(project: string, ours: { runtime: string; cli: string }): string {
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
