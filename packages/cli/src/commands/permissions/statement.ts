/**
 * One statement of a generated IAM policy. ARNs are written with `${AWS::Partition}` and
 * `${AWS::AccountId}`, so the same statements serve a CloudFormation template (`Fn::Sub`) and,
 * substituted, a JSON policy document.
 */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[] | "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

export const P = "${AWS::Partition}";
export const A = "${AWS::AccountId}";

/** A managed policy given by name is a customer managed policy of the account. */
export function policyArn(value: string): string {
  return value.startsWith("arn:") ? value : `arn:${P}:iam::${A}:policy/${value}`;
}
