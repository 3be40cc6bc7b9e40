import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync } from "../cli/run.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";
import {
  deniedCalls,
  expectHeadTakenOverInPlace,
  expectInSyncAndNoChangeAsync,
  type OriginalStage,
} from "./original-stacks.js";
import { acm, distributionConfig, TK2_STACKS, tk2Env, tk2Stage } from "./original-tk2.js";
import { type RecordedRequest, record } from "./recorder.js";

/*
 * Issue 22, the original's current version (HEAD) with domains (tk2, original-tk2.ts): its
 * distribution stack in the stage's region names the certificate of its `{cfslug}-acm` stack
 * (us-east-1) by ARN, and answers for the redirect_from domain itself (a SAN certificate,
 * HostRedirectFunction, DNSRecordExampleCom). `pocket deploy` takes it over in place and keeps
 * that shape (docs/decisions.md A1).
 */
let kvs: KvsServer;
const env = () => tk2Env(kvs);

let dir: string;
let toml: string;
let certificateArn: string;
let before: OriginalStage;
let deployRequests: RecordedRequest[] = [];
let tokenKvsArn: string;
let spaToken: string;

beforeAll(async () => {
  kvs = await startKvsServer();
  ({ before, dir, toml, certificateArn, tokenKvsArn, spaToken } = await tk2Stage(kvs));
}, 180_000);
afterAll(() => kvs.close());

describe("taking over a stage the original's current version deployed with domains (tk2)", () => {
  it("adopt keeps the acm stack's certificate and the one distribution for the redirect domain", async () => {
    const r = await pocketAsync(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("deployed by the original (head)");
    expect(r.stdout).toContain(
      `certificate of main from the {cfslug}-acm stack in us-east-1, left as it is (${certificateArn}), for www.example.com, example.com on one distribution`,
    );
    expect(r.stdout).toContain("nothing is replaced or deleted");
    // plan says the same before its changes.
    const plan = await pocketAsync(["plan", "--stage", "dev", "--image", before.image], {
      cwd: dir,
      env: env(),
    });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`left as it is (${certificateArn})`);
    expect(plan.stderr).not.toContain("refused");
  });

  it("deploys in place: every physical id and the secrets stay, the certificate and aliases are kept", async () => {
    const recorded = await record(() =>
      pocketAsync(["deploy", "--stage", "dev", "--image", before.image], { cwd: dir, env: env() }),
    );
    deployRequests = recorded.requests;
    await expectHeadTakenOverInPlace(before, recorded.result);
    expect(kvs.data.get(`${tokenKvsArn}|token_secret`)).toBe(spaToken);
    const config = await distributionConfig();
    expect(config.Aliases).toEqual(["www.example.com", "example.com"]);
    expect(config.ViewerCertificate).toMatchObject({ AcmCertificateArn: certificateArn });
    // The certificate is the acm stack's, untouched; no distribution stack was made in us-east-1.
    const cert = (await acm("DescribeCertificate", { CertificateArn: certificateArn })) as {
      Certificate?: { SubjectAlternativeNames?: string[] };
    };
    expect(cert.Certificate?.SubjectAlternativeNames).toEqual(
      expect.arrayContaining(["www.example.com", "example.com"]),
    );
    await expect(
      new CloudFormationClient({ region: "us-east-1" }).send(
        new DescribeStacksCommand({ StackName: "dev-myapp-main-cloudfront" }),
      ),
    ).rejects.toThrow(/does not exist/);
  });

  it("is in sync afterwards, and a second deploy changes nothing", async () => {
    await expectInSyncAndNoChangeAsync(dir, before.image, env());
  });

  it("every call of the takeover and of destroy was allowed by pocket permissions", async () => {
    const destroy = await record(() =>
      pocketAsync(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() }),
    );
    expect(destroy.result.status, destroy.result.stderr).toBe(0);
    // destroy says it deletes the original's certificate and web ACL stacks after the distribution.
    expect(destroy.result.stderr).toContain(
      "then the original's dev-myapp-main-acm and dev-myapp-main-waf stacks in us-east-1, if there",
    );
    for (const [name, region] of [...TK2_STACKS, ["dev-myapp-main-acm", "us-east-1"] as const]) {
      await expect(
        new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: name })),
      ).rejects.toThrow(/does not exist/);
    }
    expect(deniedCalls(toml, [...deployRequests, ...destroy.requests]).denied).toEqual([]);
  });
});
