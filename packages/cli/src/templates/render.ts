import { stringify } from "yaml";
import type { Template } from "./template.js";

/** YAML for people to read (`pocket resource X yaml`); the API is sent JSON. */
export function renderYaml(template: Template): string {
  return stringify(template, { aliasDuplicateObjects: false, lineWidth: 0 });
}
