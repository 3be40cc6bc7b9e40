import { operationOf, type RecordedRequest, rawBody } from "./aws/recorder.js";

/**
 * A small IAM evaluator for the `pocket permissions` proof: a recorded AWS request becomes the
 * IAM action it needs and the ARNs it acts on, and a policy allows it when no Deny statement
 * matches and one Allow statement matches the action (wildcards `*` and `?`, case-insensitive)
 * and every ARN (wildcards, case-sensitive). A call with a `context` (the request's condition
 * keys, as the escalation test builds them) has its statements' conditions evaluated, a missing
 * key failing all but the ...IfExists operators; a recorded call has none, and an Allow's
 * conditions are then not evaluated (they only narrow it). A call whose resource cannot be read
 * from the request is matched on its action only; `resources` is empty for those, and the proof
 * test checks which services may be so.
 */
export interface IamCall {
  service: string;
  action: string;
  resources: string[];
  context?: Context;
}

/** Condition keys of a request; a multivalued key (record names) is a list. */
export type Context = Record<string, string | string[]>;

export interface PolicyDocument {
  Version: string;
  Statement: {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
  }[];
}

function glob(pattern: string, flags = ""): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, flags);
}

export function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  return glob(pattern, caseInsensitive ? "i" : "").test(value);
}

/** Calls IAM always allows (they need no permission). */
const ALWAYS = new Set(["sts:GetCallerIdentity"]);

type Statement = PolicyDocument["Statement"][number];

function applies(s: Statement, call: IamCall): boolean {
  const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
  if (!actions.some((a) => matches(a, call.action, true))) return false;
  const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  if (s.Effect === "Deny" && call.resources.length === 0) return resources.includes("*");
  return call.resources.every((arn) => resources.some((r) => matches(r, arn)));
}

/** IAM's condition operators the generated policies use, with ForAllValues/ForAnyValue. */
function conditionHolds(condition: Statement["Condition"], context: Context): boolean {
  return Object.entries(condition ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const [set, operator] = op.includes(":") ? (op.split(":") as [string, string]) : ["", op];
      const ifExists = operator.endsWith("IfExists");
      const base = operator.replace(/IfExists$/, "");
      const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      const wanted = (Array.isArray(expected) ? expected : [expected]).map(String);
      if (base === "Null") return wanted.includes(String(value === undefined));
      const one = (v: string) => {
        if (base === "StringEquals" || base === "ArnEquals") return wanted.includes(v);
        if (base === "StringLike" || base === "ArnLike") return wanted.some((w) => matches(w, v));
        throw new Error(`the evaluator knows no condition operator ${op}`);
      };
      // ForAllValues holds for a missing key, as in IAM (hence the Null check beside it).
      if (set === "ForAllValues") return (Array.isArray(value) ? value : value ? [value] : []).every(one);
      if (value === undefined) return ifExists;
      if (set === "ForAnyValue" || Array.isArray(value))
        return (Array.isArray(value) ? value : [value]).some(one);
      return one(value);
    }),
  );
}

export function isAllowed(policy: PolicyDocument, call: IamCall): boolean {
  if (ALWAYS.has(call.action)) return true;
  const holds = (s: Statement) => !call.context || conditionHolds(s.Condition, call.context);
  // A Deny with a condition denies only when it holds (a recorded call's context is empty).
  const denies = (s: Statement) => !s.Condition || conditionHolds(s.Condition, call.context ?? {});
  if (policy.Statement.some((s) => s.Effect === "Deny" && applies(s, call) && denies(s))) return false;
  return policy.Statement.some((s) => s.Effect === "Allow" && applies(s, call) && holds(s));
}

function header(r: RecordedRequest, name: string): string | undefined {
  const key = Object.keys(r.headers).find((k) => k.toLowerCase() === name);
  return key ? r.headers[key] : undefined;
}

/** The signing scope: region and service of the request. */
function scope(r: RecordedRequest): { region: string; service: string } {
  const auth = header(r, "authorization") ?? "";
  const parts = /Credential=[^/]+\/\d+\/([^,]+)\/aws4_request/.exec(auth)?.[1]?.split("/") ?? [];
  // SigV4A (CloudFront KeyValueStore) has no region in its scope.
  if (parts.length === 1) return { region: "", service: parts[0]! };
  return { region: parts[0] ?? "", service: parts[1] ?? "" };
}

