import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./cli/build.js";
import { pocket, project, repoRoot } from "./cli/run.js";

const VALID = `[general]
region = "ap-northeast-1"
stages = ["dev", "prd"]

[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }

[rds]

[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[neon]
project_name = "myapp-neon"

[cloudfront.main]
routes = [
  { is_default = true, is_spa = true },
  { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`;

beforeAll(buildCli);

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe("pocket (top level)", () => {
  it("prints the package version", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as {
      version: string;
    };
    const r = pocket(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("has complete --help at every level", () => {
    const top = pocket(["--help"]);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain("config");
    expect(top.stdout).toContain("POCKET_STAGE");
    const config = pocket(["config", "--help"]);
    for (const sub of ["validate", "show", "schema"]) expect(config.stdout).toContain(sub);
    const show = pocket(["config", "show", "--help"]);
    expect(show.stdout).toContain("--stage");
    expect(show.stdout).toContain("--json");
    expect(pocket(["config", "validate", "--help"]).stdout).toContain("Exit status");
  });

  it("stops quietly when the reader closes the pipe early (pocket ... | head)", () => {
    const bin = join(repoRoot, "packages/cli/bin/pocket.cjs");
    const r = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${bin}" --help | true; echo "status=\${PIPESTATUS[0]}"`],
      {
        encoding: "utf8",
      },
    );
    expect(r.stderr).not.toContain("EPIPE");
    expect(r.stdout.trim()).toBe("status=0");
  });

  it("stops quietly when the pipe is closed before pocket writes its output", async () => {
    // pocket writes its own output with writeSync (util/stdio.ts): a closed pipe is EPIPE there.
    const dir = project(VALID);
    const bin = join(repoRoot, "packages/cli/bin/pocket.cjs");
    const child = spawn(process.execPath, [bin, "config", "show", "--stage", "dev", "--json"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });

  it("rejects an unknown command with a suggestion and usage exit code", () => {
    const r = pocket(["confgi"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("config");
  });

  it("rejects an unknown command asked for --help, as without it (no help, usage exit code)", () => {
    for (const args of [
      ["deploi", "--help"],
      ["confgi", "-h"],
      ["-c", "x.toml", "confgi", "--help"],
      ["config", "shwo", "--help"],
      ["resource", "vpcc", "--help"],
    ]) {
      const r = pocket(args);
      const word = args.find(
        (a) => !a.startsWith("-") && a !== "x.toml" && a !== "config" && a !== "resource",
      );
      expect(r.stderr).toContain(`unknown command '${word}'`);
      expect(r.stdout).not.toContain("Usage:");
      expect(r.status).toBe(2);
    }
    expect(pocket(["deploi", "--help"]).stderr).toContain("(Did you mean deploy?)");
    expect(pocket(["config", "shwo", "--help"]).stderr).toContain("(Did you mean show?)");
    // A known command's help is unchanged, and so is a leaf command's operand before --help.
    expect(pocket(["config", "show", "--help"]).status).toBe(0);
    expect(pocket(["django", "manage", "migrate", "--help"]).stdout).toContain("Usage: pocket django manage");
  });
});

describe("pocket config validate", () => {
  it("accepts a valid file for every stage", () => {
    const dir = project(VALID);
    const r = pocket(["config", "validate"], { cwd: dir });
    expect(r.stderr).toContain("valid (stages: dev, prd)");
    expect(r.status).toBe(0);
  });

  it("finds pocket.toml from a sub-folder", () => {
    const dir = project(VALID);
    const sub = join(dir, "src");
    mkdirSync(sub);
    expect(pocket(["config", "validate"], { cwd: sub }).status).toBe(0);
  });

  it("reports every problem like a compiler, with the line and a hint, and exits 1", () => {
    const dir = project(
      VALID.replace("timeout = 600", "timout = 600").replace('handler = "wsgi"', 'handler = "wsgj"'),
    );
    const r = pocket(["config", "validate"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /pocket\.toml:16:1 error\[unknown-key\] awscontainer\.handlers\.management\.timout/,
    );
    expect(r.stderr).toContain('Did you mean "timeout"?');
    expect(r.stderr).toContain("16 | timout = 600");
    noStack(r.stderr);
  });

  it("names the stage a stage-only problem belongs to", () => {
    const dir = project(`${VALID}\n[prd.s3]\nbucket_name_formt = "x"\n`);
    const r = pocket(["config", "validate"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[unknown-key\] s3\.bucket_name_formt.*\(stage prd\)/);
  });

  it("says plainly when there is no pocket.toml", () => {
    const dir = project(VALID);
    const r = pocket(["config", "validate"], { cwd: join(dir, "..") });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: no pocket\.toml in /);
    noStack(r.stderr);
  });

  it("uses --config to pick a file", () => {
    const dir = project(VALID);
    expect(pocket(["--config", join(dir, "pocket.toml"), "config", "validate"]).status).toBe(0);
  });

  it("starts the search in the user's folder under npx (INIT_CWD)", () => {
    const dir = project(VALID);
    const r = pocket(["config", "validate"], {
      cwd: join(dir, ".."),
      env: { npm_command: "exec", INIT_CWD: dir },
    });
    expect(r.status).toBe(0);
    // An INIT_CWD outside the current folder is some outer npm process's: ignored.
    const outer = pocket(["config", "validate"], {
      cwd: join(dir, ".."),
      env: { npm_command: "exec", INIT_CWD: repoRoot },
    });
    expect(outer.status).toBe(1);
  });
});

describe("pocket config show", () => {
  it("prints settings and context as one JSON object with camelCase keys", () => {
    const dir = project(VALID);
    const r = pocket(["config", "show", "--stage", "dev", "--json"], { cwd: dir });
    expect(r.status).toBe(0);
    const { settings, context } = JSON.parse(r.stdout);
    expect(settings.general.projectName).toBe("myapp");
    expect(settings.awscontainer.handlers.management.timeout).toBe(600);
    expect(context).toMatchObject({
      stage: "dev",
      project: "myapp",
      namespace: "pocket",
      slug: "dev-myapp",
      resourcePrefix: "dev-myapp-pocket-",
      stateBucket: "dev-myapp-pocket-state",
      s3: { bucketName: "dev-myapp-pocket" },
      vpc: {
        name: "main-pocket",
        stackName: "main-pocket-vpc",
        zones: ["ap-northeast-1a", "ap-northeast-1c"],
        manage: true,
        sharable: false,
      },
      container: {
        stackName: "dev-myapp-container",
        ecrRepository: "dev-myapp-pocket-lambda",
        imageTag: "dev",
        roleName: "lambda-dev-myapp-pocket",
        handlers: {
          wsgi: {
            functionName: "dev-myapp-pocket-wsgi",
            logGroupName: "/aws/lambda/dev-myapp-pocket-wsgi",
            apiName: "dev-myapp-wsgi",
          },
          management: {
            queueName: "dev-myapp-pocket-management",
            deadLetterQueueName: "dev-myapp-pocket-management-dead-letter",
            visibilityTimeout: 3600,
          },
        },
        secrets: { store: "sm", pocketKey: "dev-myapp-pocket" },
        django: { storages: { default: { BACKEND: "django.core.files.storage.FileSystemStorage" } } },
      },
      rds: {
        clusterIdentifier: "dev-myapp-pocket-aurora",
        instanceIdentifier: "dev-myapp-pocket-aurora-1",
        databaseName: "myapp_dev",
        username: "postgres",
      },
      neon: {
        projectName: "myapp-neon",
        branch: "dev",
        database: "myapp",
        role: "myapp",
        regionId: "aws-ap-northeast-1",
      },
      cloudfront: { main: { stackName: "dev-myapp-main-cloudfront", region: "us-east-1" } },
    });
    expect(context.tidb).toBeUndefined();
  });

  it("takes the stage from POCKET_STAGE", () => {
    const dir = project(VALID);
    const r = pocket(["config", "show", "--json"], { cwd: dir, env: { POCKET_STAGE: "prd" } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).context.slug).toBe("prd-myapp");
  });

  it("refuses to guess a stage without a terminal, and lists the stages", () => {
    const dir = project(VALID);
    const r = pocket(["config", "show"], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Stages in pocket.toml: dev, prd");
    expect(r.stderr).toContain("--stage");
  });

  it("rejects a stage that is not listed", () => {
    const dir = project(VALID);
    const r = pocket(["config", "show", "--stage", "stg"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'error[unknown-stage] general.stages: stage "stg" is not in general.stages ["dev", "prd"]',
    );
  });

  it("never prints API keys read from .env", () => {
    const dir = project(VALID);
    writeFileSync(join(dir, ".env"), "NEON_API_KEY=napi_supersecret\n");
    const r = pocket(["config", "show", "--stage", "dev", "--json"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("napi_supersecret");
    expect(JSON.parse(r.stdout).context.neon.apiKeySource).toBe(".env");
  });

  it("prints YAML without --json", () => {
    const dir = project(VALID);
    const r = pocket(["config", "show", "--stage", "dev"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("resourcePrefix: dev-myapp-pocket-");
  });
});

describe("pocket dev --port", () => {
  it("takes decimal integers from 1 to 65535 only, before reading pocket.toml", () => {
    // Number() reads "0x10" as 16 and "1e3" as 1000: a typo would serve on a port nobody asked for.
    for (const port of ["0x10", "1e3", "0b1", " 80", "80.0", "0", "65536", ""]) {
      const r = pocket(["dev", "--port", port, "--stage", "dev"]);
      expect(r.stderr, port).toContain(
        `--port ${port} is not a port number: give a decimal integer from 1 to 65535.`,
      );
      expect(r.status, port).toBe(2);
    }
  });
});

describe("pocket --config", () => {
  it("refuses a named pipe instead of waiting for a writer", () => {
    const dir = project(VALID);
    const fifo = join(dir, "fifo.toml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const bin = join(repoRoot, "packages/cli/bin/pocket.cjs");
    const r = spawnSync(process.execPath, [bin, "--config", fifo, "config", "show", "--stage", "dev"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", POCKET_STAGE: undefined },
      timeout: 10_000,
    });
    expect(r.stderr).toContain(
      "fifo.toml is a named pipe (FIFO); pocket reads its configuration from a regular file",
    );
    expect(r.status).toBe(1);
  });
});

describe("pocket config schema", () => {
  it("prints a JSON Schema with every section", () => {
    const r = pocket(["config", "schema"]);
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout);
    for (const s of ["general", "vpc", "s3", "neon", "tidb", "rds", "awscontainer", "cloudfront"]) {
      expect(schema.properties).toHaveProperty(s);
    }
  });

  it("writes -o relative to the folder pocket was run in (npx starts in the package root)", () => {
    const dir = project(VALID);
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const r = pocket(["config", "schema", "-o", "schema.json"], {
      cwd: dir,
      env: { npm_command: "exec", INIT_CWD: sub },
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(sub, "schema.json"), "utf8"))).toHaveProperty("properties");
  });

  it("says why -o cannot be written (a missing folder, a folder, a file as a folder) and exits 1", () => {
    const dir = project(VALID);
    const cases: [string, RegExp][] = [
      [join(dir, "missing/x.json"), /cannot write .*missing\/x\.json: the folder .*missing does not exist\./],
      [dir, /cannot write .*: it is a folder\.\nhint: give a file name, e\.g\. -o .*pocket\.schema\.json/],
      [join(dir, "pocket.toml/x.json"), /a part of .*pocket\.toml is a file, not a folder/],
    ];
    for (const [output, message] of cases) {
      const r = pocket(["config", "schema", "-o", output], { cwd: dir });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain("internal error");
      expect(r.status).toBe(1);
    }
  });
});
