import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostics, loadConfig, readConfigSource, validateAllStages } from "../src/index.js";
import { decodeUtf8, firstInvalidByte } from "../src/utf8.js";

const GENERAL = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n';

function fileWith(bytes: Buffer | string): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-read-"));
  writeFileSync(join(dir, "pocket.toml"), bytes);
  return join(dir, "pocket.toml");
}

const codesOf = (configPath: string) => {
  const r = readConfigSource({ configPath });
  return r.ok ? [] : r.diagnostics.map((d) => d.code);
};

describe("pocket.toml is read from a regular file, at most 1 MiB of it", () => {
  it("refuses a character device and a folder by what they are", () => {
    // /dev/null reports 0 bytes like /dev/zero, which never ends: the size a path reports is no bound.
    const device = readConfigSource({ configPath: "/dev/null" });
    expect(!device.ok && device.diagnostics[0]).toMatchObject({
      code: "config-not-a-file",
      message: "/dev/null is a character device; pocket reads its configuration from a regular file",
    });
    const folder = mkdtempSync(join(tmpdir(), "pocket-read-"));
    const r = readConfigSource({ configPath: folder });
    expect(!r.ok && r.diagnostics[0]!.message).toBe(
      `${folder} is a folder; pocket reads its configuration from a regular file`,
    );
  });

  it.runIf(existsSync("/proc/kallsyms"))(
    "caps what it reads of a file that reports fewer bytes than it holds",
    () => {
      // A /proc file reports 0 bytes and holds megabytes.
      expect(codesOf("/proc/kallsyms")).toEqual(["config-too-large"]);
    },
  );
});

describe("pocket.toml must be UTF-8", () => {
  it("refuses an invalid byte at its line and column, with a code frame", () => {
    const file = fileWith(
      Buffer.concat([Buffer.from(`${GENERAL}\n[s3]\nname = "café-`), Buffer.from([0xff, 0x22, 0x0a])]),
    );
    const r = validateAllStages({ configPath: file });
    expect(r.diagnostics).toHaveLength(1);
    const [d] = r.diagnostics;
    expect(d).toMatchObject({ code: "invalid-utf8", position: { line: 6, column: 14 } });
    expect(d!.message).toContain("byte 0xFF");
    const text = formatDiagnostics(r.diagnostics, { sources: new Map([[file, r.source!.text]]) });
    expect(text).toContain('6 | name = "café-\uFFFD"\n    |              ^');
    const stage = loadConfig({ configPath: file, stage: "dev" });
    expect(!stage.ok && stage.diagnostics.map((x) => x.code)).toEqual(["invalid-utf8"]);
    // Valid UTF-8 reads as before, a byte-order mark included.
    const source = `\uFEFF${GENERAL}\n[s3]\n# 日本語 🙂\n`;
    const valid = readConfigSource({ configPath: fileWith(source) });
    expect(valid.ok && valid.source.text).toBe(source);
  });

  it("finds the first ill-formed sequence where TextDecoder stops", () => {
    const cases: [number[], number][] = [
      [[0x61, 0x80], 1], // a stray continuation byte
      [[0xc0, 0xaf], 0], // overlong "/"
      [[0xe0, 0x80, 0xaf], 0], // overlong, three bytes
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // cut short by the end
      [[0xe2, 0x82, 0x41], 0], // cut short by an ASCII byte
      [[0xf0, 0x9f, 0x98, 0x80, 0xfe], 4], // after a valid four-byte character
    ];
    for (const [bytes, offset] of cases) {
      expect(firstInvalidByte(Uint8Array.from(bytes))).toBe(offset);
      expect(decodeUtf8(Uint8Array.from(bytes)).ok).toBe(false);
      // The bytes before it are valid: TextDecoder agrees.
      new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes.slice(0, offset)));
    }
  });
});
