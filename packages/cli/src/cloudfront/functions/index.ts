export { redirectFunctionSource } from "./redirect.js";
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
