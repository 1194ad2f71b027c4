/**
 * Local inference benchmark (figures go to BENCHMARKS.md, "Serving (issue 6)"): the bundled
 * tiny-gpt2 in tokens/s for one stream and for 16 concurrent streams with dynamic batching on
 * (one left-padded generate() per batch) and off (maxBatch 1: one request at a time per model), and
 * tiny-bert-embed in texts/s: 16-way concurrent single-text calls batched and unbatched, and one
 * call at a time. Greedy decoding, every request asks for --tokens new tokens (a row that reaches
 * end-of-text stops early; tokens/s counts tokens actually produced).
 * Usage: npm run bench:serving [-- --rounds 3 --tokens 64]
 */
import os from "node:os";
import { embed, generate, setBatching, unloadModels } from "../server/serving";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg("rounds", 3);
const TOKENS = arg("tokens", 64);
const CONCURRENCY = 16;

const SUBJECTS = ["the river", "a small robot", "the old library", "my neighbour", "the market", "a quiet town", "the engine", "our team"];
const prompts = Array.from({ length: CONCURRENCY }, (_, i) => `Once upon a time, ${SUBJECTS[i % SUBJECTS.length]} was`);
const texts = Array.from(
  { length: 256 },
  (_, i) => `review ${i}: ${SUBJECTS[i % SUBJECTS.length]} was ${i % 3 ? "wonderful" : "terrible"}`,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

interface GenRound {
  tokensPerSec: number;
  ttft: number[];
  batches: number[];
}

/** The 16 prompts as `n`-way concurrent greedy streams (n = 1: one after another): tokens/s, first-token times. */
async function streams(n: number): Promise<GenRound> {
  const ttft: number[] = [];
  const batches: number[] = [];
  let tokens = 0;
  const t0 = performance.now();
  const queue = [...prompts];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let prompt = queue.shift(); prompt !== undefined; prompt = queue.shift()) {
        const start = performance.now();
        let first = 0;
        const res = await generate("tiny-gpt2", {
          prompt,
          maxTokens: TOKENS,
          stream: () => {
            first ||= performance.now() - start;
          },
        });
        ttft.push(first);
        batches.push(res.batchSize);
        tokens += res.completionTokens;
      }
    }),
  );
  return { tokensPerSec: tokens / ((performance.now() - t0) / 1000), ttft, batches };
}

/** 256 texts, one per call, from 16 concurrent callers or one call at a time: texts/s. */
async function embeddings(callers: number): Promise<{ textsPerSec: number; batches: number[] }> {
  const batches: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = c; i < texts.length; i += callers) batches.push((await embed("tiny-bert-embed", [texts[i] as string])).batchSize);
    }),
  );
  return { textsPerSec: texts.length / ((performance.now() - t0) / 1000), batches };
}

// warm up: load both models, JIT, and onnxruntime's first runs at batch shapes (the first batched
// generate is several times slower than the next)
await generate("tiny-gpt2", { prompt: "warm up", maxTokens: 8 });
await embed("tiny-bert-embed", ["warm up"]);
await streams(CONCURRENCY);
await embeddings(CONCURRENCY);

// modes interleaved round by round, so load from other processes hits them alike; medians reported
const AD = { windowMs: 5, maxBatch: 16, adaptive: true }; // the default
const W5 = { windowMs: 5, maxBatch: 16, adaptive: false };
const W0 = { windowMs: 0, maxBatch: 16, adaptive: false };
const OFF = { windowMs: 0, maxBatch: 1, adaptive: false };
const genModes = [
  { label: "1 stream (16 prompts one after another), default batching", batching: AD, n: 1 },
  { label: "16 streams, batched (default: 5 ms window, adaptive, max 16)", batching: AD, n: CONCURRENCY },
  { label: "16 streams, batched (strict 5 ms window)", batching: W5, n: CONCURRENCY },
  { label: "16 streams, batched (window 0, max 16)", batching: W0, n: CONCURRENCY },
  { label: "16 streams, unbatched (max 1)", batching: OFF, n: CONCURRENCY },
];
const embModes = [
  { label: "16 concurrent callers, batched (default: 5 ms window, adaptive)", batching: AD, n: CONCURRENCY },
  { label: "16 concurrent callers, batched (strict 5 ms window)", batching: W5, n: CONCURRENCY },
  { label: "16 concurrent callers, batched (window 0)", batching: W0, n: CONCURRENCY },
  { label: "16 concurrent callers, unbatched", batching: OFF, n: CONCURRENCY },
  { label: "one call at a time, default batching (adaptive: no wait when quiet)", batching: AD, n: 1 },
  { label: "one call at a time, strict 5 ms window (each waits it out)", batching: W5, n: 1 },
  { label: "one call at a time, window 0", batching: W0, n: 1 },
  { label: "one call at a time, unbatched", batching: OFF, n: 1 },
];
const genRuns = genModes.map(() => [] as GenRound[]);
const embRuns = embModes.map(() => [] as { textsPerSec: number; batches: number[] }[]);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, m] of genModes.entries()) {
    setBatching(m.batching);
    genRuns[i]?.push(await streams(m.n));
  }
  for (const [i, m] of embModes.entries()) {
    setBatching(m.batching);
    embRuns[i]?.push(await embeddings(m.n));
  }
}
setBatching(AD);
await unloadModels();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f = (x: number, d = 0) => x.toFixed(d);
const gen = genRuns.map((rs) => ({
  tokensPerSec: median(rs.map((r) => r.tokensPerSec)),
  ttftP50: median(rs.flatMap((r) => r.ttft)),
  meanBatch: mean(rs.flatMap((r) => r.batches)),
}));
const emb = embRuns.map((rs) => ({ textsPerSec: median(rs.map((r) => r.textsPerSec)), meanBatch: mean(rs.flatMap((r) => r.batches)) }));
const genBase = gen.at(-1)?.tokensPerSec ?? 1;
const embBase = emb.at(-1)?.textsPerSec ?? 1;

console.log(
  `machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}; rounds ${ROUNDS} (median), ${TOKENS} new tokens per request, load average ${os.loadavg()[0]?.toFixed(1)}`,
);
console.log("| tiny-gpt2, greedy | tokens/s | first token p50 ms | mean batch | vs 16 unbatched |");
console.log("| --- | --- | --- | --- | --- |");
for (const [i, m] of genModes.entries()) {
  const g = gen[i] as (typeof gen)[number];
  console.log(`| ${m.label} | ${f(g.tokensPerSec)} | ${f(g.ttftP50)} | ${f(g.meanBatch, 1)} | ${f(g.tokensPerSec / genBase, 2)}x |`);
}
console.log("");
console.log("| tiny-bert-embed, 256 texts, one per call | texts/s | mean batch | vs one at a time unbatched |");
console.log("| --- | --- | --- | --- |");
for (const [i, m] of embModes.entries()) {
  const e = emb[i] as (typeof emb)[number];
  console.log(`| ${m.label} | ${f(e.textsPerSec)} | ${f(e.meanBatch, 1)} | ${f(e.textsPerSec / embBase, 2)}x |`);
}
