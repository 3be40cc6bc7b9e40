// A command run as a whole process without blocking this one's event loop (the latency proxy
// answers from it), timed from spawn to exit.
import { spawn } from "node:child_process";

export function runTimed(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => {
      const ms = performance.now() - t0;
      if (status !== 0) reject(new Error(`${command} ${args.join(" ")} failed (${status}): ${stderr}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}
