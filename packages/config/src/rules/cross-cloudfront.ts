import type { PathSegment } from "../diagnostics.js";
import type { DistributionSettings, RouteSettings } from "../schema/cloudfront.js";
import type { SectionSettings } from "../schema/settings.js";
import { closest } from "../suggest.js";
import { type Add, type Checked, type CheckedSettings, container, didYouMean } from "./checked.js";

/** What a rule about one distribution sees. */
interface DistributionInput {
  name: string;
  d: DistributionSettings;
  c: Checked<SectionSettings<"awscontainer">>;
  /** A path inside `[cloudfront.<name>]`. */
  at: (...rest: PathSegment[]) => PathSegment[];
  add: Add;
}

type RouteRule = (route: RouteSettings, index: number, input: DistributionInput) => void;

/** The rules about one route, run route by route so a route's errors are reported together. */
const ROUTE_RULES: readonly RouteRule[] = [signedRouteHasKey, apiRouteHasHandler];

/** The secrets a distribution names, and the managed secret type each must be. */
const SECRET_REFERENCES = [
  { key: "token_secret", type: "spa_token_secret", name: (d: DistributionSettings) => d.tokenSecret },
  { key: "signing_key", type: "cloudfront_signing_key", name: (d: DistributionSettings) => d.signingKey },
  { key: "basic_auth", type: "basic_auth_credential", name: (d: DistributionSettings) => d.basicAuth },
] as const;

export function cloudfrontNeedsS3(s: CheckedSettings, add: Add): void {
  const first = Object.keys(s.cloudfront)[0];
  if (first === undefined || s.s3 !== undefined) return;
  add(
    "cloudfront-needs-s3",
    "[cloudfront] needs an [s3] section: distributions serve files from the stage's bucket",
    ["cloudfront", first],
    "Add an empty [s3] table.",
  );
}

/** Each distribution's routes, then the secrets it names. */
export function distributionReferences(s: CheckedSettings, add: Add): void {
  for (const [name, d] of Object.entries(s.cloudfront)) {
    if (d === "failed") continue;
    const input: DistributionInput = {
      name,
      d,
      c: s.awscontainer,
      at: (...rest) => ["cloudfront", name, ...rest],
      add,
    };
    d.routes.forEach((route, i) => {
      for (const rule of ROUTE_RULES) rule(route, i, input);
    });
    for (const reference of SECRET_REFERENCES) secretReference(reference, input);
  }
}

function signedRouteHasKey(r: RouteSettings, i: number, { name, d, at, add }: DistributionInput): void {
  if (!r.signed || d.signingKey) return;
  add(
    "route-signed-key",
    `routes[${i}] is signed, so [cloudfront.${name}] needs signing_key`,
    at("routes", i, "signed"),
    'Add signing_key = "CF_KEY" and a managed secret of type "cloudfront_signing_key" named CF_KEY.',
  );
}

/** An `api` route's handler exists, has `apigateway`, and leaves the domain to CloudFront. */
function apiRouteHasHandler(r: RouteSettings, i: number, { c, at, add }: DistributionInput): void {
  if (r.type !== "api" || !r.handler || c === "failed") return;
  if (c === undefined) {
    add(
      "route-api-container",
      `routes[${i}] is type = "api", which needs [awscontainer]`,
      at("routes", i, "handler"),
    );
    return;
  }
  const h = c.handlers[r.handler];
  if (!h) {
    const handlers = Object.keys(c.handlers);
    add(
      "route-api-unknown-handler",
      `handler "${r.handler}" is not in [awscontainer.handlers]`,
      at("routes", i, "handler"),
      didYouMean(closest(r.handler, handlers), "Handlers", handlers),
    );
  } else if (!h.apigateway) {
    add(
      "route-api-no-apigateway",
      `handler "${r.handler}" needs apigateway for an api route`,
      at("routes", i, "handler"),
      `Add apigateway = {} to [awscontainer.handlers.${r.handler}].`,
    );
  } else if (h.apigateway.domain) {
    add(
      "route-api-custom-domain",
      `handler "${r.handler}" is served through CloudFront, so its apigateway must not set domain ("${h.apigateway.domain}")`,
      ["awscontainer", "handlers", r.handler, "apigateway", "domain"],
      "CloudFront is the front door; use apigateway = {} and put the domain on the distribution.",
    );
  }
}

/** A secret the distribution names is a managed secret of the right type. */
function secretReference(
  { key, type: wanted, name: read }: (typeof SECRET_REFERENCES)[number],
  { d, c, at, add }: DistributionInput,
): void {
  const secretName = read(d);
  if (!secretName || c === "failed") return;
  const code = key.replace("_", "-");
  const example = `[awscontainer.secrets.managed]\n${secretName} = { type = "${wanted}"${wanted === "basic_auth_credential" ? ', options = { username = "staff" }' : ""} }`;
  if (c === undefined) {
    add(
      `${code}-container`,
      `${key} needs [awscontainer] with a managed secret "${secretName}"`,
      at(key),
      `Add:\n${example}`,
    );
    return;
  }
  if (!c.secrets) {
    add(
      `${code}-secrets`,
      `${key} needs [awscontainer.secrets] with a managed secret "${secretName}"`,
      at(key),
      `Add:\n${example}`,
    );
    return;
  }
  const spec = c.secrets.managed[secretName];
  if (!spec) {
    const guess = closest(secretName, Object.keys(c.secrets.managed));
    add(
      `${code}-unknown`,
      `${key} "${secretName}" is not in [awscontainer.secrets.managed]`,
      at(key),
      guess ? `Did you mean "${guess}"?` : `Add:\n${example}`,
    );
  } else if (spec.type !== wanted) {
    add(
      `${code}-type`,
      `${key} "${secretName}" must be a managed secret of type "${wanted}", not "${spec.type}"`,
      ["awscontainer", "secrets", "managed", secretName, "type"],
    );
  }
}

/** Two distributions writing the same CloudFront key id variable would shadow each other. */
export function signingKeyIdsDistinct(s: CheckedSettings, add: Add): void {
  const c = container(s);
  if (!c) return;
  const idVars = new Map<string, string>();
  for (const [name, d] of Object.entries(s.cloudfront)) {
    if (d === "failed" || !d.signingKey) continue;
    const spec = c.secrets?.managed[d.signingKey];
    if (spec?.type !== "cloudfront_signing_key") continue;
    const v = `${d.signingKey}${spec.options.idEnvironSuffix}`;
    const other = idVars.get(v);
    if (other)
      add(
        "signing-key-shared",
        `distributions "${other}" and "${name}" both set ${v}`,
        ["cloudfront", name, "signing_key"],
        "Give each distribution its own cloudfront_signing_key secret.",
      );
    idVars.set(v, name);
  }
}
