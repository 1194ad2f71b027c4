/**
 * Drift benchmark (issue 13; figures go to BENCHMARKS.md): one monitor run over the current window
 * of logged traces against a reference window of the same project: by default 1,000,000 traces ×
 * 50 columns against 100,000, with a shift in a third of the columns. Reports the wall time and the
 * peak RSS of `evaluate()` (server/drift/engine.ts, in-process), where the time goes (each window's
 * aggregation in PostgreSQL and the column tests on the summaries), and, in the same command, a
 * baseline: scipy.stats.ks_2samp (and wasserstein_distance) on the same numerical columns' raw
 * values, dumped from PostgreSQL to files and loaded by numpy in a python3 process, or, where
 * python3 or scipy is missing, Keel's own raw-sample ks2samp (sort both arrays, merge). Then the
 * embedding-drift methods on 10,000 × 256 vectors per window (bench/drift-embeddings.ts, child mode).
 *
 * Data: one project in a fresh database on DATABASE_URL's server (else an embedded one); traces
 * written by INSERT ... SELECT generate_series in chunks (seeded: setseed per chunk), no
 * observations. Columns: the built-ins that live on the traces row (input_tokens, output_tokens,
 * latency_ms, cost, status, model, route) and 43 metadata keys (10 continuous doubles, 12 integers,
 * 21 categorical with 2 to 300 categories); input_chars and output_chars (they run keel_json_text
 * per row) are timed on their own.
 *
 * Usage: DATABASE_URL=postgres://... npx tsx bench/drift.ts [--traces 1000000] [--reference 100000]
 *   [--runs 3] [--no-baseline] [--no-embeddings] [--keep] [--db NAME (reuse a database a --keep run left)]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { createDatabase } from "../db/client";
import { ensureEmbedded, maintenanceUrl } from "../db/embedded";
import { migrateDatabase } from "../db/migrate";
import { defineColumn } from "../server/drift/columns";
import { type MonitorConfig, monitorConfig } from "../server/drift/contract";
import { evaluate } from "../server/drift/engine";
import { columnDrift, ks2samp, ks2sampWeighted, type NumericSummary } from "../server/drift/stats";
import { aggregateTraces, compactNumbers, trafficWhere, type WindowData } from "../server/drift/windows";
import { createProject, createUser, SYSTEM_ACTOR } from "../server/workspace";

const { values: args } = parseArgs({
  options: {
    traces: { type: "string", default: "1000000" },
    reference: { type: "string", default: "100000" },
    "no-baseline": { type: "boolean", default: false },
    "no-embeddings": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    db: { type: "string" },
    runs: { type: "string", default: "3" },
  },
});
const LOAD0 = os.loadavg().map((x) => Math.round(x * 100) / 100);
const N_CUR = Number(args.traces);
const N_REF = Number(args.reference);
const RUNS = Math.max(1, Number(args.runs));
const CHUNK = 50_000;
const DAY = 86_400_000;
// Fixed windows, so that a kept database can be reused: the reference a week before the current day.
const CUR_FROM = new Date("2026-11-20T00:00:00Z");
const CUR_TO = new Date(CUR_FROM.getTime() + DAY);
const REF_FROM = new Date(CUR_FROM.getTime() - 7 * DAY);
const REF_TO = new Date(REF_FROM.getTime() + DAY);

// ---------------------------------------------------------------- the columns and their data

/** A metadata key: its SQL given `s` (1 in the current window of a shifted column, else 0). */
interface MetaCol {
  key: string;
  type: "numerical" | "categorical";
  kind: "double" | "integer" | "category";
  shifted: boolean;
  sql: (s: number) => string;
}

