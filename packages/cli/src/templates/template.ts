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
