// Packs the two runtimes a user's image installs: @magic-pocket/runtime (npm tarball) and the
// Python runtime `pocket-cli-runtime` (wheel and sdist). The CLI carries the tarball and the wheel
// in dist/runtimes/ until they are published (docs/decisions.md#r8-release-artifacts), so
// `pocket init` and `pocket django init` need no registry package of ours.
//
//   node scripts/release/pack-runtimes.mjs [--out DIR]
//
// DIR (default packages/cli/dist/runtimes) gets the three files and manifest.json. The manifest
// records a hash of the inputs: a second run with unchanged sources does nothing, so the CLI of a
// checkout can call this before every init (packages/cli/src/init/carried-runtimes.ts).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT, rootVersion } from "./versions.mjs";

const args = process.argv.slice(2);
const outArg = args.indexOf("--out");
const OUT = outArg >= 0 ? args[outArg + 1] : join(ROOT, "packages/cli/dist/runtimes");
const quiet = args.includes("--quiet");
const log = (m) => quiet || process.stderr.write(`pack-runtimes: ${m}\n`);

const INPUTS = [
  "python/pyproject.toml",
  "python/README.md",
  "python/src",
  "packages/runtime/package.json",
  "packages/runtime/README.md",
  "packages/runtime/src",
  "packages/runtime/tsconfig.json",
];

function inputsHash() {
  const h = createHash("sha256");
  const walk = (p) => {
    const abs = join(ROOT, p);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const f of readdirSync(abs).sort())
        if (f !== "__pycache__" && !f.endsWith(".pyc")) walk(join(p, f));
    } else {
      h.update(`${p}\0`).update(readFileSync(abs)).update("\0");
    }
  };
  for (const p of INPUTS) walk(p);
  return h.update(rootVersion()).digest("hex").slice(0, 16);
}

const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

const version = rootVersion();
const hash = inputsHash();
const manifestPath = join(OUT, "manifest.json");
if (existsSync(manifestPath)) {
  const m = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (m.inputs === hash && [m.node, m.python, m.sdist].every((a) => a && existsSync(join(OUT, a.file)))) {
    log(`up to date in ${relative(ROOT, OUT) || OUT}`);
    process.exit(0);
  }
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// npm tarball of the runtime's dist/ as scripts/build.mjs last wrote it (npm ci, and every test
// run, build it; the release runs the build first), with its .d.ts files written here. Not its
// prepack: that rebuilds the CLI bundle, which may be the process that called this script.
log("npm pack @magic-pocket/runtime");
execFileSync(
  process.execPath,
  [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "packages/runtime/tsconfig.json"],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
const packed = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", OUT], {
    cwd: join(ROOT, "packages/runtime"),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }),
)[0];
const tarball = packed.filename.replace(/^@/, "").replace("/", "-");

// Python: built from a copy of python/ (sources only), so no build/ or *.egg-info is left in the
// tree, with `build` in a virtualenv of its own under node_modules/.cache (pip's configured index).
const venv = join(ROOT, "node_modules/.cache/pocket-release/python");
const py = join(venv, "bin/python");
if (!existsSync(join(venv, ".ready"))) {
  log(`creating ${relative(ROOT, venv)} (build, setuptools, wheel)`);
  execFileSync(process.env.POCKET_RELEASE_PYTHON ?? "python3", ["-m", "venv", "--clear", venv], {
    stdio: "inherit",
  });
  execFileSync(
    py,
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--retries",
      "0",
      "build",
      "setuptools>=61",
      "wheel",
    ],
    {
      stdio: "inherit",
    },
  );
  writeFileSync(join(venv, ".ready"), "");
}
const stage = mkdtempSync(join(tmpdir(), "pocket-python-build-"));
try {
  for (const part of ["pyproject.toml", "README.md", "src"]) {
    cpSync(join(ROOT, "python", part), join(stage, part), {
      recursive: true,
      filter: (src) => !src.includes("__pycache__") && !src.endsWith(".pyc") && !src.endsWith(".egg-info"),
    });
  }
  log("python -m build (sdist, then the wheel from it)");
  execFileSync(py, ["-m", "build", "--no-isolation", "--outdir", OUT, stage], {
    stdio: quiet ? "ignore" : ["ignore", "ignore", "inherit"],
  });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
const wheel = readdirSync(OUT).find((f) => f.endsWith(".whl"));
const sdist = readdirSync(OUT).find((f) => f.endsWith(".tar.gz"));
if (!wheel || !sdist || !wheel.includes(`-${version}-`))
  throw new Error(`pack-runtimes: expected a ${version} wheel and sdist in ${OUT}`);

const entry = (file) => ({ file, sha256: sha256(join(OUT, file)) });
const manifest = {
  version,
  cli: version,
  inputs: hash,
  node: entry(tarball),
  python: entry(wheel),
  sdist: entry(sdist),
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
log(`${tarball}, ${wheel}, ${sdist} -> ${relative(ROOT, OUT) || OUT}`);
