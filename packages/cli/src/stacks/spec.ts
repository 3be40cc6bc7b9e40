import type { Template } from "../templates/template.js";

/** A stack as pocket would deploy it: name, template, parameter values, tags. */
export interface StackSpec {
  name: string;
  template: Template;
  parameters?: Record<string, string>;
  tags?: Record<string, string>;
  /** IAM resources with custom names need CAPABILITY_NAMED_IAM. */
  namedIam?: boolean;
  /**
   * NoEcho parameter -> the stack tag holding a fingerprint of its value. CloudFormation reads such
   * a parameter back as `****`, so the tag is how a changed value is told apart without showing it.
   */
  secretFingerprintTags?: Record<string, string>;
}
