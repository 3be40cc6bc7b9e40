import { CliError } from "../errors.js";
import type { AwsClients } from "./clients.js";

const cache = new Map<string, Promise<string>>();

/**
 * The Route 53 hosted zone for a domain: the longest zone name that is the domain itself or a
 * suffix of it on a label boundary (the original matched substrings), over every page of
 * ListHostedZones (docs/decisions.md#d10-hosted-zone-lookup-by-suffix). Asked once per domain per
 * process.
 */
export function hostedZoneId(clients: AwsClients, domain: string, settingPath: string): Promise<string> {
  const key = domain.toLowerCase();
  let hit = cache.get(key);
  if (!hit) {
    hit = lookup(clients, key, settingPath);
    cache.set(key, hit);
  }
  return hit;
}

async function lookup(clients: AwsClients, domain: string, settingPath: string): Promise<string> {
  const { ListHostedZonesCommand } = await import("@aws-sdk/client-route-53");
  const route53 = await clients.route53();
  let best: { name: string; id: string } | undefined;
  let Marker: string | undefined;
  do {
    const page = await route53.send(new ListHostedZonesCommand({ Marker }));
    for (const z of page.HostedZones ?? []) {
      if (z.Config?.PrivateZone) continue;
      const name = (z.Name ?? "").replace(/\.$/, "").toLowerCase();
      if (domain === name || domain.endsWith(`.${name}`)) {
        if (!best || name.length > best.name.length)
          best = { name, id: (z.Id ?? "").replace("/hostedzone/", "") };
      }
    }
    Marker = page.IsTruncated ? page.NextMarker : undefined;
  } while (Marker);
  if (!best) {
    throw new CliError(
      "hosted-zone-not-found",
      `no public Route 53 hosted zone in this account covers ${domain}.`,
      {
        hint: `Create the zone (or delegate the domain to Route 53), or set ${settingPath} = "Z..." in pocket.toml.`,
      },
    );
  }
  return best.id;
}
