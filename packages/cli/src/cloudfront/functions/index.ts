export { redirectFunctionSource } from "./redirect.js";
export {
  RELEASE_COOKIE,
  RELEASE_ID,
  RELEASE_KVS_KEYS,
  RELEASE_METADATA,
  releasePinFunction,
} from "./release.js";
export { type SpaFunctionOptions, spaViewerRequestFunction } from "./spa.js";
export {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  KVS_ID_PLACEHOLDER,
  KVS_KEYS,
  needsViewerRequestFunction,
  usesKvs,
  type ViewerRequestOptions,
  viewerRequestFunction,
} from "./viewer-request.js";
