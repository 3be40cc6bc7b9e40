/**
 * A problem the app's owner must fix (a missing secret or IAM permission, a malformed
 * environment, a bad argument). Thrown at cold start or from a helper, so the message alone has
 * to say what is wrong and what to do; `code` is stable for programs, `location` names what the
 * problem is about (an environment variable, a secret, `file:line`).
 *
 * Messages never contain secret values.
 */
export class PocketRuntimeError extends Error {
  readonly code: string;
  readonly location: string | undefined;
  constructor(code: string, message: string, options: { location?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PocketRuntimeError";
    this.code = code;
    this.location = options.location;
  }
}
