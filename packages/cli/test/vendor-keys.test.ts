import { describe, expect, it } from "vitest";
import { neonApi } from "../src/resources/neon/resource.js";
import type { RunContext } from "../src/resources/resource.js";
import { tidbApi } from "../src/resources/tidb/access.js";
import { upstashApi } from "../src/resources/upstash/resource.js";

// A vendor section's API keys come from the environment or .env (docs: README, [neon]/[tidb]/
// [upstash]); without them each says where a key is made and which variables it goes in.
const run = (credentials: RunContext["credentials"]) =>
  ({ credentials, timing: {}, vendorEndpoints: {} }) as unknown as RunContext;

function refusal(call: () => unknown): { code: string; message: string; hint?: string } {
  try {
    call();
  } catch (error) {
    return error as { code: string; message: string; hint?: string };
  }
  throw new Error("expected the call to refuse");
}

describe("vendor API keys", () => {
  it("Neon: NEON_API_KEY", () => {
    expect(refusal(() => neonApi(run({})))).toMatchObject({
      code: "neon-key-missing",
      message: "[neon] is configured but NEON_API_KEY is not set.",
      hint: "Create an API key in the Neon console and put NEON_API_KEY=... in the environment or in .env next to pocket.toml.",
    });
  });

  it("TiDB: both keys of the pair, one alone is not enough", () => {
    expect(refusal(() => tidbApi(run({ tidbPublicKey: "public" })))).toMatchObject({
      code: "tidb-keys-missing",
      message: "[tidb] is configured but the TiDB Cloud API key pair is not set.",
      hint: "Create an API key at tidbcloud.com and put TIDB_PUBLIC_KEY=... and TIDB_PRIVATE_KEY=... in the environment or in .env next to pocket.toml.",
    });
  });

  it("Upstash: the e-mail and the management key", () => {
    expect(refusal(() => upstashApi(run({ upstashApiKey: "key" })))).toMatchObject({
      code: "upstash-key-missing",
      hint: "Create a management API key in Upstash Console > Account > Management API and put UPSTASH_EMAIL=... and UPSTASH_API_KEY=... in the environment or in .env next to pocket.toml.",
    });
  });

  it("with the keys set, the client is made", () => {
    expect(() => neonApi(run({ neonApiKey: "k" }))).not.toThrow();
    expect(() => tidbApi(run({ tidbPublicKey: "a", tidbPrivateKey: "b" }))).not.toThrow();
    expect(() => upstashApi(run({ upstashEmail: "a@example.com", upstashApiKey: "k" }))).not.toThrow();
  });
});
