/** The three handlers pocket.toml names: `dist/index.web`, `.worker`, `.management`. */
import { httpHandler, sqsHandler, taskHandler } from "@magic-pocket/runtime";
import { app } from "./app.js";

export interface WelcomeMail {
  kind: "welcome-mail";
  email: string;
}

/** What the worker has sent; a real app would call its mail service. */
export const sent: string[] = [];

// [awscontainer.handlers.web]: API Gateway (directly or through CloudFront) -> Hono.
export const web = httpHandler(app);

// [awscontainer.handlers.worker]: one call per message; a throw sends only that message back.
export const worker = sqsHandler(async (job: WelcomeMail) => {
  if (job.kind !== "welcome-mail" || !/^[^@\s]+@[^@\s]+$/.test(job.email ?? "")) {
    throw new Error(`cannot send a welcome mail for this message (kind ${job.kind})`);
  }
  sent.push(job.email);
});

// [awscontainer.handlers.management]: `{"command": "stats"}` or `{"manage": "greet Ada"}`.
export const management = taskHandler({
  stats: (_args, io) => {
    io.log(`welcome mails sent by this instance: ${sent.length}`);
  },
  greet: (args) => `hello ${args.join(" ") || "world"}`,
});