const NORMAL = "bench_normal()";
const META: MetaCol[] = [];
const doubles: [boolean, (s: number) => string][] = [
  [true, (s) => `${NORMAL} + ${0.1 * s}`],
  [false, () => `5 + 2 * ${NORMAL}`],
  [true, (s) => `exp(0.5 * ${NORMAL} + ${0.2 * s})`],
  [false, () => "random()"],
  [true, (s) => `-ln(1 - random()) * ${1 + 0.1 * s}`],
  [false, () => `100 + 15 * ${NORMAL}`],
  [false, () => "random() ^ 2"],
  [true, (s) => `(random() + random()) / 2 + ${0.05 * s}`],
  [false, () => `1000 * ${NORMAL}`],
  [false, () => "2 * random() - 1"],
];
doubles.forEach(([shifted, f], i) => {
  META.push({ key: `d${i}`, type: "numerical", kind: "double", shifted, sql: f });
});
const intRanges = [2, 5, 10, 20, 50, 100, 365, 1000, 5000, 10000, 100000, 24];
intRanges.forEach((k, i) => {
  const shifted = i % 3 === 1;
  META.push({ key: `i${i}`, type: "numerical", kind: "integer", shifted, sql: (s) => `floor(random() ^ ${1 + 0.3 * s} * ${k})::int` });
});
const catSizes = [2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 300, 7];
catSizes.forEach((k, i) => {
  const shifted = i % 3 === 2;
  META.push({
    key: `c${i}`,
    type: "categorical",
    kind: "category",
    shifted,
    sql: (s) => `'v' || floor(random() ^ ${1.5 + 0.5 * s} * ${k})::int`,
  });
});

const BUILTINS: { name: string; kind: string; shifted: boolean }[] = [
  { name: "input_tokens", kind: "integer", shifted: true },
  { name: "output_tokens", kind: "integer", shifted: false },
  { name: "latency_ms", kind: "integer", shifted: true },
  { name: "cost", kind: "double", shifted: true },
  { name: "status", kind: "category", shifted: true },
  { name: "model", kind: "category", shifted: true },
  { name: "route", kind: "category", shifted: true },
];

const COLUMNS: MonitorConfig["columns"] = [
  ...BUILTINS.map((b) => ({ name: b.name })),
  ...META.map((m) => ({ name: `metadata.${m.key}`, type: m.type })),
];
const CHAR_COLUMNS: MonitorConfig["columns"] = [{ name: "input_chars" }, { name: "output_chars" }];

/** The raw numbers of the numerical columns, for the baseline (names as in the monitor). */
const NUMERICAL: { name: string; expr: string }[] = [
  { name: "input_tokens", expr: "input_tokens::float8" },
  { name: "output_tokens", expr: "output_tokens::float8" },
  { name: "latency_ms", expr: "latency_ms::float8" },
  { name: "cost", expr: "cost" },
  ...META.filter((m) => m.type === "numerical").map((m) => ({ name: `metadata.${m.key}`, expr: `(metadata->>'${m.key}')::float8` })),
];

function insertChunk(pid: string, from: number, to: number, current: boolean, total: number): string {
  const s = current ? 1 : 0;
  const start = (current ? CUR_FROM : REF_FROM).toISOString();
  const meta = META.map((m) => `'${m.key}', ${m.sql(m.shifted ? s : 0)}`).join(", ");
  return `
    INSERT INTO traces (project_id, id, timestamp, name, tags, metadata, input, output, route_decision, model,
      input_tokens, output_tokens, cost, latency_ms, status)
    SELECT '${pid}'::uuid, '${current ? "c" : "r"}' || g, '${start}'::timestamptz + (g::float8 / ${total}) * interval '1 day', 'chat', '{}',
      jsonb_build_object(${meta}),
      jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'question ' || g || ': ' || repeat('word ', 1 + floor(random() * ${20 + 5 * s})::int))),
      jsonb_build_object('role', 'assistant', 'content', 'answer ' || g || ': ' || repeat('ok ', 1 + floor(random() * 30)::int)),
      jsonb_build_object('target', CASE WHEN random() < ${0.7 - 0.2 * s} THEN 'small' ELSE 'large' END, 'reason', 'rule'),
      mdl, it, ot, round(((it * 1.5 + ot * 6) / 1e6)::numeric, 8)::float8, lat, st
    FROM (
      SELECT g, 'model-' || floor(random() ^ ${1 + 0.5 * s} * 5)::int AS mdl,
        20 + floor(-ln(1 - random()) * ${200 * (1 + 0.2 * s)})::int AS it,
        10 + floor(-ln(1 - random()) * 150)::int AS ot,
        floor(exp(0.6 * ${NORMAL} + ${6.5 + 0.1 * s}))::int AS lat,
        CASE WHEN random() < ${0.02 + 0.02 * s} THEN 'error' ELSE 'ok' END AS st
      FROM generate_series(${from}, ${to}) g
    ) x`;
}

