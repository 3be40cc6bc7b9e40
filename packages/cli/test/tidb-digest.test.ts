import { describe, expect, it } from "vitest";
import { randomPassword, tidbDatabaseUrl } from "../src/resources/tidb/access.js";
import { digestAuthorization, parseDigestChallenge } from "../src/resources/tidb/digest.js";

// RFC 7616 §3.9.1: the worked example, for MD5 and SHA-256.
const CHALLENGE =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const USER = { username: "Mufasa", password: "Circle of Life" };
const REQUEST = { method: "GET", uri: "/dir/index.html" };
const CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

describe("HTTP Digest authentication for the TiDB Cloud API", () => {
  it("answers the RFC 7616 example with MD5", () => {
    const challenge = parseDigestChallenge(CHALLENGE)!;
    expect(challenge).toMatchObject({
      realm: "http-auth@example.org",
      qop: "auth, auth-int",
      algorithm: "MD5",
    });
    const header = digestAuthorization(challenge, USER, REQUEST, 1, CNONCE);
    expect(header).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(header).toContain("qop=auth, nc=00000001");
    expect(header).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
  });

  it("answers the RFC 7616 example with SHA-256", () => {
    const challenge = parseDigestChallenge(CHALLENGE.replace("algorithm=MD5", "algorithm=SHA-256"))!;
    expect(digestAuthorization(challenge, USER, REQUEST, 1, CNONCE)).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
  });

  it("ignores other schemes", () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge(null)).toBeUndefined();
  });
});

describe("TiDB values", () => {
  it("makes 24-character alphanumeric passwords and percent-encodes the URL", () => {
    expect(randomPassword()).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(
      tidbDatabaseUrl("ab.pk_dev", "p@ss", "gateway01.ap-northeast-1.prod.aws.tidbcloud.com", 4000, "my.db"),
    ).toBe(
      "mysql://ab.pk_dev:p%40ss@gateway01.ap-northeast-1.prod.aws.tidbcloud.com:4000/my.db?ssl_mode=VERIFY_IDENTITY",
    );
  });
});
