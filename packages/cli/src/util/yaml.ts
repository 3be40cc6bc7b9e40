/**
 * YAML for JSON-shaped data: templates, buildspecs and `pocket config show`. pocket only ever
 * writes YAML from plain objects it built itself, so it needs none of a YAML library's documents,
 * comments, anchors or tags; the library's loading and first run were a third of
 * `pocket resource <group> yaml` (docs/decisions.md#p20-yaml-output). Reading YAML (a deployed
 * template) still uses the `yaml` package.
 *
 * The output is block style, never folded, and reads the same as YAML 1.1 (CloudFormation,
 * cfn-lint) and YAML 1.2: a string is written plain only when no YAML version could read it as
 * anything else; otherwise it is double-quoted with JSON's escapes (a JSON string is a valid YAML
 * double-quoted scalar), or, when it spans lines, written as a literal block.
 */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  if (isBlock(value)) block(value, 0, out);
  else out.push(scalar(value, 0));
  return `${out.join("\n")}\n`;
}

type Json = string | number | boolean | null | Date | Json[] | { [key: string]: Json };

/** A non-empty array or object: written over lines of its own. */
function isBlock(value: unknown): value is Json[] | Record<string, Json> {
  if (Array.isArray(value)) return value.length > 0;
  if (!isObject(value)) return false;
  // An object's keys with a value count (JSON leaves out undefined; so does this).
  for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) return true;
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function block(value: Json[] | Record<string, Json>, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item)) {
        // The first line of a nested block goes after the dash; the rest line up with it.
        const nested: string[] = [];
        block(item, indent + 2, nested);
        out.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${pad}- ${scalar(item === undefined ? null : item, indent + 2)}`);
      }
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    const k = string(key, indent, true);
    if (isBlock(item)) {
      out.push(`${pad}${k}:`);
      // Sequences under a key are indented too: the layout the yaml package and cfn-lint use.
      block(item, indent + 2, out);
    } else {
      out.push(`${pad}${k}: ${scalar(item, indent + 2)}`);
    }
  }
}

function scalar(value: unknown, indent: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === "string") return string(value, indent, false);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return "[]";
  if (isObject(value)) return "{}";
  throw new TypeError(`cannot write a ${typeof value} as YAML`);
}

function string(value: string, indent: number, key: boolean): string {
  if (isPlain(value)) return value;
  if (!key && isLiteral(value)) return literal(value, indent);
  if (value.includes('"') && SINGLE.test(value)) return `'${value.replaceAll("'", "''")}'`;
  return quoted(value);
}

/**
 * Plain scalars: printable ASCII that cannot start another construct, with no `: ` or ` #` inside,
 * and that no YAML version resolves to another type. Anything starting with a digit, a sign or a
 * dot is quoted (numbers, YAML 1.1 sexagesimals and timestamps), and so are the words YAML 1.1
 * reads as booleans or null, and `<<` and `=`.
 */
function isPlain(value: string): boolean {
  return (
    PLAIN.test(value) &&
    !value.includes(": ") &&
    !value.includes(" #") &&
    !value.endsWith(":") &&
    !RESERVED.test(value)
  );
}

const PLAIN = /^[A-Za-z_/$^(][\x20-\x7e]*$/;
const RESERVED =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|_)$|\s$/;

/** Strings over several lines read best as literal blocks, when every line is printable. */
function isLiteral(value: string): boolean {
  return value.includes("\n") && !value.startsWith(" ") && !value.startsWith("\n") && LITERAL.test(value);
}

/**
 * Characters YAML prints as they are: no control character, and none of the characters YAML 1.1
 * reads as a line break or a byte order mark (NEL, LS, PS, BOM).
 */
const PRINTABLE = "\\x20-\\x7e\\u00a0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd";

/** Printable characters and line feeds only: no carriage return, tab or other control. */
const LITERAL = new RegExp(`^[\\n${PRINTABLE}]*$`);

/** A line of printable characters: single-quoted when it holds a double quote, as JSON does not. */
const SINGLE = new RegExp(`^[${PRINTABLE}]*$`);

function literal(value: string, indent: number): string {
  // Chomping: `-` drops the final line break, none keeps one, `+` keeps them all.
  const trailing = value.length - value.replace(/\n+$/, "").length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing > 0 ? value.slice(0, value.length - 1) : value;
  const pad = " ".repeat(indent);
  return `|${chomp}\n${body
    .split("\n")
    .map((line) => (line === "" ? "" : pad + line))
    .join("\n")}`;
}

/**
 * JSON's quoting, with every character YAML does not print escaped too: JSON leaves DEL, the C1
 * controls and the line and paragraph separators as they are, which YAML would not read back.
 */
function quoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\x7f-\x9f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
