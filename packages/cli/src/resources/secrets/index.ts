import { resourceKind } from "../resource.js";
import { secretsPermissions } from "./permissions.js";
import { secretsResource } from "./resource.js";
import { secretStores } from "./stores.js";

const operations = () => import("./operations.js");

/** `[awscontainer.secrets.managed]`: values pocket generates once and never rotates by itself. */
export default resourceKind({
  group: "awscontainer",
  noun: "the managed secrets",
  description: "the stage's managed secrets",
  section: "[awscontainer.secrets]",
  permissions: secretsPermissions,
  keeps: { withSecrets: "also delete the managed secrets" },
  // One resource per store: a container's own, or the shared one (`shared = true`) once.
  create: (ctx) => secretStores(ctx).map(({ id, secrets }) => secretsResource(secrets, id)),
  operations: {
    list: {
      path: ["secrets", "list"],
      description: "list managed and user secrets (values hidden)",
      aws: true,
      allowEmpty: true,
      options: [
        ["--show-values", "print the values too (they will be on your screen and in your scrollback)"],
      ],
      run: async () => (await operations()).listSecrets,
    },
    "create-pocket-managed": {
      path: ["secrets", "create-pocket-managed"],
      description: "generate every managed secret that does not exist yet",
      aws: true,
      run: async () => (await operations()).createSecrets,
    },
    "delete-pocket-managed": {
      path: ["secrets", "delete-pocket-managed"],
      description: "delete the stage's managed secrets (asks first)",
      aws: true,
      options: [["-y, --yes", "do not ask for confirmation"]],
      run: async () => (await operations()).deleteSecrets,
    },
  },
});
