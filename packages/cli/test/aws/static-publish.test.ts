import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { runPython } from "../django/handlers.js";
import { DEPS_SITE, DJANGO_ADMIN, ensurePython, PY_DIR, PYTHON } from "../django/python.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, general, mainContainer, objectKeys, REGION, s3 } from "./harness.js";

// HEAD's staticfiles declaration with publish = "command" and link = true (issue 27 item 6), in
// HEAD's spelling, with a real Django project: deploy never touches the static files, and
// `pocket django deploystatic` runs collectstatic --link (Django's own) and uploads through the links.

const TOML = `${general("mysite")}
[s3]

${mainContainer()}
[container.main.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true, publish = "command", link = true }
`;

const BUCKET = "dev-mysite-pocket";
const BASE_CSS = "static/admin/css/base.css";

describe('staticfiles publish = "command" and link = true: deploy, deploystatic, destroy', () => {
  let root: string;
  let dir: string;
  let image: string;
  const env = () => ({ ...motoEnv(REGION), POCKET_PYTHON: PYTHON, PYTHONPATH: pythonPath() });
  const pythonPath = () => [join(PY_DIR, "src"), DEPS_SITE].join(":");
  const run = (...args: string[]) => pocket([...args, "--stage", "dev"], { cwd: dir, env: env() });

  beforeAll(async () => {
    ensurePython();
    await freshMoto();
    root = mkdtempSync(join(tmpdir(), "pocket-static-publish-"));
    const made = runPython([DJANGO_ADMIN, "startproject", "mysite"], root, pythonPath());
    expect(made.status, made.out).toBe(0);
    dir = join(root, "mysite");
    appendFileSync(
      join(dir, "mysite", "settings.py"),
      "\nfrom pocket.django.utils import get_storages\nSTORAGES = get_storages()\n",
    );
    writeFileSync(join(dir, "pocket.toml"), TOML);
    writeFileSync(join(dir, "Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\n");
    image = await putTestImage("dev-mysite-pocket-main-lambda", "dev", REGION);
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("deploy leaves the static files to deploystatic, and a second deploy changes nothing", async () => {
    const first = run("deploy", "--image", image);
    expect(first.status, first.stderr).toBe(0);
    expect(await objectKeys(BUCKET, "static/")).toEqual([]);
    const again = run("deploy", "--image", image);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("No changes: stage dev is up to date");
  });

  it("deploystatic links (link = true), uploads what the links point at, and deletes only with --delete", async () => {
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "static/old.css", Body: "old" }));
    const linked = run("django", "deploystatic");
    expect(linked.status, linked.stderr).toBe(0);
    expect(linked.stderr).toContain("collectstatic --link");
    expect(linked.stdout).toMatch(/\d+ static files? symlinked/);
    const keys = await objectKeys(BUCKET, "static/");
    expect(keys).toEqual(expect.arrayContaining([BASE_CSS, "static/staticfiles.json", "static/old.css"]));
    const got = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: BASE_CSS }));
    const source = runPython(
      ["-c", "import django, os; print(os.path.dirname(django.__file__))"],
      dir,
      pythonPath(),
    ).out.trim();
    expect(await got.Body!.transformToString()).toBe(
      readFileSync(join(source, "contrib", "admin", "static", "admin", "css", "base.css"), "utf8"),
    );

    // --no-link overrides the declaration: copies, with the same content, so nothing to upload.
    const copied = run("django", "deploystatic", "--no-link");
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/\d+ static files? copied/);
    expect(copied.stderr).toMatch(/uploaded 0, unchanged \d+/);

    const cleaned = run("django", "deploystatic", "--delete");
    expect(cleaned.status, cleaned.stderr).toBe(0);
    expect(cleaned.stderr).toMatch(/uploaded 0, unchanged \d+, deleted 1/);
    expect(await objectKeys(BUCKET, "static/")).toEqual(keys.filter((k) => k !== "static/old.css"));
  }, 180_000);

  it("destroy keeps the static files; destroy --with-data deletes them", async () => {
    const kept = run("destroy", "--yes");
    expect(kept.status, kept.stderr).toBe(0);
    expect(await objectKeys(BUCKET, "static/")).toContain(BASE_CSS);
    const gone = run("destroy", "--yes", "--with-data");
    expect(gone.status, gone.stderr).toBe(0);
    await expect(objectKeys(BUCKET, "static/")).rejects.toThrow(/NoSuchBucket|does not exist/);
  }, 180_000);
});
