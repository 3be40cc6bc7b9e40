import { sep } from "node:path";

/**
 * The folder the user ran pocket in. `npx pocket` (npm exec) starts the process in the nearest
 * package root and records the user's folder in INIT_CWD. Trust INIT_CWD only when it lies below
 * the current folder — exactly that hop — so a script that cd's elsewhere and runs pocket under
 * an outer npm process is not sent back to the outer folder.
 */
export function invocationDir(): string {
  const cwd = process.cwd();
  const init = process.env.INIT_CWD;
  if (process.env.npm_command === "exec" && init && init.startsWith(cwd.endsWith(sep) ? cwd : cwd + sep))
    return init;
  return cwd;
}
