export { CliError, EXIT } from "./errors.js";
export { VERSION } from "./version.js";
