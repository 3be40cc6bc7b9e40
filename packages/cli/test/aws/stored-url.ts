import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { expect } from "vitest";
import type { CliRun } from "../cli/run.js";
import { general, REGION } from "./harness.js";
import { expectNoChangeDeploy } from "./recorder.js";

/*
 * What the store-url tests share (neon-, tidb-, upstash-store-url): a dev stage whose section is
 * provisioned by command (docs/decisions.md#b12-provisioning-by-command), its URL the stored user
 * secret of its type, and the steps every such section goes through the same way.
 */

/** The pocket.toml: `section` (its table, with provisioning = "command") and one container. */
export function storedUrlStage(
  project: string,
  section: string,
  env: string,
  type: string,
  extra = "",
): string {
  return `${general(project)}
${section}
[container.web]
dockerfile_path = "Dockerfile"
[container.web.handlers.wsgi]
command = "app.handler"
[container.web.secrets.user]
${env} = { type = "${type}" }
${extra}`;
}

/** The stored user secret's name in Secrets Manager (`{pocket_key}-user/<type>`). */
export function storedName(project: string, type: string): string {
  return `dev-${project}-pocket-user/${type}`;
}

/** The value of a stored URL secret in moto's Secrets Manager. */
export async function storedSecret(name: string): Promise<string> {
  const sm = new SecretsManagerClient({ region: REGION });
  return (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!;
}

/** The runs a store-url test makes, and what the vendor has seen (any call changes it). */
export interface StoreUrlRuns {
  group: "neon" | "tidb" | "upstash";
  /** A deploy of the stage's image by the CI (no vendor key), with `extra` arguments. */
  deploy(...extra: string[]): Promise<CliRun>;
  /** A run by the CI. */
  ci(args: string[]): Promise<CliRun>;
  /** A run by the operator, with the vendor's key. */
  operator(args: string[]): Promise<CliRun>;
  /** The vendor's calls (and statements) so far. */
  activity(): unknown;
}

/** A strict deploy before store-url stops, names the secret and store-url, and calls no vendor. */
export async function expectStrictDeployStops(runs: StoreUrlRuns, stored: string): Promise<void> {
  const before = runs.activity();
  const r = await runs.deploy("--strict");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(stored);
  expect(r.stderr).toContain(`pocket resource ${runs.group} store-url --stage dev`);
  expect(runs.activity()).toEqual(before);
}

/**
 * Once stored, a keyless strict deploy passes, a redeploy changes nothing, plan and status say
 * so, and no vendor call.
 */
export async function expectKeylessDeploys(runs: StoreUrlRuns): Promise<void> {
  const before = runs.activity();
  const r = await runs.deploy("--strict");
  expect(r.status, r.stderr).toBe(0);
  await expectNoChangeDeploy(() => runs.deploy());
  const plan = await runs.ci(["plan", "--stage", "dev"]);
  expect(plan.status, plan.stderr).toBe(0);
  expect(plan.stdout + plan.stderr).not.toContain(`[${runs.group}]`);
  expect(runs.activity()).toEqual(before);
  const status = await runs.operator(["resource", runs.group, "status", "--stage", "dev"]);
  expect(status.status).toBe(1);
  expect(status.stderr).toContain(`[${runs.group}] provisioning = "command"`);
  expect(status.stderr).toContain(`pocket resource ${runs.group} store-url --stage dev`);
}

/** Destroy, even --with-data, calls no vendor and leaves the stored URL. */
export async function expectDestroyLeavesIt(runs: StoreUrlRuns, stored: string): Promise<string> {
  const before = runs.activity();
  const r = await runs.ci(["destroy", "--stage", "dev", "--yes", "--with-data"]);
  expect(r.status, r.stderr).toBe(0);
  expect(runs.activity()).toEqual(before);
  return storedSecret(stored);
}
