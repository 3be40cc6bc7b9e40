/** `abcd…wxyz (40 chars)`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return key.length > 12
    ? `${key.slice(0, 4)}…${key.slice(-4)} (${key.length} chars)`
    : `(${key.length} chars)`;
}
