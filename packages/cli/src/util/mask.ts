/** `abcd…wxyz (40 chars)`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return key.length > 12
    ? `${key.slice(0, 4)}…${key.slice(-4)} (${key.length} chars)`
    : `(${key.length} chars)`;
}

/**
 * Secret values shorter than this are not masked in printed text: a short value ("admin", a port,
 * "true") also occurs in ordinary text, and masking every occurrence would garble output while
 * protecting little. Generated values are far longer (docs/decisions.md#p24-printed-output-shows-no-secret-and-drives-no-terminal).
 */
export const MIN_MASKED_LENGTH = 8;

/** One secret of the stage, as loaded for masking: its name and every form its value may be printed in. */
export interface KnownSecret {
  name: string;
  value: string;
}

/**
 * The forms one stored value can show up in a log line: the value itself; its JSON-escaped and
 * URL-encoded spellings; the comma-separated parts (an origin-verify value during a rotation);
 * the password of `user:password` and of a URL (database URLs); the string leaves of a JSON
 * object (a Secrets Manager secret holding `{"username": ..., "password": ...}`); the lines of a
 * base64-encoded PEM once decoded (a key pair's private half).
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const json = value.startsWith("{");
  if (!json) for (const part of value.split(",")) forms.add(part.trim());
  const colon = value.indexOf(":");
  if (!json && colon > 0 && !value.includes("://")) forms.add(value.slice(colon + 1));
  try {
    const url = new URL(value);
    if (url.password) forms.add(url.password).add(decodeURIComponent(url.password));
  } catch {
    // not a URL
  }
  if (json) {
    try {
      const leaves = (v: unknown): string[] =>
        typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(leaves) : [];
      for (const leaf of leaves(JSON.parse(value))) forms.add(leaf);
    } catch {
      // not JSON
    }
  }
  if (/^[A-Za-z0-9+/=]+$/.test(value)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (decoded.startsWith("-----BEGIN ")) {
      forms.add(decoded.trim());
      for (const line of decoded.split("\n")) if (!line.startsWith("-----")) forms.add(line.trim());
    }
  }
  for (const form of [...forms]) {
    forms.add(JSON.stringify(form).slice(1, -1));
    forms.add(encodeURIComponent(form));
  }
  return [...forms].filter((f) => f.length >= MIN_MASKED_LENGTH);
}

/**
 * A function that replaces every known secret value in a text with `[masked NAME]`. Longer
 * forms are tried first, so a value that contains another is masked whole.
 */
export function secretMasker(secrets: readonly KnownSecret[]): (text: string) => string {
  const byForm = new Map<string, string>();
  for (const s of secrets)
    for (const form of secretForms(s.value)) if (!byForm.has(form)) byForm.set(form, s.name);
  if (byForm.size === 0) return (text) => text;
  const forms = [...byForm.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => text.replace(pattern, (found) => `[masked ${byForm.get(found)}]`);
}
