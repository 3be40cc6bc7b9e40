import { describe, expect, it } from "vitest";
import { codes, context, GENERAL, problems } from "./helpers.js";

/** `ecr_name` of `[container.<name>]`: the repository's name, as the original's configuration.md says. */
const container = (name: string, ecrName?: string) => `
[container.${name}]
dockerfile_path = "Dockerfile"
${ecrName === undefined ? "" : `ecr_name = ${ecrName}\n`}
[container.${name}.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;

describe("ecr_name (the original's current spelling)", () => {
  it("names the repository every stage reads, and marks it shared so destroy keeps it", () => {
    for (const stage of ["dev", "prd"]) {
      const c = context(`${GENERAL}${container("main", '"testprj-shared"')}`, stage).container!;
      expect(c.ecrRepository).toBe("testprj-shared");
      expect(c.ecrRepositoryShared).toBe(true);
      expect(c.imageTag).toBe(stage);
    }
  });

  it("without it the repository is {stage}-{project}-{namespace}-{name}-lambda, the stage's own", () => {
    const c = context(`${GENERAL}${container("main")}`).container!;
    expect(c.ecrRepository).toBe("dev-testprj-pocket-main-lambda");
    expect(c.ecrRepositoryShared).toBeUndefined();
  });

  it("is per container when a stage has several", () => {
    const ctx = context(`${GENERAL}${container("main", '"shared-main"')}${container("v2")}`);
    expect(ctx.containers!.main!.ecrRepository).toBe("shared-main");
    expect(ctx.containers!.v2!.ecrRepository).toBe("dev-testprj-pocket-v2-lambda");
    expect(ctx.containers!.v2!.ecrRepositoryShared).toBeUndefined();
  });

  it("must be a string and a valid repository name", () => {
    expect(codes(problems(`${GENERAL}${container("main", "3")}`))).toEqual(["invalid-type"]);
    expect(problems(`${GENERAL}${container("main", '"Not_Valid!"')}`).map((d) => [d.code, d.path])).toEqual([
      ["name-invalid", "container.main.ecr_name"],
    ]);
  });
});
