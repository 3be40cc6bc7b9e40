import { defineConfig } from "vitest/config";

// Workspace packages are tested from their TypeScript sources ("source" export condition), so
// tests never need a build of @magic-pocket/config first.
const conditions = ["source", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
