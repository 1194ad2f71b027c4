/**
 * Event-loop lag while a big dataset upload is parsed and hashed: on the web thread (as before issue
 * 14) versus in a worker thread (server/datasets/parse-pool.ts). A 5 ms interval measures the longest
 * stall; the figure is what every other request on the web process would have waited.
 * Usage: npx tsx bench/upload-lag.ts [--rows 200000]   (no database needed)
 */
import { parseArgs } from "node:util";
import { ParsePool } from "../server/datasets";
import { hashRows, parseDataset } from "../server/datasets/parse";

const { values } = parseArgs({ options: { rows: { type: "string", default: "200000" } } });
const ROWS = Number(values.rows);
const line = (i: number) =>
  JSON.stringify({
    input: `question number ${i} about something`,
    references: [`answer ${i}`],
    metadata: { split: i % 10 ? "train" : "test" },
  });
const bytes = () => new TextEncoder().encode(`${Array.from({ length: ROWS }, (_, i) => line(i)).join("\n")}\n`);

async function measure(name: string, fn: () => Promise<unknown>) {
  let lag = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
  }, 5);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 20));
  await fn();
  await new Promise((r) => setTimeout(r, 20)); // a stall that ends with fn is seen by the next tick
  clearInterval(probe);
  console.log(`${name}: ${Math.round(performance.now() - started)} ms in all, max event-loop lag ${Math.round(lag)} ms`);
}

const body = bytes();
console.log(`${ROWS} JSONL rows, ${(body.byteLength / 1e6).toFixed(1)} MB`);
await measure("web thread (parse, hash)", async () => hashRows(parseDataset(body, "jsonl").rows));
const pool = new ParsePool({ maxActive: 2, maxWaiting: 8, inlineBelow: 256 * 1024, idleMs: 1000 });
// the bytes are made before each measure: building 20 MB of text is the bench's own stall, not the upload's
const first = bytes();
await measure("worker thread, first (starts the worker)", () => pool.parse(first, "jsonl"));
const warm = bytes();
await measure("worker thread, warm", () => pool.parse(warm, "jsonl"));
await pool.close();
