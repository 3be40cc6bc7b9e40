import type {
  CloudFrontContext,
  ContainerContext,
  PocketContext,
  SchedulerContext,
} from "../context/types.js";
import type { Issue, PathSegment } from "../diagnostics.js";

/** What the derived names are made of, for the hint: the keys a user can change. */
const NAME_PARTS = "general.project_name, general.namespace, general.prefix_template and the stage name";

interface Rule {
  what: string;
  max: number;
  pattern?: RegExp;
  patternText?: string;
}

const STACK: Rule = {
  what: "CloudFormation stack name",
  max: 128,
  pattern: /^[A-Za-z][A-Za-z0-9-]*$/,
  patternText: "start with a letter and contain only letters, digits and -",
};
const BUCKET: Rule = {
  what: "S3 bucket name",
  max: 63,
  pattern: /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  patternText: "be 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit",
};
/** The characters Lambda function, SQS queue and CloudFront function names allow. */
const WORD_CHARS = { pattern: /^[A-Za-z0-9_-]+$/, patternText: "contain only letters, digits, - and _" };

const FUNCTION: Rule = { what: "Lambda function name", max: 64, ...WORD_CHARS };
const ROLE: Rule = {
  what: "IAM role name",
  max: 64,
  pattern: /^[\w+=,.@-]+$/,
  patternText: "contain only letters, digits and +=,.@_-",
};
const POLICY: Rule = { what: "IAM policy name", max: 128 };
const QUEUE: Rule = { what: "SQS queue name", max: 80, ...WORD_CHARS };
const ECR: Rule = {
  what: "ECR repository name",
  max: 256,
  pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
  patternText: "be lower case letters and digits separated by single '.', '_' or '-'",
};
const HTTP_API: Rule = { what: "HTTP API name", max: 128 };
const SECRET: Rule = {
  what: "secret name",
  max: 512,
  pattern: /^[A-Za-z0-9/_+=.@-]+$/,
  patternText: "contain only letters, digits and /_+=.@-",
};
/** AWS Backup's plan and selection names (the selection's rule; a plan's is as long). */
const BACKUP_NAME: Rule = {
  what: "AWS Backup plan or selection name",
  max: 50,
  pattern: /^[A-Za-z0-9._-]+$/,
  patternText: "contain only letters, digits, '.', '-' and '_'",
};
const RDS_ID: Rule = {
  what: "RDS cluster identifier",
  max: 63,
  pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
  patternText:
    "start with a letter, contain only letters, digits and single hyphens, and not end with a hyphen",
};
const DB_NAME: Rule = {
  what: "database name",
  max: 63,
  pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
  patternText: "start with a letter and contain only letters, digits and _",
};
const CF_FUNCTION: Rule = { what: "CloudFront function name", max: 64, ...WORD_CHARS };
const DOCKER_TAG: Rule = {
  what: "image tag",
  max: 128,
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
  patternText: "be a valid Docker tag",
};
const SCHEDULE: Rule = {
  what: "EventBridge Scheduler name",
  max: 64,
  pattern: /^[0-9a-zA-Z-_.]+$/,
  patternText: "contain only letters, digits, -, _ and .",
};
const LOGICAL_ID: Rule = {
  what: "CloudFormation logical id",
  max: 255,
  pattern: /^[A-Za-z0-9]+$/,
  patternText: "contain letters or digits",
};

/** Checks one derived name against its rule; `parts` says what the name is made of. */
type Check = (rule: Rule, name: string, path: PathSegment[], parts?: string) => void;

const GENERAL: PathSegment[] = ["general", "project_name"];

/** AWS name limits, checked before any AWS call (docs/decisions.md#n2-name-length-limits). */
export function nameIssues(ctx: PocketContext): Issue[] {
  const issues: Issue[] = [];
  const check = limitCheck(issues);
  check(BUCKET, ctx.stateBucket, GENERAL);
  if (ctx.s3) check(BUCKET, ctx.s3.bucketName, ["s3", "bucket_name_format"], "s3.bucket_name_format");
  if (ctx.vpc) check(STACK, ctx.vpc.stackName, ["vpc", "ref"], "vpc.ref and general.namespace");
  if (ctx.container) containerNames(ctx.container, check, issues);
  if (ctx.scheduler) schedulerNames(ctx.scheduler, check);
  if (ctx.rds) {
    check(RDS_ID, ctx.rds.instanceIdentifier, GENERAL);
    check(DB_NAME, ctx.rds.databaseName, GENERAL, "general.project_name and the stage name");
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) distributionNames(cf, check, issues);
  if (ctx.backup) {
    check(STACK, ctx.backup.stackName, ["backup"]);
    check(ROLE, ctx.backup.roleName, ["backup"]);
    if (ctx.backup.rds) check(BACKUP_NAME, ctx.backup.rds.selectionName, ["backup", "rds"]);
  }
  return issues;
}

