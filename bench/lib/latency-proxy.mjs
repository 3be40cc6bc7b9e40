// A proxy on loopback in front of the emulator that makes it answer like a distant AWS: every
// request waits a fixed delay (and optionally a delay per KB of its body) before it is passed
// on, so a bench can run at 0, 25 and 150 ms from one moto. It also records when each request
// was in flight, which gives the two figures a no-op deploy is judged by: how many requests were
// made, and how many of them ran one after another (the critical-path depth).
import { Agent, createServer, request } from "node:http";

/**
 * Starts the proxy. `target` is the emulator's `http://127.0.0.1:<port>`; the delay can be
 * changed between runs with `setDelay`. Returns the proxy's own URL.
 */
export async function startLatencyProxy(target, { delayMs = 0, perKbMs = 0 } = {}) {
  const upstream = new URL(target);
  // The proxy itself must not be the bottleneck: many sockets, kept alive.
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  let delay = { delayMs, perKbMs };
  let log = [];
  const server = createServer((req, res) => {
    const started = performance.now();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const wait = delay.delayMs + (delay.perKbMs * body.length) / 1024;
      setTimeout(() => {
        const out = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on("end", () =>
              log.push({ start: started, end: performance.now(), call: callName(req, body) }),
            );
          },
        );
        out.on("error", (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        out.end(body);
      }, wait);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    setDelay(next) {
      delay = { delayMs: 0, perKbMs: 0, ...next };
    },
    /** Forgets the requests recorded so far (call before the run to measure). */
    reset() {
      log = [];
    },
    /** The requests since the last reset, in order of start: `{ start, end, call }`. */
    requests() {
      return [...log].sort((a, b) => a.start - b.start);
    },
    /** The requests since the last reset: how many, the most at once, and the depth. */
    stats() {
      return trafficStats(log);
    },
    close() {
      agent.destroy();
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Figures of a list of requests ({start, end} in ms): their count, the most in flight at once,
 * and the depth: the longest chain of requests each of which started after the previous one
 * ended, which is the number of round trips a run paid one after another.
 */
export function trafficStats(requests) {
  const byEnd = [...requests].sort((a, b) => a.end - b.end);
  const depthAt = [];
  let depth = 0;
  for (const [i, r] of byEnd.entries()) {
    let best = 0;
    for (let j = 0; j < i; j++) if (byEnd[j].end <= r.start) best = Math.max(best, depthAt[j]);
    depthAt.push(best + 1);
    depth = Math.max(depth, best + 1);
  }
  const edges = requests.flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.end, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return { requests: requests.length, maxInFlight: most, depth };
}

/** `cloudformation DescribeStacks`, `s3 GET /bucket?list-type=2`: the service and the operation. */
function callName(req, body) {
  const service =
    /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "?";
  const target = req.headers["x-amz-target"];
  if (target) return `${service} ${String(target).split(".").pop()}`;
  // Only a query-protocol body names its action: an upload's body is not read (the proxy's CPU
  // per request is part of what a bench run costs the machine, bench/lib/cpu.mjs).
  const form = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
  const text = form ? body.toString("latin1") : "";
  const action = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(text)?.[1];
  const stack = /(?:^|&)StackName=([^&]+)/.exec(text)?.[1];
  if (action) return `${service} ${action}${stack ? ` ${decodeURIComponent(stack)}` : ""}`;
  return `${service} ${req.method} ${req.url.length > 60 ? `${req.url.slice(0, 60)}...` : req.url}`;
}
