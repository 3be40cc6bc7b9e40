import { CliError } from "../errors.js";

/**
 * `--spelling container`: the pocket.toml init writes, in the original's current spelling
 * (`[container.main]`, handlers named `main.<handler>`), for a team whose other projects use it
 * (docs/decisions.md#d11-two-spellings-one-schema). Both spellings mean the same settings; the
 * container's resources get that version's names.
 */
export const SPELLINGS = ["seed", "container"] as const;
export type Spelling = (typeof SPELLINGS)[number];

/** The container every init writes is `main`, as the original's own guide names it. */
const CONTAINER = "main";

export function inSpelling(toml: string, spelling: Spelling | undefined): string {
  if (spelling !== "container") return toml;
  return (
    toml
      .replace(/\[awscontainer([.\]])/g, `[container.${CONTAINER}$1`)
      // Schedules (and routes) name a handler with its container, in comments too.
      .replace(/^(#\s*)?handler = "([A-Za-z][\w-]*)"/gm, `$1handler = "${CONTAINER}.$2"`)
  );
}

/** `--spelling`'s value, or the usage error that lists the two. */
export function spellingOption(value: string | undefined): Spelling | undefined {
  if (value === undefined || (SPELLINGS as readonly string[]).includes(value)) return value as Spelling;
  throw new CliError("unknown-spelling", `--spelling must be seed or container, not "${value}".`, {
    hint: "container writes [container.main] (the original's current spelling); seed, the default, [awscontainer].",
    exitCode: 2,
  });
}
