import { type AwsClients, callerIdentity } from "./clients.js";

/**
 * The partition every ARN pocket builds on the SDK side must use (`aws`, `aws-cn`,
 * `aws-us-gov`, ...). It is the caller's: GetCallerIdentity's ARN names it, so an ARN built for
 * a bucket policy or an IAM role is valid in whichever partition the credentials live in. Asked
 * with the account id, once per set of credentials.
 */
export async function callerPartition(clients: AwsClients): Promise<string> {
  return (await callerIdentity(clients)).arn.split(":")[1] || regionPartition(clients.region);
}

/** The partition a region belongs to, for code that has no credentials to ask. */
export function regionPartition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}
