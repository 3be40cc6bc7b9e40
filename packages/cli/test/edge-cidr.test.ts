import { describe, expect, it } from "vitest";
import { parseCidr } from "../src/resources/cloudfront/waf-ip.js";

describe("allow-list CIDRs", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7/32", 4],
    ["203.0.113.0/24", "203.0.113.0/24", 4],
    [" 10.0.0.0/8 ", "10.0.0.0/8", 4],
    ["2001:db8::1", "2001:db8::1/128", 6],
    ["2001:DB8:0:0::/32", "2001:db8::/32", 6],
    ["2001:db8:0:0:1:0:0:0/80", "2001:db8:0:0:1::/80", 6],
    ["::ffff:192.0.2.1", "::ffff:c000:201/128", 6],
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