function params(r: RecordedRequest): Record<string, unknown> {
  const text = rawBody(r).toString("utf8");
  const type = header(r, "content-type") ?? "";
  if (type.includes("json") && text) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  for (const [k, v] of new URL(r.url).searchParams) out[k] ??= v;
  return out;
}

const S3_ACTIONS: Record<string, string> = {
  ListObjectsV2: "ListBucket",
  ListObjects: "ListBucket",
  HeadBucket: "ListBucket",
  ListObjectVersions: "ListBucketVersions",
  HeadObject: "GetObject",
  DeleteObjects: "DeleteObject",
  PutPublicAccessBlock: "PutBucketPublicAccessBlock",
  GetPublicAccessBlock: "GetBucketPublicAccessBlock",
  PutBucketCors: "PutBucketCORS",
  GetBucketCors: "GetBucketCORS",
  PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
  GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
  DeleteBucketLifecycle: "PutLifecycleConfiguration",
  DeleteBucketCors: "PutBucketCORS",
};

function s3Call(r: RecordedRequest, account: string): IamCall {
  const url = new URL(r.url);
  const [, bucket = "", ...keyParts] = url.pathname.split("/");
  const key = decodeURIComponent(keyParts.join("/"));
  let op = url.searchParams.get("x-id") ?? "";
  const q = url.searchParams;
  if (!op) {
    const sub = [
      "policy",
      "publicAccessBlock",
      "versioning",
      "cors",
      "lifecycle",
      "location",
      "versions",
      "delete",
    ].find((s) => q.has(s));
    const m = r.method;
    if (sub === "location") op = "GetBucketLocation";
    else if (sub === "policy")
      op = m === "GET" ? "GetBucketPolicy" : m === "PUT" ? "PutBucketPolicy" : "DeleteBucketPolicy";
    else if (sub === "publicAccessBlock") op = m === "GET" ? "GetPublicAccessBlock" : "PutPublicAccessBlock";
    else if (sub === "versioning") op = m === "GET" ? "GetBucketVersioning" : "PutBucketVersioning";
    else if (sub === "cors")
      op = m === "GET" ? "GetBucketCors" : m === "PUT" ? "PutBucketCors" : "DeleteBucketCors";
    else if (sub === "lifecycle")
      op =
        m === "GET"
          ? "GetBucketLifecycleConfiguration"
          : m === "PUT"
            ? "PutBucketLifecycleConfiguration"
            : "DeleteBucketLifecycle";
    else if (sub === "versions") op = "ListObjectVersions";
    else if (sub === "delete") op = "DeleteObjects";
    else if (!key)
      op =
        m === "PUT"
          ? "CreateBucket"
          : m === "DELETE"
            ? "DeleteBucket"
            : m === "HEAD"
              ? "HeadBucket"
              : "ListObjectsV2";
    else
      op =
        m === "PUT"
          ? "PutObject"
          : m === "DELETE"
            ? "DeleteObject"
            : m === "HEAD"
              ? "HeadObject"
              : "GetObject";
  }
  let action = S3_ACTIONS[op] ?? op;
  if (
    (op === "DeleteObject" && q.has("versionId")) ||
    (op === "DeleteObjects" && /<VersionId>/.test(rawBody(r).toString()))
  ) {
    action = "DeleteObjectVersion";
  }
  const objectLevel = /Object/.test(action) && action !== "ListBucket";
  void account;
  return {
    service: "s3",
    action: `s3:${action}`,
    resources: [objectLevel ? `arn:aws:s3:::${bucket}/${key || "*"}` : `arn:aws:s3:::${bucket}`],
  };
}

function lambdaCall(r: RecordedRequest, region: string, account: string): IamCall {
  const path = new URL(r.url).pathname;
  const fn = /\/functions\/([^/]+)/.exec(path)?.[1];
  const arn = fn ? [`arn:aws:lambda:${region}:${account}:function:${decodeURIComponent(fn)}`] : [];
  let op = "";
  if (/\/configuration$/.test(path))
    op = r.method === "GET" ? "GetFunctionConfiguration" : "UpdateFunctionConfiguration";
  else if (/\/invocations$/.test(path)) op = "InvokeFunction";
  else if (/\/event-source-mappings/.test(path)) op = "ListEventSourceMappings";
  else if (fn)
    op = r.method === "GET" ? "GetFunction" : r.method === "DELETE" ? "DeleteFunction" : "UpdateFunctionCode";
  return {
    service: "lambda",
    action: `lambda:${op}`,
    resources: op === "ListEventSourceMappings" ? [] : arn,
  };
}

