// `node scripts/release/set-version.mjs 0.2.0`: writes the version to every place that carries it
// (scripts/release/versions.mjs). Run `npm install --package-lock-only` afterwards.
import { setVersion, versionMismatches } from "./versions.mjs";

const version = process.argv[2];
if (!version) {
  console.error("usage: node scripts/release/set-version.mjs X.Y.Z");
  process.exit(2);
}
setVersion(version);
const left = versionMismatches();
if (left.length > 0) {
  console.error(`set-version: still different:\n${left.join("\n")}`);
  process.exit(1);
}
console.log(`version ${version} written; now: npm install --package-lock-only, and a CHANGELOG.md entry`);
