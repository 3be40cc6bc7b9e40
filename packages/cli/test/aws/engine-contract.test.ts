import { beforeAll, describe, expect, it } from "vitest";
import { deployResources } from "../../src/engine/deploy.js";
import { destroyNote, destroyResources } from "../../src/engine/destroy.js";
import { runContext } from "../../src/engine/run-context.js";
import { type Resource, type ResourceKind, resourceKind } from "../../src/resources/resource.js";
import stateBucket from "../../src/resources/state-bucket/index.js";
import { loadInline } from "../templates/context.js";
import { freshMoto, general } from "./harness.js";

/*
 * The resource contract, followed for a new kind that lives only in this test (the recipe of
 * src/resources/README.md): one factory, dependencies and what destroy keeps declared as data.
 * Nothing in the engine knows it; the engine orders it, keeps it, lists it and deploys it again
 * when a resource it refreshes after has changed. The stage lock lives in moto's S3.
 */
const config = loadInline(`
${general("contract")}`);

function dummyKind(log: string[], store: Map<string, string>): ResourceKind {
  const note = (id: string, dependsOn: string[], extra: Partial<Resource> = {}): Resource => ({
    id,
    title: `note ${id}`,
    group: "note",
    dependsOn,
    async status() {
      return { state: store.has(id) ? "in-sync" : "missing" };
    },
    async plan() {
      return store.has(id) ? [] : [{ action: "create", target: id }];
    },
    async deploy() {
      log.push(`deploy ${id}`);
      const changed = !store.has(id) || extra.refreshAfter !== undefined;
      store.set(id, "x");
      return { changed, summary: changed ? "written" : "no changes", outputs: { id } };
    },
    async destroy(_run, _p, { onlyIfEmpty }) {
      log.push(`destroy ${id}${onlyIfEmpty ? " (only if empty)" : ""}`);
      store.delete(id);
      return { changed: true, summary: "deleted" };
    },
    ...extra,
  });
  return resourceKind({
    group: "note",
    noun: "the notes",
    description: "notes kept in memory (a test kind)",
    section: "[note]",
    keeps: { withData: "also delete the kept note" },
    create: () => [
      note("a", ["state"]),
      note("b", ["a"], { keep: { unless: "withData", because: "it holds the notes" } }),
      note("c", ["a"], { keep: { unless: "withData", whenEmpty: "delete" } }),
      note("d", ["b", "c"], { refreshAfter: ["c"], goesWith: "with its drafts" }),
    ],
  });
}

beforeAll(async () => {
  await freshMoto({ cli: false });
});

describe("a new resource kind, through the engine alone", () => {
  it("deploys in dependency order, refreshes after a changed dependency, and lists/keeps on destroy", async () => {
    const log: string[] = [];
    const store = new Map<string, string>();
    const resources = [
      ...stateBucket.create(config.context),
      ...dummyKind(log, store).create(config.context),
    ];
    const run = runContext(config, { yes: true }, resources);

    const outcome = await deployResources(run, resources, { command: "test deploy" });
    expect(outcome.changed).toBe(true);
    const order = log.filter((l) => l.startsWith("deploy"));
    expect(order.indexOf("deploy a")).toBeLessThan(order.indexOf("deploy b"));
    expect(order.indexOf("deploy c")).toBeLessThan(order.indexOf("deploy d"));
    // d refreshes after c, which changed in this run: deployed twice, the second time last.
    expect(order.filter((l) => l === "deploy d")).toHaveLength(2);
    expect(order.at(-1)).toBe("deploy d");
    expect(run.outputs.get("a")).toEqual({ id: "a" });

    const flags = { withData: false, withSecrets: false, withStateBucket: false };
    const byId = new Map(resources.map((r) => [r.id, r]));
    expect(destroyNote(byId.get("b")!, flags)).toBe("kept: no --with-data; it holds the notes");
    expect(destroyNote(byId.get("c")!, flags)).toBe("only if empty; --with-data deletes its contents");
    expect(destroyNote(byId.get("d")!, flags)).toBe("with its drafts");
    expect(destroyNote(byId.get("b")!, { ...flags, withData: true })).toBeUndefined();

    log.length = 0;
    const notes = resources.filter((r) => r.group === "note");
    await destroyResources(run, notes, flags, {
      command: "test destroy",
      heading: "deleting:",
      question: "ok?",
    });
    // Reverse order; the kept one is never asked to destroy, the maybe-empty one is asked with the flag.
    expect(log).toEqual(["destroy d", "destroy c (only if empty)", "destroy a"]);
    expect(store.has("b")).toBe(true);
  });
});
