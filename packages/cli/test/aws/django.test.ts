import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoConfig, motoEnv } from "../moto/moto.js";
import { freshMoto, general, objectKeys, REGION, s3, standInFunction, WSGI_CONTAINER } from "./harness.js";
import { record } from "./recorder.js";

const TOML = `
${general("mysite")}
[s3]

${WSGI_CONTAINER}
[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true }

[general.django_fallback.storages]
default = { store = "filesystem", location = "localmedia" }
staticfiles = { store = "filesystem", static = true }
`;

const env = () => motoEnv(REGION);
const moto = () => inject("motoEndpoint");
let dir: string;

/** moto answers Invoke from a queue of canned results when it runs Lambda without Docker. */
async function lambdaResults(...results: unknown[]): Promise<void> {
  const r = await fetch(`${moto()}/moto-api/static/lambda-simple/response`, {
    method: "POST",
    body: JSON.stringify({ results: results.map((x) => JSON.stringify(x)), region: REGION }),
  });
  if (r.status !== 201) throw new Error(`moto lambda results: ${r.status}`);
}

beforeAll(async () => {
  await freshMoto();
  await motoConfig({ lambda: { use_docker: false } });
  dir = project(TOML, "mysite");
  // The management function, as the container stack names it (moto runs no image; see above).
  await standInFunction("mysite", "management");
  await s3().send(
    new CreateBucketCommand({
      Bucket: "dev-mysite-pocket",
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
});
afterAll(async () => {
  await motoConfig({ lambda: { use_docker: true } });
});

describe("pocket django manage against moto's Lambda", () => {
  it("invokes the management handler synchronously and prints its output", async () => {
    await lambdaResults({ exitCode: 0, output: "Operations to perform:\n  Apply all migrations: notes\n" });
    const {
      result: r,
      operations,
      bodies,
    } = await record(() =>
      pocket(["django", "manage", "migrate", "--stage", "dev", "--noinput", "--database=default"], {
        cwd: dir,
        env: env(),
      }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("Operations to perform:\n  Apply all migrations: notes\n");
    const invoke = operations.findIndex((o) => o.includes("Invoke") || o.includes("/invocations"));
    expect(invoke, operations.join(",")).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(bodies[invoke]!)).toEqual({
      command: "migrate",
      args: ["--noinput", "--database=default"],
      kwargs: {},
    });
  });

  it("exits with the command's exit status", async () => {
    await lambdaResults({ exitCode: 3, output: "CommandError: no such app\n" });
    const r = pocket(["django", "manage", "migrate", "nope", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status).toBe(3);
    expect(r.stdout).toContain("CommandError: no such app");
    expect(r.stderr).toContain("migrate exited with status 3");
  });

  it("says so when the function is not pocket's management handler", async () => {
    await lambdaResults("Simple Lambda happy path OK");
    const r = pocket(["django", "manage", "check", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("did not answer like pocket's management handler");
  });

  it("queues the command on the handler's SQS queue with --async", async () => {
    const sqs = new SQSClient({ region: REGION });
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: "dev-mysite-pocket-management" }),
    );
    const r = pocket(["django", "manage", "clearsessions", "--stage", "dev", "--async"], {
      cwd: dir,
      env: env(),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/queued clearsessions on dev-mysite-pocket-management \(message [\w-]+\)/);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(JSON.parse(got.Messages![0]!.Body!)).toEqual({ command: "clearsessions", args: [], kwargs: {} });
  });
});

// No Django on the TypeScript side: a stand-in `python` plays collectstatic, writing what a
// ManifestStaticFilesStorage run writes into the folder pocket asks for.
// With `link`, it plays `collectstatic --link`: links to sources kept beside the project.
function fakePython(version: string, link = false): string {
  const bin = join(dir, "..", "fake-python");
  const sources = join(dir, "..", "static-sources");
  writeFileSync(
    bin,
    `#!/usr/bin/env bash
set -euo pipefail
[ "$*" = "manage.py collectstatic --noinput${link ? " --link" : ""}" ] || { echo "unexpected: $*" >&2; exit 9; }
[ "$POCKET_STATICFILES_BACKEND_OVERRIDE" = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage" ] || exit 8
[ -z "\${POCKET_STAGE:-}" ] || exit 7
out="$POCKET_STATICFILES_LOCATION_OVERRIDE"
mkdir -p "$out/css" "$out/img" "$out/.git"
printf 'body{color:red}/*${version}*/' > "$out/css/app.css"
printf 'body{color:red}' > "$out/css/app.3f2a1b9c8d7e.css"
printf '\\x89PNG\\r\\n' > "$out/img/logo.png"
printf '{"paths":{"css/app.css":"css/app.3f2a1b9c8d7e.css"}}' > "$out/staticfiles.json"
printf 'x' > "$out/.git/ignored"
if ${link}; then
  mkdir -p "${sources}"
  for f in css/app.css img/logo.png; do
    mv "$out/$f" "${sources}/$(basename "$f")"; ln -s "${sources}/$(basename "$f")" "$out/$f"
  done
fi
echo "4 static files copied to '$out'."
`,
  );
  chmodSync(bin, 0o755);
  return bin;
}

const keys = (prefix: string) => objectKeys("dev-mysite-pocket", prefix);

describe("pocket django deploystatic against moto's S3", () => {
  it("collects, uploads with types and cache headers, and skips unchanged files the second time", async () => {
    writeFileSync(join(dir, "manage.py"), "# stand-in\n");
    const python = fakePython("v1");
    const first = pocket(["django", "deploystatic", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), POCKET_PYTHON: python },
    });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain("uploaded 4, unchanged 0");
    expect(await keys("static/")).toEqual([
      "static/css/app.3f2a1b9c8d7e.css",
      "static/css/app.css",
      "static/img/logo.png",
      "static/staticfiles.json",
    ]);
    const hashed = await s3().send(
      new HeadObjectCommand({ Bucket: "dev-mysite-pocket", Key: "static/css/app.3f2a1b9c8d7e.css" }),
    );
    expect(hashed.ContentType).toBe("text/css; charset=utf-8");
    expect(hashed.CacheControl).toBe("public, max-age=31536000, immutable");
    const png = await s3().send(
      new HeadObjectCommand({ Bucket: "dev-mysite-pocket", Key: "static/img/logo.png" }),
    );
    expect(png.ContentType).toBe("image/png");
    expect(png.CacheControl).toBe("public, max-age=3600");

    const again = pocket(["django", "deploystatic", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), POCKET_PYTHON: python },
    });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("uploaded 0, unchanged 4");

    const changed = pocket(["django", "deploystatic", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), POCKET_PYTHON: fakePython("v2") },
    });
    expect(changed.stderr).toContain("upload: static/css/app.css");
    expect(changed.stderr).toContain("uploaded 1, unchanged 3");
    const body = await s3().send(
      new GetObjectCommand({ Bucket: "dev-mysite-pocket", Key: "static/css/app.css" }),
    );
    expect(await body.Body!.transformToString()).toContain("v2");
  });

  it("link = true runs collectstatic --link and uploads the linked files; --no-link overrides; --delete removes what the build lacks", async () => {
    const toml = join(dir, "pocket.toml");
    writeFileSync(
      toml,
      TOML.replace("manifest = true }", 'manifest = true, link = true, publish = "command" }'),
    );
    try {
      await s3().send(
        new PutObjectCommand({ Bucket: "dev-mysite-pocket", Key: "static/old.css", Body: "old" }),
      );
      const run = (python: string, ...flags: string[]) =>
        pocket(["django", "deploystatic", "--stage", "dev", ...flags], {
          cwd: dir,
          env: { ...env(), POCKET_PYTHON: python },
        });

      const linked = run(fakePython("v3", true));
      expect(linked.status, linked.stderr).toBe(0);
      expect(linked.stderr).toContain("collectstatic --link");
      const body = await s3().send(
        new GetObjectCommand({ Bucket: "dev-mysite-pocket", Key: "static/css/app.css" }),
      );
      expect(await body.Body!.transformToString()).toContain("v3");
      expect(await keys("static/")).toContain("static/old.css");

      const copied = run(fakePython("v3"), "--no-link");
      expect(copied.status, copied.stderr).toBe(0);
      expect(copied.stderr).toContain("uploaded 0, unchanged 4");

      const cleaned = run(fakePython("v3", true), "--delete");
      expect(cleaned.status, cleaned.stderr).toBe(0);
      expect(cleaned.stderr).toContain("uploaded 0, unchanged 4, deleted 1");
      expect(await keys("static/")).not.toContain("static/old.css");
    } finally {
      writeFileSync(toml, TOML);
    }
  });

  it("stops before uploading when collectstatic fails", () => {
    const bin = join(dir, "..", "failing-python");
    writeFileSync(bin, "#!/usr/bin/env bash\necho boom >&2\nexit 4\n");
    chmodSync(bin, 0o755);
    const r = pocket(["django", "deploystatic", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), POCKET_PYTHON: bin },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("collectstatic failed (exit 4); nothing was uploaded.");
  });
});

