import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CloudFrontContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";

/** The files a distribution's `managed_assets` serves for this stage, listed when it deploys. */
export interface ManagedAssetSet {
  /** The folder the files come from: the stage's, else `default`. */
  folder: string;
  /** File names, sorted: each is served at `/{name}` from `{keyPrefix}/{name}`. */
  names: string[];
}

/**
 * What CloudFront takes in a path pattern without reading a wildcard or needing an escape:
 * letters, digits and `_ - . $ ~ @ : +` (CloudFront's path pattern characters, less `*`, `?`,
 * `&`, quotes and `/`).
 */
const SERVABLE_NAME = /^[A-Za-z0-9_.$~@:+-]+$/;

/**
 * The folder of the stage (`{dir}/{stage}`) if it exists, else `{dir}/default`, no per-file merge
 * (docs/decisions.md#e23-managed-assets). Files directly in it are served; dotfiles are skipped
 * as every upload skips them (buckets/sync.ts); a subfolder is refused rather than left out, since
 * CloudFront would then answer its paths from the default route. Listed here, not in the config
 * layer, which reads nothing but pocket.toml (docs/decisions.md#p5-building-the-context-never-calls-aws).
 */
export function managedAssetSet(cf: CloudFrontContext, projectDir: string): ManagedAssetSet | undefined {
  const m = cf.managedAssets;
  if (!m) return undefined;
  const base = resolve(projectDir, m.dir);
  const folder = [m.stageFolder, m.fallbackFolder]
    .map((f) => join(base, f))
    .find((f) => existsSync(f) && statSync(f).isDirectory());
  const where = `cloudfront.${cf.name}.managed_assets`;
  if (!folder) {
    throw new CliError(
      "managed-assets-missing",
      `${where}: neither ${join(base, m.stageFolder)} nor ${join(base, m.fallbackFolder)} is a folder.`,
      {
        hint: `Create ${join(m.dir, m.fallbackFolder)}/ (served to every stage without a folder of its own) or ${join(m.dir, m.stageFolder)}/.`,
      },
    );
  }
  const names: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const path = join(folder, entry.name);
    if (!statSync(path).isFile()) {
      throw new CliError(
        "managed-assets-subfolder",
        `${where}: ${path} is not a file; only the files directly in ${folder} are served.`,
        { hint: "Move its files up into the folder (each is served at /<file name>), or out of it." },
      );
    }
    if (!SERVABLE_NAME.test(entry.name)) {
      throw new CliError(
        "managed-asset-name",
        `${where}: ${path} cannot be served at /${entry.name}: CloudFront path patterns take letters, digits and _ - . $ ~ @ : + only.`,
        { hint: "Rename the file." },
      );
    }
    names.push(entry.name);
  }
  return { folder, names: names.sort() };
}
