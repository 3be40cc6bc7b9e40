import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { awsClients } from "../aws/clients.js";
import { explainAwsError } from "../aws/errors.js";
import { invokeFunction } from "../aws/invoke.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { invocationDir } from "../cwd.js";
import { CliError } from "../errors.js";
import { printable } from "../util/printable.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { chooseHandlers } from "./container-choice.js";
import { condense, parseLambdaLine } from "./logs-format.js";

export interface InvokeOptions {
  stage?: string;
  profile?: string;
  payload?: string;
  payloadFile?: string;
  log?: boolean;
  /** With several containers: the container whose handler `key` is. */
  container?: string;
}

/** The event to send: `--payload`, `--payload-file` (or `-` for stdin), else `{}`; always valid JSON. */
export function readPayload(opts: InvokeOptions): string {
  if (opts.payload !== undefined && opts.payloadFile !== undefined) {
    throw new CliError("payload-twice", "give either --payload or --payload-file, not both.", {
      exitCode: 2,
    });
  }
  let text = opts.payload ?? "{}";
  let where = "--payload";
  if (opts.payloadFile !== undefined) {
    where = opts.payloadFile === "-" ? "standard input" : opts.payloadFile;
    try {
      text = readFileSync(opts.payloadFile === "-" ? 0 : resolve(invocationDir(), opts.payloadFile), "utf8");
    } catch (error) {
      throw new CliError("payload-unreadable", `cannot read ${where}: ${(error as Error).message}`, {
        exitCode: 2,
      });
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CliError("invalid-payload", `${where} is not JSON: ${(error as Error).message}`, {
      hint: `For example --payload '{"name": "value"}'.`,
      exitCode: 2,
    });
  }
  return text;
}

/** The response body for people: pretty JSON on a terminal, as returned otherwise. */
export function formatResponse(text: string, pretty: boolean): string {
  if (!pretty) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** `pocket invoke`: RequestResponse invocation; exit 1 when the function errored. */
export async function invokeCommand(global: GlobalOptions, key: string, opts: InvokeOptions): Promise<void> {
  const payload = readPayload(opts);
  const config = await loadStage(global, opts.stage);
  const [chosen] = chooseHandlers(config.context, [key], opts.container);
  const handler = chosen!.handler;
  const clients = awsClients(chosen!.ctx.container!.region, { profile: opts.profile });
  let out: import("@aws-sdk/client-lambda").InvokeCommandOutput;
  try {
    out = await invokeFunction(clients, {
      FunctionName: handler.functionName,
      InvocationType: "RequestResponse",
      LogType: opts.log ? "Tail" : "None",
      Payload: new TextEncoder().encode(payload),
    });
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") {
      throw new CliError("function-missing", `the function ${handler.functionName} does not exist.`, {
        hint: `Deploy the stage first: pocket deploy --stage ${config.settings.stage}.`,
      });
    }
    throw explainAwsError(error, clients.region) ?? error;
  }
  if (opts.log && out.LogResult) {
    const tail = Buffer.from(out.LogResult, "base64").toString("utf8");
    writeErr("── log tail ──\n");
    for (const raw of tail.split(/\n(?=START |END |REPORT |INIT_START |\[|\d{4}-\d{2}-\d{2}T)/)) {
      const text = condense(parseLambdaLine(raw));
      if (text !== undefined && text.trim() !== "")
        writeErr(`${printable(text.replace(/\n+$/, ""), { keepNewlines: true })}\n`);
    }
    writeErr("──────────────\n");
  }
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
  if (out.FunctionError) {
    let message = text;
    try {
      const e = JSON.parse(text) as { errorType?: string; errorMessage?: string; stackTrace?: string[] };
      message = [e.errorType, e.errorMessage].filter(Boolean).join(": ") || text;
      if (Array.isArray(e.stackTrace) && e.stackTrace.length > 0)
        message += `\n${e.stackTrace.map((l) => `  ${String(l).trimEnd()}`).join("\n")}`;
    } catch {
      // not JSON: show it as it is
    }
    // The function's own words: printable text only, like its log lines.
    writeErr(
      `error: ${handler.functionName} failed (${printable(out.FunctionError)}): ${printable(message, { keepNewlines: true })}\n`,
    );
    if (!opts.log)
      writeErr(`hint: run again with --log, or: pocket logs --stage ${config.settings.stage} ${key}\n`);
    process.exitCode = 1;
    return;
  }
  const body = formatResponse(text, process.stdout.isTTY === true);
  writeOut(body.endsWith("\n") || body === "" ? body : `${body}\n`);
}
