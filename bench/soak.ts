/**
 * Soak (issue 14): a real `keel start` (web + its worker) under ingest and gateway load together, each
 * at a fraction (default 50%) of the capacity this run measures first, with the console's heaviest
 * queries running beside them, for --seconds (default 600). It reports, from the keel process:
 * memory (RSS every 10 s; growth = last minute's mean over the first minute's, goal under 10%), errors
 * (goal 0: any non-2xx, any event not stored, any connection error) and p99 per minute per stream
 * (goal: stable). Figures go to BENCHMARKS.md ("Soak (issue 14)").
 *
 * Load is open-loop (requests start on a clock, not when the last answer came back), so a server that
 * slows down shows as latency rather than as less load; at most --max-in-flight requests per stream are
 * outstanding, and a tick that finds the cap reached is counted as `late` (load the server did not get).
 *
 * Usage: DATABASE_URL=postgres://... npm run bench:soak [-- --seconds 600 --fraction 0.5 --capacity-seconds 20 --api-only]
 * A database keel_bench_soak is created on that server and dropped at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import superjson from "superjson";
import { Pool } from "undici";
import { freePort } from "./keel-process";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "600" },
    fraction: { type: "string", default: "0.5" },
    "capacity-seconds": { type: "string", default: "20" },
    "max-in-flight": { type: "string", default: "64" },
    /** keel start --api-only: no console (and no web build); the load is API calls either way */
    "api-only": { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const FRACTION = Number(values.fraction);
const CAPACITY_S = Number(values["capacity-seconds"]);
const MAX_IN_FLIGHT = Number(values["max-in-flight"]);
const ROOT = path.resolve(import.meta.dirname, "..");
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Events per ingest request: 25 calls, a trace and a generation each. */
const BATCH_CALLS = 25;
const run = randomBytes(3).toString("hex");
let seq = 0;
function ingestBody(): string {
  const events = [];
  for (let n = 0; n < BATCH_CALLS; n++) {
    const i = seq++;
    const id = `soak${run}-${i}`;
    const t = new Date(Date.now() - 800).toISOString();
    events.push(
      {
        type: "trace",
        id,
        body: { name: "chat", timestamp: t, userId: `u${i % 300}`, tags: ["soak"], input: `parcel ${i % 997}`, output: `zebra ${i % 13}` },
      },
      {
        type: "observation",
        id: `${id}-g`,
        body: {
          traceId: id,
          type: "generation",
          model: `m${i % 4}`,
          startTime: t,
          endTime: new Date().toISOString(),
          usage: { input: 20, output: 5 },
        },
      },
    );
  }
  return JSON.stringify({ batch: events });
}

/** Latencies and errors of one stream, per minute of the soak. */
class Stream {
  lat: number[][] = [];
  errors = 0;
  late = 0;
  done = 0;
  inFlight = 0;
  firstError = "";
  constructor(readonly name: string) {}
  record(minute: number, ms: number, error: string | null) {
    this.lat[minute] ??= [];
    this.lat[minute].push(ms);
    this.done++;
    if (error) {
      this.errors++;
      this.firstError ||= error;
    }
  }
}

const p = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** One request: the whole body read, the time in ms, and what went wrong (null: nothing). */
async function call(pool: Pool, method: "GET" | "POST", pathAndQuery: string, headers: Record<string, string>, body?: string) {
  const t0 = performance.now();
  try {
    const r = await pool.request({ method, path: pathAndQuery, headers, body });
    const text = await r.body.text();
    let error: string | null = null;
    if (r.statusCode === 207) {
      const bad = (JSON.parse(text) as { results: { status: number }[] }).results.filter((x) => x.status !== 201);
      if (bad.length) error = `${bad.length} events not stored: ${JSON.stringify(bad[0])}`;
    } else if (r.statusCode !== 200) error = `HTTP ${r.statusCode}: ${text.slice(0, 200)}`;
    return { ms: performance.now() - t0, error };
  } catch (err) {
    return { ms: performance.now() - t0, error: `connection: ${(err as Error).message}` };
  }
}

/** Closed loop for `seconds` on `connections` loops: the most this stream alone gets through, per second. */
async function capacity(fn: () => Promise<{ error: string | null }>, connections: number, seconds: number) {
  let ok = 0;
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) (await fn()).error ? errors++ : ok++;
    }),
  );
  return { perSecond: ok / seconds, errors };
}

