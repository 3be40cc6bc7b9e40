import { CliError } from "../../errors.js";

/**
 * Which GitHub Actions runs may assume the deploy role: the `sub` claim of GitHub's OIDC token.
 * Without a ref the role trusts the main branch only, never the whole repository (every branch,
 * pull request and environment would be `repo:OWNER/REPO:*`); a wildcard in a ref is refused
 * unless asked for, since `main*` also matches a branch `main-evil` anyone with push access makes.
 */
export interface GithubSubject {
  repo: string;
  sub: string;
  /** For people: what the role trusts. */
  trusts: string;
  wildcard: boolean;
}

export function githubSubject(
  spec: string,
  options: { allowWildcard?: boolean; previews?: boolean } = {},
): GithubSubject {
  const m = /^github:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(?::(.+))?$/.exec(spec);
  if (!m) {
    throw new CliError("invalid-role-template", `--role-template ${spec} is not github:OWNER/REPO[:ref].`, {
      hint: "For example --role-template github:acme/shop:main, github:acme/shop:refs/tags/v1.2.0, github:acme/shop:environment:prd.",
      exitCode: 2,
    });
  }
  const repo = `${m[1]}/${m[2]}`;
  // Preview stages are deployed for pull requests (docs/decisions.md#e19-preview-stages).
  const ref = m[3] ?? (options.previews ? "pull_request" : "main");
  const wildcard = /[*?]/.test(ref);
  if (wildcard && !options.allowWildcard) {
    throw new CliError(
      "wildcard-subject",
      `--role-template ${spec}: the ref ${ref} has a wildcard, so every branch, tag or environment it matches (for ${ref}: also ones anyone with push access can create) could deploy.`,
      {
        hint: "Name one branch, tag or environment (github:OWNER/REPO:environment:prd with the environment's protection rules is the safest), or add --allow-wildcard-subject if you mean it.",
        exitCode: 2,
      },
    );
  }
  if (ref === "pull_request") {
    return {
      repo,
      sub: `repo:${repo}:pull_request`,
      trusts: `runs of ${repo} for pull requests (from its own branches: GitHub gives a fork's pull request no token), and nothing else`,
      wildcard,
    };
  }
  if (ref.startsWith("environment:")) {
    const name = ref.slice("environment:".length);
    return {
      repo,
      sub: `repo:${repo}:${ref}`,
      trusts: `jobs of ${repo} in the GitHub environment ${name}`,
      wildcard,
    };
  }
  const full = ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
  const what = full.startsWith("refs/heads/")
    ? `the branch ${full.slice(11)}`
    : full.startsWith("refs/tags/")
      ? `the tag ${full.slice(10)}`
      : full;
  return {
    repo,
    sub: `repo:${repo}:ref:${full}`,
    trusts: `runs of ${repo} on ${what}${wildcard ? " (a wildcard: every match)" : ""}, and nothing else (not pull requests, other branches, or jobs that name an environment)`,
    wildcard,
  };
}
