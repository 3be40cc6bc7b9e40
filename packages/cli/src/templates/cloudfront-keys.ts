import type { CloudFrontContext } from "@magic-pocket/config";
import { cfn, type Template } from "./template.js";

/** The parameter the deploy fills with the PEM public key read from the managed secret. */
export const PUBLIC_KEY_PARAMETER = "EncodedPublicKey";

/**
 * `{cfSlug}-cloudfront-keys` (us-east-1): the public half of the distribution's signing key and
 * a key group for its signed routes. The key is a Parameter, not literal text, so the template can
 * be rendered without reading secrets and "did it change?" compares the parameter value too
 * (the original rendered an empty key offline, so an existing stack always looked stale:
 * docs/decisions.md#p4-signing-key-id-without-a-cross-region-import). Names carry the
 * distribution, so two signed distributions in one stage do not collide; a stage the original
 * deployed keeps its names (`kept`): CloudFront changes only a key's comment in place
 * (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */
export function cloudfrontKeysTemplate(
  cf: CloudFrontContext,
  kept?: { publicKey: string; keyGroup: string },
): Template {
  const key = cf.signingKey;
  if (!key) throw new Error(`distribution ${cf.name} has no signing_key`);
  const publicKeyName = kept?.publicKey ?? key.publicKeyName;
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket CloudFront signing keys for ${cf.slug}`,
    Parameters: {
      [PUBLIC_KEY_PARAMETER]: {
        Type: "String",
        Description: `PEM public key (SubjectPublicKeyInfo) of the managed secret ${key.secret}`,
        AllowedPattern: "-----BEGIN PUBLIC KEY-----[\\s\\S]+-----END PUBLIC KEY-----\\s*",
      },
    },
    Resources: {
      PublicKey: {
        Type: "AWS::CloudFront::PublicKey",
        Properties: {
          PublicKeyConfig: {
            Name: publicKeyName,
            CallerReference: publicKeyName,
            EncodedKey: cfn.ref(PUBLIC_KEY_PARAMETER),
            Comment: `signing key ${key.secret} of ${cf.slug}`,
          },
        },
      },
      KeyGroup: {
        Type: "AWS::CloudFront::KeyGroup",
        Properties: {
          KeyGroupConfig: { Name: kept?.keyGroup ?? key.keyGroupName, Items: [cfn.ref("PublicKey")] },
        },
      },
    },
    Outputs: {
      PublicKeyId: { Value: cfn.ref("PublicKey"), Export: { Name: key.exports.publicKeyId } },
      KeyGroupId: { Value: cfn.ref("KeyGroup"), Export: { Name: key.exports.keyGroupId } },
    },
  };
}
