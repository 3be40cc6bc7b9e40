import { type AST, ParseError, parseTOML } from "toml-eslint-parser";
import type { Diagnostic, SourcePosition } from "../diagnostics.js";
import { childKey, type LocationNode, newLocationNode } from "./locations.js";

export type TomlValue = string | number | boolean | Date | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export interface ParsedToml {
  value: TomlTable;
  locations: LocationNode;
}

export type ParseResult = { ok: true; parsed: ParsedToml } | { ok: false; diagnostic: Diagnostic };

/**
 * Parses TOML 1.0 and records where every key and value was written. The parser
 * (toml-eslint-parser) already rejects redefinitions and type clashes, so the walk below can
 * trust the shape it sees.
 */
export function parseTomlWithLocations(source: string, file?: string): ParseResult {
  try {
    return { ok: true, parsed: walk(parseTOML(source, { tomlVersion: "1.0" })) };
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

/** Deeper than any configuration needs, far below what exhausts the stack. */
export const MAX_DEPTH = 64;

class TooDeep extends Error {
  constructor(readonly position: SourcePosition) {
    super("too deep");
  }
}

function syntaxError(
  file: string | undefined,
  message: string,
  position: SourcePosition,
  hint = "pocket.toml must be valid TOML 1.0 (https://toml.io/en/v1.0.0).",
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
