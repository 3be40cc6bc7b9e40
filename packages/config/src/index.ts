export { buildContext } from "./context/build.js";
export { CACHE_BACKENDS, storageBackend } from "./context/django.js";
export { capitalize, commonFolder, envKey, keyPrefix, logicalId, routeName } from "./context/names.js";
export { ORIGIN_VERIFY_SECRET, secretEnvVars } from "./context/secrets.js";
export type * from "./context/types.js";
export {
  type Diagnostic,
  formatPath,
  hasErrors,
  type Issue,
  type PathSegment,
  type Severity,
  type SourcePosition,
} from "./diagnostics.js";
export { CONFIG_FILE_NAME, findConfigFile, readDotEnv } from "./files.js";
export { type FormatOptions, formatDiagnostics, summarize } from "./format.js";
export { pocketTomlJsonSchema } from "./json-schema.js";
export {
  type ConfigSource,
  type LoadedConfig,
  type LoadResult,
  listPreviewPattern,
  listStages,
  loadConfig,
  MAX_CONFIG_BYTES,
  readConfigSource,
  type SourceOptions,
  type ValidateAllResult,
  validateAllStages,
} from "./load.js";
export { mergeStage } from "./merge.js";
export {
  type EnvParameterNames,
  type EnvValue,
  LAMBDA_ENV_LIMIT,
  lambdaEnvironment,
  measureEnvironment,
} from "./rules/environment.js";
export { MANAGEMENT_COMMAND_HANDLER } from "./schema/awscontainer.js";
export { storedUrlSuffix } from "./schema/secrets.js";
export type { Settings } from "./schema/settings.js";
export { SECTION_NAMES } from "./schema/settings.js";
export { closest } from "./suggest.js";
export type { Credentials } from "./validate.js";