function limitCheck(issues: Issue[]): Check {
  return (rule, name, path, parts = NAME_PARTS) => {
    if (name.length > rule.max) {
      issues.push({
        code: "name-too-long",
        message: `${rule.what} "${name}" is ${name.length} characters; AWS allows ${rule.max}`,
        path,
        hint: `It is made from ${parts}; shorten one of them.`,
      });
    } else if (rule.pattern && !rule.pattern.test(name)) {
      issues.push({
        code: "name-invalid",
        message: `${rule.what} "${name}" is not valid: it must ${rule.patternText}`,
        path,
        hint: `It is made from ${parts}; change one of them (set general.project_name if the folder name is the problem).`,
      });
    }
  };
}

function containerNames(c: ContainerContext, check: Check, issues: Issue[]): void {
  check(DOCKER_TAG, c.imageTag, GENERAL, "the stage name");
  check(STACK, c.stackName, GENERAL);
  if (c.ecrRepositoryShared) check(ECR, c.ecrRepository, ["awscontainer", "ecr_name"], "ecr_name");
  else check(ECR, c.ecrRepository, GENERAL);
  check(ROLE, c.roleName, GENERAL);
  check(POLICY, c.inlinePolicyNames.cloudFormation, GENERAL);
  check(FUNCTION, c.build.codebuildProject, GENERAL);
  check(ROLE, c.build.codebuildRole, GENERAL);
  const logicalIds = new Map<string, string>();
  for (const h of Object.values(c.handlers)) {
    const at: PathSegment[] = ["awscontainer", "handlers", h.key];
    const parts = `the handler name "${h.key}" and ${NAME_PARTS}`;
    check(FUNCTION, h.functionName, at, parts);
    if (h.queueName) check(QUEUE, `${h.queueName}-dead-letter`, at, parts);
    if (h.apiName) check(HTTP_API, h.apiName, at, parts);
    check(LOGICAL_ID, h.logicalId, at, `the handler name "${h.key}"`);
    const other = logicalIds.get(h.logicalId);
    if (other) {
      issues.push({
        code: "handler-name-clash",
        message: `handlers "${other}" and "${h.key}" both become the CloudFormation id ${h.logicalId}`,
        path: at,
        hint: "Rename one of them.",
      });
    }
    logicalIds.set(h.logicalId, h.key);
  }
  if (c.secrets)
    check(
      SECRET,
      c.secrets.pocketKey,
      ["awscontainer", "secrets", "pocket_key_format"],
      "awscontainer.secrets.pocket_key_format",
    );
}

function schedulerNames(scheduler: SchedulerContext, check: Check): void {
  check(SCHEDULE, scheduler.groupName, GENERAL);
  for (const sch of Object.values(scheduler.schedules)) {
    const at: PathSegment[] = ["scheduler", "schedules", sch.key];
    const parts = `the schedule name "${sch.key}" and ${NAME_PARTS}`;
    check(SCHEDULE, sch.name, at, `the schedule name "${sch.key}"`);
    check(ROLE, sch.roleName, at, parts);
    check(LOGICAL_ID, sch.logicalId, at, `the schedule name "${sch.key}"`);
  }
}

function distributionNames(cf: CloudFrontContext, check: Check, issues: Issue[]): void {
  const at: PathSegment[] = ["cloudfront", cf.name];
  const parts = `the distribution name "${cf.name}" and ${NAME_PARTS}`;
  check(STACK, cf.stackName, at, parts);
  if (cf.signingKey) check(STACK, cf.signingKey.keysStackName, at, parts);
  check(LOGICAL_ID, cf.logicalId, at, parts);
  const routeNames = new Map<string, number>();
  for (const r of cf.routes) {
    const rat: PathSegment[] = [...at, "routes", r.index, r.isDefault ? "is_default" : "path_pattern"];
    if (r.type === "s3" && r.functionName)
      check(CF_FUNCTION, r.functionName, rat, `${parts} and the route's path_pattern`);
    const other = routeNames.get(r.name);
    if (r.name === "" || other !== undefined) {
      issues.push({
        code: "route-name-clash",
        message:
          r.name === ""
            ? `routes[${r.index}]'s path_pattern "${r.pathPattern}" names no folder`
            : `routes[${other!}] and routes[${r.index}] both get the name "${r.name}" (from their path_pattern)`,
        path: rat,
        hint: "Route names (the folders of path_pattern, letters and digits only) name CloudFront resources; make them distinct.",
      });
    }
    routeNames.set(r.name, r.index);
  }
}
