import { describe, expect, it } from "vitest";
import { type ViewerRequestOptions, viewerRequestFunction } from "../../src/cloudfront/functions/index.js";
import { loadFunction, viewerRequest } from "./harness.js";

/*
 * Atomic front-end releases (docs/decisions.md#e17-atomic-front-end-releases), run the way the
 * edge runs the viewer-request function: every request is read from the folder of exactly one
 * release, the one whose id the KeyValueStore holds when the request comes, so an upload in
 * progress is never seen and a switch is one key write.
 */
const RELEASE = { routePrefix: "/", folder: "_releases" };
const SPA = { routePrefix: "/", fallbackHtml: "index.html", requireToken: false };

/** A bucket with release A (served) and release B being uploaded, file by file. */
const A = { "index.html": "<script src=/assets/app-aaaa1111.js>A", "assets/app-aaaa1111.js": "A()" };
const B = { "index.html": "<script src=/assets/app-bbbb2222.js>B", "assets/app-bbbb2222.js": "B()" };
const inRelease = (id: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [`_releases/${id}/${k}`, v]));

function edge(o: ViewerRequestOptions) {
  const store: Record<string, string> = {};
  const reads: string[] = [];
  const kvs = {
    get: async (key: string) => {
      reads.push(key);
      return store[key] ?? Promise.reject(new Error(`no key ${key}`));
    },
  };
  const fn = loadFunction(viewerRequestFunction({ kvsId: "kvs-1", ...o }), { kvs });
  const uriOf = async (uri: string) => ((await fn.handler(viewerRequest(uri))) as { uri: string }).uri;
  return { store, reads, uriOf };
}

/** What a viewer gets: the object the rewritten path names (CloudFront reads `{uri}` from S3). */
const served = (bucket: Record<string, string>, uri: string) => bucket[uri.slice(1)];

describe("the viewer-request function of a route with atomic releases", () => {
  it("serves only the current release's files before, during and after a switch", async () => {
    const { store, uriOf } = edge({ spa: SPA, release: RELEASE });
    const bucket: Record<string, string> = inRelease("A", A);
    store.release = "A";
    const page = async () => {
      const html = served(bucket, await uriOf("/orders/42"));
      const script = /src=([^>]+)>/.exec(html ?? "")?.[1] ?? "";
      return { html, script: served(bucket, await uriOf(script)) };
    };
    expect(await page()).toEqual({ html: A["index.html"], script: "A()" });

    // During the upload of B: each file that lands changes nothing viewers get.
    for (const [key, value] of Object.entries(inRelease("B", B))) {
      bucket[key] = value;
      expect(await page()).toEqual({ html: A["index.html"], script: "A()" });
      expect(served(bucket, await uriOf("/index.html"))).toBe(A["index.html"]);
    }

    store.release = "B";
    expect(await page()).toEqual({ html: B["index.html"], script: "B()" });
    expect(served(bucket, await uriOf("/assets/app-aaaa1111.js"))).toBeUndefined();

    // A rollback is the same one write: release A is still whole in the bucket.
    store.release = "A";
    expect(await page()).toEqual({ html: A["index.html"], script: "A()" });
  });

  it("reads the release id once per request, so one request never spans two releases", async () => {
    const { store, reads, uriOf } = edge({ release: RELEASE });
    store.release = "20261207-130501-3fa9c2";
    expect(await uriOf("/assets/app.js")).toBe("/_releases/20261207-130501-3fa9c2/assets/app.js");
    expect(reads).toEqual(["release"]);
  });

  it("puts the release folder below the route's folder", async () => {
    const { store, uriOf } = edge({ release: { routePrefix: "/app/", folder: "_releases" } });
    store.release = "R1";
    expect(await uriOf("/app/main.js")).toBe("/app/_releases/R1/main.js");
    // A viewer cannot ask for another release by its path: it stays below the current one.
    expect(await uriOf("/app/_releases/R0/main.js")).toBe("/app/_releases/R1/_releases/R0/main.js");
  });

  it.each([
    ["no release yet (files uploaded before releases)", undefined],
    ["an id that is not one pocket writes", "../secret"],
  ])("reads the files in place with %s", async (_why, id) => {
    const { store, uriOf } = edge({ release: RELEASE });
    if (id !== undefined) store.release = id;
    expect(await uriOf("/index.html")).toBe("/index.html");
  });

  it("composes with basic auth and the SPA token: those answer first, the release comes last", async () => {
    const o: ViewerRequestOptions = {
      basicAuth: { realm: "stg", exclude: [] },
      spa: { ...SPA, requireToken: true },
      release: RELEASE,
    };
    const source = viewerRequestFunction({ kvsId: "kvs-1", ...o });
    expect(source.indexOf("await inRelease(request)")).toBeGreaterThan(source.indexOf("rewrite(request)"));
    const { store, uriOf } = edge(o);
    store.release = "A";
    const out = await uriOf("/page");
    expect(out).toBeUndefined(); // 401 answered: no path is read at all
  });
});
