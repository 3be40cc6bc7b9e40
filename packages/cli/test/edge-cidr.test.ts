import { describe, expect, it } from "vitest";
import { broadAllowList, parseCidr } from "../src/resources/cloudfront/waf-ip.js";

describe("allow-list CIDRs", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7/32", 4],
    ["203.0.113.0/24", "203.0.113.0/24", 4],
    [" 10.0.0.0/8 ", "10.0.0.0/8", 4],
    ["2001:db8::1", "2001:db8::1/128", 6],
    ["2001:DB8:0:0::/32", "2001:db8::/32", 6],
    ["2001:db8:0:0:1:0:0:0/80", "2001:db8:0:0:1::/80", 6],
    // IPv4-mapped: a viewer reaching CloudFront over IPv4 is matched by the IPv4 set only.
    ["::ffff:192.0.2.1", "192.0.2.1/32", 4],
    ["::FFFF:c000:201", "192.0.2.1/32", 4],
    ["::ffff:192.0.2.0/120", "192.0.2.0/24", 4],
    ["::/1", "::/1", 6],
  ])("%s → %s", (text, cidr, version) => {
    expect(parseCidr(text)).toEqual({ cidr, version });
  });

  it.each([
    ["example.com", /not an IP address/],
    ["203.0.113.256", /not an IP address/],
    ["203.0.113.0/33", /prefix length must be 1 to 32/],
    ["203.0.113.0/0", /prefix length must be 1 to 32/],
    ["203.0.113.0/abc", /prefix length/],
    ["2001:db8::/129", /1 to 128/],
    ["fe80::1%eth0", /not an IP address/],
    ["1.2.3.4/24/8", /not an IP address/],
    ["::ffff:0.0.0.0/96", /every IPv4 address/],
  ])("refuses %s", (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
  });

  it("refuses host bits and names the network in the hint", () => {
    try {
      parseCidr("10.1.2.3/16");
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe("invalid-cidr");
      expect((error as { hint: string }).hint).toContain("10.1.0.0/16");
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
    expect(() => parseCidr("2001:db8::1/32")).toThrow(/host bits/);
  });
});

describe("an allow list broader than a /8", () => {
  const broad = (...texts: string[]) => broadAllowList(texts.map(parseCidr)).map((b) => b.version);

  it("is found per family, overlapping blocks counted once", () => {
    expect(broad("0.0.0.0/1", "128.0.0.0/1")).toEqual([4]);
    expect(broad("10.0.0.0/8", "11.0.0.0/8")).toEqual([4]);
    expect(broad("10.0.0.0/7")).toEqual([4]);
    expect(broad("::/1", "8000::/1", "203.0.113.7")).toEqual([6]);
    expect(broad("0.0.0.0/1", "::/2")).toEqual([4, 6]);
  });

  it("is not a /8 or less in total", () => {
    expect(broad("10.0.0.0/8")).toEqual([]);
    expect(broad("10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9")).toEqual([]);
    expect(broad("10.0.0.0/9", "11.0.0.0/9")).toEqual([]);
    expect(broad("2001:db8::/32", "203.0.113.0/24")).toEqual([]);
  });

  it("says how much of the address space it covers", () => {
    const [v4] = broadAllowList(["0.0.0.0/1", "128.0.0.0/1"].map(parseCidr));
    expect(v4!.message).toBe("would cover 100% of all IPv4 addresses, more than a /8");
  });
});
