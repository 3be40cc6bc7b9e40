import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { devSecrets, shellSettable, sourceLines } from "../src/local/dev-sources.js";
import { buildCli } from "./cli/build.js";
import { project, spawnPocket } from "./cli/run.js";
import { freePort } from "./moto/free-port.js";
import { loadInline } from "./templates/context.js";

// Issue 24, item 6: `pocket dev` says where DATABASE_URL, the storages and email come from, and
// an exported DATABASE_URL (or secret name) is honoured over .env, as the Python runtime's own
// local loader does; other shell variables are not the stage's and stay out.
const TOML = `
[general]
region = "ap-northeast-1"
project_name = "devsrc"
stages = ["dev"]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.web]
command = "app.web"
apigateway = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 20 } }
JWT = { type = "rsa_pem_base64" }

[awscontainer.secrets.user]
API_KEY = { name = "devsrc/api-key", store = "sm" }
`;

const APP = `export const web = async () => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    databaseUrl: process.env.DATABASE_URL ?? null,
    apiKey: process.env.API_KEY ?? null,
    secretKey: process.env.SECRET_KEY ?? null,
    unrelated: process.env.SOME_SHELL_VARIABLE ?? null,
  }),
});
`;

describe("pocket dev's secret sources", () => {
  it("takes .env, then the shell for the stage's secret names and DATABASE_URL, then the deployed stage", () => {
    const ctx = loadInline(TOML).context;
    expect(shellSettable(ctx).sort()).toEqual(
      ["API_KEY", "DATABASE_URL", "JWT_PEM_BASE64", "JWT_PUB_BASE64", "SECRET_KEY"].sort(),
    );
    const s = devSecrets(
      { SECRET_KEY: "dotenv", DATABASE_URL: "sqlite:///dotenv" },
      { DATABASE_URL: "postgres://shell", PATH: "/bin", API_KEY: "shell-key" },
      shellSettable(ctx),
      { API_KEY: "deployed-key" },
    );
    expect(s.values).toEqual({
      SECRET_KEY: "dotenv",
      DATABASE_URL: "postgres://shell",
      API_KEY: "deployed-key",
    });
    expect(s.sources).toEqual({
      SECRET_KEY: ".env",
      DATABASE_URL: "the shell",
      API_KEY: "the deployed stage",
    });
  });

  it("a Django stage's banner names the database, the storages and email", () => {
    const ctx =
      loadInline(`${TOML.replace('command = "app.web"', 'command = "pocket.django.lambda_handlers.wsgi_handler"')}
[general.django_fallback.storages]
default = { store = "filesystem", location = "media" }
staticfiles = { store = "filesystem", location = "staticfiles", static = true }
`).context;
    const none = sourceLines(ctx, "/app", devSecrets({ SECRET_KEY: "x" }, {}, shellSettable(ctx), {}));
    expect(none).toEqual([
      "  secrets: .env",
      "  DATABASE_URL: none, so SQLite at /app/db.sqlite3",
      expect.stringMatching(
        /^ {2}storages: \[general\.django_fallback\] \(default FileSystemStorage in .*media; staticfiles .*StaticFilesStorage in .*staticfiles\)$/,
      ),
      "  email: printed here (Django's console backend; no [ses])",
    ]);
    const shell = sourceLines(
      ctx,
      "/app",
      devSecrets({}, { DATABASE_URL: "postgres://x" }, shellSettable(ctx), {}),
    );
    expect(shell.slice(0, 2)).toEqual([
      "  secrets: .env and the shell (DATABASE_URL)",
      "  DATABASE_URL: from the shell",
    ]);
  });
});

describe("pocket dev with DATABASE_URL exported in the shell", () => {
  beforeAll(() => buildCli());

  it("gives the handler the exported value over .env and says so in the banner; other shell variables stay out", async () => {
    const dir = project(TOML, "devsrc");
    writeFileSync(join(dir, "app.mjs"), APP);
    writeFileSync(join(dir, ".env"), "SECRET_KEY=from-dotenv\nDATABASE_URL=sqlite:///from-dotenv.sqlite3\n");
    const port = await freePort();
    const child = spawnPocket(["dev", "--stage", "dev", "--port", String(port)], {
      cwd: dir,
      env: { DATABASE_URL: "postgres://shell@localhost/app", SOME_SHELL_VARIABLE: "shell" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d;
    });
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      for (let i = 0; i < 300 && !out.includes("Ctrl-C to stop") && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain("  secrets: .env and the shell (DATABASE_URL)\n");
      expect(out).toContain("  DATABASE_URL: from the shell\n");
      expect(out).not.toContain("postgres://shell@localhost/app");
      const body = await (await fetch(`http://localhost:${port}/`)).json();
      expect(body).toEqual({
        databaseUrl: "postgres://shell@localhost/app",
        apiKey: null,
        secretKey: "from-dotenv",
        unrelated: null,
      });
    } finally {
      child.kill("SIGINT");
    }
    expect(await exit).toBe(0);
  }, 60_000);
});
