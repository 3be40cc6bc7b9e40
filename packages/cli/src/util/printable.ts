/**
 * Text read from AWS or from a file another machine wrote (log lines, a lock holder, a stack
 * event's reason) is printed through `printable`, so it can never drive the terminal: C0 and C1
 * control characters (ESC, BEL, CSI, ...) and DEL become visible escapes such as `\x1b`.
 * Line feeds and tabs are kept where the caller allows them (a multi-line log message).
 */
export function printable(text: string, options: { keepNewlines?: boolean } = {}): string {
  // Fast path: most text has no control character at all.
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (!control) out += ch;
    else if (ch === "\t" || (options.keepNewlines && ch === "\n")) out += ch;
    else out += `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return out;
}
