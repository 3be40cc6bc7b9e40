import { expect, inject } from "vitest";

/**
 * moto's request recorder: every AWS call a command made, reduced to its operation name, so a
 * test can assert what a deploy changed (or that it changed nothing).
 */
export async function record<T>(
  work: () => T | Promise<T>,
): Promise<{ result: T; operations: string[]; bodies: string[]; requests: RecordedRequest[] }> {
  const base = inject("motoEndpoint");
  await fetch(`${base}/moto-api/recorder/reset-recording`, { method: "POST" });
  await fetch(`${base}/moto-api/recorder/start-recording`, { method: "POST" });
  let result: T;
  try {
    result = await work();
  } finally {
    await fetch(`${base}/moto-api/recorder/stop-recording`, { method: "POST" });
  }
  const text = await (await fetch(`${base}/moto-api/recorder/download-recording`)).text();
  const requests = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as RecordedRequest);
  return { result: result!, operations: requests.map(operationOf), bodies: requests.map(bodyOf), requests };
}

/** A request the recorder saw, with the step (`deploy`, `destroy`) whose command made it. */
export interface StepRequest {
  step: string;
  request: RecordedRequest;
}

/**
 * A run of named steps, each a command that must succeed, recording every request each made:
 * what a permissions test checks against the policy. `run` runs the CLI with the step's args.
 */
export function recordedSteps<R extends { status: number | null; stderr: string }>(
  run: (args: string[]) => R | Promise<R>,
): { requests: StepRequest[]; step: (name: string, args: string[]) => Promise<R> } {
  const requests: StepRequest[] = [];
  const step = async (name: string, args: string[]) => {
    const r = await record(() => run(args));
    expect(r.result.status, `${name}: ${r.result.stderr}`).toBe(0);
    for (const request of r.requests) requests.push({ step: name, request });
    return r.result;
  };
  return { requests, step };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  body_encoded?: boolean;
}

/** The request body as bytes (S3 uploads are binary). */
export function rawBody(r: RecordedRequest): Buffer {
  return r.body ? Buffer.from(r.body, r.body_encoded ? "base64" : "utf8") : Buffer.alloc(0);
}

function bodyOf(r: RecordedRequest): string {
  return r.body ? (r.body_encoded ? Buffer.from(r.body, "base64").toString("utf8") : r.body) : "";
}

export function operationOf(r: RecordedRequest): string {
  const target = r.headers["X-Amz-Target"];
  if (target) return target.split(".").pop()!;
  const body = bodyOf(r);
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1] ?? new URL(r.url).searchParams.get("Action");
  if (action) return action;
  // S3 (REST): the SDK names the operation in x-id; otherwise method + path.
  const id = new URL(r.url).searchParams.get("x-id");
  return id ?? `${r.method} ${new URL(r.url).pathname}`;
}

const READ = /^(Get|Describe|List|Head|BatchGet|Check|Search|Lookup)|^(HEAD|GET) /;

export function mutating(operations: string[]): string[] {
  return operations.filter((op) => !READ.test(op));
}

/**
 * A deploy of a stage that is up to date: it succeeds, says so, and its only writes are the
 * deploy lock's (an object in the state bucket, put then deleted).
 */
export async function expectNoChangeDeploy(
  deploy: () =>
    | { status: number | null; stderr: string }
    | Promise<{ status: number | null; stderr: string }>,
): Promise<void> {
  const again = await record(deploy);
  expect(again.result.status, again.result.stderr).toBe(0);
  expect(again.result.stderr).toContain("No changes: stage dev is up to date");
  expect(mutating(again.operations)).toEqual(["PutObject", "DeleteObject"]);
}
