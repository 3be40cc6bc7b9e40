import type { AwsClients } from "./clients.js";

/**
 * The partition every ARN pocket builds on the SDK side must use (`aws`, `aws-cn`,
 * `aws-us-gov`, ...). It is the caller's: GetCallerIdentity's ARN names it, so an ARN built for
 * a bucket policy or an IAM role is valid in whichever partition the credentials live in. Asked
 * once per process, as the account id is (one set of credentials per run).
 */
let partition: Promise<string> | undefined;
export function callerPartition(clients: AwsClients): Promise<string> {
  partition ??= (async () => {
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const out = await (await clients.sts()).send(new GetCallerIdentityCommand({}));
    return out.Arn?.split(":")[1] || regionPartition(clients.region);
  })();
  return partition;
}

/** The partition a region belongs to, for code that has no credentials to ask. */
export function regionPartition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}
