/**
 * What every layer reports about a thing in AWS: its state, a change a deploy would make, and
 * progress while it changes. They live below `util/`, `stacks/` and `resources/` because all
 * of them speak these words (a tool run streams progress, a stack has a status); the resource
 * contract (`resources/resource.ts`) re-exports them.
 */

export type ResourceState = "missing" | "in-sync" | "needs-update" | "in-progress" | "failed" | "unknown";

export interface ResourceStatus {
  state: ResourceState;
  /** One line for people: why it needs an update, the failure reason, ... */
  detail?: string;
}

export interface Change {
  action: "create" | "update" | "replace" | "delete";
  /** What changes, e.g. `AWS::Lambda::Function WsgiLambdaFunction` or `secret SECRET_KEY`. */
  target: string;
  detail?: string;
}

export interface Progress {
  /** A short status line that replaces the previous one for this resource. */
  update(message: string): void;
  /** A line that stays in the log (stack events, warnings). */
  log(message: string): void;
}
