import { domainToASCII } from "node:url";
import * as z from "zod/mini";
import { fail } from "./base.js";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const EXAMPLE = 'A host name such as "api.example.com": dot-separated labels of a-z, 0-9 and "-".';

/**
 * Why `value` is not a host name pocket can give ACM, CloudFront and Route 53, with a hint; or
 * undefined. RFC 1123 labels: 1 to 63 of a-z, 0-9 and "-", neither first nor last "-", 253
 * characters in all, at least two labels and a last one that is not a number (an IP address is
 * not a domain). Lower case only, as Route 53 and ACM store names, so that the name compared with
 * a hosted zone or a certificate is the one written. No wildcard: every domain key names one host.
 * A name in Unicode is refused with its punycode form, the one AWS takes.
 */
export function hostNameProblem(value: string): { message: string; hint: string } | undefined {
  const quoted = JSON.stringify(value);
  const invalid = (why: string, hint = EXAMPLE) => ({
    message: `${quoted} is not a host name: ${why}`,
    hint,
  });
  if (value === "") return invalid("it is empty");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes("/"))
    return invalid(
      "it has a scheme or a path",
      'Give the host name only, e.g. "api.example.com" (no https://, no /path).',
    );
  if (value.includes("*"))
    return invalid(
      "wildcards are not allowed here",
      'Name each host this domain serves, e.g. "www.example.com".',
    );
  // A name in another script; white space falls through to the label check below, which names it.
  if (/[^\x20-\x7e]/.test(value) && !/\s/.test(value)) {
    const ascii = domainToASCII(value);
    return invalid(
      "it is not ASCII",
      ascii && ascii !== value ? `Write its punycode form: "${ascii}".` : EXAMPLE,
    );
  }
  if (value !== value.toLowerCase())
    return invalid("it has upper-case letters", `Write it in lower case: "${value.toLowerCase()}".`);
  if (value.endsWith("."))
    return invalid("it ends with a dot", `Leave out the final dot: "${value.slice(0, -1)}".`);
  if (value.length > 253)
    return invalid(`it is ${value.length} characters long; a host name has at most 253`);
  const labels = value.split(".");
  for (const label of labels) {
    if (LABEL.test(label)) continue;
    if (label === "") return invalid("it has an empty label (two dots in a row, or a dot at the start)");
    if (label.length > 63)
      return invalid(
        `the label "${label.slice(0, 20)}..." is ${label.length} characters long; a label has at most 63`,
      );
    const bad = /[^a-z0-9-]/.exec(label);
    if (bad) return invalid(`${JSON.stringify(bad[0])} is not allowed in a label (a-z, 0-9 and "-" only)`);
    return invalid(`the label "${label}" starts or ends with "-"`);
  }
  if (labels.length < 2)
    return invalid("it is a single label", 'Give the full name, e.g. "api.example.com".');
  if (/^[0-9]+$/.test(labels[labels.length - 1]!))
    return invalid("it ends in a number (an IP address is not a domain)");
  return undefined;
}

/** A domain key's value: a host name, reported at the key as `invalid-domain`. */
export const hostName = z.string().check(
  z.superRefine((value: string, ctx) => {
    const problem = hostNameProblem(value);
    if (problem) fail(ctx, "invalid-domain", problem.message, [], problem.hint);
  }),
);
export const optionalHostName = z.optional(hostName);
