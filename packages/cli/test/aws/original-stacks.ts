import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { motoEnv } from "../moto/moto.js";
import { REGION } from "./harness.js";

/*
 * The original's stacks on moto, for the takeover tests (issue 22): its rendered templates are
 * read from beside the checkout (never copied in; CI has them) and created as it deployed them.
 */
const TEMPLATES = join(import.meta.dirname, "../../../../..", "shared", "spec", "original-templates");

/** One of the original's rendered files, e.g. `original("tk", "42a3468-vpc.yaml")`. */
export const original = (folder: string, file: string) => readFileSync(join(TEMPLATES, folder, file), "utf8");

/**
 * The original's template as moto can create it, meaning the same: moto's check of the outputs
 * reads only the list form of Fn::GetAtt; its EFS access point has no Arn attribute and its
 * CloudFormation has no ApiGatewayV2 (both ARN and endpoint are spelled from the ids, as pocket's
 * own templates do); its event source mapping takes numbers only.
 */
export function forMoto(body: string): string {
  return body
    .replace(
      /Fn::GetAtt: "(\w+)Api\.ApiEndpoint"/g,
      'Fn::Sub: "https://${$1Api}.execute-api.${AWS::Region}.amazonaws.com"',
    )
    .replace(/(BatchSize|MaximumConcurrency): "(\d+)"/g, "$1: $2")
    .replace(
      "Fn::GetAtt: EfsAccessPoint.Arn",
      'Fn::Sub: "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:access-point/${EfsAccessPoint}"',
    )
    .replace(/Fn::GetAtt: "?([A-Za-z0-9]+)\.([A-Za-z.]+)"?/g, "Fn::GetAtt: [$1, $2]");
}

/** Creates a stack from the original's template (made creatable by forMoto) and waits for it. */
export async function createStack(name: string, region: string, body: string): Promise<void> {
  await new CloudFormationClient({ region }).send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: forMoto(body),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  await waitUntilStackCreateComplete(
    { client: new CloudFormationClient({ region }), maxWaitTime: 60 },
    { StackName: name },
  );
}

/**
 * EFS's file-system API on moto, spelled out (pocket has no EFS client: its file systems are in
 * the VPC stack); moto routes by the service in the credential scope and checks no signature.
 */
export async function efs(method: "GET" | "POST", body?: unknown): Promise<unknown> {
  const response = await fetch(`${motoEnv(REGION).AWS_ENDPOINT_URL}/2015-02-01/file-systems`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/elasticfilesystem/aws4_request, SignedHeaders=host, Signature=0`,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`EFS ${method}: ${response.status} ${await response.text()}`);
  return response.json();
}
