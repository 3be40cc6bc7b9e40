import { createHash } from "node:crypto";
import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import { CliError } from "../errors.js";
import { containerEnvironment } from "../templates/container/environment.js";
import type { Json } from "../templates/template.js";

/**
 * The environment a handler runs with, as Lambda would give it: read back from a deployed
 * function, or assembled from the context for a stage that runs locally (`pocket dev`).
 */
export interface HandlerEnvironment {
  variables: Record<string, string>;
  /**
   * CloudFormation logical ids whose value was not known (an emulator that does not model the
   * resource, or a stage that is not deployed) → the placeholder that stands in for it.
   */
  placeholders: Record<string, string>;
}

/**
 * A stand-in id for a resource whose real id is unknown: 10 lower-case hex characters, the shape
 * of an API Gateway id, so a host built from it is a valid DNS name. Stable per logical id.
 */
export function placeholderId(logicalId: string): string {
  return createHash("sha256").update(logicalId).digest("hex").slice(0, 10);
}

/** `${LogicalId}` left unresolved in a value (what emulators return for resources they lack). */
const UNRESOLVED = /\$\{([A-Za-z0-9]+)\}/g;

/** Replaces unresolved `${LogicalId}` references by placeholders, and says which. */
export function withPlaceholders(variables: Record<string, string>): HandlerEnvironment {
  const placeholders: Record<string, string> = {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(variables)) {
    out[k] = v.replace(UNRESOLVED, (_m, id: string) => {
      placeholders[id] ??= placeholderId(id);
      return placeholders[id];
    });
  }
  return { variables: out, placeholders };
}

/** The environment of a deployed function (GetFunctionConfiguration), placeholders filled in. */
export async function deployedEnvironment(clients: AwsClients, name: string): Promise<HandlerEnvironment> {
  const { GetFunctionConfigurationCommand } = await import("@aws-sdk/client-lambda");
  const lambda = await clients.lambda();
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const variables = config.Environment?.Variables;
  if (!variables) {
    throw new CliError("function-environment-missing", `the function ${name} has no environment.`, {
      hint: "It was not deployed by pocket (every pocket function has POCKET_STAGE): run `pocket deploy` first.",
    });
  }
  return withPlaceholders(variables);
}

export interface LocalEnvironmentOptions {
  accountId?: string;
  partition?: string;
  /** Known values of logical ids (Ref, GetAtt, `${Id}`, ImportValue by export name). */
  refs?: Record<string, string>;
}

/**
 * The environment the stage's functions would get, without deploying: the container template's
 * variables with CloudFormation's functions resolved here. Queue URLs are the stage's real ones;
 * anything else CloudFormation would fill in (an API id, a stack parameter) becomes a placeholder.
 */
export function localEnvironment(
  ctx: PocketContext,
  options: LocalEnvironmentOptions = {},
): HandlerEnvironment {
  const c = ctx.container;
  if (!c) {
    throw new CliError("no-container", `stage ${ctx.stage} has no [awscontainer].`, {
      hint: "Add [awscontainer] with at least one handler to pocket.toml.",
    });
  }
  const accountId = options.accountId ?? "123456789012";
  const refs: Record<string, string> = {
    "AWS::Region": c.region,
    "AWS::AccountId": accountId,
    "AWS::Partition": options.partition ?? "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": c.stackName,
  };
  for (const h of Object.values(c.handlers)) {
    if (h.queueName)
      refs[`${h.logicalId}SqsQueue`] = `https://sqs.${c.region}.amazonaws.com/${accountId}/${h.queueName}`;
  }
  Object.assign(refs, options.refs);
  const placeholders: Record<string, string> = {};
  const lookup = (id: string): string => {
    const known = refs[id];
    if (known !== undefined) return known;
    placeholders[id] ??= placeholderId(id);
    return placeholders[id];
  };
  const resolve = (v: Json): string => {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (v === null || Array.isArray(v)) throw unsupported(v);
    if ("Ref" in v) return lookup(String(v.Ref));
    if ("Fn::GetAtt" in v) return lookup((v["Fn::GetAtt"] as Json[]).map(String).join("."));
    if ("Fn::ImportValue" in v) return lookup(resolve(v["Fn::ImportValue"] as Json));
    if ("Fn::Join" in v) {
      const [sep, parts] = v["Fn::Join"] as [string, Json[]];
      return parts.map(resolve).join(sep);
    }
    if ("Fn::Sub" in v) {
      const sub = v["Fn::Sub"] as Json;
      const [text, vars] = typeof sub === "string" ? [sub, {}] : (sub as [string, Record<string, Json>]);
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) =>
        name in vars ? resolve(vars[name]!) : lookup(name),
      );
    }
    throw unsupported(v);
  };
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(containerEnvironment(ctx))) variables[k] = resolve(v);
  return { variables, placeholders };
}

function unsupported(v: Json): Error {
  // A template change brought a function this resolver does not know: a bug here, not user input.
  return new Error(`localEnvironment cannot resolve ${JSON.stringify(v)}`);
}
