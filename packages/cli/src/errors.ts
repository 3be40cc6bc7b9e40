/** An error the user can act on: printed as one paragraph plus a hint, never with a stack trace. */
export class CliError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;
  constructor(code: string, message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Exit codes: 0 ok, 1 the user's input or the cloud said no, 2 usage, 70 a bug in pocket. */
export const EXIT = { ok: 0, failure: 1, usage: 2, internal: 70 } as const;