describe("pocket django storage upload against moto's S3", () => {
  it("uploads the local fallback folder, and --delete removes what is gone locally", async () => {
    mkdirSync(join(dir, "localmedia", "uploads"), { recursive: true });
    writeFileSync(join(dir, "localmedia", "uploads", "a.txt"), "a");
    writeFileSync(join(dir, "localmedia", "b.pdf"), "%PDF-1.4");
    await s3().send(
      new PutObjectCommand({ Bucket: "dev-mysite-pocket", Key: "media/stale.txt", Body: "old" }),
    );

    const dry = pocket(["django", "storage", "upload", "default", "--stage", "dev", "--delete", "--dryrun"], {
      cwd: dir,
      env: env(),
    });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("(dryrun) delete: media/stale.txt");
    expect(dry.stderr).toContain("nothing was changed");
    expect(await keys("media/")).toEqual(["media/stale.txt"]);

    const kept = pocket(["django", "storage", "upload", "default", "--stage", "dev"], {
      cwd: dir,
      env: env(),
    });
    expect(kept.status, kept.stderr).toBe(0);
    expect(await keys("media/")).toEqual(["media/b.pdf", "media/stale.txt", "media/uploads/a.txt"]);

    const synced = pocket(["django", "storage", "upload", "default", "--stage", "dev", "--delete"], {
      cwd: dir,
      env: env(),
    });
    expect(synced.stderr).toContain("uploaded 0, unchanged 2, deleted 1");
    expect(await keys("media/")).toEqual(["media/b.pdf", "media/uploads/a.txt"]);
    const pdf = await s3().send(new HeadObjectCommand({ Bucket: "dev-mysite-pocket", Key: "media/b.pdf" }));
    expect(pdf.ContentType).toBe("application/pdf");
  });

  it("names the storages there are when the name is wrong", () => {
    const r = pocket(["django", "storage", "upload", "nope", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('there is no storage "nope" on this stage.');
    expect(r.stderr).toContain("Storages: default, staticfiles");
    void readFileSync;
  });
});
