import { spawnSync } from "node:child_process";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateToken, parseDotenv, verifyToken } from "../src/index.js";

// The Python runtime (python/src/pocket) and this package read the same .env files and issue the
// same SPA tokens; these properties run both on the same generated inputs.
const PYTHON = process.env.POCKET_TEST_PYTHON ?? "python3";
const PYTHONPATH = join(import.meta.dirname, "../../../python/src");

const SCRIPT = `
import json, sys
from pocket.django.spa_auth import generate_token, verify_token
from pocket.local import parse_dotenv
from pocket.errors import PocketRuntimeError
cases = json.load(sys.stdin)
out = {"tokens": [], "verified": [], "dotenv": []}
for c in cases["tokens"]:
    out["tokens"].append(generate_token(c["user"], c["secret"], max_age=c["maxAge"], now=c["now"]))
for c in cases["verify"]:
    out["verified"].append(verify_token(c["token"], c["secret"], now=c["now"]))
for text in cases["dotenv"]:
    try:
        out["dotenv"].append({"ok": parse_dotenv(text)})
    except PocketRuntimeError:
        out["dotenv"].append({"error": True})
json.dump(out, sys.stdout)
`;

function python(cases: unknown): {
  tokens: string[];
  verified: (string | null)[];
  dotenv: ({ ok: Record<string, string> } | { error: true })[];
} {
  const r = spawnSync(PYTHON, ["-c", SCRIPT], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH },
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const hexSecret = fc.uint8Array({ minLength: 1, maxLength: 48 }).map((b) => Buffer.from(b).toString("hex"));
const userId = fc.string({ minLength: 1, maxLength: 24, unit: "grapheme" }).filter((s) => !s.includes(":"));

describe("parity with the Python runtime", () => {
  it("issues the same tokens and accepts the same ones", () => {
    const cases = fc.sample(
      fc.record({
        user: userId,
        secret: hexSecret,
        maxAge: fc.integer({ min: 0, max: 10_000_000 }),
        now: fc.integer({ min: 0, max: 4_000_000_000 }),
      }),
      { numRuns: 150, seed: 15 },
    );
    const tampered = cases.map((c, i) => {
      const token = generateToken(c.user, { secret: c.secret, maxAge: c.maxAge, now: c.now * 1000 });
      // Every third token is altered in its last signature digit, every fifth checked after expiry.
      const text = i % 3 === 0 ? token.slice(0, -1) + (token.endsWith("0") ? "1" : "0") : token;
      const now = i % 5 === 0 ? c.now + c.maxAge + 1 : c.now;
      return { token: text, secret: c.secret, now };
    });
    const py = python({ tokens: cases, verify: tampered, dotenv: [] });
    expect(
      cases.map((c) => generateToken(c.user, { secret: c.secret, maxAge: c.maxAge, now: c.now * 1000 })),
    ).toEqual(py.tokens);
    expect(tampered.map((t) => verifyToken(t.token, { secret: t.secret, now: t.now * 1000 }))).toEqual(
      py.verified,
    );
    // Both answers occur, so the comparison covers acceptance and refusal.
    expect(py.verified.filter((v) => v === null).length).toBeGreaterThan(30);
    expect(py.verified.filter((v) => v !== null).length).toBeGreaterThan(30);
  });

  it("reads .env text the same way, errors included", () => {
    const piece = fc.constantFrom(
      "A=1",
      "export B = two words ",
      "C='single # quoted'",
      'D="esc \\" \\n \\t \\\\ done" # comment',
      "E=url#frag # note",
      "# comment",
      "",
      "   ",
      "F=",
      "G='unterminated",
      'H="bad" trailing',
      "not an assignment",
      "9X=bad key",
      "I= spaced value\t",
      "export\tJ=tab",
      "K='a'   # fine",
      'L="multi # hash"',
    );
    const texts = fc.sample(
      fc.array(piece, { minLength: 1, maxLength: 6 }).map((lines) => lines.join("\n")),
      { numRuns: 200, seed: 15 },
    );
    const py = python({ tokens: [], verify: [], dotenv: texts });
    const node = texts.map((text) => {
      try {
        return { ok: parseDotenv(text) };
      } catch {
        return { error: true as const };
      }
    });
    expect(node).toEqual(py.dotenv);
    expect(py.dotenv.filter((d) => "error" in d).length).toBeGreaterThan(20);
    expect(py.dotenv.filter((d) => "ok" in d).length).toBeGreaterThan(20);
  });
});
