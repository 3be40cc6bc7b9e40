/**
 * `<KEY>` in the contract's variable names (docs/runtime-contract.md): the handler key or
 * distribution name upper-cased, every character outside `[A-Z0-9]` replaced by `_`.
 */
export function envKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** `POCKET_<KEY>_QUEUEURL`: the SQS queue of handler `key`. */
export function queueUrlVariable(handlerKey: string): string {
  return `POCKET_${envKey(handlerKey)}_QUEUEURL`;
}

/** `POCKET_CLOUDFRONT_<NAME>_DOMAIN`: the domain of distribution `name`. */
export function distributionDomainVariable(distribution: string): string {
  return `POCKET_CLOUDFRONT_${envKey(distribution)}_DOMAIN`;
}

/** `POCKET_STAGE` is the contract's one "I am deployed" signal. */
export function isDeployed(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.POCKET_STAGE);
}

/** The region the stage lives in; the SDK's own variables when run outside a stage. */
export function pocketRegion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.POCKET_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** A secret or parameter given by ARN lives in the ARN's region, which may not be the stage's. */
export function regionOfArn(name: string): string | undefined {
  if (!name.startsWith("arn:")) return undefined;
  return name.split(":")[3] || undefined;
}
