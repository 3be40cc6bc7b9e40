import { CliError } from "../errors.js";
import type { Change, Resource, ResourceStatus, RunContext } from "../resources/resource.js";
import { withAwsErrors } from "./aws-errors.js";
import { checkInputs } from "./deploy.js";

/** Every resource's state, asked at the same time; one that cannot be asked is `unknown`, not fatal. */
export function statusOf(
  run: RunContext,
  resources: readonly Resource[],
): Promise<{ resource: Resource; status: ResourceStatus; error?: CliError }[]> {
  return withAwsErrors(run.ctx.region, () =>
    Promise.all(
      resources.map(async (resource) => {
        try {
          return { resource, status: await resource.status(run) };
        } catch (error) {
          // One resource that cannot be asked (a missing API key, ...) must not hide the others.
          if (!(error instanceof CliError)) throw error;
          const status: ResourceStatus = { state: "unknown", detail: error.message };
          return { resource, status, error };
        }
      }),
    ),
  );
}

/** What deploy would change, per resource, without changing anything. */
export function planOf(
  run: RunContext,
  resources: readonly Resource[],
): Promise<{ resource: Resource; changes: Change[] }[]> {
  return withAwsErrors(run.ctx.region, async () => {
    await checkInputs(run, resources);
    return Promise.all(resources.map(async (resource) => ({ resource, changes: await resource.plan(run) })));
  });
}
