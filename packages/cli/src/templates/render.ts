import { stringify } from "yaml";
import type { Template } from "./template.js";

/**
 * YAML for people to read (`pocket resource X yaml`); the API is sent JSON. Written as YAML 1.1,
 * which CloudFormation and cfn-lint read: strings such as "OFF" or "yes" (Scheduler's
 * FlexibleTimeWindow Mode) are quoted instead of turning into booleans.
 */
export function renderYaml(template: Template): string {
  return stringify(template, { aliasDuplicateObjects: false, lineWidth: 0, version: "1.1" });
}