/** Open loop: `rate` requests per second on a 50 ms clock, until `until`. */
async function openLoop(stream: Stream, rate: number, until: number, t0: number, fn: () => Promise<{ ms: number; error: string | null }>) {
  let owed = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() < until) {
    owed += rate / 20;
    for (; owed >= 1; owed--) {
      if (stream.inFlight >= MAX_IN_FLIGHT) {
        stream.late++;
        continue;
      }
      stream.inFlight++;
      const minute = Math.floor((performance.now() - t0) / 60_000);
      const pr = fn().then((r) => {
        stream.inFlight--;
        stream.record(minute, r.ms, r.error);
        pending.delete(pr);
      });
      pending.add(pr);
    }
    await sleep(50);
  }
  await Promise.all(pending);
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

/** The fixed-answer upstream of bench/gateway.ts, as its own process. */
async function upstream(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/gateway.ts"), "--upstream"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout?.on("data", (c) => {
    out += c;
  });
  while (!out.includes("\n")) {
    if (proc.exitCode !== null) throw new Error(`upstream exited: ${out}`);
    await sleep(25);
  }
  return { proc, port: (JSON.parse(out.split("\n")[0] as string) as { port: number }).port };
}

async function main() {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error("set DATABASE_URL (a PostgreSQL server; a database keel_bench_soak is created and dropped)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-soak-"));
  // before env.ts loads (the dynamic imports below): keel start inherits these, so both seal and
  // open provider keys alike, and the loopback upstream passes the egress policy
  process.env.KEEL_SECRET ??= randomBytes(32).toString("hex");
  process.env.KEEL_EGRESS_ALLOW = "127.0.0.0/8";
  process.env.KEEL_DATA_DIR = dir;
  if (!values["api-only"]) (await import("../cli/web")).ensureBuilt((m) => log(m));
  const { createDatabase } = await import("../db/client");
  const { maintenanceUrl } = await import("../db/embedded");
  const { migrateDatabase } = await import("../db/migrate");
  const { withDatabase } = await import("../test/helpers/global-db");
  const postgres = (await import("postgres")).default;
  const admin = postgres(maintenanceUrl(base), { max: 1, onnotice: () => {} });
  await admin.unsafe("DROP DATABASE IF EXISTS keel_bench_soak WITH (FORCE)");
  await admin.unsafe("CREATE DATABASE keel_bench_soak");
  const url = withDatabase(base, "keel_bench_soak");
  const procs: ChildProcess[] = [];
  try {
    await migrateDatabase(url);
    const d = createDatabase(url);
    const { seedLoopbackChat } = await import("./fixtures");
    const up = await upstream();
    procs.push(up.proc);
    const { key } = await seedLoopbackChat(d.db, {
      email: "soak@keel.local",
      password: "soak-password",
      project: { name: "Soak", slug: "soak" },
      keyName: "soak",
      upstreamUrl: `http://127.0.0.1:${up.port}/v1`,
    });
    await d.close();

    // keel start: web + worker in one process (the production shape of the two-command start)
    const port = await freePort();
    const keel = spawn(
      process.execPath,
      [path.join(ROOT, "bin/keel.mjs"), "start", "--json", ...(values["api-only"] ? ["--api-only"] : [])],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1", KEEL_DEMO: "0", LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    procs.push(keel);
    let out = "";
    keel.stdout?.on("data", (c) => {
      out += c;
    });
    while (!out.includes('{"url"')) {
      if (keel.exitCode !== null) throw new Error(`keel start exited: ${out}`);
      await sleep(100);
    }
    const pid = keel.pid as number;
    const origin = `http://127.0.0.1:${port}`;
    const pool = new Pool(origin, { connections: 256, pipelining: 1 });
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const chat = JSON.stringify({ model: "fast", messages: [{ role: "user", content: "Capital of France?" }] });
    const ingest = () => call(pool, "POST", "/api/v1/ingest", auth, ingestBody());
    const gateway = () => call(pool, "POST", "/api/v1/chat/completions", auth, chat);
    const trpc = (proc: string, input: unknown) =>
      call(pool, "GET", `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, auth);
    // the console's heaviest reads: the explorer with filters and full-text search, the charts by model
    // over the rollups, and the charts with a filter the rollups cannot answer (reads the traces)
    let ui = 0;
    const uiQuery = () => {
      const from = new Date(Date.now() - 3_600_000);
      const i = ui++;
      switch (i % 3) {
        case 0:
          return trpc("logs.traces.list", {
            projectId: "soak",
            filter: { from, tags: ["soak"], models: [`m${i % 4}`], search: `parcel ${i % 997}` },
            limit: 50,
          });
        case 1:
          return trpc("logs.traces.charts", { projectId: "soak", filter: { from }, bucket: "hour", byModel: true });
        default:
          return trpc("logs.traces.charts", {
            projectId: "soak",
            filter: { from, status: "ok", userId: `u${i % 300}` },
            bucket: "hour",
            byModel: false,
          });
      }
    };

    log(`capacity: ingest alone, ${CAPACITY_S} s, 4 connections, ${BATCH_CALLS * 2} events per request`);
    await capacity(ingest, 4, 2); // warm-up
    const capIngest = await capacity(ingest, 4, CAPACITY_S);
    log(
      `  ${(capIngest.perSecond * BATCH_CALLS * 2).toFixed(0)} events/s (${capIngest.perSecond.toFixed(1)} req/s), errors ${capIngest.errors}`,
    );
    log(`capacity: gateway alone, ${CAPACITY_S} s, 16 connections`);
    await capacity(gateway, 16, 2);
    const capGateway = await capacity(gateway, 16, CAPACITY_S);
    log(`  ${capGateway.perSecond.toFixed(0)} calls/s, errors ${capGateway.errors}`);
    await sleep(5000); // let the worker's rollups catch up before the clock starts

    const streams = { ingest: new Stream("ingest"), gateway: new Stream("gateway"), ui: new Stream("ui") };
    const rss: { s: number; mib: number }[] = [];
    const loads: number[][] = [];
    const t0 = performance.now();
    const until = t0 + SECONDS * 1000;
    const ingestRate = capIngest.perSecond * FRACTION;
    const gatewayRate = capGateway.perSecond * FRACTION;
    log(
      `soak: ${SECONDS} s; ingest ${ingestRate.toFixed(1)} req/s (${(ingestRate * BATCH_CALLS * 2).toFixed(0)} events/s), gateway ${gatewayRate.toFixed(0)} calls/s, console queries back to back`,
    );
    const sampler = (async () => {
      while (performance.now() < until) {
        rss.push({ s: Math.round((performance.now() - t0) / 1000), mib: rssMiB(pid) });
        loads.push(os.loadavg());
        const last = rss.at(-1);
        if (last && last.s % 60 < 10)
          log(
            `  t=${last.s}s rss ${last.mib.toFixed(0)} MiB, load ${os.loadavg()[0]?.toFixed(2)}, errors ${streams.ingest.errors + streams.gateway.errors + streams.ui.errors}, late ${streams.ingest.late + streams.gateway.late}`,
          );
        await sleep(10_000);
      }
    })();
    const uiLoop = (async () => {
      while (performance.now() < until) {
        const minute = Math.floor((performance.now() - t0) / 60_000);
        const r = await uiQuery();
        streams.ui.record(minute, r.ms, r.error);
      }
    })();
    await Promise.all([
      openLoop(streams.ingest, ingestRate, until, t0, ingest),
      openLoop(streams.gateway, gatewayRate, until, t0, gateway),
      uiLoop,
      sampler,
    ]);
    const { default: pg } = await import("postgres");
    const sql = pg(url, { max: 1, onnotice: () => {} });
    const [{ traces } = { traces: 0 }] = await sql<{ traces: number }[]>`select count(*)::int as traces from traces`;
    await sql.end();
    await pool.close();

    // report
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const firstMin = mean(rss.filter((r) => r.s < 60).map((r) => r.mib));
    const lastMin = mean(rss.filter((r) => r.s >= SECONDS - 60).map((r) => r.mib));
    const minutes = Math.ceil(SECONDS / 60);
    const f = (x: number) => (Number.isNaN(x) ? "-" : x < 10 ? x.toFixed(1) : x.toFixed(0));
    console.log(
      `\ncapacity alone (${CAPACITY_S} s each): ingest ${(capIngest.perSecond * BATCH_CALLS * 2).toFixed(0)} events/s (${capIngest.perSecond.toFixed(1)} req/s of ${BATCH_CALLS * 2} events, 4 connections); gateway ${capGateway.perSecond.toFixed(0)} calls/s (16 connections)`,
    );
    console.log(
      `soak: ${SECONDS} s at ${FRACTION * 100}% of each, together: ingest ${(ingestRate * BATCH_CALLS * 2).toFixed(0)} events/s offered, gateway ${gatewayRate.toFixed(0)} calls/s offered, console queries back to back (explorer list with filters and search, charts by model, charts with a raw-traces filter)`,
    );
    console.log(
      "\n| minute | ingest req | ingest p50 / p99 ms | gateway calls | gateway p50 / p99 ms | console queries | console p50 / p99 ms | RSS MiB (mean) | load avg (1 min) |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (let m = 0; m < minutes; m++) {
      const cell = (s: Stream) => {
        const xs = s.lat[m] ?? [];
        return `${xs.length} | ${f(p(xs, 0.5))} / ${f(p(xs, 0.99))}`;
      };
      const mem = mean(rss.filter((r) => Math.floor(r.s / 60) === m).map((r) => r.mib));
      const load = mean(loads.filter((_, i) => Math.floor((rss[i]?.s ?? 0) / 60) === m).map((l) => l[0] ?? 0));
      console.log(
        `| ${m + 1} | ${cell(streams.ingest)} | ${cell(streams.gateway)} | ${cell(streams.ui)} | ${mem.toFixed(0)} | ${load.toFixed(2)} |`,
      );
    }
    const all = Object.values(streams);
    console.log(
      `\nmemory (RSS of the keel process, every 10 s): first minute ${firstMin.toFixed(0)} MiB, last minute ${lastMin.toFixed(0)} MiB, growth ${(((lastMin - firstMin) / firstMin) * 100).toFixed(1)}% (goal < 10%); min ${Math.min(...rss.map((r) => r.mib)).toFixed(0)}, max ${Math.max(...rss.map((r) => r.mib)).toFixed(0)}`,
    );
    console.log(
      `errors: ${all.map((s) => `${s.name} ${s.errors} of ${s.done}`).join(", ")} (goal 0)${
        all.some((s) => s.firstError)
          ? `; first: ${all
              .map((s) => s.firstError)
              .filter(Boolean)
              .join(" | ")}`
          : ""
      }`,
    );
    console.log(
      `late (offered load not sent: ${MAX_IN_FLIGHT} requests already in flight): ingest ${streams.ingest.late}, gateway ${streams.gateway.late}`,
    );
    console.log(`traces stored at the end: ${traces}`);
    console.log(
      `keel start${values["api-only"] ? " --api-only (no console)" : " (console and API)"}, DATABASE_URL: ${base.replace(/\/\/[^@]*@/, "//")}`,
    );
    console.log(
      `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, node ${process.version}; load average over the soak ${mean(loads.map((l) => l[0] ?? 0)).toFixed(2)}`,
    );
  } finally {
    for (const pr of procs) pr.kill("SIGTERM");
    await sleep(3000);
    for (const pr of procs) if (pr.exitCode === null && pr.signalCode === null) pr.kill("SIGKILL");
    await admin.unsafe("DROP DATABASE IF EXISTS keel_bench_soak WITH (FORCE)");
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
