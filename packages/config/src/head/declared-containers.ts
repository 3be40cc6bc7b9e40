import type { Issue } from "../diagnostics.js";
import { type NamedTablesSection, namedTables } from "../named-tables.js";
import type { TomlTable } from "../toml/parse.js";

const CONTAINERS: NamedTablesSection = {
  key: "container",
  what: "container",
  example: "[container.main] with dockerfile_path",
  hint: 'Write [container.main] with dockerfile_path = "Dockerfile".',
};

/** Container names: the original's rule (they are part of function, repository and stack names). */
const CONTAINER_NAME = /^[a-z][a-z0-9]{0,31}$/;

/** The container tables of the file, and the problems of their names. */
export function containerTables(doc: TomlTable): { names: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const names: string[] = [];
  for (const [name] of namedTables(doc.container, CONTAINERS, issues)) {
    if (!CONTAINER_NAME.test(name)) {
      issues.push({
        code: "container-name",
        message: `container name "${name}" must be a lower case letter followed by up to 31 lower case letters or digits`,
        path: ["container", name],
        hint: "The name is part of function, repository and stack names (no - or _).",
      });
    } else {
      names.push(name);
    }
  }
  if (names.length === 0 && issues.length === 0) {
    issues.push({
      code: "container-empty",
      message: "[container] declares no container",
      path: ["container"],
      hint: 'Write [container.main] with dockerfile_path = "Dockerfile".',
    });
  }
  return { names, issues };
}
