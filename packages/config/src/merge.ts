import type { LocationNode } from "./toml/locations.js";
import { newTable, type ParsedToml, type TomlTable, type TomlValue } from "./toml/parse.js";

export interface MergedDocument {
  value: TomlTable;
  /** Where each key of the merged document was written; built on first read (only diagnostics need it). */
  readonly locations: LocationNode;
  /** Location nodes that came from the selected stage's tables (to tell where a problem lives). */
  readonly stageNodes: Set<LocationNode>;
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * The stage merge (docs/decisions.md#d7-stage-merge): `[stage.x]` tables merge into `[x]` key by
 * key; every other value, lists included, is replaced whole. A stage table can add or override,
 * never delete.
 * Top-level keys named like any stage are dropped from the result.
 *
 * The values are merged now; the positions, with the same rules, only when a diagnostic first
 * reads them (docs/decisions.md#p19-toml-parsing).
 */
export function mergeStage(
  parsed: ParsedToml,
  stage: string | undefined,
  stages: readonly string[],
): MergedDocument {
  const { value } = merge(parsed.value, undefined, stage, stages);
  let located: Located | undefined;
  const locate = () => {
    located ??= merge(parsed.value, parsed.locations, stage, stages).located!;
    return located;
  };
  return {
    value,
    get locations() {
      return locate().locations;
    },
    get stageNodes() {
      return locate().stageNodes;
    },
  };
}

interface Located {
  locations: LocationNode;
  stageNodes: Set<LocationNode>;
}

function merge(
  doc: TomlTable,
  locations: LocationNode | undefined,
  stage: string | undefined,
  stages: readonly string[],
): { value: TomlTable; located?: Located } {
  const value: TomlTable = newTable();
  const merged: LocationNode | undefined = locations && { ...locations, children: new Map() };
  for (const [key, v] of Object.entries(doc)) {
    if (stages.includes(key)) continue;
    define(value, key, v);
    const node = locations?.children.get(key);
    if (node) merged!.children.set(key, node);
  }
  const stageNodes = new Set<LocationNode>();
  const overlay = stage === undefined ? undefined : doc[stage];
  const overlayNode = stage === undefined ? undefined : locations?.children.get(stage);
  if (isTable(overlay)) {
    if (overlayNode) collect(overlayNode, stageNodes);
    mergeInto(value, overlay, merged && overlayNode && { target: merged, source: overlayNode });
  }
  return { value, located: merged && { locations: merged, stageNodes } };
}

/** Merges `source` into `target`, and the position trees alongside when given. */
function mergeInto(
  target: TomlTable,
  source: TomlTable,
  nodes: { target: LocationNode; source: LocationNode } | undefined,
) {
  for (const [key, sv] of Object.entries(source)) {
    const tv = Object.hasOwn(target, key) ? target[key] : undefined;
    const sNode = nodes?.source.children.get(key);
    const tNode = nodes?.target.children.get(key);
    if (isTable(tv) && isTable(sv)) {
      const copy: TomlTable = Object.assign(newTable(), tv);
      const node: LocationNode | undefined =
        nodes &&
        (tNode
          ? { ...tNode, children: new Map(tNode.children) }
          : (sNode ?? { position: nodes.target.position, children: new Map() }));
      mergeInto(copy, sv, node && sNode && { target: node, source: sNode });
      define(target, key, copy);
      if (node) nodes!.target.children.set(key, node);
    } else {
      define(target, key, structuredClone(sv) as TomlValue);
      if (sNode) nodes!.target.children.set(key, sNode);
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
