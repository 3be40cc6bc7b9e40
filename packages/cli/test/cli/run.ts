import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const bin = join(repoRoot, "packages/cli/bin/pocket.cjs");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a test's CLI run sees: no colours, no inherited stage or npm context. */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
    POCKET_STAGE: undefined,
    npm_command: undefined,
    INIT_CWD: undefined,
    ...extra,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

export interface CliOptions {
  cwd?: string;
  /** Added to (or, undefined, removed from) the test environment `cliEnv` makes. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the bundled `pocket` binary as a user would (build it first: vitest globalSetup does);
 * `input` is its standard input (a pipe, as in a script).
 */
export function pocket(args: string[], options: CliOptions & { input?: string } = {}): CliRun {
  const env = cliEnv(options.env);
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    env,
    input: options.input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The bundled `pocket` binary as a child process the test drives (signals, output as it comes);
 * after `timeoutMs` it is killed (SIGKILL), for a test that must not hang.
 */
export function spawnPocket(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: "SIGKILL" as const } : {}),
  });
}

/**
 * Like `pocket`, without blocking the test's event loop: needed when the test itself serves
 * HTTP to the CLI (the Neon contract server).
 */
export function pocketAsync(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnPocket(args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const tempRoots: string[] = [];
// Registered in the importing test file's root suite (vitest kills workers without an exit event).
afterAll(() => {
  for (const dir of tempRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp project folder holding the given pocket.toml (removed after the test file). */
export function project(toml: string, name = "myapp"): string {
  const root = mkdtempSync(join(tmpdir(), "pocket-cli-"));
  tempRoots.push(root);
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "pocket.toml"), toml);
  return dir;
}
