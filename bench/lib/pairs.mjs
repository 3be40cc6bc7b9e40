// Side-by-side measurement for the benches: the candidates run in rounds (A B, B A, ... or, for
// more than two, each round's order rotated by one), so that a machine whose load drifts slows
// every candidate alike; each round gives its own ratio to the baseline, and the figure is the
// median of those ratios (with their spread), not a ratio of medians taken apart.

/**
 * Runs `rounds` rounds of `candidates` ({ name, run: async () => ms }) and returns, per
 * candidate, its times and its per-round ratios to the candidate named `baseline`.
 * `beforeRound(r)` (not timed) sets up what every candidate of round `r` meets alike.
 */
export async function rotatedRounds(candidates, rounds, baseline = candidates[0].name, beforeRound) {
  const times = new Map(candidates.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    await beforeRound?.(r);
    const order = candidates.map((_, i) => candidates[(i + r) % candidates.length]);
    for (const c of order) times.get(c.name).push(await c.run(r));
  }
  const base = times.get(baseline);
  return candidates.map((c) => {
    const own = times.get(c.name);
    return { name: c.name, times: own, ratios: own.map((t, r) => t / base[r]) };
  });
}

export function median(list) {
  const s = [...list].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `0.48x (0.45-0.52 over 5 pairs)` */
export function describeRatios(ratios) {
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  return `${median(ratios).toFixed(2)}x (${lo.toFixed(2)}-${hi.toFixed(2)} over ${ratios.length} rounds)`;
}

/** Milliseconds taken by `fn`. */
export async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
