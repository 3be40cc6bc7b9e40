import { CliError } from "../../errors.js";
import { edgeProtection } from "../../templates/edge.js";
import { writeErr } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { generateSecret } from "../secrets/values.js";

/**
 * `pocket resource cloudfront rotate-origin-verify [--finish]`: the origin-verify value is
 * rotated in two steps so no request is refused in between. The first stores `new,old` (the
 * functions accept both once they restart, CloudFront sends the first once the distribution is
 * deployed); `--finish` stores `new` alone. Nothing is deployed here: the printed steps say what
 * to run, in the order that keeps both sides agreeing.
 */
export async function rotateOriginVerify({ run }: OperationContext, opts: { finish?: boolean }) {
  const secretName = Object.values(run.ctx.cloudfront ?? {})
    .map((cf) => edgeProtection(cf).originVerify?.secret)
    .find((s): s is string => s !== undefined);
  const secrets = run.ctx.container?.secrets;
  const spec = secretName ? secrets?.managed[secretName] : undefined;
  if (!secretName || !secrets || !spec) {
    throw new CliError("no-origin-verify", "no distribution of this stage has enable_origin_verify.", {
      hint: "Set enable_origin_verify = true on a distribution with an api route.",
    });
  }
  const store = managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project);
  const stored = await store.read();
  const current = stored[secretName];
  if (typeof current !== "string" || current === "") {
    throw new CliError(
      "origin-verify-secret-missing",
      `the managed secret ${secretName} does not exist yet.`,
      {
        hint: "Deploy the stage first (`pocket deploy` creates it).",
      },
    );
  }
  const values = current.split(",").map((v) => v.trim());
  const stage = `--stage ${run.ctx.stage}`;
  const reload = `pocket resource awscontainer secrets reload ${stage}`;
  if (opts.finish) {
    if (values.length < 2) {
      throw new CliError("no-rotation", `${secretName} holds one value: no rotation to finish.`, {
        hint: `Start one with pocket resource cloudfront rotate-origin-verify ${stage}.`,
      });
    }
    await store.write({ ...stored, [secretName]: values[0]! });
    writeErr(
      `${secretName} now holds the new value only. Run ${reload} so the functions stop accepting the old one.\n`,
    );
    return;
  }
  if (values.length > 1) {
    throw new CliError("rotation-in-progress", `${secretName} already holds a new and an old value.`, {
      hint: `Finish that rotation first: pocket resource cloudfront rotate-origin-verify --finish ${stage}.`,
    });
  }
  const fresh = generateSecret(spec) as string;
  await store.write({ ...stored, [secretName]: `${fresh},${values[0]}` });
  writeErr(
    [
      `${secretName} now holds a new value and the old one. Next, in this order:`,
      `  1. ${reload}    (the functions accept both)`,
      `  2. pocket resource cloudfront deploy ${stage}    (CloudFront sends the new one)`,
      `  3. pocket resource cloudfront rotate-origin-verify --finish ${stage}, then step 1 again`,
      "",
    ].join("\n"),
  );
}
