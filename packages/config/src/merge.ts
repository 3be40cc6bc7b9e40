import type { LocationNode } from "./toml/locations.js";
import { newTable, type TomlTable, type TomlValue } from "./toml/parse.js";

export interface MergedDocument {
  value: TomlTable;
  locations: LocationNode;
  /** Location nodes that came from the selected stage's tables (to tell where a problem lives). */
  stageNodes: Set<LocationNode>;
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * The stage merge (docs/decisions.md#d7-stage-merge): `[stage.x]` tables merge into `[x]` key by
 * key; every other value, lists included, is replaced whole. A stage table can add or override,
 * never delete.
 * Top-level keys named like any stage are dropped from the result.
 */
export function mergeStage(
  doc: TomlTable,
  locations: LocationNode,
  stage: string | undefined,
  stages: readonly string[],
): MergedDocument {
  const value: TomlTable = newTable();
  const merged: LocationNode = { ...locations, children: new Map() };
  for (const [key, v] of Object.entries(doc)) {
    if (stages.includes(key)) continue;
    define(value, key, v);
    const node = locations.children.get(key);
    if (node) merged.children.set(key, node);
  }
  const stageNodes = new Set<LocationNode>();
  const overlay = stage === undefined ? undefined : doc[stage];
  const overlayNode = stage === undefined ? undefined : locations.children.get(stage);
  if (isTable(overlay) && overlayNode) {
    collect(overlayNode, stageNodes);
    mergeInto(value, merged, overlay, overlayNode);
  }
  return { value, locations: merged, stageNodes };
}

function mergeInto(target: TomlTable, targetNode: LocationNode, source: TomlTable, sourceNode: LocationNode) {
  for (const [key, sv] of Object.entries(source)) {
    const tv = Object.hasOwn(target, key) ? target[key] : undefined;
    const sNode = sourceNode.children.get(key);
    const tNode = targetNode.children.get(key);
    if (isTable(tv) && isTable(sv)) {
      const copy: TomlTable = Object.assign(newTable(), tv);
      const node: LocationNode = tNode
        ? { ...tNode, children: new Map(tNode.children) }
        : (sNode ?? { position: targetNode.position, children: new Map() });
      if (sNode) mergeInto(copy, node, sv, sNode);
      define(target, key, copy);
      targetNode.children.set(key, node);
    } else {
      define(target, key, structuredClone(sv) as TomlValue);
      if (sNode) targetNode.children.set(key, sNode);
    }
  }
}

function collect(node: LocationNode, into: Set<LocationNode>) {
  into.add(node);
  for (const child of node.children.values()) collect(child, into);
}

function define(table: TomlTable, key: string, value: TomlValue) {
  Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
}