// ---------------------------------------------------------------- measuring

class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor() {
    this.peak = process.memoryUsage().rss;
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, process.memoryUsage().rss);
    }, 50);
  }
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
    return this.peak;
  }
}
const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 100) / 10;

/** The engine's reading of a numerical column (engine.ts `numeric`): numbers from the text of each distinct value, merged. */
function summaryOf(values: Map<string | null, number> | undefined): NumericSummary {
  const pairs: [number, number][] = [];
  for (const [raw, n] of values ?? []) {
    if (raw === null) continue;
    const x = Number(raw.trim());
    if (Number.isFinite(x)) pairs.push([x, n]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const vs: number[] = [];
  const cs: number[] = [];
  for (const [x, n] of pairs) {
    if (vs.length && vs[vs.length - 1] === x) cs[cs.length - 1] = (cs[cs.length - 1] as number) + n;
    else {
      vs.push(x);
      cs.push(n);
    }
  }
  return { values: Float64Array.from(vs), counts: Float64Array.from(cs) };
}

/** The same, taking a column that windows.ts kept as numbers as it is (compactNumbers): what the engine could do. */
function fastSummary(values: Map<string | null, number> | undefined): NumericSummary {
  const c = compactNumbers(values);
  if (!c) return summaryOf(values);
  const rest = summaryOf(c.other);
  if (!rest.values.length) return { values: c.values, counts: c.counts };
  const all = new Map<number, number>();
  for (let i = 0; i < c.values.length; i++) all.set(c.values[i] as number, c.counts[i] as number);
  for (let i = 0; i < rest.values.length; i++) {
    const x = rest.values[i] as number;
    all.set(x, (all.get(x) ?? 0) + (rest.counts[i] as number));
  }
  const xs = Float64Array.from(all.keys()).sort();
  return { values: xs, counts: xs.map((x) => all.get(x) as number) };
}

// ---------------------------------------------------------------- the baseline

const PY = `
import json, sys, time
import numpy as np
import scipy
from scipy.stats import ks_2samp, wasserstein_distance
d, names = sys.argv[1], json.loads(sys.argv[2])
cols = []
t_all = time.perf_counter()
for i, name in enumerate(names):
    t0 = time.perf_counter()
    r = np.fromfile(f"{d}/ref_{i}.f64")
    c = np.fromfile(f"{d}/cur_{i}.f64")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    ks = ks_2samp(r, c)
    t_ks = time.perf_counter() - t0
    t0 = time.perf_counter()
    w = wasserstein_distance(r, c) / max(float(np.std(r)), 0.001)
    t_w = time.perf_counter() - t0
    cols.append({"name": name, "n_ref": int(r.size), "n_cur": int(c.size), "load_ms": load * 1e3, "ks_ms": t_ks * 1e3,
                 "statistic": float(ks.statistic), "pvalue": float(ks.pvalue), "wasserstein_ms": t_w * 1e3, "wasserstein": float(w)})
print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "total_ms": (time.perf_counter() - t_all) * 1e3, "columns": cols}))
`;

interface BaselineColumn {
  name: string;
  n_ref: number;
  n_cur: number;
  load_ms: number;
  ks_ms: number;
  statistic: number;
  pvalue: number;
  wasserstein_ms?: number;
  wasserstein?: number;
}

/** Stream the numerical columns of one window to one float64 file per column (COPY ... TO STDOUT). */
async function dumpWindow(client: postgres.Sql, pid: string, from: Date, to: Date, dir: string, prefix: string): Promise<number> {
  const cols = NUMERICAL.length;
  const BUF = 65_536;
  const bufs = Array.from({ length: cols }, () => new Float64Array(BUF));
  const fill = new Array<number>(cols).fill(0);
  const fds = NUMERICAL.map((_, i) => fs.openSync(path.join(dir, `${prefix}_${i}.f64`), "w"));
  const flush = (i: number) => {
    fs.writeSync(fds[i] as number, (bufs[i] as Float64Array).subarray(0, fill[i]));
    fill[i] = 0;
  };
  const q = `COPY (SELECT ${NUMERICAL.map((c) => c.expr).join(", ")} FROM traces
    WHERE project_id = '${pid}' AND timestamp >= '${from.toISOString()}' AND timestamp < '${to.toISOString()}') TO STDOUT`;
  const stream = await client.unsafe(q).readable();
  let rest = "";
  let rows = 0;
  for await (const chunk of stream) {
    const text = rest + (chunk as Buffer).toString("utf8");
    const lines = text.split("\n");
    rest = lines.pop() as string;
    for (const line of lines) {
      const fields = line.split("\t");
      for (let i = 0; i < cols; i++) {
        const f = fields[i] as string;
        if (f === "\\N") continue;
        (bufs[i] as Float64Array)[fill[i] as number] = Number(f);
        fill[i] = (fill[i] as number) + 1;
        if (fill[i] === BUF) flush(i);
      }
      rows++;
    }
  }
  for (let i = 0; i < cols; i++) {
    flush(i);
    fs.closeSync(fds[i] as number);
  }
  return rows;
}

function readF64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

// ---------------------------------------------------------------- main

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-drift-"));
  let url = process.env.DATABASE_URL;
  let stop = async () => {};
  let dbName = args.db;
  let pgLabel = "embedded";
  if (url) {
    const admin = postgres(maintenanceUrl(url), { max: 1, onnotice: () => {} });
    if (!dbName) {
      dbName = `keel_bench_drift_${Date.now().toString(36)}`;
      await admin.unsafe(`CREATE DATABASE ${dbName}`);
    }
    const u = new URL(url);
    u.pathname = `/${dbName}`;
    url = u.toString();
    const name = dbName;
    stop = async () => {
      if (!args.keep && !args.db) await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      else console.error(`kept database ${name}`);
      await admin.end();
    };
    pgLabel = "DATABASE_URL";
  } else {
    const e = await ensureEmbedded({ dataDir: dir });
    url = e.url;
    stop = e.stop;
  }
  const d = createDatabase(url, { max: 4 });
  const pgVersion = ((await d.sql`SHOW server_version`)[0] as { server_version: string }).server_version;
  const settings = Object.fromEntries(
    (
      await d.sql`SELECT name, setting, unit FROM pg_settings WHERE name IN ('work_mem', 'max_parallel_workers_per_gather', 'shared_buffers', 'jit', 'hash_mem_multiplier')`
    ).map((r) => [r.name as string, `${r.setting}${r.unit ? ` ${r.unit}` : ""}`]),
  );

  // ---- seed (or reuse)
  let pid: string;
  let loadS = 0;
  if (args.db) {
    const r = await d.sql`SELECT project_id::text AS pid, count(*)::int AS n FROM traces GROUP BY project_id`;
    if (r.length !== 1) throw new Error(`--db ${args.db}: expected one project's traces`);
    pid = r[0]?.pid as string;
    console.error(`reusing ${args.db}: ${r[0]?.n} traces`);
  } else {
    await migrateDatabase(url);
    const user = await createUser(d.db, SYSTEM_ACTOR, { email: "bench@example.com", password: "bench-password" });
    pid = (await createProject(d.db, SYSTEM_ACTOR, { name: "Bench", ownerUserId: user.id })).id;
    await d.sql.unsafe(
      "CREATE FUNCTION bench_normal() RETURNS float8 LANGUAGE sql VOLATILE AS $$ SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) $$",
    );
    const t0 = performance.now();
    let chunkNo = 0;
    for (const [n, current] of [
      [N_REF, false],
      [N_CUR, true],
    ] as const) {
      for (let from = 0; from < n; from += CHUNK) {
        const to = Math.min(n, from + CHUNK) - 1;
        const seed = ((chunkNo++ * 7919) % 10_000) / 10_000 - 0.5;
        await d.sql.begin(async (tx) => {
          await tx.unsafe(`SELECT setseed(${seed})`);
          await tx.unsafe(insertChunk(pid, from, to, current, n));
        });
        process.stderr.write(`\rseeding: ${current ? "current" : "reference"} ${to + 1}/${n}   `);
      }
    }
    await d.sql`VACUUM ANALYZE traces`;
    await d.sql`CHECKPOINT`; // the bulk load's dirty pages written now, not during the timed run
    loadS = (performance.now() - t0) / 1000;
    process.stderr.write(`\rseeded ${N_REF + N_CUR} traces in ${loadS.toFixed(0)} s\n`);
  }
  const tableMiB = MiB(Number((await d.sql`SELECT pg_table_size('traces') AS b`)[0]?.b));

  const config = monitorConfig.parse({
    source: { kind: "traffic", filter: {} },
    columns: COLUMNS,
    reference: { kind: "range", from: REF_FROM, to: REF_TO },
    current: { kind: "range", from: CUR_FROM, to: CUR_TO },
    minSamples: 30,
    driftShare: 0.5,
  });
  const now = new Date(CUR_TO.getTime() + 3600_000);

  // ---- 1. the monitor run: evaluate(), wall time and peak RSS (over all runs; the first is cold:
  // new connections, unoptimized code)
  const rssBefore = process.memoryUsage().rss;
  const sampler = new RssSampler();
  const runs: { ms: number; nodeCpuMs: number }[] = [];
  let evaluation = null as unknown as Awaited<ReturnType<typeof evaluate>>;
  for (let r = 0; r < RUNS; r++) {
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    evaluation = await evaluate(d.db, pid, config, now);
    runs.push({ ms: ms(t1), nodeCpuMs: cpuMs(process.cpuUsage(cpu0)) });
    console.error(`evaluate, run ${r + 1}: ${runs[r]?.ms} ms`);
  }
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  const evalMs = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  const evalCpu = runs.find((r) => r.ms === evalMs)?.nodeCpuMs ?? 0;
  const peakSampled = sampler.stop();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.error(`evaluate: median ${evalMs} ms, peak RSS ${MiB(Math.max(peakSampled, maxRss))} MiB`);

  // ---- 2. where the time goes: each window's aggregation, then the tests on the summaries
  const defs = config.columns.map((c) => defineColumn(c));
  const whereOf = (from: Date, to: Date) => trafficWhere(pid, {}, undefined, { from, to, label: "" });
  let c0 = process.cpuUsage();
  let t = performance.now();
  const cur: WindowData = await aggregateTraces(d.db, whereOf(CUR_FROM, CUR_TO), defs);
  const aggCur = { ms: ms(t), nodeCpuMs: cpuMs(process.cpuUsage(c0)) };
  c0 = process.cpuUsage();
  t = performance.now();
  const ref: WindowData = await aggregateTraces(d.db, whereOf(REF_FROM, REF_TO), defs);
  const aggRef = { ms: ms(t), nodeCpuMs: cpuMs(process.cpuUsage(c0)) };
  let distinctCur = 0;
  for (const m of cur.values.values()) distinctCur += m.size;
  let distinctRef = 0;
  for (const m of ref.values.values()) distinctRef += m.size;

  const perColumn = evaluation.columns.map((col, i) => {
    const key = String(i);
    const row: Record<string, unknown> = {
      name: col.name,
      type: col.type,
      kind: BUILTINS.find((b) => b.name === col.name)?.kind ?? META.find((m) => `metadata.${m.key}` === col.name)?.kind,
      shifted: BUILTINS.find((b) => b.name === col.name)?.shifted ?? META.find((m) => `metadata.${m.key}` === col.name)?.shifted,
      distinct: { reference: ref.values.get(key)?.size ?? 0, current: cur.values.get(key)?.size ?? 0 },
      stattest: col.stattest,
      value: col.value,
      drift: col.drift,
    };
    if (col.type === "numerical") {
      let t2 = performance.now();
      const r = summaryOf(ref.values.get(key));
      const c = summaryOf(cur.values.get(key));
      row.summaryMs = ms(t2);
      t2 = performance.now();
      fastSummary(ref.values.get(key));
      fastSummary(cur.values.get(key));
      row.fastSummaryMs = ms(t2);
      t2 = performance.now();
      columnDrift({ type: "numerical", reference: r, current: c });
      row.defaultTestMs = ms(t2);
      t2 = performance.now();
      const ks = ks2sampWeighted(r, c);
      row.ksMs = ms(t2);
      row.ks = ks;
    } else {
      const t2 = performance.now();
      const summary = (m: Map<string | null, number> | undefined) =>
        new Map([...(m ?? [])].filter(([k]) => k !== null) as [string, number][]);
      columnDrift({ type: "categorical", reference: summary(ref.values.get(key)), current: summary(cur.values.get(key)) });
      row.defaultTestMs = ms(t2);
    }
    return row;
  });

  // ---- 3. input_chars / output_chars on their own (keel_json_text per row)
  const charDefs = CHAR_COLUMNS.map((c) => defineColumn(c));
  t = performance.now();
  await aggregateTraces(d.db, whereOf(CUR_FROM, CUR_TO), charDefs);
  const charsCurMs = ms(t);
  const twoMeta = [defineColumn({ name: "metadata.i3", type: "numerical" }), defineColumn({ name: "metadata.c5", type: "categorical" })];
  t = performance.now();
  await aggregateTraces(d.db, whereOf(CUR_FROM, CUR_TO), twoMeta);
  const twoMetaCurMs = ms(t);

  // ---- 4. the baseline: the same numerical columns' raw values, in scipy (or Keel's raw ks2samp)
  let baseline: Record<string, unknown> | null = null;
  if (!args["no-baseline"]) {
    t = performance.now();
    const nRef = await dumpWindow(d.sql, pid, REF_FROM, REF_TO, dir, "ref");
    const nCur = await dumpWindow(d.sql, pid, CUR_FROM, CUR_TO, dir, "cur");
    const dumpMs = ms(t);
    const names = NUMERICAL.map((c) => c.name);
    const py = spawnSync("python3", ["-c", PY, dir, JSON.stringify(names)], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    let cols: BaselineColumn[];
    let impl: string;
    let wallMs: number;
    if (py.status === 0) {
      const out = JSON.parse(py.stdout.trim().split("\n").at(-1) as string);
      cols = out.columns;
      impl = `scipy ${out.scipy} ks_2samp (numpy ${out.numpy}), python3 process`;
      wallMs = out.total_ms;
    } else {
      console.error(`python3/scipy unavailable (${(py.stderr || String(py.error)).trim().split("\n").at(-1)}): naive TS baseline`);
      impl = "naive TS (Keel's ks2samp on the raw arrays: sort both, merge); python3 or scipy unavailable";
      const t3 = performance.now();
      cols = names.map((name, i) => {
        const t4 = performance.now();
        const r = readF64(path.join(dir, `ref_${i}.f64`));
        const c = readF64(path.join(dir, `cur_${i}.f64`));
        const load = performance.now() - t4;
        const t5 = performance.now();
        const ks = ks2samp(r, c);
        return { name, n_ref: r.length, n_cur: c.length, load_ms: load, ks_ms: performance.now() - t5, ...ks };
      });
      wallMs = ms(t3);
    }
    const ksTotal = cols.reduce((s, c) => s + c.ks_ms, 0);
    const wTotal = cols.reduce((s, c) => s + (c.wasserstein_ms ?? 0), 0);
    const keelKs = cols.map((c) => perColumn.find((p) => p.name === c.name));
    const keelKsTotal = keelKs.reduce((s, p) => s + ((p?.ksMs as number) ?? 0), 0);
    const keelSummaryTotal = keelKs.reduce((s, p) => s + ((p?.summaryMs as number) ?? 0), 0);
    let maxDiffD = 0;
    for (const c of cols) {
      const k = perColumn.find((p) => p.name === c.name)?.ks as { statistic: number } | undefined;
      if (k) maxDiffD = Math.max(maxDiffD, Math.abs(k.statistic - c.statistic));
    }
    baseline = {
      implementation: impl,
      rows: { reference: nRef, current: nCur },
      dumpMs,
      wallMs: Math.round(wallMs),
      ksTotalMs: Math.round(ksTotal * 10) / 10,
      wassersteinTotalMs: Math.round(wTotal * 10) / 10,
      keelKsOnSummariesTotalMs: Math.round(keelKsTotal * 10) / 10,
      keelSummaryBuildTotalMs: Math.round(keelSummaryTotal * 10) / 10,
      maxAbsDiffStatistic: maxDiffD,
      columns: cols.map((c) => ({
        name: c.name,
        n: [c.n_ref, c.n_cur],
        scipyKsMs: Math.round(c.ks_ms * 100) / 100,
        scipyWassersteinMs: c.wasserstein_ms === undefined ? null : Math.round(c.wasserstein_ms * 100) / 100,
        keelKsMs: perColumn.find((p) => p.name === c.name)?.ksMs ?? null,
        statistic: c.statistic,
        pvalue: c.pvalue,
      })),
    };
  }

  await d.close();
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });

  // ---- 5. embedding drift (bench/drift-embeddings.ts, one child process per method)
  const embeddings: Record<string, unknown>[] = [];
  const embFile = path.join(import.meta.dirname, "drift-embeddings.ts");
  if (!args["no-embeddings"]) {
    if (!fs.existsSync(embFile)) console.error("bench/drift-embeddings.ts is absent: no embedding figures");
    else
      for (const name of ["data only", "model", "distance", "ratio", "mmd", "projection2d"]) {
        const r = spawnSync(process.execPath, [...process.execArgv, embFile, "--case", name, "10000", "256"], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`embeddings ${name}: ${r.stderr}`);
        const out = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
        embeddings.push({ method: name, ms: Math.round(out.ms), peakRssMiB: Math.round(out.peakRssMiB), result: out.out });
      }
  }

  const sum = (xs: unknown[]) => Math.round(xs.reduce<number>((s, x) => s + ((x as number) ?? 0), 0) * 10) / 10;
  const report = {
    machine: `${os.availableParallelism()} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    loadAverage: { atStart: LOAD0, atEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    postgres: { version: pgVersion, db: pgLabel, settings, tableMiB },
    data: { current: N_CUR, reference: N_REF, columns: config.columns.length, seedS: Math.round(loadS) },
    evaluate: {
      ms: evalMs,
      runs,
      nodeCpuMs: evalCpu,
      verdict: evaluation.verdict,
      drifted: `${evaluation.driftedCount}/${evaluation.columnCount}`,
      rssBeforeMiB: MiB(rssBefore),
      peakRssSampledMiB: MiB(peakSampled),
      maxRssMiB: MiB(maxRss),
    },
    phases: {
      aggregateCurrent: aggCur,
      aggregateReference: aggRef,
      distinctValues: { current: distinctCur, reference: distinctRef },
      summariesMs: sum(perColumn.map((p) => p.summaryMs)),
      summariesFromNumbersMs: sum(perColumn.map((p) => p.fastSummaryMs)),
      testsMs: sum(perColumn.map((p) => p.defaultTestMs)),
    },
    charColumns: { inputOutputCharsCurrentMs: charsCurMs, twoMetadataColumnsCurrentMs: twoMetaCurMs },
    baseline,
    embeddings,
    columns: perColumn,
  };
  console.log(JSON.stringify(report));

  const e = report.evaluate;
  console.log(`\nmachine: ${report.machine}; PostgreSQL ${pgVersion} (${pgLabel}), ${JSON.stringify(settings)}`);
  console.log(`load average (1, 5, 15 min) at start ${LOAD0.join(", ")}, at end ${report.loadAverage.atEnd.join(", ")}`);
  console.log(
    `data: ${N_CUR} current + ${N_REF} reference traces, ${config.columns.length} columns, table ${tableMiB} MiB${loadS ? `, seeded in ${loadS.toFixed(0)} s` : ""}`,
  );
  console.log("| step | ms | notes |");
  console.log("| --- | --- | --- |");
  console.log(
    `| evaluate(), median of ${RUNS} (${runs.map((r) => r.ms).join(", ")}) | ${e.ms} | verdict ${e.verdict}, ${e.drifted} drifted; node CPU ${e.nodeCpuMs} ms; peak RSS ${Math.max(e.peakRssSampledMiB, e.maxRssMiB)} MiB (sampled ${e.peakRssSampledMiB}, maxRSS ${e.maxRssMiB}, before ${e.rssBeforeMiB}) |`,
  );
  console.log(`| aggregate current window | ${aggCur.ms} | node CPU ${aggCur.nodeCpuMs} ms; ${distinctCur} distinct (column, value) |`);
  console.log(`| aggregate reference window | ${aggRef.ms} | node CPU ${aggRef.nodeCpuMs} ms; ${distinctRef} distinct (column, value) |`);
  console.log(
    `| numerical summaries from the text, as engine.ts reads them (all columns) | ${report.phases.summariesMs} | from the numbers windows.ts holds (compactNumbers): ${report.phases.summariesFromNumbersMs} ms |`,
  );
  console.log(`| column tests, default stattests (all columns) | ${report.phases.testsMs} | |`);
  console.log(`| current window: input_chars + output_chars alone | ${charsCurMs} | vs two metadata columns alone: ${twoMetaCurMs} ms |`);
  if (baseline) {
    const b = baseline as Record<string, number | string>;
    console.log(`\nbaseline: ${b.implementation}; ${NUMERICAL.length} numerical columns, dumped in ${b.dumpMs} ms`);
    console.log("| | ms | vs Keel's evaluate() |");
    console.log("| --- | --- | --- |");
    console.log(
      `| baseline ks_2samp, all numerical columns (raw arrays in memory) | ${b.ksTotalMs} | ${(e.ms / (b.ksTotalMs as number)).toFixed(1)}x |`,
    );
    if (b.wassersteinTotalMs) console.log(`| baseline wasserstein_distance / std, same columns | ${b.wassersteinTotalMs} | |`);
    console.log(`| Keel ks2sampWeighted on the summaries, same columns | ${b.keelKsOnSummariesTotalMs} | |`);
    console.log(`| max |D(Keel) - D(baseline)| | ${b.maxAbsDiffStatistic} | |`);
  }
  if (embeddings.length) {
    console.log("\n| embedding drift, 10,000 × 256 per window | ms | peak RSS MiB | result |");
    console.log("| --- | --- | --- | --- |");
    for (const x of embeddings) console.log(`| ${x.method} | ${x.ms} | ${x.peakRssMiB} | ${JSON.stringify(x.result)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
