import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";

/**
 * A small AWS WAFv2 client for the allow-list IPSets (`pocket waf ip`, `pocket status`): the AWS
 * JSON 1.1 protocol (POST `/` with `X-Amz-Target: AWSWAF_20190729.<Operation>`), SigV4-signed
 * with the SDK's own signer and credential chain. The repository does not depend on
 * `@aws-sdk/client-wafv2`; the three IPSet operations pocket uses do not justify a new
 * dependency. Errors have the SDK's shape (`name`, `message`, `$metadata`) so `explainAwsError`
 * words them like any other AWS error. CloudFront-scope WAF lives in us-east-1.
 */
export interface Wafv2Client {
  readonly region: string;
  send<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T>;
}

export class Wafv2ServiceError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** SHA-256 (and HMAC-SHA-256 with a secret) in the shape the SigV4 signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function endpoint(region: string): URL {
  const configured = process.env.AWS_ENDPOINT_URL_WAFV2 ?? process.env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return new URL(`https://wafv2.${region}.${suffix}`);
}

const RETRYABLE = new Set([
  "ThrottlingException",
  "WAFInternalErrorException",
  "WAFUnavailableEntityException",
]);

export function wafv2Client(region: string, options: { profile?: string } = {}): Wafv2Client {
  const url = endpoint(region);
  let signer: Promise<import("@smithy/signature-v4").SignatureV4> | undefined;
  const makeSigner = async () => {
    const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([
      import("@smithy/signature-v4"),
      import("@aws-sdk/credential-provider-node"),
    ]);
    return new SignatureV4({
      service: "wafv2",
      region,
      credentials: defaultProvider(options.profile ? { profile: options.profile } : {}),
      sha256: Sha256,
    });
  };
  return {
    region,
    async send<T>(operation: string, input: Record<string, unknown>): Promise<T> {
      signer ??= makeSigner();
      const body = JSON.stringify(input);
      for (let attempt = 1; ; attempt++) {
        const request = await (await signer).sign({
          method: "POST",
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          path: url.pathname || "/",
          headers: {
            host: url.host,
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": `AWSWAF_20190729.${operation}`,
          },
          body,
        });
        let response: Response;
        try {
          response = await fetch(url, { method: "POST", headers: request.headers, body });
        } catch (error) {
          if (attempt < 4) {
            await pause(attempt);
            continue;
          }
          const cause = (error as { cause?: { code?: string } }).cause;
          throw Object.assign(
            new Error(`could not reach ${url.host}: ${cause?.code ?? (error as Error).message}`),
            {
              name: "TimeoutError",
              code: cause?.code,
            },
          );
        }
        const text = await response.text();
        if (response.ok) return (text ? JSON.parse(text) : {}) as T;
        let parsed: { __type?: string; message?: string; Message?: string } = {};
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          // an HTML error page from a proxy: keep the status
        }
        const name =
          parsed.__type?.split("#").pop() ?? response.headers.get("x-amzn-errortype")?.split(":")[0] ?? "";
        const error = new Wafv2ServiceError(
          name || `HTTP${response.status}`,
          parsed.message ?? parsed.Message ?? `AWS WAF answered ${response.status}`,
          response.status,
        );
        if ((RETRYABLE.has(name) || response.status >= 500) && attempt < 6) {
          await pause(attempt);
          continue;
        }
        throw error;
      }
    },
  };
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
}
