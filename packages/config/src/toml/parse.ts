import { parse as parseValues } from "smol-toml";
import { type AST, ParseError, parseTOML } from "toml-eslint-parser";
import type { Diagnostic, SourcePosition } from "../diagnostics.js";
import { childKey, type LocationNode, newLocationNode } from "./locations.js";

export type TomlValue = string | number | boolean | Date | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export interface ParsedToml {
  value: TomlTable;
  /** Where every key and value was written; built on first read (docs/decisions.md#p19-toml-parsing). */
  readonly locations: LocationNode;
}

/** Deeper than any configuration needs, far below what exhausts the stack. */
export const MAX_DEPTH = 64;

/**
 * smol-toml stops above this depth (its own count, which differs a little from ours), so a deep
 * document fails fast there and toml-eslint-parser then finds where it goes too deep.
 */
const FAST_PARSE_DEPTH = 2 * MAX_DEPTH;

const TOML_VERSION = "1.1";

export type ParseResult = { ok: true; parsed: ParsedToml } | { ok: false; diagnostic: Diagnostic };

/**
 * Parses a pocket.toml (TOML 1.1, and so every TOML 1.0 file). Two parsers share the work
 * (docs/decisions.md#p19-toml-parsing): smol-toml reads the values, several times faster than a
 * parser that keeps positions; toml-eslint-parser records where each key was written, only when a
 * diagnostic asks for a position, and decides about any file smol-toml refuses, so syntax errors
 * keep its messages and positions.
 */
export function parseToml(source: string, file?: string): ParseResult {
  let value: TomlTable;
  try {
    value = parseValues(source, { maxDepth: FAST_PARSE_DEPTH }) as TomlTable;
  } catch {
    return parseTomlWithLocations(source, file);
  }
  if (!normalise(value, 0)) return parseTomlWithLocations(source, file);
  let locations: LocationNode | undefined;
  return {
    ok: true,
    parsed: {
      value,
      get locations() {
        locations ??= locateAll(source);
        return locations;
      },
    },
  };
}

/**
 * Gives the values the shapes toml-eslint-parser gives (a date is a plain Date: a local date or
 * time reads as UTC) and checks the nesting depth; false when the document nests deeper than
 * MAX_DEPTH, which the slower parser then reports with a position.
 */
function normalise(value: TomlValue, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      if (item instanceof Date) value[i] = new Date(item.getTime());
      else if (!normalise(item, depth + 1)) return false;
    }
  } else if (typeof value === "object" && !(value instanceof Date)) {
    for (const key of Object.keys(value)) {
      const item = value[key]!;
      if (item instanceof Date) value[key] = new Date(item.getTime());
      else if (!normalise(item, depth + 1)) return false;
    }
  }
  return true;
}

/**
 * The positions of a document smol-toml accepted. Both parsers implement TOML 1.1; should
 * toml-eslint-parser still refuse the file, diagnostics point at its first line rather than fail.
 */
function locateAll(source: string): LocationNode {
  try {
    return walk(parseTOML(source, { tomlVersion: TOML_VERSION })).locations;
  } catch {
    return newLocationNode({ line: 1, column: 1 });
  }
}

/**
 * Parses TOML and records where every key and value was written. The parser
 * (toml-eslint-parser) already rejects redefinitions and type clashes, so the walk below can
 * trust the shape it sees.
 */
export function parseTomlWithLocations(source: string, file?: string): ParseResult {
  try {
    return { ok: true, parsed: walk(parseTOML(source, { tomlVersion: TOML_VERSION })) };
  } catch (error) {
    if (error instanceof ParseError) {
      return syntaxError(file, `TOML syntax error: ${error.message.replace(/\.$/, "")}`, {
        line: error.lineNumber,
        column: error.column + 1,
      });
    }
    if (error instanceof TooDeep) {
      return syntaxError(
        file,
        `values are nested more than ${MAX_DEPTH} levels deep`,
        error.position,
        "pocket.toml holds settings, not data: flatten the value.",
      );
    }
    // The parser is recursive: very deep nesting or a huge value exhausts the stack. That is a
    // property of the input, so it is reported as one, never as a crash.
    if (error instanceof RangeError) {
      return syntaxError(
        file,
        "the file is too deeply nested or holds a value too large to parse",
        { line: 1, column: 1 },
        "pocket.toml holds settings, not data: look for a very long value or deeply nested arrays/tables.",
      );
    }
    throw error;
  }
}

