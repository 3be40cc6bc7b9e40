import * as z from "zod/mini";
import { addHeadKeys } from "./json-schema-head.js";
import { distributionSchema, sectionSchemas } from "./schema/settings.js";

/**
 * JSON Schema of pocket.toml for editors (Even Better TOML / taplo), generated from the same
 * zod schemas that validate the file. Stage tables (`[dev.x]`) are allowed as extra top-level
 * tables whose keys are sections; cross-section rules are not expressible and stay in pocket.
 */
export function pocketTomlJsonSchema(): Record<string, unknown> {
  // The environment only matters to the output side; the editor schema describes the input.
  const schemas = sectionSchemas({
    directoryName: "",
    vpcDefined: false,
    credential: () => undefined,
    credentials: {},
    warnings: [],
  });
  const sections: Record<string, z.core.$ZodType> = {
    ...schemas,
    cloudfront: z.record(z.string(), distributionSchema()),
  };
  const properties: Record<string, unknown> = {};
  const stageProperties: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sections)) {
    const json = z.toJSONSchema(schema, {
      io: "input",
      unrepresentable: "any",
      target: "draft-07",
    }) as Record<string, unknown>;
    delete json.$schema;
    properties[name] = json;
    // A stage table may override any key, so nothing in it is required.
    stageProperties[name] = dropRequired(structuredClone(json));
  }
  // The original's current spelling: `[container.<name>]` tables, each an [awscontainer]
  // (docs/decisions.md#d11-two-spellings-one-schema). A file uses one of the two.
  addHeadKeys(properties);
  addHeadKeys(stageProperties);
  properties.container = namedContainers(properties.awscontainer);
  stageProperties.container = namedContainers(stageProperties.awscontainer);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://magic-pocket.dev/schema/pocket.toml.json",
    title: "pocket.toml",
    description:
      "magic-pocket configuration: one file, every stage. Keys under a stage name ([dev.awscontainer]) override the common ones for that stage.",
    type: "object",
    required: ["general"],
    properties,
    additionalProperties: {
      type: "object",
      description: "A stage table: its name must be listed in general.stages.",
      properties: stageProperties,
      additionalProperties: false,
    },
  };
}

function namedContainers(container: unknown): Record<string, unknown> {
  return {
    type: "object",
    description:
      "The original's current spelling: [container.<name>] tables, each with the keys of [awscontainer] (use one spelling per file).",
    propertyNames: { pattern: "^[a-z][a-z0-9]{0,31}$" },
    additionalProperties: withEcrName(container),
  };
}

/** `ecr_name`: a key of `[container.<name>]` only (the seed's spelling names the repository itself). */
function withEcrName(container: unknown): unknown {
  const node = container as { properties?: Record<string, unknown> } | undefined;
  if (!node?.properties) return container;
  const ecrName = {
    type: "string",
    description: "The ECR repository's name (stages may share it; destroy keeps it).",
  };
  return { ...node, properties: { ...node.properties, ecr_name: ecrName } };
}

function dropRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropRequired);
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== "required") out[k] = dropRequired(v);
    return out;
  }
  return node;
}
