import { isIPv4, isIPv6 } from "node:net";
import type { CloudFrontContext } from "@magic-pocket/config";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import { edgeProtection } from "../../templates/edge.js";
import type { RunContext } from "../resource.js";
import { type IpSetRef, keptIpSets, WAF_REGION } from "./original-web-acl.js";
import { placeDistributions } from "./placement.js";

/** An address or network as WAF stores it: CIDR notation with the host bits zero. */
export interface Cidr {
  cidr: string;
  version: 4 | 6;
}

/**
 * `203.0.113.7` → `203.0.113.7/32`, `2001:db8::/32` as is; a network with host bits set
 * (`10.0.0.1/24`) is refused with its network form in the hint, since WAF would reject it and
 * silently widening or narrowing an allow list is worse than asking. An IPv4-mapped address
 * (`::ffff:192.0.2.1`) becomes IPv4: a viewer that reaches CloudFront over IPv4 is only ever
 * compared with the IPv4 set, so in the IPv6 set it would never match.
 */
export function parseCidr(text: string): Cidr {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  const version = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  const bad = (why: string, hint: string) =>
    new CliError("invalid-cidr", `"${text}" is not an IP address or CIDR block: ${why}.`, {
      hint,
      exitCode: 2,
    });
  if (!version || rest.length > 0 || address.includes("%")) {
    throw bad(
      "expected an IPv4 or IPv6 address",
      "Write an address (203.0.113.7, 2001:db8::1) or a block (203.0.113.0/24).",
    );
  }
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(bits)) || prefix < 1 || prefix > bits) {
    throw bad(`the prefix length must be 1 to ${bits}`, `For example ${address}/${bits} for one address.`);
  }
  const value = version === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  const network = value & mask;
  const shown = version === 4 ? bigIntToIpv4(network) : bigIntToIpv6(network);
  if (network !== value) {
    throw bad(
      "host bits are set",
      `The network of that block is ${shown}/${prefix}; use it, or ${address}/${bits} for one address.`,
    );
  }
  if (version === 6 && prefix >= 96 && network >> 32n === 0xffffn) {
    if (prefix === 96) {
      throw bad(
        "::ffff:0:0/96 stands for every IPv4 address",
        "Write the IPv4 addresses or blocks you mean (203.0.113.0/24).",
      );
    }
    return { cidr: `${bigIntToIpv4(network & 0xffffffffn)}/${prefix - 96}`, version: 4 };
  }
  return { cidr: `${shown}/${prefix}`, version };
}

/** More addresses than a /8 holds (a 256th of the family's space) is too broad to add unasked. */
const BROAD_PREFIX = 8;

export interface BroadAllowList {
  version: 4 | 6;
  message: string;
}

/**
 * The families whose blocks, together (overlaps counted once), cover more than a /8: two
 * `/1` blocks are the whole internet, which an allow list almost never means.
 */
export function broadAllowList(cidrs: Cidr[]): BroadAllowList[] {
  const out: BroadAllowList[] = [];
  for (const version of [4, 6] as const) {
    const bits = version === 4 ? 32 : 128;
    const ranges = cidrs
      .filter((c) => c.version === version)
      .map((c) => {
        const [address = "", prefix = ""] = c.cidr.split("/");
        const start = version === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
        return { start, end: start + (1n << BigInt(bits - Number(prefix))) };
      })
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let covered = 0n;
    let reach = 0n;
    for (const r of ranges) {
      const from = r.start > reach ? r.start : reach;
      if (r.end > from) covered += r.end - from;
      if (r.end > reach) reach = r.end;
    }
    if (covered > 1n << BigInt(bits - BROAD_PREFIX)) {
      const hundredths = Number((covered * 10_000n) >> BigInt(bits));
      out.push({
        version,
        message: `would cover ${hundredths / 100}% of all IPv${version} addresses, more than a /${BROAD_PREFIX}`,
      });
    }
  }
  return out;
}

function ipv4ToBigInt(a: string): bigint {
  return a.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function bigIntToIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
}

function ipv6ToBigInt(a: string): bigint {
  let text = a;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lowercase, the longest run of two or more zero groups as `::`. */
function bigIntToIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - i * 16)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/** The distributions of the stage with an allow list, narrowed by `--name`. */
export function allowListDistributions(
  ctx: { cloudfront?: Record<string, CloudFrontContext> },
  name?: string,
) {
  const all = Object.values(ctx.cloudfront ?? {});
  const withList = all.filter((cf) => edgeProtection(cf).waf?.ipSets);
  if (name !== undefined) {
    const cf = all.find((c) => c.name === name);
    if (!cf) {
      throw new CliError("unknown-distribution", `there is no [cloudfront.${name}] in this stage.`, {
        hint: all.length
          ? `Distributions: ${all.map((c) => c.name).join(", ")}.`
          : "Add a [cloudfront.NAME].",
        exitCode: 2,
      });
    }
    if (!withList.includes(cf)) throw noAllowList(cf.name);
    return [cf];
  }
  if (withList.length === 0) throw noAllowList();
  if (withList.length > 1) {
    throw new CliError(
      "distribution-ambiguous",
      "more than one distribution of this stage has an allow list.",
      {
        hint: `Pick one with --name: ${withList.map((c) => c.name).join(", ")}.`,
        exitCode: 2,
      },
    );
  }
  return withList;
}

function noAllowList(name?: string): CliError {
  return new CliError(
    "no-allow-list",
    name
      ? `[cloudfront.${name}] has no WAF allow list.`
      : "no distribution of this stage has a WAF allow list.",
    { hint: "Set waf = { ip_allow_list = true } on the distribution (and deploy it) to get one." },
  );
}