class TooDeep extends Error {
  constructor(readonly position: SourcePosition) {
    super("too deep");
  }
}

function syntaxError(
  file: string | undefined,
  message: string,
  position: SourcePosition,
  hint = "pocket.toml must be valid TOML 1.1 (https://toml.io/en/v1.1.0).",
): ParseResult {
  return {
    ok: false,
    diagnostic: { severity: "error", code: "toml-syntax", message, path: "", file, position, hint },
  };
}

function walk(program: AST.TOMLProgram): ParsedToml {
  const root: TomlTable = newTable();
  const locations = newLocationNode({ line: 1, column: 1 });
  const top = program.body[0];
  for (const item of top?.body ?? []) {
    if (item.type === "TOMLKeyValue") {
      assignKeyValue(root, locations, item, 0);
      continue;
    }
    const header = start(item);
    if (item.resolvedKey.length > MAX_DEPTH) throw new TooDeep(header);
    let container: TomlTable | TomlValue[] = root;
    let node = locations;
    item.resolvedKey.forEach((seg, i) => {
      const wantArray = typeof item.resolvedKey[i + 1] === "number";
      let child = getChild(container, seg);
      if (child === undefined) {
        child = wantArray ? [] : newTable();
        setChild(container, seg, child);
      }
      container = child as TomlTable | TomlValue[];
      node = ensureNode(node, seg, header);
    });
    for (const kv of item.body) assignKeyValue(container as TomlTable, node, kv, item.resolvedKey.length);
  }
  return { value: root, locations };
}

function assignKeyValue(table: TomlTable, node: LocationNode, kv: AST.TOMLKeyValue, depth: number): void {
  const keys = kv.key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
  const keyPos = start(kv.key);
  if (depth + keys.length > MAX_DEPTH) throw new TooDeep(keyPos);
  let target = table;
  let targetNode = node;
  for (const key of keys.slice(0, -1)) {
    let child = getChild(target, key);
    if (child === undefined) {
      child = newTable();
      setChild(target, key, child);
    }
    target = child as TomlTable;
    targetNode = ensureNode(targetNode, key, keyPos);
  }
  const last = keys[keys.length - 1]!;
  const valueNode = ensureNode(targetNode, last, keyPos);
  setChild(target, last, convert(kv.value, valueNode, depth + keys.length));
}

function convert(node: AST.TOMLContentNode, loc: LocationNode, depth: number): TomlValue {
  loc.valuePosition = start(node);
  if (depth > MAX_DEPTH) throw new TooDeep(loc.valuePosition);
  switch (node.type) {
    case "TOMLValue":
      return node.value;
    case "TOMLArray":
      return node.elements.map((element, i) =>
        convert(element, ensureNode(loc, i, start(element)), depth + 1),
      );
    case "TOMLInlineTable": {
      const table: TomlTable = newTable();
      for (const kv of node.body) assignKeyValue(table, loc, kv, depth);
      return table;
    }
  }
}

function ensureNode(parent: LocationNode, seg: string | number, position: SourcePosition): LocationNode {
  const key = childKey(seg);
  let child = parent.children.get(key);
  if (!child) {
    child = newLocationNode(position);
    parent.children.set(key, child);
  }
  return child;
}

function getChild(container: TomlTable | TomlValue[], seg: string | number): TomlValue | undefined {
  if (Array.isArray(container)) return container[seg as number];
  return Object.hasOwn(container, seg) ? container[seg as string] : undefined;
}

/** defineProperty so that a key named `__proto__` is data, not a prototype change. */
function setChild(container: TomlTable | TomlValue[], seg: string | number, value: TomlValue): void {
  if (Array.isArray(container)) container[seg as number] = value;
  else Object.defineProperty(container, seg, { value, enumerable: true, writable: true, configurable: true });
}

function start(node: { loc: { start: { line: number; column: number } } }): SourcePosition {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

/**
 * Tables hold user-named keys: without a prototype, no key can reach Object.prototype's
 * properties, whatever it is called (reserved names are refused anyway when the file is loaded).
 */
export function newTable(): TomlTable {
  return Object.create(null) as TomlTable;
}
