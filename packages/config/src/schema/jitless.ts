import { en } from "zod/locales";
import { config } from "zod/mini";

// pocket validates one small document per process: compiling each object schema into a
// specialised function (zod's JIT, `new Function`) costs more than it saves on a single parse.
// zod reads the setting when a schema is built, not when it parses, so it is set by this module,
// which base.ts imports first: every schema file imports base.ts, so this runs before any schema
// is built. zod/mini has no messages of its own: the English ones are zod's (classic zod sets
// them itself), and diagnostics show some of them (schema/issues.ts).
config({ jitless: true, ...en() });
