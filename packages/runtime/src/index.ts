export type { ApiGatewayV2Event, ApiGatewayV2Result, HttpHandler, LambdaContext } from "./apigateway.js";
export { deployHashUrl } from "./deploy-hash.js";
export { findTomlPath, parseDotenv } from "./dotenv.js";
export type { DsqlConnectionOptions } from "./dsql.js";
export {
  DSQL_TOKEN_MARGIN_SECONDS,
  DSQL_TOKEN_SECONDS,
  dsqlConnectionOptions,
  dsqlPassword,
  dsqlToken,
  dsqlTokenExpiresAt,
  refreshDsqlToken,
} from "./dsql.js";
export {
  allowedHosts,
  deployedHosts,
  envLoaded,
  type LoadEnvOptions,
  loadEnv,
  resetEnvLoaded,
  trustedOrigins,
} from "./env.js";
export { PocketRuntimeError } from "./errors.js";
export {
  type FetchApp,
  fromResponse,
  type HttpHandlerOptions,
  httpHandler,
  type LambdaBindings,
  toRequest,
} from "./http.js";
export { distributionDomainVariable, envKey, isDeployed, queueUrlVariable } from "./names.js";
export {
  type LambdaRequest,
  type NodeHttpHandler,
  type NodeHttpHandlerOptions,
  type NodeListener,
  nodeHttpHandler,
} from "./node-http.js";
export { type HeaderSource, type OriginCheck, verifyOrigin } from "./origin.js";
export { type SignedUrlOptions, signedUrl } from "./signed-url.js";
export {
  COOKIE_NAME,
  DEFAULT_MAX_AGE,
  generateToken,
  loginCookie,
  logoutCookie,
  secretEnvName,
  type TokenOptions,
  verifyToken,
} from "./spa-token.js";
export {
  type EnqueueOptions,
  enqueue,
  type SqsBatchResponse,
  type SqsEvent,
  type SqsHandler,
  type SqsHandlerOptions,
  type SqsRecord,
  type SqsRecordHandler,
  sqsHandler,
} from "./sqs.js";
export {
  runTask,
  splitCommandLine,
  type Task,
  type TaskEvent,
  type TaskHandler,
  type TaskIO,
  type TaskResult,
  taskHandler,
} from "./task.js";
