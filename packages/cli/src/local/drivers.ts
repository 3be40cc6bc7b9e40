/**
 * The programs that host a handler in a long-lived process, as Lambda's runtime interface client
 * does: import the handler once (INIT), then one event at a time. Protocol, one JSON object per
 * line: the driver writes `{"type":"ready"}` or `{"type":"init-error","error":E}` once, then for
 * each request `{"id","event","context"}` on stdin one `{"type":"result","id","result"}` or
 * `{"type":"error","id","error":E}` on stdout, where E is Lambda's error shape
 * (`errorType`, `errorMessage`, `stackTrace`). Anything the handler prints goes to stderr (the
 * function's log), so stdout carries only the protocol.
 */

export const PYTHON_DRIVER = String.raw`import importlib
import json
import os
import sys
import time
import traceback


class LambdaContext:
    """The attributes of Lambda's Python context object."""

    def __init__(self, data):
        self.function_name = data["functionName"]
        self.function_version = data["functionVersion"]
        self.invoked_function_arn = data["invokedFunctionArn"]
        self.memory_limit_in_mb = data["memoryLimitInMB"]
        self.aws_request_id = data["awsRequestId"]
        self.log_group_name = data["logGroupName"]
        self.log_stream_name = data["logStreamName"]
        self.identity = None
        self.client_context = None
        self._deadline = data["deadlineMs"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))


def error_of(exc):
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def main():
    spec = sys.argv[1]
    out = sys.stdout
    sys.stdout = sys.stderr  # what the app prints is log output, as on Lambda
    # Lambda puts the task root first on sys.path.
    sys.path.insert(0, os.getcwd())
    module_name, _, function_name = spec.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except BaseException as exc:  # noqa: BLE001 - INIT failures of any kind are reported
        out.write(json.dumps({"type": "init-error", "error": error_of(exc)}) + "\n")
        out.flush()
        return 1
    out.write(json.dumps({"type": "ready"}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = handler(request["event"], LambdaContext(request["context"]))
            reply = {"type": "result", "id": request["id"], "result": result}
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: Lambda reports it as an error
            reply = {"type": "error", "id": request["id"], "error": error_of(exc)}
        try:
            text = json.dumps(reply)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"type": "error", "id": request["id"], "error": error_of(exc)})
        out.write(text + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;

export const NODE_DRIVER = String.raw`import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const spec = process.argv[2];
const write = process.stdout.write.bind(process.stdout);
// What the app prints is log output, as on Lambda: stdout carries only the protocol.
process.stdout.write = process.stderr.write.bind(process.stderr);
const send = (message) => write(JSON.stringify(message) + "\n");
const errorOf = (e) => ({
  errorType: (e && e.name) || typeof e,
  errorMessage: e && e.message !== undefined ? String(e.message) : String(e),
  stackTrace: e && e.stack ? String(e.stack).split("\n") : [],
});

// Whether the nearest package.json above the file says "type": "module" (Node's own rule for .js).
const typeModule = (file) => {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
};

// Loads the module as Lambda's Node runtime does (docs/runtime-contract.md#handler-modules):
// CommonJS with require(), so module.parent is set and require.main is not the module (an
// Express app's "if (!module.parent) app.listen()" stays quiet); ES modules with import(). Which
// one: .mjs/.mts import, .cjs/.cts require, .js/.ts by the nearest package.json "type". Lambda
// tries .js, then .mjs, then .cjs. .ts/.mts/.cts only load with a TypeScript loader (pocket dev:
// --import tsx, which hooks require() and import() alike).
const load = async (base) => {
  const file = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"].map((x) => base + x).find((f) => existsSync(f));
  if (!file) return undefined;
  const esm = /\.m[jt]s$/.test(file) || (/\.[jt]s$/.test(file) && typeModule(file));
  return esm ? import(pathToFileURL(file).href) : createRequire(file)(file);
};

let handler;
try {
  const dot = spec.lastIndexOf(".");
  const mod = await load(join(process.cwd(), spec.slice(0, dot)));
  if (!mod) throw new Error("Cannot find module '" + spec.slice(0, dot) + "' (.js, .mjs, .cjs) in " + process.cwd());
  const name = spec.slice(dot + 1);
  handler = mod[name] ?? mod.default?.[name];
  if (typeof handler !== "function") throw new Error(spec + " is not a function");
} catch (e) {
  send({ type: "init-error", error: errorOf(e) });
  process.exit(1);
}
send({ type: "ready" });

const context = (c) => ({
  ...c,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, c.deadlineMs - Date.now()),
});

// One event at a time, as one Lambda sandbox runs them.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  try {
    const result = await new Promise((resolve, reject) => {
      const returned = handler(request.event, context(request.context), (err, value) =>
        err ? reject(err) : resolve(value),
      );
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    });
    send({ type: "result", id: request.id, result: result === undefined ? null : result });
  } catch (e) {
    send({ type: "error", id: request.id, error: errorOf(e) });
  }
}
`;
