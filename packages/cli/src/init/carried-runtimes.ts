/**
 * The runtimes this CLI carries until they are published (docs/decisions.md#r8-release-artifacts):
 * the @magic-pocket/runtime tarball and the pocket-cli-runtime wheel in dist/runtimes/, written by
 * scripts/release/pack-runtimes.mjs. `pocket init` and `pocket django init` copy them into the
 * project's `.pocket/`, so `npm install` and the image build need no registry package of ours.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../errors.js";

export interface CarriedArtifact {
  /** File name, as written into `.pocket/`. */
  file: string;
  /** Absolute path of the carried copy. */
  path: string;
}

export interface CarriedRuntimes {
  version: string;
  node: CarriedArtifact;
  python: CarriedArtifact;
  /** The folder of this CLI's own package.json (`npm pack` of it gives the CLI's tarball). */
  cliPackage: string;
}

/** Names of earlier copies in `.pocket/`, replaced by a refresh. */
const OLD = {
  node: /^magic-pocket-runtime-.*\.tgz$/,
  python: /^pocket_cli_runtime-.*\.whl$/,
  cli: /^magic-pocket-cli-.*\.tgz$/,
};

export function carriedRuntimes(): CarriedRuntimes {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, "package.json");
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "@magic-pocket/cli"
    ) {
      return fromPackage(dir);
    }
    dir = dirname(dir);
  }
  throw missing("this pocket installation has no package.json of @magic-pocket/cli above its code");
}

function fromPackage(cliPackage: string): CarriedRuntimes {
  const out = join(cliPackage, "dist", "runtimes");
  // A checkout (npm link, npm install -g ./packages/cli) packs them from its sources on first
  // use, and again when the sources change; the script does nothing when they are up to date.
  const script = join(cliPackage, "..", "..", "scripts", "release", "pack-runtimes.mjs");
  if (existsSync(script)) {
    try {
      execFileSync(process.execPath, [script, "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
      throw missing(
        `packing the runtimes of this checkout failed${stderr ? `: ${stderr.split("\n").at(-1)}` : ""}`,
      );
    }
  }
  const manifest = join(out, "manifest.json");
  if (!existsSync(manifest)) throw missing(`${manifest} does not exist`);
  const m = JSON.parse(readFileSync(manifest, "utf8")) as {
    version: string;
    node: { file: string };
    python: { file: string };
  };
  const artifact = (file: string): CarriedArtifact => {
    const path = join(out, file);
    if (!existsSync(path)) throw missing(`${path} does not exist`);
    return { file, path };
  };
  return { version: m.version, node: artifact(m.node.file), python: artifact(m.python.file), cliPackage };
}

function missing(reason: string): CliError {
  return new CliError("runtime-missing", `this pocket does not carry its runtime packages: ${reason}.`, {
    hint: "Reinstall pocket from its release tarball, run `npm run release:pack` in a checkout, or pass --from-registry once the runtimes are published.",
  });
}

export type RefreshOutcome = "wrote" | "unchanged" | "replaced";

export interface Refreshed {
  /** Path relative to the project, e.g. `.pocket/magic-pocket-runtime-0.1.0.tgz`. */
  file: string;
  outcome: RefreshOutcome;
  /** The earlier copies removed (other versions). */
  removed: string[];
}

/** Copies one carried file into `<project>/.pocket/`, removing other versions of it. */
export function placeInProject(
  projectDir: string,
  kind: "node" | "python",
  artifact: CarriedArtifact,
): Refreshed {
  const dir = join(projectDir, ".pocket");
  mkdirSync(dir, { recursive: true });
  const target = join(dir, artifact.file);
  const existed = existsSync(target);
  const same = existed && readFileSync(target).equals(readFileSync(artifact.path));
  if (!same) copyFileSync(artifact.path, target);
  const removed = removeOthers(dir, OLD[kind], artifact.file);
  return {
    file: `.pocket/${artifact.file}`,
    outcome:
      same && removed.length === 0 ? "unchanged" : existed || removed.length > 0 ? "replaced" : "wrote",
    removed,
  };
}

/**
 * `npm pack` of the running CLI into `<project>/.pocket/`, for the project's devDependency
 * (`file:`), so `npx pocket` there runs this CLI and no registry package of that name.
 */
export function packCliInto(projectDir: string, carried: CarriedRuntimes): Refreshed {
  const dir = join(projectDir, ".pocket");
  mkdirSync(dir, { recursive: true });
  const file = `magic-pocket-cli-${carried.version}.tgz`;
  const existed = existsSync(join(dir, file));
  try {
    // --ignore-scripts: the CLI's prepack rebuilds a checkout; the running code is what we pack.
    execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir, carried.cliPackage],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
  } catch (err) {
    throw new CliError("cli-pack-failed", `npm pack of this pocket (${carried.cliPackage}) failed.`, {
      hint: `${String((err as { stderr?: Buffer }).stderr ?? "").trim() || "Is npm on PATH?"} Or pass --from-registry once @magic-pocket/cli is published.`,
    });
  }
  const removed = removeOthers(dir, OLD.cli, file);
  return {
    file: `.pocket/${file}`,
    outcome: existed ? "unchanged" : removed.length > 0 ? "replaced" : "wrote",
    removed,
  };
}

function removeOthers(dir: string, pattern: RegExp, keep: string): string[] {
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f !== keep && pattern.test(f)) {
      rmSync(join(dir, f), { force: true });
      removed.push(`.pocket/${f}`);
    }
  }
  return removed;
}

/** The line `pocket init` prints for one refreshed file. */
export function describeRefresh(r: Refreshed): string {
  if (r.outcome === "unchanged") return `${r.file} is up to date`;
  if (r.outcome === "wrote") return `wrote ${r.file}`;
  return `refreshed ${r.file}${r.removed.length > 0 ? ` (replaces ${r.removed.join(", ")})` : ""}`;
}
