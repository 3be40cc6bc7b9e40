import type { Issue, PathSegment } from "../diagnostics.js";
import type { Credentials, Settings } from "../schema/settings.js";
import type { TomlTable } from "../toml/parse.js";
import { autoDatabaseIssues } from "./auto-database.js";
import { containerTables } from "./declared-containers.js";
import type { HeadContainerSettings, HeadContainerView, HeadFacts } from "./facts.js";
import { type HeadRewrite, rewriteForContainer } from "./normalise.js";
import { addHeaderSecrets, allowRulesOf } from "./waf-allow.js";

/** The part of validate.ts's input and output the front door reads (validate.ts calls it). */
interface ValidationInput {
  doc: TomlTable;
  stage: string;
  directoryName: string;
}
interface ValidationOutput {
  issues: Issue[];
  settings?: Settings;
  credentials: Credentials;
}

/**
 * The second front door: the file is rewritten into the seed's spelling once per container and
 * validated by the same schemas; every problem is reported at the key the file wrote.
 */
export function validateHeadSpelling<I extends ValidationInput>(
  input: I,
  validateSeed: (input: I) => ValidationOutput,
): ValidationOutput {
  const { names, issues } = Object.hasOwn(input.doc, "container")
    ? containerTables(input.doc)
    : { names: [], issues: [] };
  const allow = allowRulesOf(input.doc);
  issues.push(...allow.issues, ...autoDatabaseIssues(input.doc));
  const runs = (names.length ? names : [undefined]).map((name, i) => {
    const { rewrite, issues: own } = rewriteForContainer(input.doc, name, names, input);
    // The WAF header rules' secrets are the first container's (waf-allow.ts).
    if (i === 0 && name !== undefined)
      own.push(...addHeaderSecrets(rewrite.doc.awscontainer, name, allow.secrets));
    return { rewrite, own, out: validateSeed({ ...input, doc: rewrite.doc }) };
  });
  for (const run of runs) {
    issues.push(...run.own, ...run.out.issues.map((i) => inHeadSpelling(i, run.rewrite)));
  }
  const reported = dedupe(issues);
  const first = runs[0]!;
  const settings = first.out.settings;
  if (reported.some((i) => i.severity !== "warning") || !settings) {
    return { issues: reported, credentials: first.out.credentials };
  }
  const containers: Record<string, HeadContainerView> = {};
  for (const { rewrite, out } of runs) {
    if (rewrite.container && out.settings?.awscontainer) {
      containers[rewrite.container] = {
        awscontainer: out.settings.awscontainer as HeadContainerSettings,
        cloudfront: withoutOriginPath(out.settings.cloudfront, rewrite.bareRoutes),
        scheduler: out.settings.scheduler,
        routeOrder: rewrite.routeOrder,
        sharedSecrets: rewrite.sharedSecrets,
      };
    }
  }
  const head: HeadFacts = {
    spelling: "head",
    container: first.rewrite.container,
    sharedSecrets: [...new Set(runs.flatMap((r) => r.rewrite.sharedSecrets))],
  };
  if (names.length > 1) head.containers = containers;
  if (first.rewrite.rdsDatabase !== undefined) head.rdsDatabase = first.rewrite.rdsDatabase;
  const ecrNames = runs.flatMap(({ rewrite: r }) =>
    r.container !== undefined && r.ecrName !== undefined ? [[r.container, r.ecrName] as const] : [],
  );
  if (ecrNames.length > 0) head.ecrNames = Object.fromEntries(ecrNames);
  if (Object.keys(allow.paths).length > 0) head.wafExactPaths = allow.paths;
  if (Object.keys(allow.headers).length > 0) head.wafHeaderRules = allow.headers;
  const cloudfront = withoutOriginPath(settings.cloudfront, first.rewrite.bareRoutes);
  return {
    issues: reported,
    settings: { ...settings, cloudfront, head },
    credentials: first.out.credentials,
  };
}

/**
 * Routes the original keys by their path pattern alone get no origin path: the schemas gave
 * them the distribution's default, which only the seed's spelling means.
 */
function withoutOriginPath(
  cloudfront: Settings["cloudfront"],
  bare: Record<string, number[]>,
): Settings["cloudfront"] {
  const out = { ...cloudfront };
  for (const [name, indexes] of Object.entries(bare)) {
    const d = out[name];
    if (!d || indexes.length === 0) continue;
    out[name] = {
      ...d,
      routes: d.routes.map((r, i) => (indexes.includes(i) ? { ...r, originPath: "" } : r)),
    };
  }
  return out;
}

/** A problem found in the rewritten document, told in the file's own spelling. */
function inHeadSpelling(issue: Issue, rewrite: HeadRewrite): Issue {
  return toldAs(issue, rewrite.container, rewrite.toHeadPath(issue.path));
}

/**
 * A problem found on the context of a file in the original's current spelling (the name rules,
 * the environment's size), told in that spelling: `awscontainer` is the container `container`.
 */
export function inContainerSpelling(issue: Issue, container: string | undefined): Issue {
  const path =
    issue.path[0] === "awscontainer"
      ? ["container", container ?? "main", ...issue.path.slice(1)]
      : [...issue.path];
  return toldAs(issue, container, path);
}

function toldAs(issue: Issue, container: string | undefined, path: PathSegment[]): Issue {
  const name = `container.${container ?? "main"}`;
  const say = (text: string) =>
    text
      .replace(/\ban awscontainer\b/g, `a ${name}`)
      .replace(/\[awscontainer/g, `[${name}`)
      .replace(/\bawscontainer\b/g, name)
      .replace(/type = "api"/g, 'type = "lambda"');
  const out: Issue = { ...issue, path, message: say(issue.message) };
  if (issue.hint !== undefined) out.hint = say(issue.hint);
  return out;
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.code}|${i.path.join(".")}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
