import { describe, expect, it } from "vitest";
import { chooseContainer, chooseHandlers, firstContainerOnly } from "../src/commands/container-choice.js";
import { loadInline } from "./templates/context.js";

/*
 * Which container a command acts on (commands/container-choice.ts): in a stage of several
 * `[container.<name>]` never the first one silently; a stage of one container is unchanged.
 */
const TWO = loadInline(`[general]
region = "ap-northeast-1"
project_name = "multi"
stages = ["dev"]

[container.web]
dockerfile_path = "Dockerfile"
[container.web.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[container.v2]
dockerfile_path = "v2/Dockerfile"
[container.v2.handlers.wsgi]
command = "app.handler"
`).context;
const ONE = loadInline(`[general]
region = "ap-northeast-1"
project_name = "one"
stages = ["dev"]

[awscontainer]
dockerfile_path = "Dockerfile"
[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`).context;

describe("choosing a container", () => {
  it("names <container>.<handler> to the container's function", () => {
    const [v2] = chooseHandlers(TWO, ["v2.wsgi"]);
    expect(v2!.handler.functionName).toBe("dev-multi-pocket-v2-wsgi");
    expect(v2!.label).toBe("v2.wsgi");
    expect(chooseHandlers(TWO, []).map((h) => h.label)).toEqual(["web.wsgi", "v2.wsgi"]);
    expect(() => chooseHandlers(TWO, ["wsgi"])).toThrow(
      /in several containers of stage dev: web.wsgi, v2.wsgi/,
    );
  });

  it("asks for --container where a command acts on one, and says so where it runs the first only", () => {
    expect(() => chooseContainer(TWO, undefined, "secrets list")).toThrow(/several containers \(web, v2\)/);
    expect(chooseContainer(TWO, "v2", "secrets list").container!.stackName).toBe("dev-multi-container-v2");
    expect(firstContainerOnly(TWO, "dev")).toBe("pocket dev runs container web only; v2 is not run locally.");
  });

  it("leaves a stage of one container as it was", () => {
    expect(chooseContainer(ONE, undefined, "secrets list")).toBe(ONE);
    expect(chooseHandlers(ONE, ["wsgi"]).map((h) => h.label)).toEqual(["wsgi"]);
    expect(firstContainerOnly(ONE, "dev")).toBeUndefined();
    expect(() => chooseContainer(ONE, "web", "secrets list")).toThrow(/has one container/);
  });
});
