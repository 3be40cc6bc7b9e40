import { describe, expect, it } from "vitest";
import { codes, context, GENERAL, load, problems } from "./helpers.js";

// The original's current example (configuration.md, "upstash").
const HEAD = `${GENERAL}
[upstash]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[container.main.secrets.managed]
REDIS_URL = { type = "upstash_redis_url" }

[container.main.django.caches]
default = { store = "redis" }
`;

describe("[upstash]", () => {
  it("names the stage's database {project}-{stage} in Singapore with the $20 budget", () => {
    expect(context(HEAD, "prd").upstash).toEqual({
      databaseName: "testprj-prd",
      primaryRegion: "ap-southeast-1",
      budget: 20,
      provisioning: "deploy",
      apiKeySource: undefined,
    });
  });

  it("keeps the credentials out of the settings and notes where the key came from", () => {
    const r = load(HEAD, "dev", { UPSTASH_EMAIL: "me@example.com", UPSTASH_API_KEY: "k-123" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.credentials).toMatchObject({ upstashEmail: "me@example.com", upstashApiKey: "k-123" });
    expect(r.config.context.upstash?.apiKeySource).toBe("environment");
    expect(JSON.stringify(r.config.context)).not.toContain("k-123");
  });

  it("fills REDIS_URL from the database and points the redis cache at it", () => {
    const c = context(HEAD).container!;
    expect(c.secrets?.managed.REDIS_URL).toEqual({ type: "upstash_redis_url", env: "REDIS_URL" });
    expect(c.django?.caches.default).toEqual({
      BACKEND: "django_redis.cache.RedisCache",
      LOCATION_ENV: "REDIS_URL",
    });
  });

  it('accepts provisioning = "deploy" and a budget; by command, the managed URL deploy cannot fill is refused', () => {
    expect(
      context(HEAD.replace("[upstash]", '[upstash]\nbudget = 50\nprovisioning = "deploy"')).upstash?.budget,
    ).toBe(50);
    expect(codes(problems(HEAD.replace("[upstash]", '[upstash]\nprovisioning = "command"')))).toEqual([
      "upstash-command-managed-url",
    ]);
    expect(codes(problems(HEAD.replace("[upstash]", "[upstash]\nbudget = 10")))).not.toEqual([]);
  });

  it("refuses a redis cache without the URL's secret, and the secret without [upstash]", () => {
    expect(codes(problems(HEAD.replace('REDIS_URL = { type = "upstash_redis_url" }', "")))).toContain(
      "cache-redis-without-upstash",
    );
    expect(codes(problems(HEAD.replace("[upstash]\n", "")))).toContain("secret-needs-upstash");
  });
});
