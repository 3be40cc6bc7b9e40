export { redirectFunctionSource } from "./redirect.js";
export {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  KVS_ID_PLACEHOLDER,
  type SpaFunctionOptions,
  spaViewerRequestFunction,
} from "./spa.js";
