import { describe, expect, it } from "vitest";
import { awsClients } from "../src/aws/clients.js";
import { invokeFunction } from "../src/aws/invoke.js";
import { useLocalAwsEndpoint } from "./local-aws-endpoint.js";

// A local Lambda endpoint: each test says how it answers. The real client from the factory.
describe("a synchronous invocation", () => {
  let invokes = 0;
  let answer: (n: number, res: import("node:http").ServerResponse) => void = () => {};
  useLocalAwsEndpoint((req, res) => {
    req.resume();
    req.on("end", () => answer(++invokes, res));
  });

  it("is never sent twice when its answer is lost (the function may have run)", async () => {
    invokes = 0;
    answer = (_n, res) => res.socket?.destroy();
    const error = await invokeFunction(awsClients("eu-west-2"), { FunctionName: "f" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(invokes).toBe(1);
  });

  it("is tried again when Lambda throttles it (the function did not run)", async () => {
    invokes = 0;
    answer = (n, res) => {
      if (n === 1) {
        res.writeHead(429, {
          "Content-Type": "application/json",
          "x-amzn-errortype": "TooManyRequestsException",
        });
        res.end(JSON.stringify({ message: "Rate exceeded", Type: "User" }));
      } else {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ ok: true }));
      }
    };
    const out = await invokeFunction(awsClients("eu-west-2"), { FunctionName: "f" });
    expect(new TextDecoder().decode(out.Payload)).toBe('{"ok":true}');
    expect(invokes).toBe(2);
  });
});
