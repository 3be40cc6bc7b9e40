/** Naming helpers of the context builders: the original's formulas (docs/decisions.md#n1-derived-names). */

/** Python's str.capitalize: first character upper-cased, the rest lower-cased. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** CloudFormation logical ids are alphanumeric: capitalize each part, drop everything else. */
export function logicalId(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split(/[^A-Za-z0-9]+/))
    .map(capitalize)
    .join("");
}

/** `wsgi` → `WSGI`, `sqs-mgmt` → `SQS_MGMT`: the `<KEY>` of POCKET_<KEY>_* variables. */
export function envKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * ASCII needs no Unicode tables: for it, letters and digits are [A-Za-z0-9]. The first use of a
 * `\p{...}` pattern builds its tables, ~1.5 ms of every command that loads a configuration.
 */
const ASCII = /^[\x00-\x7f]*$/;

/** Route name from its path pattern: `/assets/v1/*` → `assets-v1`, empty → `root`. */
export function routeName(pathPattern: string): string {
  if (pathPattern === "") return "root";
  return pathPattern
    .split("/")
    .filter((part) => part !== "" && part !== "*")
    .map((part) =>
      ASCII.test(part) ? part.replace(/[^A-Za-z0-9]/g, "") : part.replace(/[^\p{L}\p{N}]/gu, ""),
    )
    .filter((part) => part !== "")
    .join("-");
}

/** origin path + pattern folder, no leading slash: `/web` + `/static/*` → `web/static`. */
export function keyPrefix(originPath: string, pathPattern: string): string {
  return `${originPath}${pathPattern.replace(/[/*]+$/, "")}`.replace(/^\/+/, "");
}

/**
 * Longest common leading folders of the S3 origin paths: `/web/app` and `/web` give `/web`,
 * `/a` and `/b` give "" (the distribution's bucket-policy prefix, docs/decisions.md#n1-derived-names).
 */
export function commonFolder(paths: readonly string[]): string {
  const nonEmpty = paths.filter((p) => p !== "");
  if (nonEmpty.length === 0) return "";
  const split = nonEmpty.map((p) => p.split("/"));
  const common: string[] = [];
  for (let i = 0; i < split[0]!.length; i++) {
    const seg = split[0]![i]!;
    if (split.every((parts) => parts[i] === seg)) common.push(seg);
    else break;
  }
  return common.join("/");
}

/** Joins a mount path and a sub-directory like os.path.join + normpath, without a trailing slash. */
export function joinPath(base: string, sub: string): string {
  const joined = sub.startsWith("/") ? sub : `${base}/${sub}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    out.push(part);
  }
  return `/${out.join("/")}`;
}
