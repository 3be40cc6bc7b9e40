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
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(source, { tomlVersion: "1.0" });
  } catch (error) {
    if (error instanceof ParseError) {
      return {
        ok: false,
        diagnostic: {
          severity: "error",
          code: "toml-syntax",
          message: `TOML syntax error: ${error.message.replace(/\.$/, "")}`,
          path: "",
          file,
          position: { line: error.lineNumber, column: error.column + 1 },
          hint: "pocket.toml must be valid TOML 1.0 (https://toml.io/en/v1.0.0).",
        },
      };
    }
    throw error;
  }
  const root: TomlTable = {};
  const locations = newLocationNode({ line: 1, column: 1 });
  const top = program.body[0];
  for (const item of top?.body ?? []) {
    if (item.type === "TOMLKeyValue") {
      assignKeyValue(root, locations, item);
      continue;
    }
    const header = start(item);
    let container: TomlTable | TomlValue[] = root;
    let node = locations;
    item.resolvedKey.forEach((seg, i) => {
      const wantArray = typeof item.resolvedKey[i + 1] === "number";
      let child = getChild(container, seg);
      if (child === undefined) {
        child = wantArray ? [] : {};
        setChild(container, seg, child);
      }
      container = child as TomlTable | TomlValue[];
      node = ensureNode(node, seg, header);
    });
    for (const kv of item.body) assignKeyValue(container as TomlTable, node, kv);
  }
  return { ok: true, parsed: { value: root, locations } };
}

function assignKeyValue(table: TomlTable, node: LocationNode, kv: AST.TOMLKeyValue): void {
  const keys = kv.key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
  const keyPos = start(kv.key);
  let target = table;
  let targetNode = node;
  for (const key of keys.slice(0, -1)) {
    let child = getChild(target, key);
    if (child === undefined) {
      child = {};
      setChild(target, key, child);
    }
    target = child as TomlTable;
    targetNode = ensureNode(targetNode, key, keyPos);
  }
  const last = keys[keys.length - 1]!;
  const valueNode = ensureNode(targetNode, last, keyPos);
  setChild(target, last, convert(kv.value, valueNode));
}

function convert(node: AST.TOMLContentNode, loc: LocationNode): TomlValue {
  loc.valuePosition = start(node);
  switch (node.type) {
    case "TOMLValue":
      return node.value;
    case "TOMLArray":
      return node.elements.map((element, i) => convert(element, ensureNode(loc, i, start(element))));
    case "TOMLInlineTable": {
      const table: TomlTable = {};
      for (const kv of node.body) assignKeyValue(table, loc, kv);
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
