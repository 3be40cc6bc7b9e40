import "./jitless.js";
import * as z from "zod/mini";
import type { PathSegment } from "../diagnostics.js";

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
export type CamelKeys<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

/** snake_case to camelCase; a file repeats its keys (and each stage is validated), so kept. */
const camels = new Map<string, string>();
function camel(key: string): string {
  let out = camels.get(key);
  if (out === undefined) {
    out = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camels.set(key, out);
  }
  return out;
}

/** The step of every table that renames its keys: one schema for all, as it holds no state. */
const CAMEL_KEYS: z.ZodMiniTransform<unknown, unknown> = z.transform((value) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    if (v !== undefined) out[camel(k)] = v;
  return out;
});

/** What a strict object answers for keys it does not declare: one schema for all tables. */
const NO_OTHER_KEYS = z.never();

/** `z.strictObject(shape)` (the same definition), sharing its catch-all with every other table. */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S): z.ZodMiniObject<S, z.core.$strict> {
  return new z.ZodMiniObject({ type: "object", shape, catchall: NO_OTHER_KEYS }) as z.ZodMiniObject<
    S,
    z.core.$strict
  >;
}

/**
 * A TOML table with a fixed set of snake_case keys: unknown keys are errors
 * (docs/decisions.md#d2-unknown-keys-are-errors-everywhere), and the parsed value uses camelCase.
 * Only the table's own declared keys are renamed; user-named keys (handler names, env vars,
 * Django settings) live in records and keep their spelling.
 */
export function table<S extends z.core.$ZodLooseShape>(shape: S) {
  type Parsed = z.output<z.ZodMiniObject<S, z.core.$strict>>;
  return z.pipe(strictObject(shape), CAMEL_KEYS as z.ZodMiniTransform<CamelKeys<Parsed>, Parsed>);
}

/**
 * Schemas used in many places, built once: a schema is immutable, and building one is most of
 * zod's cost in a short command (docs/decisions.md#p22-zod-mini).
 */
export const nonEmpty = z.string().check(z.minLength(1));
export const optionalNonEmpty = z.optional(nonEmpty);
export const optionalString = z.optional(z.string());
export const anyTable = z.record(z.string(), z.unknown());

/** Attach our stable code (and hint) to a zod issue so diagnostics can carry it. */
export interface RuleParams {
  code: string;
  hint?: string;
}

type Ctx = z.core.$RefinementCtx;

export function fail(ctx: Ctx, code: string, message: string, path: PathSegment[] = [], hint?: string) {
  ctx.addIssue({ code: "custom", message, path, params: { code, hint } satisfies RuleParams });
}

/** A table's check that `code` fails when it sets none of `keys` (each optional, one needed). */
export function needsOneOf<T extends object>(
  keys: (keyof T)[],
  code: string,
  message: (t: T) => string,
  hint?: string,
) {
  return z.superRefine((t: T, ctx) => {
    if (keys.every((k) => t[k] === undefined)) fail(ctx, code, message(t), [], hint);
  });
}

/**
 * A table's check that `code` fails when it sets `key` (snake_case, as written): a key the
 * original takes that pocket refuses by name rather than as unknown, with the reason and a hint.
 */
export function refusesKey(key: string, code: string, message: string, hint: string) {
  const parsed = camel(key);
  return z.superRefine((t: Record<string, unknown>, ctx) => {
    if (t[parsed] !== undefined) fail(ctx, code, message, [key], hint);
  });
}

export const FORMAT_VARIABLES = ["stage", "project", "namespace"] as const;
export type FormatVariables = Record<(typeof FORMAT_VARIABLES)[number], string>;

/** Python str.format subset used by the reference: `{name}` placeholders and `{{`/`}}` escapes. */
export function placeholderProblems(template: string): string[] {
  const problems: string[] = [];
  const re = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m[0] === "{{" || m[0] === "}}") continue;
    if (m[1] === undefined) problems.push(`unbalanced "${m[0]}"`);
    else if (!(FORMAT_VARIABLES as readonly string[]).includes(m[1]))
      problems.push(`unknown placeholder {${m[1]}}`);
  }
  return problems;
}

export function applyFormat(template: string, vars: FormatVariables): string {
  return template.replace(/\{\{|\}\}|\{(stage|project|namespace)\}/g, (m, name?: keyof FormatVariables) =>
    name ? vars[name] : m[0]!,
  );
}

/** A format string with `{stage}`, `{project}`, `{namespace}`; `pattern` restricts its characters. */
export function formatString(defaultValue: string, pattern?: RegExp) {
  const checks: z.core.$ZodCheck<string>[] = [z.minLength(1, { error: "must not be empty" })];
  if (pattern) {
    checks.push(
      z.maxLength(128),
      z.regex(pattern, { error: `may only contain a-z, 0-9, ".", "_", "-" and {placeholders}` }),
    );
  }
  checks.push(
    z.superRefine((value: string, ctx) => {
      for (const problem of placeholderProblems(value)) {
        fail(
          ctx,
          "format-placeholder",
          `${problem} in "${value}"`,
          [],
          "Available placeholders: {stage}, {project}, {namespace}. Write {{ or }} for a literal brace.",
        );
      }
    }),
  );
  return z._default(z.string().check(...checks), defaultValue);
}

/** `^[a-z0-9{][{}a-z0-9._-]*$`: the reference's pattern for bucket and secret-key formats. */
export const NAME_FORMAT = /^[a-z0-9{][{}a-z0-9._-]*$/;

const TRUE_BY_DEFAULT = z._default(z.boolean(), true);
const FALSE_BY_DEFAULT = z._default(z.boolean(), false);
/** A boolean key with its default (two shared schemas). */
export const bool = (value: boolean) => (value ? TRUE_BY_DEFAULT : FALSE_BY_DEFAULT);

/** Integer with an inclusive range. */
export function int(min: number, max: number) {
  return z.int().check(z.gte(min), z.lte(max));
}

/** Environment variable names. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = z.string().check(
  z.regex(ENV_NAME, {
    error: "must be a valid environment variable name (letters, digits and _, not starting with a digit)",
  }),
);

/**
 * An optional table whose schema is built the first time a file has it (`z.lazy`): most files
 * leave out most optional tables, and building their schemas would be start-up time for nothing.
 */
export function optionalLazy<T extends z.core.SomeType>(build: () => T) {
  return z.optional(z.lazy(build));
}

/** A list of tables, empty by default, whose schema is built the first time a file has one. */
export function listLazy<T extends z.core.$ZodType<readonly unknown[]>>(build: () => T) {
  // `never`: an empty list is a value of every list type, which TypeScript cannot see through T.
  return z._default(z.lazy(build), [] as never);
}

/**
 * A schema built on first use: zod schemas cost time to build, and a command (or a file) that
 * never reads a section should not pay for it at start-up.
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
