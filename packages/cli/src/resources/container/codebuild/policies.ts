import { regionPartition } from "../../../aws/partition.js";

/**
 * The CodeBuild role's documents: the one inline policy pocket puts on it, who may assume it,
 * and how documents IAM returns are read and compared.
 */

/** The name of pocket's inline policy on the role (the only one it puts there). */
export const POLICY_NAME = "codebuild-policy";

/** What the build may do: pull base images, push the stage's image, read its sources, write its log. */
export function codebuildPolicy(o: {
  region: string;
  account: string;
  bucket: string;
  project: string;
  /** The stage's repository: the only one the build may push to. */
  repository: string;
  /** The caller's partition; derived from the region when not given. */
  partition?: string;
}) {
  const p = o.partition ?? regionPartition(o.region);
  const repositories = `arn:${p}:ecr:${o.region}:${o.account}:repository`;
  // CodeBuild writes to the log group named after the project, and to streams in it: exactly
  // that group (a `${project}*` pattern would also match another project's groups).
  const logGroup = `arn:${p}:logs:${o.region}:${o.account}:log-group:/aws/codebuild/${o.project}`;
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
      { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        // Pulls: base images may come from any of the account's repositories in the region.
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: `${repositories}/*`,
      },
      {
        Effect: "Allow",
        Action: ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
        Resource: `${repositories}/${o.repository}`,
      },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `arn:${p}:s3:::${o.bucket}/codebuild/*`,
      },
      {
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [logGroup, `${logGroup}:log-stream:*`],
      },
    ],
  };
}

/**
 * Who may assume the role: CodeBuild, and only on behalf of the stage's project in this account
 * (the confused-deputy conditions AWS recommends for service roles), so another account's
 * CodeBuild project cannot be pointed at it.
 */
export function codebuildTrustPolicy(o: {
  region: string;
  account: string;
  project: string;
  partition?: string;
}) {
  const p = o.partition ?? regionPartition(o.region);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": o.account },
          ArnLike: { "aws:SourceArn": `arn:${p}:codebuild:${o.region}:${o.account}:project/${o.project}` },
        },
      },
    ],
  };
}

/** The trust policy pocket gave its CodeBuild roles before it added the conditions: upgraded in place. */
export const LEGACY_TRUST = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};

/** IAM returns policy documents URL-encoded (emulators sometimes not); undefined when unreadable. */
export function policyDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Key order does not matter to IAM, so documents are compared with sorted keys. */
export function sameDocument(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
