import type * as z from "zod/mini";
import { formatPath, type Issue, type PathSegment } from "../diagnostics.js";
import { closest } from "../suggest.js";

type AnySchema = z.core.$ZodType;

/** The keys a strict table at `path` accepts, found by walking the schema. */
export function knownKeysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  const nodes = descend(schema, path);
  const keys = new Set<string>();
  for (const node of nodes) for (const k of objectKeys(node)) keys.add(k);
  return [...keys];
}

function unwrap(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
    case "readonly":
    case "nonoptional":
      return unwrap(def.innerType as AnySchema);
    case "pipe":
      return unwrap(def.in as AnySchema);
    case "lazy":
      return unwrap((def.getter as () => AnySchema)());
    case "union":
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

function descend(schema: AnySchema, path: readonly PathSegment[]): AnySchema[] {
  let current = unwrap(schema);
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const node of current) {
      const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === "object" && typeof seg === "string") {
        const child = (def.shape as Record<string, AnySchema>)[seg];
        if (child) next.push(...unwrap(child));
      } else if (def.type === "record" && typeof seg === "string") {
        next.push(...unwrap(def.valueType as AnySchema));
      } else if (def.type === "array" && typeof seg === "number") {
        next.push(...unwrap(def.element as AnySchema));
      }
    }
    current = next;
  }
  return current;
}

function objectKeys(schema: AnySchema): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  return def.type === "object" ? Object.keys(def.shape as object) : [];
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case "number":
      return Number.isInteger(value) ? `an integer (${value})` : `a float (${value})`;
    case "boolean":
      return `a boolean (${value})`;
    case "object":
      return "a table";
    default:
      return typeof value;
  }
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean (true or false)",
  object: "a table",
  array: "an array",
  record: "a table",
};

/**
 * `[a.b]` for a table; a table inside an array has no TOML header, so its key path, numbered as
 * every diagnostic's path is (`routes[1]`, from 0).
 */
function tableName(path: readonly PathSegment[]): string {
  if (!path.some((p) => typeof p === "string")) return "the top level";
  return path.some((p) => typeof p === "number") ? formatPath(path) : `[${path.join(".")}]`;
}

/** Turns one zod issue into our issues (an unknown-keys issue becomes one per key). */
export function fromZodIssue(
  issue: z.core.$ZodIssue,
  root: AnySchema,
  prefix: readonly PathSegment[],
): Issue[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  switch (issue.code) {
    case "custom":
      return [customIssue(issue, path)];
    case "unrecognized_keys":
      return unknownKeys(issue, path, root);
    case "invalid_type":
      return [invalidType(issue, path)];
    case "invalid_value":
      return [invalidValue(issue, path)];
    case "too_small":
    case "too_big":
      return [outOfRange(issue, path)];
    case "invalid_format":
      return [
        {
          code: "invalid-format",
          message: `${subject(path)} ${typeof issue.input === "string" ? `${JSON.stringify(issue.input)} ` : ""}${issue.message}`,
          path,
        },
      ];
    case "invalid_union":
      return [invalidUnion(issue, path)];
    case "invalid_key": {
      const inner = issue.issues[0];
      return [
        {
          code: "invalid-key",
          message: `"${String(issue.input)}": ${inner?.message ?? issue.message}`,
          path: [...path, String(issue.input)],
        },
      ];
    }
    default:
      return [{ code: "invalid-value", message: issue.message, path }];
  }
}

/** A rule of ours (`fail()` in base.ts): its code, hint and severity travel in the params. */
function customIssue(issue: z.core.$ZodIssueCustom, path: PathSegment[]): Issue {
  const params = (issue.params ?? {}) as { code?: string; hint?: string; severity?: "warning" };
  return {
    code: params.code ?? "invalid-value",
    message: issue.message,
    path,
    hint: params.hint,
    severity: params.severity,
  };
}

function unknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys, path: PathSegment[], root: AnySchema): Issue[] {
  return issue.keys.map((key) => {
    const known = knownKeysAt(root, issue.path as PathSegment[]);
    const guess = closest(key, known);
    return {
      code: "unknown-key",
      message: `unknown key "${key}" in ${tableName(path)}`,
      path: [...path, key],
      hint: guess
        ? `Did you mean "${guess}"?`
        : known.length
          ? `Known keys: ${known.join(", ")}.`
          : "This table takes no keys.",
    };
  });
}

function invalidType(issue: z.core.$ZodIssueInvalidType, path: PathSegment[]): Issue {
  const key = subject(path);
  if (issue.input === undefined)
    return { code: "missing-key", message: `missing required key "${String(key)}"`, path };
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  return {
    code: "invalid-type",
    message: `${String(key ?? "value")} must be ${expected}, not ${describe(issue.input)}`,
    path,
  };
}

function invalidValue(issue: z.core.$ZodIssueInvalidValue, path: PathSegment[]): Issue {
  const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
  if (issue.input === undefined) {
    // A discriminating key (store, type) that was left out.
    return {
      code: "missing-key",
      message: `missing required key "${subject(path)}" (one of ${allowed})`,
      path,
    };
  }
  return {
    code: "invalid-value",
    message: `${subject(path)} must be ${issue.values.length > 1 ? "one of " : ""}${allowed}, not ${JSON.stringify(issue.input)}`,
    path,
  };
}

function outOfRange(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, path: PathSegment[]): Issue {
  const key = subject(path);
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  let message: string;
  if (issue.origin === "string") {
    message =
      small && bound === 1
        ? `${key} must not be empty`
        : `${key} must be ${small ? "at least" : "at most"} ${bound} characters long`;
  } else if (issue.origin === "array") {
    message = `${key} needs ${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
  } else {
    message = `${key} must be ${small ? "at least" : "at most"} ${bound}, not ${String(issue.input)}`;
  }
  return { code: "out-of-range", message, path };
}

function invalidUnion(issue: z.core.$ZodIssueInvalidUnion, path: PathSegment[]): Issue {
  // zod puts the discriminator at the end of the path itself in some versions: name it once.
  const discriminator = (issue as { discriminator?: string }).discriminator;
  const named = discriminator === undefined || path[path.length - 1] === discriminator;
  return { code: "invalid-value", message: issue.message, path: named ? path : [...path, discriminator] };
}

/** What a message talks about: the key, or `stages[0]` for a list item (never a bare index). */
function subject(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === undefined) return "value";
  if (typeof last === "number") return `${String(path[path.length - 2] ?? "item")}[${last}]`;
  return String(last);
}
