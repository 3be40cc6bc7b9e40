/**
 * Which AWS call an error came from. The SDK's errors do not say (a cut connection is a bare
 * `Error: aborted`), so the client factory tags every error a call ends with, including one
 * raised later while the caller reads a streamed body (S3 GetObject), with the service, the
 * operation and the endpoint. aws/errors.ts puts them in the message.
 */
export interface FailedCall {
  /** `CloudFormation`, `S3`, ... */
  service: string;
  /** `DescribeStacks`, `GetObject`, ... */
  operation: string;
  /** `https://host[:port]`, without path or query. */
  endpoint?: string;
}

const KEY = "$pocketCall";

export function failedCallOf(error: unknown): FailedCall | undefined {
  if (!error || typeof error !== "object") return undefined;
  return (error as { [KEY]?: FailedCall })[KEY];
}

/** Names the call an error came from (kept when it already names one). */
export function tagFailedCall(error: unknown, call: FailedCall): void {
  if (!error || typeof error !== "object" || KEY in error) return;
  try {
    Object.defineProperty(error, KEY, { value: call, enumerable: false });
  } catch {
    // A frozen error keeps its own message.
  }
}

interface CallContext {
  clientName?: string;
  commandName?: string;
  endpointV2?: { url?: URL };
}

interface Stream {
  on(event: "error", listener: (error: unknown) => void): unknown;
}

type Handler = (args: unknown) => Promise<{ output?: Record<string, unknown> }>;

/** The part of an SDK client this needs (every v3 client has it). */
export interface WithMiddleware {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's own middleware types vary per client
    add(middleware: any, options: { step: "initialize"; name: string }): void;
  };
}

/** Adds the tagging to a client; returns the client. */
export function tagFailedCalls<T extends WithMiddleware>(client: T): T {
  client.middlewareStack.add(
    (next: Handler, context: CallContext) => async (args: unknown) => {
      const call = (): FailedCall => {
        const url = context.endpointV2?.url;
        return {
          service: (context.clientName ?? "AWS").replace(/Client$/, ""),
          operation: (context.commandName ?? "call").replace(/Command$/, ""),
          ...(url ? { endpoint: `${url.protocol}//${url.host}` } : {}),
        };
      };
      try {
        const result = await next(args);
        // A streamed body is read after the call returns; a cut there surfaces on the stream.
        for (const value of Object.values(result.output ?? {})) {
          if (value && typeof (value as Stream).on === "function") {
            (value as Stream).on("error", (error) => tagFailedCall(error, call()));
          }
        }
        return result;
      } catch (error) {
        tagFailedCall(error, call());
        throw error;
      }
    },
    { step: "initialize", name: "pocketTagFailedCalls" },
  );
  return client;
}
