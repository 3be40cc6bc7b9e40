/**
 * CloudFormation templates are plain objects built by TypeScript functions from the derived
 * context; YAML is only a rendering of them. Values known only at deploy time (the image digest,
 * hosted-zone ids, outputs of stacks in other regions) are template Parameters, so a template can
 * be built and reviewed offline and the deploy passes the values.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface TemplateParameter {
  Type: "String" | "Number" | "CommaDelimitedList" | "AWS::EC2::VPC::Id" | "List<AWS::EC2::Subnet::Id>";
  Description?: string;
  Default?: string | number;
  AllowedPattern?: string;
  NoEcho?: boolean;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: "Delete" | "Retain" | "Snapshot";
  UpdateReplacePolicy?: "Delete" | "Retain" | "Snapshot";
  Metadata?: Record<string, Json>;
}

export interface TemplateOutput {
  Description?: string;
  Value: Json;
  Export?: { Name: Json };
  Condition?: string;
}

export interface Template {
  AWSTemplateFormatVersion: "2010-09-09";
  Description: string;
  Parameters?: Record<string, TemplateParameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, TemplateOutput>;
}

/** Intrinsic-function helpers, so builders read like the template they produce. */
export const cfn = {
  ref: (name: string): Json => ({ Ref: name }),
  getAtt: (resource: string, attribute: string): Json => ({ "Fn::GetAtt": [resource, attribute] }),
  sub: (text: string, vars?: Record<string, Json>): Json =>
    vars ? { "Fn::Sub": [text, vars] } : { "Fn::Sub": text },
  importValue: (name: Json): Json => ({ "Fn::ImportValue": name }),
  join: (sep: string, parts: Json[]): Json => ({ "Fn::Join": [sep, parts] }),
  select: (index: number, list: Json): Json => ({ "Fn::Select": [index, list] }),
  split: (sep: string, value: Json): Json => ({ "Fn::Split": [sep, value] }),
  if: (condition: string, whenTrue: Json, whenFalse: Json): Json => ({
    "Fn::If": [condition, whenTrue, whenFalse],
  }),
  equals: (a: Json, b: Json): Json => ({ "Fn::Equals": [a, b] }),
  not: (c: Json): Json => ({ "Fn::Not": [c] }),
  getAZs: (region = ""): Json => ({ "Fn::GetAZs": region }),
  noValue: { Ref: "AWS::NoValue" } as Json,
  tags: (tags: Record<string, string>): Json => Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
};

/**
 * Where the deploy takes a stack parameter's value from. Templates declare it next to the
 * parameter; the engine resolves every kind in one place (`src/engine/parameters.ts`).
 */
export type ParameterSource =
  /** The image this deploy built or was given (`--image`). */
  | { kind: "image" }
  /** The deploy's hash: `DEPLOY_HASH`, else git's short HEAD (docs/decisions.md#e22-deploy-hash-versioning). */
  | { kind: "deploy-hash" }
  /** An output of another resource of the stage, deployed in this run or read back. */
  | { kind: "resource-output"; resource: string; field: string }
  /** An output (or export) of a stack; `ifMissing: "empty"` passes "" until the stack has it. */
  | { kind: "stack-output"; region: string; stackName: string; output: string; ifMissing: "empty" | "error" }
  /** The numbered private-subnet outputs of a VPC stack (one shared by another project must carry `requireTag`). */
  | {
      kind: "subnets";
      region: string;
      stackName: string;
      prefix: string;
      requireTag?: { key: string; value: string };
    }
  /** The Route 53 hosted zone of a domain; `overrideKey` names the setting that skips the lookup. */
  | { kind: "hosted-zone"; domain: string; overrideKey: string };
