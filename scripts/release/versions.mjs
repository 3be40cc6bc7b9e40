// Every place that carries the release version, read from and written to together. The root
// package.json's "version" is the one source: `node scripts/release/set-version.mjs X.Y.Z` writes
// it everywhere, `npm run release:pack` refuses to pack while any place disagrees.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");
const at = (p) => join(ROOT, p);

const PACKAGES = [
  "packages/config/package.json",
  "packages/cli/package.json",
  "packages/runtime/package.json",
];
const VERSION_TS = "packages/cli/src/version.ts";
const PYPROJECT = "python/pyproject.toml";

export function rootVersion() {
  return JSON.parse(readFileSync(at("package.json"), "utf8")).version;
}

/** [place, version found] for every place the version is written. */
export function versionPlaces() {
  const places = [["package.json", rootVersion()]];
  for (const p of PACKAGES) {
    const pkg = JSON.parse(readFileSync(at(p), "utf8"));
    places.push([p, pkg.version]);
    // The runtime says which CLI it pairs with (README of packages/runtime).
    if (pkg.pocket?.cli !== undefined) places.push([`${p} pocket.cli`, pkg.pocket.cli]);
  }
  places.push([VERSION_TS, /VERSION = "([^"]+)"/.exec(readFileSync(at(VERSION_TS), "utf8"))?.[1]]);
  const py = readFileSync(at(PYPROJECT), "utf8");
  places.push([PYPROJECT, /^version = "([^"]+)"/m.exec(py)?.[1]]);
  places.push([`${PYPROJECT} description`, /@magic-pocket\/cli ([0-9][^)\s]*)\)/.exec(py)?.[1]]);
  return places;
}

/** The places that disagree with the root version, as "place: found" lines. */
export function versionMismatches() {
  const want = rootVersion();
  return versionPlaces()
    .filter(([, v]) => v !== want)
    .map(([place, v]) => `${place}: ${v ?? "(not found)"} (package.json says ${want})`);
}

export function setVersion(version) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`not a version: ${version}`);
  const edit = (p, fn) => writeFileSync(at(p), fn(readFileSync(at(p), "utf8")));
  const json = (p, fn) =>
    edit(p, (text) => {
      const pkg = JSON.parse(text);
      fn(pkg);
      return `${JSON.stringify(pkg, null, 2)}\n`;
    });
  json("package.json", (pkg) => {
    pkg.version = version;
  });
  for (const p of PACKAGES) {
    json(p, (pkg) => {
      pkg.version = version;
      if (pkg.pocket?.cli !== undefined) pkg.pocket.cli = version;
      for (const deps of [pkg.dependencies, pkg.devDependencies]) {
        for (const name of Object.keys(deps ?? {}))
          if (name.startsWith("@magic-pocket/")) deps[name] = version;
      }
    });
  }
  edit(VERSION_TS, (t) => t.replace(/VERSION = "[^"]+"/, `VERSION = "${version}"`));
  edit(PYPROJECT, (t) =>
    t
      .replace(/^version = "[^"]+"/m, `version = "${version}"`)
      .replace(/@magic-pocket\/cli [0-9][^)\s]*\)/, `@magic-pocket/cli ${version})`),
  );
}
