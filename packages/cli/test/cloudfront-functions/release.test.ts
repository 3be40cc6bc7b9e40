import { describe, expect, it } from "vitest";
import {
  releasePinFunction,
  type ViewerRequestOptions,
  viewerRequestFunction,
} from "../../src/cloudfront/functions/index.js";
import { keptList } from "../../src/resources/cloudfront/releases.js";
import { loadFunction, viewerRequest, viewerResponse } from "./harness.js";

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

/*
 * The pin (docs/decisions.md#e17-atomic-front-end-releases): a page open across a switch keeps
 * getting the files of its own release. Each object carries its release id as S3 metadata; the
 * viewer-response function copies it from an HTML answer into the `pocket-release` cookie; the
 * viewer-request function serves that viewer's other files from the cookie's release while the
 * store lists it as kept. A browser here is a cookie jar; CloudFront runs no viewer-response
 * function on an answer of 400 or above, so a missing object answers 404 without one.
 */
interface StoredObject {
  body: string;
  release?: string;
}
const typeOf = (key: string) => (key.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript");
const releaseObjects = (id: string, files: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(inRelease(id, files)).map(([k, body]) => [k, { body, release: id } as StoredObject]),
  );

/** Releases in the bucket by id; viewers get A, the only one the store lists as kept. */
function site(releases: Record<string, Record<string, string>>) {
  const store: Record<string, string> = { release: "A", releases: "A" };
  const request = loadFunction(viewerRequestFunction({ kvsId: "kvs-1", spa: SPA, release: RELEASE }), {
    kvs: { get: async (key: string) => store[key] ?? Promise.reject(new Error(`no key ${key}`)) },
  });
  const response = loadFunction(releasePinFunction());
  const bucket: Record<string, StoredObject> = Object.assign(
    {},
    ...Object.entries(releases).map(([id, files]) => releaseObjects(id, files)),
  );
  /** One browser: what it asks for (`dest` is its Sec-Fetch-Dest) and the cookies it keeps. */
  const browser = () => {
    const jar: Record<string, string> = {};
    const get = async (uri: string, dest?: string) => {
      const headers = dest ? { "sec-fetch-dest": dest } : undefined;
      const asked = (await request.handler(viewerRequest(uri, { cookies: jar, headers }))) as { uri: string };
      const object = bucket[asked.uri.slice(1)];
      if (!object) return { status: 404, uri: asked.uri };
      const meta: Record<string, string> = { "content-type": typeOf(asked.uri) };
      if (object.release) meta["x-amz-meta-pocket-release"] = object.release;
      const answer = (await response.handler(viewerResponse(uri, 200, meta, { cookies: jar }))) as {
        cookies: Record<string, { value: string; attributes?: string }>;
      };
      for (const [name, c] of Object.entries(answer.cookies ?? {})) jar[name] = c.value;
      return { status: 200, uri: asked.uri, body: object.body };
    };
    /** A page and the script it names, as a browser loads them. */
    const open = async (path: string) => {
      const page = await get(path, "document");
      return { page, script: await get(/src=([^>]+)>/.exec(page.body ?? "")?.[1] ?? "", "script") };
    };
    return { jar, get, open };
  };
  return { store, bucket, browser };
}

describe("a viewer pinned to the release of the page it loaded", () => {
  it("keeps getting its page's files during and after a switch, while a new viewer gets the new release", async () => {
    const { store, bucket, browser } = site({ A });
    const old = browser();
    expect((await old.open("/orders/42")).script.body).toBe("A()");
    expect(old.jar).toEqual({ "pocket-release": "A" });

    // B lands file by file, then the switch (the store lists A as kept before anything is pruned).
    Object.assign(bucket, releaseObjects("B", B));
    store.releases = "B A";
    store.release = "B";

    // The open page asks for its script again (a lazy chunk, a cache eviction): still A's.
    expect(await old.get("/assets/app-aaaa1111.js", "script")).toMatchObject({ status: 200, body: "A()" });
    const fresh = browser();
    expect(await fresh.open("/orders/42")).toMatchObject({
      page: { body: B["index.html"] },
      script: { body: "B()" },
    });
    expect(fresh.jar).toEqual({ "pocket-release": "B" });
    // The new viewer cannot get A's script: it is not its page's.
    expect((await fresh.get("/assets/app-aaaa1111.js", "script")).status).toBe(404);

    // A reload is a page: it comes from the current release and moves the viewer's pin on.
    expect(await old.open("/orders/42")).toMatchObject({
      page: { body: B["index.html"] },
      script: { body: "B()" },
    });
    expect(old.jar).toEqual({ "pocket-release": "B" });
  });

  it("falls back to the current release once the pinned one is pruned (or never listed)", async () => {
    const { store, browser } = site({ A, B });
    const old = browser();
    await old.open("/");
    store.release = "B";
    store.releases = "B";
    expect(await old.get("/assets/app-bbbb2222.js", "script")).toMatchObject({
      uri: "/_releases/B/assets/app-bbbb2222.js",
      body: "B()",
    });
    delete store.releases; // a store written before the pin: no list, so no pin is honoured
    expect((await old.get("/assets/app-bbbb2222.js", "script")).uri).toBe(
      "/_releases/B/assets/app-bbbb2222.js",
    );
  });

  it("tells pages by their path when the browser sends no Sec-Fetch-Dest", async () => {
    const { store, browser } = site({ A, B });
    const old = browser();
    await old.get("/");
    expect(old.jar).toEqual({ "pocket-release": "A" });
    store.release = "B";
    store.releases = "B A";
    expect((await old.get("/assets/app-aaaa1111.js")).body).toBe("A()");
    for (const page of ["/", "/index.html", "/orders/42"])
      expect((await old.get(page)).body).toBe(B["index.html"]);
  });

  it("pins only from HTML answers of a release, and never puts the cookie in the path CloudFront caches by", async () => {
    const { bucket, browser } = site({ A });
    bucket["index.html"] = { body: "in place" }; // uploaded before releases: no metadata
    const viewer = browser();
    await viewer.get("/assets/app-aaaa1111.js", "script");
    expect(viewer.jar).toEqual({});
    await viewer.get("/", "document");
    expect(viewer.jar).toEqual({ "pocket-release": "A" });
    // Pinned or not, a request of the same release names the same object (one cache entry).
    expect((await viewer.get("/assets/app-aaaa1111.js", "script")).uri).toBe(
      (await browser().get("/assets/app-aaaa1111.js", "script")).uri,
    );
    const source = releasePinFunction();
    expect(source).toContain("Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(Buffer.byteLength(source)).toBeLessThan(10_240);
  });
});

describe("the list of kept releases in the store", () => {
  it("names the newest first, as many as a KeyValueStore value (1 KB) holds", () => {
    expect(keptList(["20261201-000000-aaaaaa", "20261203-000000-cccccc", "20261202-000000-bbbbbb"])).toBe(
      "20261203-000000-cccccc 20261202-000000-bbbbbb 20261201-000000-aaaaaa",
    );
    // kept_releases may be 100: 22-character ids, 44 of them fit.
    const ids = Array.from({ length: 100 }, (_, i) => `20261201-0000${String(i).padStart(2, "0")}-aaaaaa`);
    const list = keptList(ids);
    expect(list.length).toBeLessThanOrEqual(1024);
    expect(list.split(" ")).toHaveLength(44);
    expect(list.startsWith(ids[99]!)).toBe(true);
  });
});