/**
 * The two IPSets of a deployed distribution, by the ids its stack outputs; or, on a stage that
 * keeps the original's web ACL (its stack in the stage's region, placement.ts), those that web
 * ACL's allow rules name.
 */
async function ipSets(run: RunContext, cf: CloudFrontContext): Promise<IpSetRef[]> {
  const names = edgeProtection(cf).waf?.ipSets;
  if (!names) throw noAllowList(cf.name);
  await placeDistributions(run);
  const outputs = stackOutputs(await describeStack(run.aws(cf.region), cf.stackName));
  if (outputs.OriginalWebAclArn) return keptIpSets(run, cf, outputs.OriginalWebAclArn);
  const v4 = outputs.AllowListV4Id;
  const v6 = outputs.AllowListV6Id;
  if (!v4 || !v6) {
    throw new CliError("allow-list-not-deployed", `the allow list of ${cf.name} is not deployed yet.`, {
      hint:
        cf.region === "us-east-1"
          ? `Deploy the distribution first: pocket resource cloudfront deploy --name ${cf.name}.`
          : "The original deployed this stage: take it over first (pocket deploy), which keeps its web ACL.",
    });
  }
  return [
    { name: names.v4, id: v4, version: 4 },
    { name: names.v6, id: v6, version: 6 },
  ];
}

/** The addresses of both sets: IPv4 first, each sorted as WAF returns them. */
export async function listAllowList(run: RunContext, cf: CloudFrontContext): Promise<string[]> {
  const { GetIPSetCommand } = await import("@aws-sdk/client-wafv2");
  const waf = await run.aws(WAF_REGION).wafv2();
  const out: string[] = [];
  for (const set of await ipSets(run, cf)) {
    const got = await waf.send(new GetIPSetCommand({ Name: set.name, Scope: "CLOUDFRONT", Id: set.id }));
    out.push(...(got.IPSet?.Addresses ?? []));
  }
  return out;
}

/** How many times a lost race for the lock token is retried before giving up. */
const LOCK_ATTEMPTS = 5;

export interface EditAllowListOptions {
  /** `--yes`: add even when the list would cover more than a /8 (with a warning). */
  allowBroad?: boolean;
  warn?: (message: string) => void;
}

/**
 * Adds or removes addresses. Each set is read with its lock token and written with it; when
 * another edit got in between (WAFOptimisticLockException) the set is read again and the change
 * re-applied, so concurrent edits never overwrite each other. Returns what actually changed.
 * An addition that leaves a family's list covering more than a /8 is refused before any set is
 * written unless `allowBroad` (then warned about).
 */
export async function editAllowList(
  run: RunContext,
  cf: CloudFrontContext,
  action: "add" | "remove",
  cidrs: Cidr[],
  options: EditAllowListOptions = {},
): Promise<string[]> {
  const { GetIPSetCommand, UpdateIPSetCommand } = await import("@aws-sdk/client-wafv2");
  const waf = await run.aws(WAF_REGION).wafv2();
  const sets = await ipSets(run, cf);
  const unlisted = cidrs.filter((c) => !sets.some((s) => s.version === c.version));
  if (action === "add" && unlisted.length > 0) {
    throw new CliError(
      "allow-list-family-missing",
      `nothing added: the allow list of ${cf.name} has no IPv${unlisted[0]!.version} set for ${unlisted.map((c) => c.cidr).join(", ")}.`,
      {
        hint: `The web ACL's IP sets are its ${cf.slug}-waf stack's (us-east-1), which pocket leaves as it is: add such a set and its Allow rule there.`,
      },
    );
  }
  if (action === "add") {
    const listed: string[] = [];
    for (const set of sets) {
      const got = await waf.send(new GetIPSetCommand({ Name: set.name, Scope: "CLOUDFRONT", Id: set.id }));
      listed.push(...(got.IPSet?.Addresses ?? []));
    }
    const adds = cidrs.some((c) => !listed.includes(c.cidr));
    const broad = adds ? broadAllowList([...listed.map(parseCidr), ...cidrs]) : [];
    const message = `the allow list of ${cf.name} ${broad.map((b) => b.message).join(" and ")}`;
    if (broad.length > 0 && !options.allowBroad) {
      throw new CliError("allow-list-too-broad", `nothing added: ${message}.`, {
        hint: "Check the blocks (0.0.0.0/1 and 128.0.0.0/1 are the whole internet); pass --yes to add them anyway.",
      });
    }
    if (broad.length > 0) options.warn?.(`${message}; added anyway (--yes).`);
  }
  const changed: string[] = [];
  for (const set of sets) {
    const mine = cidrs.filter((c) => c.version === set.version).map((c) => c.cidr);
    if (mine.length === 0) continue;
    for (let attempt = 1; ; attempt++) {
      const got = await waf.send(new GetIPSetCommand({ Name: set.name, Scope: "CLOUDFRONT", Id: set.id }));
      const current = got.IPSet?.Addresses ?? [];
      const next =
        action === "add"
          ? [...current, ...mine.filter((c) => !current.includes(c))]
          : current.filter((c) => !mine.includes(c));
      const delta =
        action === "add"
          ? next.filter((c) => !current.includes(c))
          : current.filter((c) => !next.includes(c));
      if (delta.length === 0) break;
      try {
        await waf.send(
          new UpdateIPSetCommand({
            Name: set.name,
            Scope: "CLOUDFRONT",
            Id: set.id,
            Addresses: next,
            LockToken: got.LockToken,
          }),
        );
        changed.push(...delta);
        break;
      } catch (error) {
        if (awsErrorName(error) !== "WAFOptimisticLockException" || attempt >= LOCK_ATTEMPTS) throw error;
      }
    }
  }
  return changed;
}
