import { describe, expect, it } from "vitest";
import { context, GENERAL } from "./helpers.js";

/*
 * Managed secrets in both stores (the original's configuration.md, container.secrets and
 * changelog 0.29: "shared と無印の混在も可能です"): the ones declared `shared = true` are in the
 * shared store `{stage}-{project}-{namespace}`, the others in the container's own.
 */
const container = (name: string, managed: string) => `
[container.${name}]
dockerfile_path = "Dockerfile"
[container.${name}.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
[container.${name}.secrets.managed]
${managed}
`;
const MIX = `SECRET_KEY = { type = "password", shared = true }\nOWN_TOKEN = { type = "password" }`;

describe("managed secrets in both stores", () => {
  it("a container with a mix keeps its own store and reads the shared one beside it", () => {
    const c = context(`${GENERAL}${container("web", MIX)}`).container!;
    expect(c.secrets!.pocketKey).toBe("dev-testprj-web-pocket");
    expect(c.secrets!.sharedStore).toEqual({
      pocketKey: "dev-testprj-pocket",
      ssmPath: "/dev-testprj-pocket/",
      names: ["SECRET_KEY"],
    });
    expect(c.secrets!.runtime).toMatchObject({
      key: "dev-testprj-web-pocket",
      sharedKey: "dev-testprj-pocket",
      managed: {
        SECRET_KEY: { type: "password", env: "SECRET_KEY", shared: true },
        OWN_TOKEN: { type: "password", env: "OWN_TOKEN" },
      },
    });
    expect(c.secrets!.runtime.managed.OWN_TOKEN).not.toHaveProperty("shared");
    expect(c.secrets!.allowedSmResources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:secret:dev-testprj-web-pocket-\?{6}$/),
        expect.stringMatching(/:secret:dev-testprj-pocket-\?{6}$/),
      ]),
    );
  });

  it("every one shared: the shared store only; none: the container's only", () => {
    const all = context(`${GENERAL}${container("web", 'SECRET_KEY = { type = "password", shared = true }')}`)
      .container!.secrets!;
    expect(all.pocketKey).toBe("dev-testprj-pocket");
    expect(all.sharedStore).toBeUndefined();
    expect(all.runtime.sharedKey).toBeUndefined();
    const none = context(`${GENERAL}${container("web", 'SECRET_KEY = { type = "password" }')}`).container!
      .secrets!;
    expect(none.pocketKey).toBe("dev-testprj-web-pocket");
    expect(none.sharedStore).toBeUndefined();
  });

  it("with several containers, each container's own declarations decide", () => {
    const ctx = context(
      `${GENERAL}${container("web", MIX)}${container("v2", 'SECRET_KEY = { type = "password", shared = true }')}`,
    );
    expect(ctx.containers!.web!.secrets!.sharedStore?.names).toEqual(["SECRET_KEY"]);
    expect(ctx.containers!.v2!.secrets!.pocketKey).toBe("dev-testprj-pocket");
    expect(ctx.containers!.v2!.secrets!.sharedStore).toBeUndefined();
  });
});
