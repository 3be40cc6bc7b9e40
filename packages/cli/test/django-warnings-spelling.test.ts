import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { djangoDeployWarnings } from "../src/django/checks.js";
import { project } from "./cli/run.js";
import { loadInline } from "./templates/context.js";

// Issue 21: a deploy's Django warnings name the tables of the user's own file, so a pocket.toml in
// the original's current spelling is told `[container.main.…]`, never a table it cannot have.
const HEAD_TOML = `[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev"]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

describe("Django deploy warnings for a file in the original's current spelling", () => {
  it("name [container.main.envs] and [container.main.secrets.user] in their hints", () => {
    const dir = project("", "head-warnings");
    writeFileSync(join(dir, "requirements.txt"), "Django\n");
    writeFileSync(
      join(dir, "manage.py"),
      'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
    );
    mkdirSync(join(dir, "shop"));
    writeFileSync(join(dir, "shop", "settings.py"), "DEBUG = False\n");
    const warnings = djangoDeployWarnings(loadInline(HEAD_TOML).context, dir);
    expect(warnings.map((w) => w.code)).toEqual(["django-no-database-url", "django-email-smtp-localhost"]);
    for (const w of warnings) {
      expect(w.hint).toContain("[container.main.secrets.user]");
      expect(w.hint).not.toContain("awscontainer");
    }
    expect(warnings[1]!.hint).toContain("[container.main.envs]");
  });
});
