import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, CreateDistributionCommand } from "@aws-sdk/client-cloudfront";

/**
 * A distribution for front-end uploads on moto: made through moto's CloudFront API (which knows
 * it, so invalidations work), with a stand-in stack named as pocket names the distribution's
 * stack that carries its id as the `DistributionId` output, which is all an upload reads.
 * Its description marks it as pocket's (as the real template's does), so the takeover check does not
 * read it as a stack the original deployed. Returns the distribution id.
 */
export async function standInDistribution(bucket: string, stackName: string): Promise<string> {
  const created = await new CloudFrontClient({ region: "us-east-1" }).send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `pocket-test-${stackName}`,
        Comment: "stand-in",
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [
            {
              Id: "s3",
              DomainName: `${bucket}.s3.amazonaws.com`,
              S3OriginConfig: { OriginAccessIdentity: "" },
            },
          ],
        },
        DefaultCacheBehavior: {
          TargetOriginId: "s3",
          ViewerProtocolPolicy: "redirect-to-https",
          CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
      },
    }),
  );
  const id = created.Distribution!.Id!;
  await new CloudFormationClient({ region: "us-east-1" }).send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify({
        Description: `magic-pocket CloudFront distribution (test stand-in for ${stackName})`,
        Resources: { Placeholder: { Type: "AWS::CloudFormation::WaitConditionHandle" } },
        Outputs: { DistributionId: { Value: id } },
      }),
    }),
  );
  return id;
}
