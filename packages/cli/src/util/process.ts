import { spawn } from "node:child_process";
import { CliError } from "../errors.js";
import type { Progress } from "../status.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an external tool, streaming its last output line as progress. Never through a shell,
 * except for a command line the user wrote themselves (`shell: true`, e.g. a route's `build`).
 */
export function runTool(
  command: string,
  args: string[],
  options: {
    input?: string;
    env?: NodeJS.ProcessEnv;
    /** Variables added to this process's environment (ignored when `env` is given). */
    addEnv?: Record<string, string>;
    progress?: Progress;
    cwd?: string;
    shell?: boolean;
  } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? (options.addEnv ? { ...process.env, ...options.addEnv } : process.env),
      shell: options.shell === true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const onData = (chunk: Buffer, which: "out" | "err") => {
      const text = chunk.toString();
      if (which === "out") stdout += text;
      else stderr += text;
      const last = text.trim().split("\n").pop();
      if (last) options.progress?.update(last.slice(0, 120));
    };
    child.stdout.on("data", (c: Buffer) => onData(c, "out"));
    child.stderr.on("data", (c: Buffer) => onData(c, "err"));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(
          new CliError("tool-missing", `\`${command}\` is not installed or not on PATH.`, {
            hint:
              command === "docker"
                ? 'Install Docker (with buildx), or set awscontainer.build = "codebuild", or pass --image URI@sha256:DIGEST.'
                : `Install ${command}, or choose another awscontainer.build backend.`,
          }),
        );
      } else reject(error);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A tool that exits before reading its input closes the pipe (EPIPE): its exit code and
    // stderr say what happened, so the write error must not crash the CLI with the lock held.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}
