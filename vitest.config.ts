import { defineConfig } from "vitest/config";

// Workspace packages are tested from their TypeScript sources ("source" export condition), so
// tests never need a build of @magic-pocket/config first.
const conditions = ["source", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          exclude: ["packages/cli/test/aws/**", "packages/runtime/test/**"],
        },
      },
      {
        // The Node runtime and the Hono example, which run CommonJS frameworks (Express): the
        // shared list above passes "import" to Node for require() too, which hands dual
        // packages' ES builds to CommonJS callers (Express's `require("is-promise")` breaks).
        resolve: { conditions },
        ssr: { resolve: { conditions: ["source", "node", "default"] } },
        test: {
          name: "runtime",
          include: ["packages/runtime/test/**/*.test.ts", "examples/hono/test/**/*.test.ts"],
          exclude: ["packages/runtime/test/aws/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      {
        // Only these files pay for moto's start-up.
        extends: true,
        test: {
          name: "aws",
          include: ["packages/cli/test/aws/**/*.test.ts", "packages/runtime/test/aws/**/*.test.ts"],
          globalSetup: ["packages/cli/test/moto/global-setup.ts"],
          // One moto server serves them all and each file resets it: run the files one by one.
          fileParallelism: false,
        },
      },
    ],
  },
});
