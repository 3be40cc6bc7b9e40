import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HandlerProcess, startHandlerProcess } from "../src/local/index.js";

// The handler harness (pocket dev, and the tests that run a deployed function's handler) loads a
// module as Lambda's Node runtime does: CommonJS with require(), ES modules with import().

const started: HandlerProcess[] = [];
let busy: Server;
let port: number;
beforeAll(async () => {
  // A port already taken, as pocket dev's own port is when the app's listen() runs in the handler.
  busy = createServer();
  await new Promise<void>((done) => busy.listen(0, "127.0.0.1", done));
  port = (busy.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const p of started) await p.stop();
  busy.close();
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-loading-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function run(cwd: string, handler: string): Promise<unknown> {
  const p = await startHandlerProcess({ runtime: "node", handler, env: { PORT: String(port) }, cwd });
  started.push(p);
  return p.invoke({});
}

// What an Express app does at the end of app.js: listen only when run with `node app.js`.
const GUARDED_CJS = `const http = require("node:http");
const server = http.createServer((req, res) => res.end("hi"));
if (!module.parent) server.listen(Number(process.env.PORT), "127.0.0.1");
if (require.main === module) server.listen(Number(process.env.PORT), "127.0.0.1");
exports.web = async () => ({ kind: typeof require, parent: Boolean(module.parent), main: require.main === module });
`;
const ESM = `export const web = async () => ({ kind: typeof require, url: import.meta.url.endsWith("js") });\n`;

describe("handler modules load as on Lambda", () => {
  it("requires a .js file of a package without type: the require.main/module.parent guard stays quiet", async () => {
    const cwd = project({ "package.json": '{"name":"a"}', "app.js": GUARDED_CJS });
    expect(await run(cwd, "app.web")).toEqual({ kind: "function", parent: true, main: false });
  });

  it("requires .cjs and imports .mjs whatever the package type", async () => {
    const cwd = project({
      "package.json": '{"name":"b","type":"module"}',
      "lib/app.cjs": GUARDED_CJS,
      "lib/esm.mjs": ESM,
    });
    expect(await run(cwd, "lib/app.web")).toEqual({ kind: "function", parent: true, main: false });
    expect(await run(cwd, "lib/esm.web")).toEqual({ kind: "undefined", url: true });
  });

  it("imports a .js file under the nearest package.json with type module", async () => {
    const cwd = project({
      "package.json": '{"name":"c"}',
      "dist/package.json": '{"type":"module"}',
      "dist/index.js": ESM,
    });
    expect(await run(cwd, "dist/index.web")).toEqual({ kind: "undefined", url: true });
  });
});
