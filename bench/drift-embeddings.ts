/**
 * Embedding drift benchmark: each method of server/drift/stats/embeddings.ts (Evidently defaults) over
 * two windows of 10,000 × 256 float32 embeddings (seeded standard normal; the current window shifted
 * by 0.1 in its first 64 components). Each case runs in its own child process, so its peak RSS is its
 * own: data generation plus the method (the `data only` row is that baseline). Times are one cold run
 * (JIT warm-up included): wall clock, and the process's CPU time over the same span (steadier on a busy machine).
 * Usage: npx tsx bench/drift-embeddings.ts [rows] [dim]
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { type EmbeddingDriftOptions, embeddingDrift, mulberry32, projection2d } from "../server/drift/stats/embeddings";

const CASES: Record<string, EmbeddingDriftOptions | "projection2d" | "none"> = {
  "data only": "none",
  model: { method: "model" },
  distance: { method: "distance" },
  "distance cosine": { method: "distance", metric: "cosine" },
  ratio: { method: "ratio" },
  mmd: { method: "mmd" },
  "mmd + 100 permutations": { method: "mmd", permutationPValue: { rounds: 100 } },
  "model, bootstrap": { method: "model", bootstrap: true },
  "distance, bootstrap": { method: "distance", bootstrap: true },
  "mmd, bootstrap": { method: "mmd", bootstrap: true },
  "ratio, pcaComponents 32": { method: "ratio", pcaComponents: 32 },
  "model, pcaComponents 32": { method: "model", pcaComponents: 32 },
  projection2d: "projection2d",
};

const [, , a1, a2, a3] = process.argv;
const child = a1 === "--case";
const rows = Number((child ? a3 : a1) ?? 10_000);
const dim = Number((child ? process.argv[5] : a2) ?? 256);

function window(seed: number, shift: number): Float32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: rows }, () =>
    Float32Array.from(
      { length: dim },
      (_, j) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) + (j < 64 ? shift : 0),
    ),
  );
}

if (child) {
  const spec = CASES[a2 as string];
  if (!spec) throw new Error(`unknown case ${a2}`);
  const ref = window(1, 0);
  const cur = window(2, 0.1);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let out: unknown = null;
  if (spec === "projection2d") {
    const p = projection2d(ref, cur);
    out = { points: p.reference.length + p.current.length, explainedVarianceRatio: p.explainedVarianceRatio };
  } else if (spec !== "none") {
    const r = embeddingDrift(ref, cur, spec);
    out = { value: r.value, threshold: r.threshold, drift: r.drift, pValue: r.details?.pValue };
  }
  const ms = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  console.log(JSON.stringify({ ms, cpuMs: (c1.user + c1.system) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024, out }));
} else {
  console.log(
    `embedding drift, ${rows} × ${dim} per window; ${os.cpus()[0]?.model ?? "cpu"} (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)}), node ${process.version}`,
  );
  console.log(`${"case".padEnd(26)} ${"wall ms".padStart(9)} ${"CPU ms".padStart(9)} ${"peak RSS MiB".padStart(13)}  result`);
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, "--case", name, String(rows), String(dim)], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    const { ms, cpuMs, peakRssMiB, out } = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    console.log(
      `${name.padEnd(26)} ${(ms as number).toFixed(0).padStart(9)} ${(cpuMs as number).toFixed(0).padStart(9)} ${(peakRssMiB as number).toFixed(0).padStart(13)}  ${JSON.stringify(out)}`,
    );
  }
}
