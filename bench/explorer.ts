/**
 * Explorer benchmarks at scale (figures go to BENCHMARKS.md): 1,000,000 traces (with one generation
 * each) and 300,000 ratings in one project, then the p95 server time (the service call, in-process,
 * no HTTP) of: the traces list with two filters and a full-text search, with a substring search
 * (quoted, and with a non-word character: pg_trgm), sorted by latency and by a score; the trace page; the 30-day
 * charts; fetching and locking the next annotation-queue item.
 * Usage: npm run bench:explorer [-- --traces 1000000]   (DATABASE_URL's server, else embedded)
 *        npm run bench:explorer -- --keep NAME   (DATABASE_URL's server: load into database NAME once and
 *        keep it; later runs with the same NAME skip the load and only time the queries, e.g. to time
 *        them on a quiet machine after loading on a busy one)
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createDatabase, type Db } from "../db/client";
import { ensureEmbedded, maintenanceUrl } from "../db/embedded";
import { migrateDatabase } from "../db/migrate";
import { traceCharts } from "../server/logs/charts";
import { addItems, createQueue, nextItem } from "../server/logs/queues";
import { rollupDirtyHours } from "../server/logs/stats";
import { getTrace, listTraces } from "../server/logs/traces";
import { createProject, createUser, SYSTEM_ACTOR } from "../server/workspace";

const { values } = parseArgs({ options: { traces: { type: "string", default: "1000000" }, keep: { type: "string" } } });
const N = Number(values.traces);
const RATINGS = Math.round(N * 0.3);
const CHUNK = 50_000;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
async function time(runs: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn(i); // warm up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95), runs };
}

async function main() {
  let url = process.env.DATABASE_URL;
  let stop = async () => {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-explorer-"));
  let loaded = false;
  if (url) {
    if (values.keep && !/^[a-z_][a-z0-9_]*$/.test(values.keep)) throw new Error("--keep takes a database name of a-z, 0-9 and _");
    const name = values.keep ?? `keel_bench_${Date.now().toString(36)}`;
    const admin = postgres(maintenanceUrl(url), { max: 1 });
    loaded = !!values.keep && (await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`).length > 0;
    if (!loaded) await admin.unsafe(`CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    url = u.toString();
    stop = async () => {
      if (!values.keep) await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const e = await ensureEmbedded({ dataDir: dir });
    url = e.url;
    stop = e.stop;
  }
  await migrateDatabase(url);
  const d = createDatabase(url, { max: 4 });
  let pid: string;
  let loadS = 0;
  let hours = 0;
  let rollupS = 0;
  if (loaded) {
    const [p] = await d.db.execute<{ id: string }>(sql`SELECT id FROM projects WHERE name = 'Bench'`);
    if (!p) throw new Error(`database ${values.keep} has no Bench project: drop it and load again`);
    pid = p.id;
  } else {
    const user = await createUser(d.db, SYSTEM_ACTOR, { email: "bench@example.com", password: "bench-password" });
    pid = (await createProject(d.db, SYSTEM_ACTOR, { name: "Bench", ownerUserId: user.id })).id;
    ({ loadS, hours, rollupS } = await load(d.db, pid));
  }

  const month = new Date(Date.now() - 30 * 86_400_000);
  const words = Array.from({ length: 40 }, (_, i) => `w${(i * 97) % 5000}`);
  const list = await time(40, (i) => listTraces(d.db, pid, { from: month, models: [`model-${i % 5}`], search: words[i] }, { limit: 50 }));
  // substring search (server/logs/search.ts): a quoted word matches inside longer words too (w1234 in
  // w12345...); "<wN>" holds non-word characters and matches nothing, so every trigram candidate is rechecked
  const subQuoted = await time(40, (i) =>
    listTraces(d.db, pid, { from: month, models: [`model-${i % 5}`], search: `"${words[i]}"` }, { limit: 50 }),
  );
  const subMarkup = await time(40, (i) =>
    listTraces(d.db, pid, { from: month, models: [`model-${i % 5}`], search: `<${words[i]}>` }, { limit: 50 }),
  );
  const byLatency = await time(40, (i) =>
    listTraces(d.db, pid, { from: month, models: [`model-${i % 5}`] }, { limit: 50, sort: { by: "latency", dir: i % 2 ? "asc" : "desc" } }),
  );
  const day = new Date(Date.now() - 86_400_000);
  const byScore = await time(40, (i) =>
    listTraces(d.db, pid, { from: day }, { limit: 50, sort: { by: "score", score: "quality", dir: i % 2 ? "asc" : "desc" } }),
  );
  // the sort before trace_scores (migration 0023), as a baseline: a mean of each trace's ratings of the range
  const byScoreBefore = await time(10, (i) =>
    d.db.execute(sql`
      SELECT t.id FROM traces t WHERE t.project_id = ${pid} AND t.timestamp >= ${day.toISOString()}::timestamptz
      ORDER BY (SELECT avg(r.value) FROM ratings r WHERE r.project_id = t.project_id AND r.trace_id = t.id AND r.name = 'quality')
        ${sql.raw(i % 2 ? "ASC" : "DESC")} NULLS LAST, t.id ${sql.raw(i % 2 ? "ASC" : "DESC")} LIMIT 51`),
  );
  const byScoreMonth = await time(40, (i) =>
    listTraces(
      d.db,
      pid,
      { from: month, models: [`model-${i % 5}`] },
      { limit: 50, sort: { by: "score", score: "quality", dir: i % 2 ? "asc" : "desc" } },
    ),
  );
  const byScoreWorst = await time(10, () =>
    listTraces(d.db, pid, { from: month, models: ["model-4"] }, { limit: 50, sort: { by: "score", score: "bias", dir: "asc" } }),
  );
  const listTwo = await time(40, (i) => listTraces(d.db, pid, { from: month, models: [`model-${i % 5}`], hasRating: true }, { limit: 50 }));
  const page = await time(200, () => getTrace(d.db, pid, `t${Math.floor(Math.random() * N)}`));
  const charts = await time(10, () => traceCharts(d.db, pid, { filter: { from: month }, bucket: "day", byModel: false }));
  const chartsRaw = await time(5, () => traceCharts(d.db, pid, { filter: { from: month, status: "ok" }, bucket: "day", byModel: false }));
  const chartsByModel = await time(10, () => traceCharts(d.db, pid, { filter: { from: month }, bucket: "day", byModel: true }));
  const cfg = await d.db.execute<{ id: string }>(
    sql`INSERT INTO score_configs (project_id, name, data_type) VALUES (${pid}, 'ok', 'boolean') ON CONFLICT (project_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
  );
  const queue = await createQueue(d.db, SYSTEM_ACTOR, pid, {
    name: `q-${Date.now()}`, // a kept database has the earlier runs' queues
    scoreConfigIds: [cfg[0]?.id as string],
    assigneeIds: [],
    lockSeconds: 600,
    requiredRatings: 1,
  });
  await addItems(d.db, pid, queue.id, { filter: { tags: ["tag3"] } });
  const next = await time(200, () => nextItem(d.db, pid, queue.id, { userId: randomUUID(), role: "annotator" }));

  // trace_scores' triggers on a big statement: delete the "bias" ratings, then put them back
  const del0 = performance.now();
  const gone = await d.db.execute(sql`DELETE FROM ratings WHERE project_id = ${pid} AND name = 'bias'`);
  const delMs = performance.now() - del0;
  const ins0 = performance.now();
  await insertBias(d.db, pid);
  const insMs = performance.now() - ins0;

  await d.close();
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
  const row = (name: string, r: { p50: number; p95: number; runs: number }, goal: string) =>
    console.log(`| ${name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.runs} | ${goal} |`);
  console.log(
    loaded
      ? `data: the ${N} traces kept in database ${values.keep} (loaded by an earlier run)`
      : `data: ${N} traces, ${N} generations, ${RATINGS} ratings (+ ${Math.ceil(N / 7)} "bias"); generated and indexed in ${loadS.toFixed(0)} s; hourly stats of ${hours} hours rolled up in ${rollupS.toFixed(1)} s`,
  );
  console.log("| query (service call, in-process) | p50 ms | p95 ms | runs | goal p95 |");
  console.log("| --- | --- | --- | --- | --- |");
  row("traces list: 30 days + model + full-text search, 50 rows", list, "< 100 ms");
  row("traces list: 30 days + model + substring search, quoted word, 50 rows", subQuoted, "< 100 ms");
  row("traces list: 30 days + model + substring search, `<word>` (no match), 50 rows", subMarkup, "< 100 ms");
  console.log(
    `substring / word search p95: quoted ${(subQuoted.p95 / list.p95).toFixed(2)}x, markup ${(subMarkup.p95 / list.p95).toFixed(2)}x`,
  );
  row("traces list: 30 days + model, sorted by latency, 50 rows", byLatency, "< 100 ms");
  row("traces list: 1 day, sorted by a score's mean (trace_scores index), 50 rows", byScore, "< 100 ms");
  row("  baseline: the same sort as before migration 0023 (a mean of each trace's ratings, SQL alone)", byScoreBefore, "-");
  console.log(`score sort / before: p95 ${(byScore.p95 / byScoreBefore.p95).toFixed(3)}x`);
  row("traces list: 30 days + model, sorted by a score's mean, 50 rows", byScoreMonth, "< 100 ms");
  row(
    "traces list: 30 days + model, sorted by a score whose first 80% belong to other models (worst case: read filter first), 50 rows",
    byScoreWorst,
    "-",
  );
  row("traces list: 30 days + model + has rating, 50 rows", listTwo, "< 100 ms");
  row("trace page (trace, observations, ratings)", page, "< 50 ms");
  row("charts, 30 days by day", charts, "< 300 ms");
  row("charts, 30 days by day and model", chartsByModel, "< 300 ms");
  row("charts, 30 days by day, + status filter (no rollups: reads 500k traces)", chartsRaw, "-");
  row("annotation queue of 10,000 items: fetch and lock the next one", next, "< 20 ms");
  console.log(
    `ratings with trace_scores kept by trigger: DELETE of ${gone.count} in one statement ${delMs.toFixed(0)} ms, INSERT of them back ${insMs.toFixed(0)} ms`,
  );
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}, db: ${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"}`,
  );
}

const insertBias = (db: Db, pid: string) =>
  db.execute(sql`
    INSERT INTO ratings (project_id, id, trace_id, name, data_type, value, source)
    SELECT ${pid}::uuid, 'b' || g, 't' || g, 'bias', 'numeric', g % 5, 'api' FROM generate_series(0, ${N - 1}::int, 7) g`);

/** The bench's data: N traces over 60 days with one generation each, and RATINGS ratings. */
async function load(db: Db, pid: string) {
  const t0 = performance.now();
  // One generation per trace; text from a 5,000-word vocabulary (each word in ~0.24% of traces).
  for (let from = 0; from < N; from += CHUNK) {
    const to = Math.min(N, from + CHUNK) - 1;
    await db.execute(sql`
      INSERT INTO traces (project_id, id, timestamp, name, user_id, session_id, tags, input, output, model, input_tokens, output_tokens, cost, latency_ms, status)
      SELECT ${pid}::uuid, 't' || g, now() - (random() * interval '60 days'), 'chat', 'u' || (g % 10000), 's' || (g % 50000),
        ARRAY['tag' || (g % 20)],
        jsonb_build_array(jsonb_build_object('role', 'user', 'content', (SELECT string_agg('w' || floor(random() * 5000)::int, ' ') FROM generate_series(1, 12 + g * 0)))),
        jsonb_build_object('role', 'assistant', 'content', (SELECT string_agg('w' || floor(random() * 5000)::int, ' ') FROM generate_series(1, 12 + g * 0))),
        'model-' || (g % 5), 100 + g % 400, 20 + g % 200, (g % 1000) / 100000.0, 100 + (g % 3000), CASE WHEN g % 50 = 0 THEN 'error' ELSE 'ok' END
      FROM generate_series(${from}::int, ${to}::int) g`);
    await db.execute(sql`
      INSERT INTO observations (project_id, id, trace_id, type, name, start_time, end_time, model, input_tokens, output_tokens, input, output)
      SELECT t.project_id, t.id || '-g', t.id, 'generation', 'llm', t.timestamp, t.timestamp + make_interval(secs => t.latency_ms / 1000.0), t.model,
        t.input_tokens, t.output_tokens, t.input, t.output
      FROM traces t WHERE t.project_id = ${pid} AND t.id IN (SELECT 't' || g FROM generate_series(${from}::int, ${to}::int) g)`);
  }
  for (let from = 0; from < RATINGS; from += CHUNK) {
    const to = Math.min(RATINGS, from + CHUNK) - 1;
    await db.execute(sql`
      INSERT INTO ratings (project_id, id, trace_id, name, data_type, value, source)
      SELECT ${pid}::uuid, 'r' || g, 't' || ((g::bigint * 7919) % ${N}), 'quality', 'numeric', 1 + floor(random() * 5), 'api' FROM generate_series(${from}::int, ${to}::int) g`);
  }
  // "bias" on every 7th trace: the trace's model number, so a model's traces all sort together
  // (the score sort's worst case: a filter whose matches all sort last)
  await insertBias(db, pid);
  await db.execute(sql`
    UPDATE traces t SET rating_count = r.n, rating_mean = r.mean
    FROM (SELECT trace_id, count(*)::int n, avg(value) mean FROM ratings WHERE project_id = ${pid} GROUP BY trace_id) r
    WHERE t.project_id = ${pid} AND t.id = r.trace_id`);
  await db.execute(sql`VACUUM ANALYZE traces`);
  await db.execute(sql`VACUUM ANALYZE observations`);
  await db.execute(sql`VACUUM ANALYZE ratings`);
  await db.execute(sql`VACUUM ANALYZE trace_scores`);
  const loadS = (performance.now() - t0) / 1000;
  // Bulk SQL bypassed ingest, which marks hours dirty: mark them all, then let the rollup job's work run.
  await db.execute(
    sql`INSERT INTO trace_stats_dirty SELECT DISTINCT project_id, date_trunc('hour', timestamp) FROM traces ON CONFLICT DO NOTHING`,
  );
  const r0 = performance.now();
  let hours = 0;
  for (let r = await rollupDirtyHours(db, 500); r.hours; r = await rollupDirtyHours(db, 500)) hours += r.hours;
  const rollupS = (performance.now() - r0) / 1000;

  return { loadS, hours, rollupS };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
