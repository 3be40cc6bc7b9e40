import type { PathSegment, SourcePosition } from "../diagnostics.js";

/**
 * Where each key of the parsed document was written. The tree mirrors the document, so the
 * stage merge can merge positions with the same rules as values, and a diagnostic can point at
 * the deepest node of its path that exists.
 */
export interface LocationNode {
  /** Where the key (or table header) was written. */
  position: SourcePosition;
  /** Where the value starts, for key/value pairs and array items. */
  valuePosition?: SourcePosition;
  children: Map<string, LocationNode>;
}

export function newLocationNode(position: SourcePosition): LocationNode {
  return { position, children: new Map() };
}

export function childKey(seg: PathSegment): string {
  return String(seg);
}

/**
 * Position of the deepest existing node along `path`. `prefer: "value"` points at the value when
 * the whole path exists (type errors), otherwise at the key (unknown keys, missing keys).
 */
export function locate(
  root: LocationNode,
  path: readonly PathSegment[],
  prefer: "key" | "value" = "key",
): SourcePosition {
  let node = root;
  let complete = true;
  for (const seg of path) {
    const next = node.children.get(childKey(seg));
    if (!next) {
      complete = false;
      break;
    }
    node = next;
  }
  if (prefer === "value" && complete && node.valuePosition) return node.valuePosition;
  return node.position;
}

/** The node at exactly `path`, if the file wrote it. */
export function nodeAt(root: LocationNode, path: readonly PathSegment[]): LocationNode | undefined {
  let node: LocationNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(childKey(seg));
    if (!node) return undefined;
  }
  return node;
}