function restCall(r: RecordedRequest, service: string, account: string): IamCall {
  const path = new URL(r.url).pathname;
  let op = "";
  if (service === "cloudfront") {
    const dist = /\/distribution\/([^/]+)/.exec(path)?.[1];
    if (/\/invalidation$/.test(path)) op = "CreateInvalidation";
    else if (/\/invalidation\//.test(path)) op = "GetInvalidation";
    else if (/\/key-value-store\//.test(path)) op = "DescribeKeyValueStore";
    else if (dist) op = /\/config$/.test(path) ? "GetDistributionConfig" : "GetDistribution";
    return {
      service,
      action: `cloudfront:${op || `${r.method} ${path}`}`,
      resources: dist ? [`arn:aws:cloudfront::${account}:distribution/${dist}`] : [],
    };
  }
  if (service === "cloudfront-keyvaluestore") {
    const arn = /\/key-value-stores\/([^/]+)/.exec(path)?.[1];
    if (/\/keys\//.test(path))
      op = r.method === "PUT" ? "PutKey" : r.method === "DELETE" ? "DeleteKey" : "GetKey";
    else if (/\/keys$/.test(path)) op = r.method === "POST" ? "UpdateKeys" : "ListKeys";
    else op = "DescribeKeyValueStore";
    return { service, action: `${service}:${op}`, resources: arn ? [decodeURIComponent(arn)] : [] };
  }
  if (service === "route53") {
    if (/\/hostedzonesbyname/.test(path)) op = "ListHostedZonesByName";
    else if (/\/hostedzone$/.test(path)) op = "ListHostedZones";
    return { service, action: `route53:${op || `${r.method} ${path}`}`, resources: [] };
  }
  if (service === "backup") return backupCall(r, path, account);
  if (service === "dsql") return dsqlCall(r, path, account);
  return { service, action: `${service}:${r.method} ${path}`, resources: [] };
}

/** AWS Backup's REST calls pocket makes: the vault (by name) and the recovery points. */
function backupCall(r: RecordedRequest, path: string, account: string): IamCall {
  const region = scope(r).region;
  const vault = /^\/backup-vaults\/([^/]+)/.exec(path)?.[1];
  const vaultArn = vault
    ? [`arn:aws:backup:${region}:${account}:backup-vault:${decodeURIComponent(vault)}`]
    : [];
  const point = /\/recovery-points\/(.+)$/.exec(path)?.[1];
  if (point && r.method === "DELETE") {
    const id = decodeURIComponent(point).split(":").pop()!;
    return {
      service: "backup",
      action: "backup:DeleteRecoveryPoint",
      resources: [`arn:aws:backup:${region}:${account}:recovery-point:${id}`],
    };
  }
  if (/^\/backup-jobs\/?$/.test(path) && r.method === "PUT") {
    const name = String((params(r) as { BackupVaultName?: string }).BackupVaultName ?? "");
    return {
      service: "backup",
      action: "backup:StartBackupJob",
      resources: [`arn:aws:backup:${region}:${account}:backup-vault:${name}`],
    };
  }
  if (/^\/backup-jobs\/?$/.test(path))
    return { service: "backup", action: "backup:ListBackupJobs", resources: [] };
  if (/^\/backup-jobs\/[^/]+$/.test(path))
    return { service: "backup", action: "backup:DescribeBackupJob", resources: [] };
  if (/^\/resources\/.+\/recovery-points\/?$/.test(path))
    return { service: "backup", action: "backup:ListRecoveryPointsByResource", resources: [] };
  if (vault && r.method === "PUT")
    return { service: "backup", action: "backup:CreateBackupVault", resources: vaultArn };
  if (vault && r.method === "GET")
    return { service: "backup", action: "backup:DescribeBackupVault", resources: vaultArn };
  return { service: "backup", action: `backup:${r.method} ${path}`, resources: [] };
}

/**
 * Aurora DSQL's REST calls: `/cluster` (list, create) and `/cluster/{id}` (get, update, delete),
 * `/tags/{arn}`. A create names no cluster yet: it acts on `cluster/*`.
 */
function dsqlCall(r: RecordedRequest, path: string, account: string): IamCall {
  const region = scope(r).region;
  const clusters = `arn:aws:dsql:${region}:${account}:cluster/`;
  const tags = /^\/tags\/(.+)$/.exec(path)?.[1];
  if (tags)
    return { service: "dsql", action: "dsql:ListTagsForResource", resources: [decodeURIComponent(tags)] };
  const id = /^\/cluster\/([^/]+)$/.exec(path)?.[1];
  if (!id) {
    return r.method === "POST"
      ? { service: "dsql", action: "dsql:CreateCluster", resources: [`${clusters}*`] }
      : { service: "dsql", action: "dsql:ListClusters", resources: [] };
  }
  const op = { GET: "GetCluster", POST: "UpdateCluster", DELETE: "DeleteCluster" }[r.method] ?? r.method;
  return { service: "dsql", action: `dsql:${op}`, resources: [`${clusters}${decodeURIComponent(id)}`] };
}

const str = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/** The action and ARNs of a recorded request (see the module comment). */
export function iamRequest(r: RecordedRequest, account: string): IamCall {
  const { region, service } = scope(r);
  if (service === "s3") return s3Call(r, account);
  if (service === "lambda") return lambdaCall(r, region, account);
  if (["cloudfront", "cloudfront-keyvaluestore", "route53", "backup", "dsql"].includes(service))
    return restCall(r, service, account);
  const op = operationOf(r);
  const p = params(r);
  // Endpoint names that are not the IAM service prefix: ECR's API, CloudWatch ("monitoring").
  const prefix = service === "api.ecr" ? "ecr" : service === "monitoring" ? "cloudwatch" : service;
  const call: IamCall = { service: prefix, action: `${prefix}:${op}`, resources: [] };
  const arn = (kind: string, name: string) => (name.startsWith("arn:") ? name : `${kind}${name}`);
  switch (prefix) {
    case "cloudformation":
      call.resources = str(p.StackName).map((n) =>
        arn(`arn:aws:cloudformation:${region}:${account}:stack/`, `${n}/id`),
      );
      break;
    case "sqs":
      call.resources = [...str(p.QueueUrl).map((u) => u.split("/").pop()!), ...str(p.QueueName)].map(
        (q) => `arn:aws:sqs:${region}:${account}:${q}`,
      );
      break;
    case "secretsmanager":
      call.resources = [...str(p.SecretId), ...str(p.Name)].map((n) =>
        arn(`arn:aws:secretsmanager:${region}:${account}:secret:`, `${n}-AbCdEf`),
      );
      break;
    case "ssm":
      call.resources = [...str(p.Name), ...str(p.Names), ...str(p.Path)].map(
        (n) =>
          `arn:aws:ssm:${region}:${account}:parameter${n.startsWith("/") ? n.replace(/\/$/, "") : `/${n}`}`,
      );
      break;
    case "ecr":
      call.resources = [...str(p.repositoryName), ...str(p.repositoryNames)].map(
        (n) => `arn:aws:ecr:${region}:${account}:repository/${n}`,
      );
      break;
    case "iam":
      call.resources = str(p.RoleName).map((n) => `arn:aws:iam::${account}:role/${n}`);
      break;
    case "codebuild":
      call.resources = [
        ...str(p.name),
        ...str(p.projectName),
        ...str(p.names),
        ...str(p.ids).map((id) => id.split(":")[0]!),
      ].map((n) => arn(`arn:aws:codebuild:${region}:${account}:project/`, n));
      break;
    case "logs":
      call.resources = str(p.logGroupName).map((g) => `arn:aws:logs:${region}:${account}:log-group:${g}`);
      break;
    case "rds": {
      const id = (k: string, kind: string) =>
        str(p[k]).map((n) => arn(`arn:aws:rds:${region}:${account}:${kind}:`, n));
      call.resources = [
        ...id("DBClusterIdentifier", "cluster"),
        ...id("DBInstanceIdentifier", "db"),
        ...id("DBSubnetGroupName", "subgrp"),
        ...id("DBClusterSnapshotIdentifier", "cluster-snapshot"),
        // RestoreDBClusterFromSnapshot names its source snapshot so.
        ...id("SnapshotIdentifier", "cluster-snapshot"),
      ];
      break;
    }
    case "wafv2": {
      // A web ACL or IP set by name and id (scope CLOUDFRONT: us-east-1's global resources).
      const kind = op.includes("WebACL") ? "webacl" : op.includes("IPSet") ? "ipset" : undefined;
      call.resources = [
        ...str(p.ResourceARN),
        ...(kind && p.Name && p.Id
          ? [`arn:aws:wafv2:${region}:${account}:global/${kind}/${p.Name}/${p.Id}`]
          : []),
      ];
      break;
    }
  }
  return call;
}
