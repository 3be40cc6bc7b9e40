// CPU time of what a bench run makes work, so a figure says who spent the machine: the timed
// command itself (user + system of the process and its children, by /usr/bin/time), this bench
// process (where the latency proxy runs), and the emulator (moto's process, from /proc). On a
// shared 2-core machine a tool that keeps many requests in flight is bound by CPU, not by round
// trips: these figures show whether the tool, the proxy or moto is the one spending it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTimed } from "./processes.mjs";

const TIME = "/usr/bin/time";
const TICK_MS = 10; // Linux's USER_HZ is 100: /proc counts CPU in 10 ms ticks.

/**
 * `runTimed` through /usr/bin/time (a small C program: it adds a fork and nothing per request):
 * `{ ms, cpuMs, stdout, stderr }`; `cpuMs` is undefined where /usr/bin/time is missing.
 */
export async function runTimedWithCpu(command, args, options = {}) {
  if (!existsSync(TIME)) return { ...(await runTimed(command, args, options)), cpuMs: undefined };
  const dir = mkdtempSync(join(tmpdir(), "bench-cpu-"));
  const out = join(dir, "time");
  try {
    const run = await runTimed(TIME, ["-q", "-f", "%U %S", "-o", out, command, ...args], options);
    const [user, system] = readFileSync(out, "utf8").trim().split(/\s+/).map(Number);
    return { ...run, cpuMs: (user + system) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU ms a process has spent so far (user + system, from /proc; undefined elsewhere). */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** CPU ms this process (the bench and its latency proxy) has spent so far. */
export function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
