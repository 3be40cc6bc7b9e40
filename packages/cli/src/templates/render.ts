import { toYaml } from "../util/yaml.js";
import type { Template } from "./template.js";

/**
 * YAML for people to read (`pocket resource X yaml`); the API is sent JSON. It reads the same in
 * YAML 1.1, which CloudFormation and cfn-lint use: strings such as "OFF" or "yes" (Scheduler's
 * FlexibleTimeWindow Mode) are quoted instead of turning into booleans.
 */
export function renderYaml(template: Template): string {
  return toYaml(template);
}
