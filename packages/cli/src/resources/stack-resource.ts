import type { StackSpec } from "../stacks/spec.js";
import { deployStack, destroyStack, planStack, stackStatus } from "../stacks/stack.js";
import type { ParameterSource, Template } from "../templates/template.js";
import type { Progress, Resource, RunContext } from "./resource.js";

/** Everything a one-stack resource declares; the stack mechanics are the same for all of them. */
export interface StackResourceOptions
  extends Pick<
    Resource,
    "id" | "title" | "group" | "name" | "dependsOn" | "keep" | "goesWith" | "refreshAfter"
  > {
  /**
   * The stack's region, or a function asked each time it is needed: a distribution's follows
   * what the takeover check found (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
   */
  region: string | (() => string);
  stackName: string;
  template: () => Template;
  /** Deploy-time parameter values, by where each comes from (resolved by the engine). */
  parameters?: Record<string, ParameterSource>;
  /** Parameter values no declared source can give (a public key read from the secrets store). */
  extraParameters?: (run: RunContext) => Promise<Record<string, string>>;
  tags?: (run: RunContext) => Promise<Record<string, string>>;
  /** NoEcho parameter -> the tag (set by `tags`) holding its value's fingerprint (see StackSpec). */
  secretFingerprintTags?: Record<string, string>;
  namedIam?: boolean;
  /** Runs once the stack is in place (bucket policy, ...); true when it changed something. */
  after?: (run: RunContext, outputs: Record<string, string>, progress: Progress) => Promise<boolean>;
  beforeDestroy?: (run: RunContext, progress: Progress) => Promise<void>;
  urls?: (outputs: Record<string, string>) => string[];
}

/** A resource that is one CloudFormation stack. */
export function stackResource(o: StackResourceOptions): Resource {
  const region = typeof o.region === "function" ? o.region : () => o.region as string;
  const spec = async (run: RunContext, given: { image?: string } = {}): Promise<StackSpec> => {
    const [declared, extra, tags] = await Promise.all([
      run.parameters(o.parameters ?? {}, given),
      o.extraParameters?.(run) ?? {},
      o.tags?.(run),
    ]);
    const parameters = { ...declared, ...extra };
    return {
      name: o.stackName,
      template: o.template(),
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      ...(tags ? { tags } : {}),
      ...(o.namedIam ? { namedIam: true } : {}),
      ...(o.secretFingerprintTags ? { secretFingerprintTags: o.secretFingerprintTags } : {}),
    };
  };
  return {
    id: o.id,
    title: o.title,
    group: o.group,
    name: o.name,
    dependsOn: o.dependsOn,
    keep: o.keep,
    goesWith: o.goesWith,
    refreshAfter: o.refreshAfter,
    stack: {
      get region() {
        return region();
      },
      name: o.stackName,
      template: o.template,
      ...(o.secretFingerprintTags ? { fingerprintTags: o.secretFingerprintTags } : {}),
    },
    stackSpec: (run) => spec(run),
    async status(run) {
      return stackStatus(run.aws(region()), await spec(run));
    },
    async plan(run) {
      return planStack(run.aws(region()), await spec(run));
    },
    async deploy(run, progress) {
      const s = await spec(run);
      const result = await deployStack(run.aws(region()), s, progress, {
        recreateFailed: () =>
          run.confirm(`stack ${s.name} failed to create earlier; delete and recreate it?`),
      });
      const extra = o.after ? await o.after(run, result.outputs, progress) : false;
      return {
        changed: result.changed || extra,
        summary: result.changed ? "deployed" : extra ? "updated" : "no changes",
        outputs: result.outputs,
        urls: o.urls?.(result.outputs),
      };
    },
    async destroy(run, progress) {
      await o.beforeDestroy?.(run, progress);
      const deleted = await destroyStack(run.aws(region()), o.stackName, progress);
      return { changed: deleted, summary: deleted ? "deleted" : "already absent" };
    },
  };
}
