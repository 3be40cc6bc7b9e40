import { CliError } from "../../errors.js";
import { cloudfrontKeysTemplate, PUBLIC_KEY_PARAMETER } from "../../templates/cloudfront-keys.js";
import { resourceKind } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { publicKeyPem } from "../secrets/values.js";
import { stackResource } from "../stack-resource.js";

/**
 * The public half of each signed distribution's key (a managed `cloudfront_signing_key`) and its
 * key group, in a stack of its own in us-east-1, deployed before the container that signs URLs.
 */
export default resourceKind({
  group: "cloudfront-keys",
  noun: "the CloudFront keys stacks",
  description: "CloudFront signing keys",
  named: "distribution",
  section: "signing_key on a [cloudfront.NAME]",
  stacks: true,
  absent: () => ({
    code: "no-signing-key",
    message: "no distribution of this stage has signing_key, so there is no keys stack.",
    hint: 'Set signing_key = "NAME" on a distribution (a managed secret of type cloudfront_signing_key).',
  }),
  create: (ctx) => {
    const secrets = ctx.container?.secrets;
    if (!secrets) return [];
    return Object.values(ctx.cloudfront ?? {}).flatMap((cf) => {
      const key = cf.signingKey;
      if (!key) return [];
      return [
        stackResource({
          id: `cloudfront-keys:${cf.name}`,
          title: `CloudFront keys ${key.keysStackName}`,
          group: "cloudfront-keys",
          name: cf.name,
          dependsOn: ["secrets"],
          // Beside its distribution's stack (cf.region is read when asked: the takeover check sets it).
          region: () => cf.region,
          stackName: key.keysStackName,
          template: () => cloudfrontKeysTemplate(cf, ctx.original?.signingKeyNames?.[cf.name]),
          // The PEM comes from the secrets store: no declared source kind reads it.
          extraParameters: async (run) => {
            const stored = await managedSecretStore(
              run.aws(secrets.region),
              secrets,
              ctx.stage,
              ctx.project,
            ).read();
            const pem = publicKeyPem(stored[key.secret]);
            if (!pem) {
              throw new CliError(
                "signing-key-missing",
                `the managed secret ${key.secret} has no key pair yet.`,
                {
                  hint: "Deploy the secrets first (`pocket deploy` does), or run `pocket resource awscontainer secrets create-pocket-managed`.",
                },
              );
            }
            return { [PUBLIC_KEY_PARAMETER]: pem };
          },
        }),
      ];
    });
  },
});
