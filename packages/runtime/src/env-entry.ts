/**
 * `import "@magic-pocket/runtime/env"`: the environment (secrets, DATABASE_URL, hosts) is in
 * `process.env` before the body of the importing module runs, because this module waits for the
 * load at top level. A sibling import that comes after it may run earlier (ES modules evaluate
 * siblings while an earlier one awaits), so every module that reads a secret at its own top
 * level imports this entry itself.
 */
import { loadEnv } from "./env.js";

await loadEnv();
