/**
 * The example's web app. Every value it needs arrives in process.env: on a deployed stage the
 * handlers' loadEnv() puts the managed secrets there, locally the .env beside pocket.toml does.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { COOKIE_NAME, enqueue, loginCookie, logoutCookie, verifyToken } from "@magic-pocket/runtime";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";

export const app = new Hono();

// A page. Query strings arrive as API Gateway sent them.
app.get("/", (c) => {
  const name = c.req.query("name") ?? "world";
  return c.html(`<!doctype html><title>pocket + Hono</title><h1>Hello, ${escapeHtml(name)}!</h1>`);
});

// A JSON API that needs the API_TOKEN secret as a bearer token.
app.get("/api/items", (c) => {
  const given = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
  const expected = process.env.API_TOKEN;
  if (!expected || !given || !sameSecret(given, expected)) return c.json({ error: "unauthorized" }, 401);
  const tags = c.req.queries("tag") ?? [];
  return c.json({ items: ITEMS.filter((i) => tags.length === 0 || tags.some((t) => i.tags.includes(t))) });
});

// Binary in: the body is whatever bytes the client sent (API Gateway base64-encodes them).
app.post("/api/upload", async (c) => {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return c.json({ bytes: bytes.length, sha256, type: c.req.header("content-type") ?? null });
});

// Binary out: a 1x1 PNG, sent base64-encoded by the adapter.
app.get("/api/pixel.png", (c) => {
  c.header("content-type", "image/png");
  c.header("cache-control", "public, max-age=3600");
  return c.body(PIXEL);
});

// Login: sets the SPA token cookie the CloudFront Function checks, and a preference cookie.
app.post("/api/auth/login", async (c) => {
  const { user } = await c.req.json<{ user?: string }>().catch(() => ({ user: undefined }));
  if (!user || !/^[A-Za-z0-9._-]{1,64}$/.test(user)) return c.json({ error: "user required" }, 400);
  c.header("Set-Cookie", loginCookie(user), { append: true });
  c.header("Set-Cookie", "theme=light; Path=/; SameSite=Lax", { append: true });
  return c.json({ user });
});

// The edge lets no one without a valid token reach the SPA; the way in is this path.
app.get("/api/auth/login", (c) =>
  c.html(`<form method="post">Sign in (next: ${escapeHtml(c.req.query("next") ?? "/")})</form>`),
);

app.post("/api/auth/logout", (c) => {
  c.header("Set-Cookie", logoutCookie(), { append: true });
  return c.body(null, 204);
});

app.get("/api/me", (c) => {
  const user = verifyToken(getCookie(c, COOKIE_NAME));
  return user ? c.json({ user }) : c.json({ error: "not signed in" }, 401);
});

// Work for the queue worker.
app.post("/api/jobs", async (c) => {
  const job = await c.req.json<{ email?: string }>();
  if (!job.email) return c.json({ error: "email required" }, 400);
  const id = await enqueue("worker", { kind: "welcome-mail", email: job.email });
  return c.json({ queued: id }, 202);
});

// Errors reach the function's log with their code and location; the client learns nothing more.
app.onError((error, c) => {
  console.error("request failed:", error);
  return c.json({ error: "internal error" }, 500);
});

const ITEMS = [
  { id: 1, name: "pocket knife", tags: ["tools"] },
  { id: 2, name: "lunch box", tags: ["kitchen"] },
  { id: 3, name: "multitool", tags: ["tools", "camping"] },
];

const PIXEL = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
    "base64",
  ),
);

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
