import type { Issue, PathSegment } from "../diagnostics.js";
import type { TomlValue } from "../toml/parse.js";

/**
 * A handler named as the original names it, `<container>.<handler>`: the handler key if it is
 * this container's, `undefined` if it is another's (left to that container), or an issue.
 */
export function handlerRef(
  value: TomlValue | undefined,
  path: PathSegment[],
  container: string | undefined,
  containers: string[],
  issues: Issue[],
): { handler: string } | "other" | "invalid" {
  if (typeof value !== "string") return "invalid";
  const dot = value.indexOf(".");
  if (dot < 0) {
    issues.push({
      code: "handler-reference",
      message: `handler "${value}" must name its container: "<container>.<handler>"`,
      path,
      hint: `e.g. handler = "${container ?? "main"}.${value}"`,
    });
    return "invalid";
  }
  const [owner, handler] = [value.slice(0, dot), value.slice(dot + 1)];
  if (owner === container) return { handler };
  if (containers.includes(owner)) return "other";
  issues.push({
    code: "handler-reference",
    message: `handler "${value}" names container "${owner}", which is not declared`,
    path,
    hint: containers.length
      ? `Declared containers: ${containers.join(", ")}.`
      : `Declare it: [container.${owner}] with dockerfile_path.`,
  });
  return "invalid";
}
export type Ref = (value: TomlValue | undefined, path: PathSegment[]) => ReturnType<typeof handlerRef>;
