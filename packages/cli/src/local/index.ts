/**
 * Running handlers outside Lambda, as Lambda would: the deployed (or locally assembled)
 * environment, AWS-shaped events, and a long-lived process per handler. Used by the journey
 * test and by `pocket dev`.
 */
export {
  deployedEnvironment,
  type HandlerEnvironment,
  type LocalEnvironmentOptions,
  localEnvironment,
  placeholderId,
  withPlaceholders,
} from "./environment.js";
export {
  type ApiGatewayV2Event,
  type HttpEventInput,
  httpEvent,
  manageLineEvent,
  managementEvent,
  queueArn,
  type SqsEvent,
  type SqsRecord,
  sqsEvent,
} from "./events.js";
export {
  HandlerError,
  type HandlerFailure,
  type HandlerProcess,
  type HandlerProcessOptions,
  type HandlerRuntime,
  startHandlerProcess,
} from "./process.js";
