/**
 * Ingestion benchmarks (figures go to BENCHMARKS.md):
 *  1. events/s with 1,000-event batches (500 traces + 500 generations each), 4 connections;
 *  2. requests/s with single-event requests, 50 connections;
 *  both through `keel start` (HTTP, auth, validation, upsert, rollups, all indexes), against a
 *  baseline in the same command: the same rows INSERTed straight into the same tables by postgres.js.
 *  3. durability: under batch load, `kill -9` the server, restart it, count every acknowledged event.
 * Usage: npm run bench:ingest [-- --seconds 10]   (DATABASE_URL, else the embedded server)
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import postgres from "postgres";
import { ensureBuilt } from "../cli/web";
import { startKeel } from "./keel-process";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" } } });
const SECONDS = Number(values.seconds);
const run = randomBytes(3).toString("hex");
let seq = 0;

function call(i: number) {
  const id = `b${run}-${i}`;
  const t = new Date(Date.now() - 1000).toISOString();
  const end = new Date().toISOString();
  return [
    {
      type: "trace",
      id,
      body: {
        name: "chat",
        timestamp: t,
        userId: `u${i % 500}`,
        tags: ["bench"],
        input: [{ role: "user", content: `question ${i} about parcels and zebras` }],
        output: { role: "assistant", content: `answer ${i}` },
      },
    },
    {
      type: "observation",
      id: `${id}-g`,
      body: {
        traceId: id,
        type: "generation",
        model: "gpt-4o-mini",
        startTime: t,
        endTime: end,
        usage: { input: 120, output: 40 },
        input: [{ role: "user", content: `question ${i}` }],
        output: `answer ${i}`,
      },
    },
  ];
}
const batch = (calls: number) => Array.from({ length: calls }, () => call(seq++)).flat();

interface Load {
  rps: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, key: string, eventsPerRequest: number, connections: number): Promise<Load> {
  const r = await autocannon({
    url: `${url}/api/v1/ingest`,
    method: "POST",
    connections,
    duration: SECONDS,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            batch:
              eventsPerRequest === 1
                ? [{ type: "trace", id: `s${run}-${seq++}`, body: { name: "single", input: "hi", output: "hello" } }]
                : batch(eventsPerRequest / 2),
          }),
        }),
      },
    ],
  });
  return {
    rps: r.requests.average,
    eventsPerSec: (r["2xx"] * eventsPerRequest) / SECONDS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
  };
}

/** Baseline: the same rows, multi-row INSERTs straight into the tables (no HTTP, no validation, no rollups). */
async function baseline(dbUrl: string, projectId: string): Promise<number> {
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  const until = Date.now() + SECONDS * 1000;
  let events = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const calls = Array.from({ length: 500 }, () => call(seq++));
      const traces = calls.map(([t]) => ({
        project_id: projectId,
        id: t?.id,
        timestamp: t?.body.timestamp,
        name: "chat",
        input: t?.body.input,
        output: t?.body.output,
      }));
      const obs = calls.map(([, o]) => ({
        project_id: projectId,
        id: o?.id,
        trace_id: (o?.body as { traceId?: string } | undefined)?.traceId,
        type: "generation",
        start_time: o?.body.startTime,
        end_time: (o?.body as { endTime?: string } | undefined)?.endTime,
        model: "gpt-4o-mini",
        input_tokens: 120,
        output_tokens: 40,
      }));
      await sql.begin(async (tx) => {
        await tx`INSERT INTO traces ${tx(traces)}`;
        await tx`INSERT INTO observations ${tx(obs)}`;
      });
      events += 1000;
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker(), worker(), worker()]);
  const secs = (performance.now() - t0) / 1000;
  await sql.end();
  return events / secs;
}

/** `key`: the demo key from the first start (printed once; a later start prints none). */
async function durability(dataDir: string, key: string) {
  const s = await startKeel(dataDir);
  const acked = new Set<string>();
  let stop = false;
  const send = async () => {
    while (!stop) {
      const events = batch(100);
      try {
        const res = await fetch(`${s.url}/api/v1/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ batch: events }),
        });
        if (res.status === 207)
          for (const r of ((await res.json()) as { results: { id: string; status: number }[] }).results)
            if (r.status === 201) acked.add(r.id);
      } catch {
        return; // the server is gone
      }
    }
  };
  const senders = [send(), send(), send(), send()];
  await new Promise((r) => setTimeout(r, 3000));
  s.child.kill("SIGKILL");
  stop = true;
  await Promise.all(senders);
  const again = await startKeel(dataDir);
  const dbUrl = dbUrlFor(dataDir);
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const ids = [...acked];
  let found = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    const [t] = await sql`SELECT count(*)::int AS n FROM traces WHERE id = ANY(${chunk})`;
    const [o] = await sql`SELECT count(*)::int AS n FROM observations WHERE id = ANY(${chunk})`;
    found += (t?.n ?? 0) + (o?.n ?? 0);
  }
  const [dups] = await sql`SELECT (SELECT count(*) FROM traces) - (SELECT count(DISTINCT (project_id, id)) FROM traces) AS n`;
  await sql.end();
  await again.stop();
  return { acked: acked.size, found, duplicates: Number(dups?.n ?? 0) };
}

/** The database URL a Keel data dir uses (DATABASE_URL wins, as in Keel itself). */
function dbUrlFor(dataDir: string): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const creds = JSON.parse(fs.readFileSync(path.join(dataDir, "pg-credentials.json"), "utf8"));
  const port = fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[3];
  return `postgres://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/keel`;
}

async function main() {
  ensureBuilt((m) => console.error(m));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-ingest-"));
  const s = await startKeel(dir);
  const projectId = (await (await fetch(`${s.url}/api/v1/projects/demo`, { headers: { authorization: `Bearer ${s.key}` } })).json()).id;
  const batches = await load(s.url, s.key, 1000, 4);
  const singles = await load(s.url, s.key, 1, 50);
  const base = await baseline(dbUrlFor(dir), projectId);
  await s.stop();
  const dur = await durability(dir, s.key);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`ingest, ${SECONDS}s per run, load generator in this process on the same machine`);
  console.log("| run | events/s | requests/s | p50 ms | p99 ms | non-2xx | vs baseline |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  console.log(`| baseline: multi-row INSERT via postgres.js, 1,000 rows/tx, 4 connections | ${base.toFixed(0)} | - | - | - | - | 1.000x |`);
  console.log(
    `| POST /api/v1/ingest, 1,000-event batches, 4 connections | ${batches.eventsPerSec.toFixed(0)} | ${batches.rps.toFixed(1)} | ${batches.p50} | ${batches.p99} | ${batches.non2xx} | ${(batches.eventsPerSec / base).toFixed(3)}x |`,
  );
  console.log(
    `| POST /api/v1/ingest, single events, 50 connections | ${singles.eventsPerSec.toFixed(0)} | ${singles.rps.toFixed(0)} | ${singles.p50} | ${singles.p99} | ${singles.non2xx} | ${(singles.eventsPerSec / base).toFixed(3)}x |`,
  );
  console.log(
    `\ndurability: kill -9 under load after 3 s: ${dur.acked} events acknowledged, ${dur.found} found after restart, ${dur.duplicates} duplicate traces`,
  );
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}, db: ${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
