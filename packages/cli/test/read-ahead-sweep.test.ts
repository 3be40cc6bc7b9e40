import { afterEach, describe, expect, it } from "vitest";
import type { AwsClients } from "../src/aws/clients.js";
import { closeReadAhead } from "../src/aws/read-ahead.js";
import { readAhead } from "../src/engine/read-ahead.js";
import type { Resource, RunContext } from "../src/resources/resource.js";

/*
 * The engine's sweep under the stage lock (engine/read-ahead.ts): a stack's template is asked
 * with its status, not after the description the status waits for. Here the status never
 * finishes (its description is held back), and the template must still be asked.
 */
afterEach(() => closeReadAhead());

describe("read-ahead sweep", () => {
  it("asks a stack's template and the resource's own reads while its status still waits", async () => {
    const sent: string[] = [];
    const cloudformation = {
      send: async (command: { constructor: { name: string }; input: { StackName?: string } }) => {
        sent.push(`${command.constructor.name} ${command.input.StackName}`);
        return { TemplateBody: "{}" };
      },
    };
    const clients = {
      region: "us-east-1",
      cloudformation: async () => cloudformation,
    } as unknown as AwsClients;
    const run = { aws: () => clients } as unknown as RunContext;
    const held = new Promise<never>(() => {});
    const distribution = {
      id: "cloudfront:main",
      stack: { region: "us-east-1", name: "dev-app-main-cloudfront", template: () => ({}) },
      status: () => held,
      readsAhead: async () => sent.push("bucket policy"),
    } as unknown as Resource;
    readAhead(run, [distribution]);
    // Bounded wait (the SDK module loads first); the status stays held throughout.
    for (let i = 0; i < 1000 && sent.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sent.sort()).toEqual(["GetTemplateCommand dev-app-main-cloudfront", "bucket policy"]);
  });
});
