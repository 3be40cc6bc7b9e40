import { hostedZoneId } from "../aws/hosted-zone.js";
import { CliError } from "../errors.js";
import type { RunContext } from "../resources/resource.js";
import { describeStack, stackOutputs } from "../stacks/stack.js";
import type { ParameterSource } from "../templates/template.js";
import { deployHash } from "./deploy-hash.js";

/**
 * Values for a stack's parameters, each read from where its source says. The one place that
 * knows how: templates only declare sources, resources only pass them on.
 */
export async function resolveParameters(
  run: RunContext,
  sources: Record<string, ParameterSource>,
  given: { image?: string } = {},
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(sources).map(
      async ([name, source]) => [name, await resolve(run, name, source, given)] as const,
    ),
  );
  return Object.fromEntries(entries);
}

async function resolve(
  run: RunContext,
  name: string,
  s: ParameterSource,
  given: { image?: string },
): Promise<string> {
  switch (s.kind) {
    case "image":
      if (!given.image) throw new Error(`parameter ${name} needs the image, and none was given`);
      return given.image;
    case "deploy-hash":
      return (await deployHash(run.config.file)).value;
    case "hosted-zone":
      return hostedZoneId(run.aws(run.ctx.region), s.domain, s.overrideKey);
    case "stack-output": {
      const value = stackOutputs(await describeStack(run.aws(s.region), s.stackName))[s.output];
      if (value !== undefined) return value;
      if (s.ifMissing === "empty") return "";
      throw new CliError("stack-output-missing", `the stack ${s.stackName} has no output ${s.output} yet.`, {
        hint: "Deploy the whole stage with `pocket deploy`: it deploys stacks in dependency order.",
      });
    }
    case "resource-output": {
      const outputs = await resourceOutputs(run, s.resource);
      const value = outputs?.[s.field];
      if (value === undefined) {
        const title = run.resources.find((r) => r.id === s.resource)?.title ?? s.resource;
        throw new CliError(
          "dependency-not-ready",
          `this needs ${s.field} of ${title}, which does not exist yet.`,
          {
            hint: "Deploy the whole stage with `pocket deploy`: it creates dependencies first.",
          },
        );
      }
      return value;
    }
    case "subnets": {
      const stack = await describeStack(run.aws(s.region), s.stackName);
      const tag = s.requireTag;
      if (stack && tag && !stack.Tags?.some((t) => t.Key === tag.key && t.Value === tag.value)) {
        throw new CliError(
          "external-vpc-not-sharable",
          `the VPC stack ${s.stackName} is not marked sharable, so this stage may not use it.`,
          {
            hint: "In the project that manages the VPC, set sharable = true under [vpc] and deploy it; or set manage = true here.",
          },
        );
      }
      const outputs = stackOutputs(stack);
      const subnets: string[] = [];
      for (let i = 1; ; i++) {
        const id = outputs[`${s.prefix}${i}`] ?? outputs[`PrivateSubnet${i}`];
        if (!id) break;
        subnets.push(id);
      }
      if (subnets.length === 0) {
        throw tag
          ? new CliError(
              "external-vpc-missing",
              `the VPC stack ${s.stackName} (manage = false) does not exist or has no outputs.`,
              {
                hint: "Deploy the project that manages this VPC first (with sharable = true), or set manage = true here.",
              },
            )
          : new CliError("vpc-missing", `the VPC stack ${s.stackName} has no subnet outputs yet.`, {
              hint: "Deploy the whole stage (`pocket deploy`): the VPC is created before what runs in it.",
            });
      }
      return subnets.join(",");
    }
  }
}

/** A resource's outputs: from this run, else read back once (status, plan, a partial deploy). */
async function resourceOutputs(run: RunContext, id: string): Promise<Record<string, string> | undefined> {
  const known = run.outputs.get(id);
  if (known) return known;
  const resource = run.resources.find((r) => r.id === id);
  const read = await resource?.readOutputs?.(run);
  if (read) run.outputs.set(id, read);
  return read;
}
