import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "./free-port.js";

/**
 * Starts moto's server (shipped with the machine image's Python) on a free loopback port for the
 * whole test run, and hands its URL to the tests. Nothing reaches a real AWS endpoint.
 */
let moto: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  const port = await freePort();
  const python = process.env.POCKET_TEST_PYTHON ?? "python3";
  // server.py is `python -m moto.server` plus the additions its docstring lists.
  // moto writes its request recording into its working directory: keep it out of the repo.
  moto = spawn(python, [join(import.meta.dirname, "server.py"), "-H", "127.0.0.1", "-p", String(port)], {
    cwd: mkdtempSync(join(tmpdir(), "pocket-moto-")),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  moto.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (moto.exitCode !== null) throw new Error(`moto server exited (${moto.exitCode}):\n${stderr}`);
    try {
      const r = await fetch(`${url}/moto-api/data.json`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`moto server did not answer on ${url} within 30 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  project.provide("motoEndpoint", url);
}

export async function teardown(): Promise<void> {
  moto?.kill("SIGTERM");
}

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
