import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listStages } from "@magic-pocket/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../src/config-cache/sha256.js";
import { buildCli } from "./cli/build.js";
import { type CliRun, pocket, project, repoRoot } from "./cli/run.js";

/*
 * `pocket config show` answers a repeated command line from a cache in the user's cache folder
 * (docs/decisions.md#p25-config-show-cache). A test proves an answer came from the cache by
 * replacing the output kept in the entry with a marker: a run that prints the marker was
 * answered from the cache, one that prints the real output was derived afresh.
 */

const TOML = `[general]
region = "ap-northeast-1"
stages = ["dev", "prd"]

[s3]

[neon]
project_name = "myapp-neon"
`;

/** A file whose stages have a warning (api-key-in-file). */
const WARNS = TOML.replace("[neon]", '[neon]\nneon_api_key = "napi_in_file"');

const homes: string[] = [];
afterAll(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An empty XDG_CACHE_HOME of the test's own. */
function cacheHome(): string {
  const home = mkdtempSync(join(tmpdir(), "pocket-xdg-"));
  homes.push(home);
  return home;
}

function entries(home: string): string[] {
  const dir = join(home, "magic-pocket/config-show");
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
}

const MARKER = "answered from the cache\n";

/** Replaces the output every entry keeps with MARKER. */
function mark(home: string): void {
  const found = entries(home);
  expect(found.length).toBeGreaterThan(0);
  for (const file of found) {
    const entry = JSON.parse(readFileSync(file, "utf8"));
    entry.output = [[1, MARKER]];
    writeFileSync(file, JSON.stringify(entry));
  }
}

function show(
  args: string[],
  cwd: string,
  home: string,
  env: Record<string, string | undefined> = {},
): CliRun {
  return pocket(["config", "show", ...args], {
    cwd,
    env: { XDG_CACHE_HOME: home, NEON_API_KEY: undefined, ...env },
  });
}

beforeAll(buildCli);

describe("pocket config show's cache", () => {
  it("answers a repeated command line from the cache, in the user's cache folder", () => {
    const dir = project(TOML);
    const home = cacheHome();
    const first = show(["--stage", "dev", "--json"], dir, home);
    expect(first.status).toBe(0);
    expect(entries(home)).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(["pocket.toml"]);
    mark(home);
    const again = show(["--stage", "dev", "--json"], dir, home);
    expect(again).toEqual({ status: 0, stdout: MARKER, stderr: "" });
  });

  it("replays the warnings a run printed, on standard error, after its output", () => {
    const dir = project(WARNS);
    const home = cacheHome();
    const first = show(["--stage", "dev", "--json"], dir, home);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain("warning[api-key-in-file]");
    const [file] = entries(home);
    const kept = JSON.parse(readFileSync(file!, "utf8")).output as [number, string][];
    expect(kept).toEqual([
      [2, first.stderr],
      [1, first.stdout],
    ]);
    expect(show(["--stage", "dev", "--json"], dir, home)).toEqual(first);
  });

  it("derives afresh when pocket.toml changes", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(show(["--stage", "dev", "--json"], dir, home).status).toBe(0);
    mark(home);
    writeFileSync(join(dir, "pocket.toml"), TOML.replace("ap-northeast-1", "eu-west-1"));
    const changed = show(["--stage", "dev", "--json"], dir, home);
    expect(changed.status).toBe(0);
    expect(JSON.parse(changed.stdout).settings.general.region).toBe("eu-west-1");
    // The fresh answer replaced the entry.
    expect(show(["--stage", "dev", "--json"], dir, home).stdout).toBe(changed.stdout);
  });

  it("derives afresh for another stage, from POCKET_STAGE or --stage", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(show(["--json"], dir, home, { POCKET_STAGE: "dev" }).status).toBe(0);
    expect(show(["--stage", "dev", "--json"], dir, home).status).toBe(0);
    mark(home);
    expect(show(["--json"], dir, home, { POCKET_STAGE: "dev" }).stdout).toBe(MARKER);
    expect(JSON.parse(show(["--json"], dir, home, { POCKET_STAGE: "prd" }).stdout).context.slug).toBe(
      "prd-myapp",
    );
    expect(JSON.parse(show(["--stage", "prd", "--json"], dir, home).stdout).context.slug).toBe("prd-myapp");
  });

  it("is keyed by exactly the environment variables the run read", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(show(["--stage", "dev", "--json"], dir, home).status).toBe(0);
    mark(home);
    // A variable the derivation never reads leaves the answer valid.
    expect(show(["--stage", "dev", "--json"], dir, home, { POCKET_UNRELATED: "1" }).stdout).toBe(MARKER);
    // NEON_API_KEY was read (unset): setting it is a change.
    const keyed = show(["--stage", "dev", "--json"], dir, home, { NEON_API_KEY: "napi_from_env" });
    expect(JSON.parse(keyed.stdout).context.neon.apiKeySource).toBe("environment");
  });

  it("derives afresh when the .env beside pocket.toml changes", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(show(["--stage", "dev", "--json"], dir, home).status).toBe(0);
    mark(home);
    writeFileSync(join(dir, ".env"), "NEON_API_KEY=napi_from_dotenv\n");
    const keyed = show(["--stage", "dev", "--json"], dir, home);
    expect(JSON.parse(keyed.stdout).context.neon.apiKeySource).toBe(".env");
  });

  it("names a .env that is not a regular file instead of reading it (a named pipe never ends)", () => {
    // No [neon]: no credential is looked up, so the run itself never opens .env.
    const dir = project(TOML.slice(0, TOML.indexOf("[neon]")));
    const home = cacheHome();
    expect(spawnSync("mkfifo", [join(dir, ".env")]).status).toBe(0);
    // Killed rather than left waiting, should a run read the pipe.
    const run = () =>
      spawnSync(
        process.execPath,
        [join(repoRoot, "packages/cli/bin/pocket.cjs"), "config", "show", "--stage", "dev"],
        {
          cwd: dir,
          encoding: "utf8",
          env: { ...process.env, XDG_CACHE_HOME: home, NO_COLOR: "1", POCKET_STAGE: "" },
          timeout: 20_000,
          killSignal: "SIGKILL",
        },
      );
    const first = run();
    expect(first.status).toBe(0);
    expect(entries(home)).toHaveLength(1);
    mark(home);
    expect(run().stdout).toBe(MARKER);
  });

  it("derives afresh when the search for pocket.toml would end at a nearer file", () => {
    const dir = project(TOML);
    const home = cacheHome();
    const sub = join(dir, "app");
    mkdirSync(sub);
    expect(show(["--stage", "dev", "--json"], sub, home).status).toBe(0);
    mark(home);
    writeFileSync(join(sub, "pocket.toml"), TOML);
    const nearer = show(["--stage", "dev", "--json"], sub, home);
    expect(JSON.parse(nearer.stdout).context.project).toBe("app");
  });

  it("derives afresh and rewrites a corrupt or malformed entry", () => {
    const dir = project(TOML);
    const home = cacheHome();
    const fresh = show(["--stage", "dev", "--json"], dir, home);
    expect(fresh.status).toBe(0);
    const [file] = entries(home);
    for (const corrupt of ["{not json", JSON.stringify({ output: "x" }), ""]) {
      writeFileSync(file!, corrupt);
      expect(show(["--stage", "dev", "--json"], dir, home)).toEqual(fresh);
      expect(JSON.parse(readFileSync(file!, "utf8")).output).toEqual([[1, fresh.stdout]]);
    }
    const entry = JSON.parse(readFileSync(file!, "utf8"));
    writeFileSync(file!, JSON.stringify({ ...entry, output: [[3, "x"]] }));
    expect(show(["--stage", "dev", "--json"], dir, home)).toEqual(fresh);
  });

  it("keeps no secret: values read from the environment or .env are kept as salted hashes", () => {
    const dir = project(TOML);
    const home = cacheHome();
    writeFileSync(join(dir, ".env"), "NEON_API_KEY=napi_dotenv_secret\nOTHER=other_dotenv_secret\n");
    expect(show(["--stage", "dev", "--json"], dir, home).status).toBe(0);
    expect(show(["--stage", "prd", "--json"], dir, home, { NEON_API_KEY: "napi_env_secret" }).status).toBe(0);
    const kept = entries(home).map((f) => readFileSync(f, "utf8"));
    expect(kept).toHaveLength(2);
    for (const text of kept)
      expect(text).not.toMatch(/napi_dotenv_secret|other_dotenv_secret|napi_env_secret/);
  });

  it("keeps no answer of a run that failed or asked for help", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(show(["--stage", "stg", "--json"], dir, home).status).toBe(1);
    expect(show([], dir, home).status).toBe(2);
    expect(show(["--help"], dir, home).status).toBe(0);
    expect(entries(home)).toEqual([]);
  });

  it("never writes into the project, even when XDG_CACHE_HOME is relative", () => {
    const dir = project(TOML);
    const home = cacheHome();
    expect(
      show(["--stage", "dev", "--json"], dir, home, { XDG_CACHE_HOME: "cache", HOME: home }).status,
    ).toBe(0);
    expect(readdirSync(dir)).toEqual(["pocket.toml"]);
    expect(readdirSync(join(home, ".cache/magic-pocket/config-show"))).toHaveLength(1);
  });
});

