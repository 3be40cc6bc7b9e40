import * as z from "zod/mini";
import { fail, lazy, table } from "./base.js";

const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const ADDRESS = /^[^\s@<>"]+@([^\s@<>"]+)$/;

/**
 * `from_email`: an address (`noreply@example.com`), an address with a display name
 * (`Shop <noreply@example.com>`), or a bare domain (`example.com`, sending as any address of it).
 * The SES identity is the address or the domain.
 */
export function parseSender(
  value: string,
): { kind: "email"; address: string; domain: string } | { kind: "domain"; domain: string } | undefined {
  const named = /^[^<>]*<([^<>]+)>\s*$/.exec(value.trim());
  const address = (named ? named[1]! : value).trim();
  const email = ADDRESS.exec(address);
  if (email) return DOMAIN.test(email[1]!) ? { kind: "email", address, domain: email[1]! } : undefined;
  if (!named && DOMAIN.test(address)) return { kind: "domain", domain: address };
  return undefined;
}

/** `[ses]`: email sent by the app through Amazon SES (docs/runtime-contract.md). */
export const sesSchema = lazy(() =>
  table({
    from_email: z.string().check(z.minLength(1, { error: "must not be empty" })),
    region: z.optional(
      z
        .string()
        .check(
          z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'must be an AWS region code, e.g. "ap-northeast-1"' }),
        ),
    ),
    configuration_set: z.optional(
      z.string().check(
        z.regex(/^[A-Za-z0-9_-]{1,64}$/, {
          error: "must be an SES configuration set name: up to 64 letters, digits, _ and -",
        }),
      ),
    ),
  }).check(
    z.superRefine((s, ctx) => {
      if (!parseSender(s.fromEmail)) {
        fail(
          ctx,
          "ses-from-email",
          `from_email "${s.fromEmail}" is neither an email address nor a domain`,
          ["from_email"],
          'e.g. from_email = "noreply@example.com", "Shop <noreply@example.com>" or "example.com" (a verified SES identity).',
        );
      }
    }),
  ),
);