/** Every configuration the repository keeps (one has errors), and one with a warning. */
const FIXTURES: [name: string, text: string][] = [
  ...[
    "bench/fixtures/large.toml",
    "packages/config/test/fixtures/reference/default.toml",
    "packages/config/test/fixtures/deploy-hash.toml",
    "examples/hono/pocket.toml",
    "examples/django/pocket.toml",
  ].map((f): [string, string] => [f, readFileSync(join(repoRoot, f), "utf8")]),
  ["a key written in the file (warning api-key-in-file)", WARNS],
];

/** The full CLI bundle run directly: the config command without bin/pocket.cjs or its cache. */
function uncached(args: string[], cwd: string, home: string): CliRun {
  const cli = join(repoRoot, "packages/cli/dist/cli.cjs");
  const script = `require(${JSON.stringify(cli)}).run(["node", "pocket", ...process.argv.slice(1)]).then((s) => { process.exitCode = s; })`;
  const r = spawnSync(process.execPath, ["-e", script, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", POCKET_STAGE: "", XDG_CACHE_HOME: home },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pocket config show from the cache is byte for byte the derived answer", () => {
  // A file with many stages runs many processes: a slow machine needs more than the default.
  it.each(FIXTURES)("%s, every stage, JSON and YAML", { timeout: 120_000 }, (_, text) => {
    const dir = project(text);
    const home = cacheHome();
    const stages = listStages({ configPath: join(dir, "pocket.toml") });
    expect(stages.length).toBeGreaterThan(0);
    let succeeded = 0;
    for (const stage of stages) {
      for (const format of [["--json"], []]) {
        const args = ["config", "show", "--stage", stage, ...format];
        const expected = uncached(args, dir, home);
        const fresh = show(args.slice(2), dir, home);
        const cached = show(args.slice(2), dir, home);
        expect(fresh).toEqual(expected);
        expect(cached).toEqual(expected);
        if (expected.status === 0) succeeded++;
      }
    }
    // One entry per command line that succeeded: the second run of each was answered from it.
    expect(entries(home)).toHaveLength(succeeded);
  });
});

describe("the cache's SHA-256", () => {
  it("agrees with node:crypto at every length around the block boundaries", () => {
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4099]) {
      const bytes = Buffer.alloc(length);
      for (let i = 0; i < length; i++) bytes[i] = (i * 131 + length) & 0xff;
      expect(sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    expect(sha256Hex("été")).toBe(createHash("sha256").update("été").digest("hex"));
  });
});
