/**
 * Model registry and experiment tracking benchmarks (issue 5; figures go to BENCHMARKS.md).
 *  1. Artifacts: a 200 MB file uploaded as a model version (streamed multipart, `file` + `sha256`
 *     parts) and downloaded back, MB/s, with the server's RSS sampled every 50 ms from /proc.
 *     Baseline in the same command: the same file copied with fs streams (and with a sha256 on the way).
 *  2. One model with 200,000 versions (a few real ones through the API, the rest by SQL): a page of
 *     versions (first and deep keyset page), an alias, one version.
 *  3. One experiment with 100,000 runs and 10,000,000 metric points (bulk SQL; run_latest_metrics
 *     derived from run_metrics): the runs table sorted by a metric, and one run's 100,000-point history.
 *  Every request goes over HTTP to a separate server process (this file with --serve: the API
 *  handlers `keel start` mounts, on node:http, without Next.js). Latency: sequential requests from one
 *  client; throughput: autocannon, 10 connections. Baseline for both: a node:http server in that same
 *  process answering the same bytes from memory.
 * Usage: npm run bench:registry [-- --versions 200000 --runs 100000 --points 10000000 --history 100000
 *          --file-mb 200 --requests 200 --seconds 5 --keep]
 *   DATABASE_URL's server (a database keel_bench_registry is created on it and dropped after; --keep
 *   leaves it for EXPLAIN), else the embedded server in a temp dir.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import postgres from "postgres";

const { values } = parseArgs({
  options: {
    serve: { type: "boolean", default: false },
    versions: { type: "string", default: "200000" },
    runs: { type: "string", default: "100000" },
    points: { type: "string", default: "10000000" },
    history: { type: "string", default: "100000" },
    "file-mb": { type: "string", default: "200" },
    requests: { type: "string", default: "200" },
    seconds: { type: "string", default: "5" },
    keep: { type: "boolean", default: false },
  },
});

// ---------------------------------------------------------------- the server process (--serve)

/** The API handlers on node:http (as `keel start` serves /api/*), plus the baseline: stored bodies from memory. */
async function serve() {
  const { serveApi } = await import("../server/http/node");
  const { CLIENT_IP_HEADER } = await import("../server/http/request");
  const { getRuntime } = await import("../server/core/runtime");
  await getRuntime();
  const api = http.createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "unknown";
    const served = serveApi(req, res, (req.url ?? "/").split("?")[0] ?? "/");
    if (!served) return void res.writeHead(404).end();
    served.catch((err) => {
      // a client that hangs up mid-body (autocannon stopping) is not a server error
      if ((err as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") console.error(err);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  api.keepAliveTimeout = 65_000;
  const bodies = new Map<string, Buffer>();
  const base = http.createServer((req, res) => {
    if (req.method === "PUT") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.set(req.url ?? "/", Buffer.concat(chunks));
        res.writeHead(204).end();
      });
      return;
    }
    const body = bodies.get(req.url ?? "/");
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
  });
  base.keepAliveTimeout = 65_000;
  const listen = (s: http.Server) =>
    new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)));
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => process.exit(0));
  console.log(JSON.stringify({ port: await listen(api), basePort: await listen(base) }));
}

// ---------------------------------------------------------------- helpers

const VERSIONS = Number(values.versions);
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const HISTORY = Number(values.history);
const FILE_MB = Number(values["file-mb"]);
const REQUESTS = Number(values.requests);
const SECONDS = Number(values.seconds);
const MODEL = "bench-model";
const MB = 1024 * 1024;

const pct = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const f1 = (x: number) => x.toFixed(1);
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

interface Child {
  proc: ChildProcess;
  url: string;
  baseUrl: string;
  stop: () => Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout?.on("data", (c) => {
    out += c;
  });
  while (!out.includes("\n")) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const { port, basePort } = JSON.parse(out.split("\n")[0] as string) as { port: number; basePort: number };
  return {
    proc,
    url: `http://127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${basePort}`,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await done;
    },
  };
}

/** Memory of a process from /proc: current RSS and its high-water mark, in bytes. */
function memOf(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Sample a process's RSS every 50 ms until stopped; the peak seen. */
function sampleRss(pid: number) {
  let peak = memOf(pid).rss;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memOf(pid).rss);
    samples++;
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, memOf(pid).rss);
      return { peak, samples };
    },
  };
}

async function api<T>(base: string, key: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

const readAll = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** POST a multipart version upload streamed from disk: a `sha256` part, then the `file` part. */
async function upload(base: string, key: string, file: string, sha256: string, name: string): Promise<{ ms: number; version: number }> {
  const boundary = `----keelbench${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n${sha256}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = fs.statSync(file).size;
  async function* body() {
    yield head;
    yield* fs.createReadStream(file, { highWaterMark: MB });
    yield tail;
  }
  const t0 = performance.now();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(`${base}/api/v1/registry/models/${MODEL}/versions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": head.length + size + tail.length,
      },
    });
    req.on("response", resolve);
    req.on("error", reject);
    pipeline(Readable.from(body()), req).catch(reject);
  });
  const text = await readAll(res);
  const ms = performance.now() - t0;
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${text.slice(0, 500)}`);
  return { ms, version: (JSON.parse(text) as { version: number }).version };
}

/** GET an artifact to a file on disk, hashing it on the way. */
async function download(base: string, key: string, version: number, name: string, out: string): Promise<{ ms: number; sha256: string }> {
  const t0 = performance.now();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http
      .get(
        `${base}/api/v1/registry/models/${MODEL}/versions/${version}/artifacts/${name}`,
        { headers: { authorization: `Bearer ${key}` } },
        resolve,
      )
      .on("error", reject),
  );
  if (res.statusCode !== 200) throw new Error(`download: ${res.statusCode} ${await readAll(res)}`);
  const hash = createHash("sha256");
  await pipeline(res, hashing(hash), fs.createWriteStream(out));
  return { ms: performance.now() - t0, sha256: hash.digest("hex") };
}

const hashing = (hash: ReturnType<typeof createHash>) =>
  new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });

/** A file of random bytes (incompressible), and its sha256. */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const out = fs.createWriteStream(file);
  for (let left = bytes; left > 0; left -= MB) {
    const chunk = randomBytes(Math.min(MB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest("hex");
}

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  bytes: number;
  body: Buffer;
}

/** Sequential GETs from one client (5 warm-up requests first): latency percentiles, and the last body. */
async function latency(url: string, headers: Record<string, string>, n: number, before?: () => Promise<unknown>): Promise<Latency> {
  const ms: number[] = [];
  let body = Buffer.alloc(0);
  for (let i = 0; i < n + 5; i++) {
    await before?.();
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.toString("utf8").slice(0, 500)}`);
    if (i >= 5) ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99), bytes: body.length, body };
}

async function throughput(url: string, headers: Record<string, string>): Promise<{ rps: number; non2xx: number }> {
  const r = await autocannon({ url, connections: 10, duration: SECONDS, headers });
  return { rps: r.requests.average, non2xx: r.non2xx };
}

interface Row {
  name: string;
  goal: number | null;
  target: Latency & { rps: number };
  base: Latency & { rps: number };
}

/** Measure one GET against Keel, then the same bytes from the baseline server. */
/** `before` runs (untimed) before each sequential request; with it, the req/s column is skipped (0). */
async function measure(
  server: Child,
  key: string,
  name: string,
  p: string,
  goal: number | null,
  n = REQUESTS,
  before?: () => Promise<unknown>,
): Promise<Row> {
  const headers = { authorization: `Bearer ${key}` };
  const url = `${server.url}/api/v1${p}`;
  log(`measuring ${name}: GET /api/v1${p}`);
  const lat = await latency(url, headers, n, before);
  const tp = before ? { rps: 0, non2xx: 0 } : await throughput(url, headers);
  if (tp.non2xx) throw new Error(`${name}: ${tp.non2xx} non-2xx responses under load`);
  const slot = `/${encodeURIComponent(name)}`;
  const put = await fetch(`${server.baseUrl}${slot}`, { method: "PUT", body: new Uint8Array(lat.body) });
  if (put.status !== 204) throw new Error("baseline PUT failed");
  const blat = await latency(`${server.baseUrl}${slot}`, {}, n);
  const btp = await throughput(`${server.baseUrl}${slot}`, {});
  return { name, goal, target: { ...lat, rps: tp.rps }, base: { ...blat, rps: btp.rps } };
}

function printRows(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  console.log(
    "| request | bytes | p50 ms | p95 ms | p99 ms | req/s (10 conn) | baseline p50 / p95 / p99 ms | baseline req/s | req/s vs baseline | goal p95 |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const t = r.target;
    const b = r.base;
    const goal = r.goal === null ? "-" : `< ${r.goal} ms: ${t.p95 < r.goal ? "met" : "MISSED"}`;
    console.log(
      `| ${r.name} | ${t.bytes} | ${f1(t.p50)} | ${f1(t.p95)} | ${f1(t.p99)} | ${Math.round(t.rps)} | ${f1(b.p50)} / ${f1(b.p95)} / ${f1(b.p99)} | ${Math.round(b.rps)} | ${(t.rps / b.rps).toFixed(3)}x | ${goal} |`,
    );
  }
}

// ---------------------------------------------------------------- the benchmark

async function main() {
  const { createDatabase } = await import("../db/client");
  const { ensureEmbedded, maintenanceUrl } = await import("../db/embedded");
  const { migrateDatabase } = await import("../db/migrate");
  const { createKey, createProject, createUser, SYSTEM_ACTOR } = await import("../server/workspace");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-registry-"));
  let url = process.env.DATABASE_URL;
  let stopDb = async () => {};
  const dbName = "keel_bench_registry";
  if (url) {
    const admin = postgres(maintenanceUrl(url), { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${dbName}`);
    const u = new URL(url);
    u.pathname = `/${dbName}`;
    url = u.toString();
    stopDb = async () => {
      if (values.keep) console.error(`kept database ${url} (drop it with DROP DATABASE ${dbName})`);
      else await admin.unsafe(`DROP DATABASE ${dbName} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const e = await ensureEmbedded({ dataDir: path.join(dir, "pg") });
    url = e.url;
    stopDb = e.stop;
  }
  let server: Child | null = null;
  const d = createDatabase(url, { max: 4 });
  try {
    await migrateDatabase(url);
    const user = await createUser(d.db, SYSTEM_ACTOR, { email: "bench@example.com", password: "bench-password" });
    const project = await createProject(d.db, SYSTEM_ACTOR, { name: "Bench", ownerUserId: user.id });
    const { key } = await createKey(
      d.db,
      { userId: user.id, keyId: null },
      { projectId: project.id, role: "owner" },
      { name: "bench", kind: "secret" },
    );
    server = await startServer({
      DATABASE_URL: url,
      KEEL_DATA_DIR: path.join(dir, "data"),
      KEEL_ARTIFACTS_DIR: path.join(dir, "artifacts"),
    });
    const pid = server.proc.pid as number;
    const s = server;
    log(`server pid ${pid} at ${s.url}; database ${url.replace(/\/\/[^@]*@/, "//")}${values.keep ? `; key ${key}` : ""}`);
    await api(s.url, key, "POST", "/registry/models", { name: MODEL, task: "text-classification" });

    // ------------------------------------------------ 1. artifacts, on a fresh server (RSS first)
    const big = path.join(dir, "model.bin");
    const bytes = FILE_MB * MB;
    log(`writing a ${FILE_MB} MB random file`);
    const sha = await writeRandomFile(big, bytes);
    const small = path.join(dir, "warmup.bin");
    const smallSha = await writeRandomFile(small, 4 * MB);
    // warm-up: one small upload and download (JIT, pools, busboy), so the RSS baseline is steady
    const w = await upload(s.url, key, small, smallSha, "warmup.bin");
    await download(s.url, key, w.version, "warmup.bin", path.join(dir, "warmup.out"));
    const copies: { plain: number; hashed: number }[] = [];
    const ups: number[] = [];
    const downs: number[] = [];
    const mem0 = memOf(pid);
    let upPeak = 0;
    let downPeak = 0;
    let version = 0;
    for (let i = 0; i < 3; i++) {
      const c0 = performance.now();
      await pipeline(fs.createReadStream(big, { highWaterMark: MB }), fs.createWriteStream(path.join(dir, "copy.bin")));
      const plain = performance.now() - c0;
      const h0 = performance.now();
      const h = createHash("sha256");
      await pipeline(fs.createReadStream(big, { highWaterMark: MB }), hashing(h), fs.createWriteStream(path.join(dir, "copy.bin")));
      if (h.digest("hex") !== sha) throw new Error("copy hash mismatch");
      copies.push({ plain, hashed: performance.now() - h0 });
      fs.rmSync(path.join(dir, "copy.bin"));

      let sampler = sampleRss(pid);
      const up = await upload(s.url, key, big, sha, "model.bin");
      upPeak = Math.max(upPeak, sampler.stop().peak);
      ups.push(up.ms);
      version = up.version;
      sampler = sampleRss(pid);
      const out = path.join(dir, "download.bin");
      const down = await download(s.url, key, version, "model.bin", out);
      downPeak = Math.max(downPeak, sampler.stop().peak);
      if (down.sha256 !== sha) throw new Error("downloaded bytes differ from the upload");
      downs.push(down.ms);
      fs.rmSync(out);
      log(`artifact run ${i + 1}: fs copy ${f1(plain)} ms, upload ${f1(up.ms)} ms (version ${version}), download ${f1(down.ms)} ms`);
    }
    const mem1 = memOf(pid);
    fs.rmSync(big);
    await api(s.url, key, "PUT", `/registry/models/${MODEL}/aliases/production`, { version, reason: "bench" });

    // ------------------------------------------------ 2. a model with VERSIONS versions
    const [model] = await d.db.execute<{ id: string; latest: number }>(
      sql`select id, latest_version as latest from registered_models where project_id = ${project.id} and name = ${MODEL}`,
    );
    if (!model) throw new Error("model not found");
    const v0 = performance.now();
    const CHUNK = 50_000;
    for (let from = model.latest + 1; from <= VERSIONS; from += CHUNK) {
      const to = Math.min(VERSIONS, from + CHUNK - 1);
      await d.db.execute(sql`
        insert into model_versions (project_id, model_id, version, status, source, format, metadata, params, metrics,
          description, file_count, total_size, created_by, created_at)
        select ${project.id}::uuid, ${model.id}::uuid, g, 'ready', '{"kind":"upload"}'::jsonb, 'onnx',
          jsonb_build_object('framework', 'onnx', 'opset', 17),
          jsonb_build_object('lr', ((g % 50 + 1) / 10000.0)::text, 'epochs', (1 + g % 10)::text),
          jsonb_build_object('accuracy', 0.5 + (g % 500) / 1000.0, 'loss', 1.0 / (1 + g % 97)),
          'bulk version ' || g, 1, 100000000 + g, ${user.id}::uuid, now() - make_interval(secs => ${VERSIONS} - g)
        from generate_series(${from}::int, ${to}::int) g`);
    }
    await d.db.execute(sql`update registered_models set latest_version = ${VERSIONS} where id = ${model.id}`);
    await d.db.execute(sql`vacuum analyze model_versions`);
    const versionsS = (performance.now() - v0) / 1000;
    // a real alias move onto a bulk version, through the API
    const aliasTo = Math.floor(VERSIONS * 0.75);
    await api(s.url, key, "PUT", `/registry/models/${MODEL}/aliases/production`, { version: aliasTo, reason: "bench" });
    const first = await api<{ items: { version: number }[]; nextCursor: string }>(
      s.url,
      key,
      "GET",
      `/registry/models/${MODEL}/versions?limit=50`,
    );
    if (first.items[0]?.version !== VERSIONS || first.items.length !== 50) throw new Error("unexpected first page");
    const deepCursor = String(Math.ceil(VERSIONS / 100)); // versions below 1% of the range: the far end of the index
    const registryRows = [
      await measure(s, key, "versions, first page (limit 50)", `/registry/models/${MODEL}/versions?limit=50`, 50),
      await measure(
        s,
        key,
        `versions, deep keyset page (cursor ${deepCursor})`,
        `/registry/models/${MODEL}/versions?limit=50&cursor=${deepCursor}`,
        50,
      ),
      await measure(s, key, "alias production -> version", `/registry/models/${MODEL}/aliases/production`, 50),
      await measure(s, key, `version ${Math.floor(VERSIONS / 2)}`, `/registry/models/${MODEL}/versions/${Math.floor(VERSIONS / 2)}`, 50),
    ];

    // ------------------------------------------------ 3. an experiment: RUNS runs, POINTS points
    const exp = await api<{ id: string }>(s.url, key, "POST", "/experiments", { name: "bench-experiment" });
    // one run through the API; the rest by SQL: one run with HISTORY points of `loss`, and RUNS - 2
    // runs with `per` points each (loss and accuracy); the API run logs what is left of POINTS
    const per = Math.floor((POINTS - HISTORY) / (RUNS - 1));
    const others = RUNS - 2;
    const lossSteps = Math.ceil(per / 2);
    const accSteps = per - lossSteps;
    const apiPoints = POINTS - HISTORY - others * per;
    const t0 = Date.UTC(2026, 9, 1);
    const r0 = performance.now();
    const apiRun = await api<{ id: string }>(s.url, key, "POST", "/runs", {
      experimentId: exp.id,
      name: "api-run",
      startTime: t0,
      params: { lr: "0.001", batch_size: "32" },
    });
    const apiMetrics = Array.from({ length: apiPoints }, (_, i) => {
      const step = Math.floor(i / 2);
      return i % 2 === 0
        ? { key: "loss", value: 0.5 * Math.exp(-step / 20) + 0.05, step, timestamp: t0 + step * 1000 }
        : { key: "accuracy", value: 0.9 - 0.3 * Math.exp(-step / 10), step, timestamp: t0 + step * 1000 };
    });
    for (let i = 0; i < apiMetrics.length; i += 1000)
      await api(s.url, key, "POST", `/runs/${apiRun.id}/log`, { metrics: apiMetrics.slice(i, i + 1000) });
    await api(s.url, key, "PATCH", `/runs/${apiRun.id}`, { status: "FINISHED", endTime: t0 + 3_600_000 });

    const [hist] = await d.db.execute<{ id: string }>(sql`
      insert into runs (project_id, experiment_id, name, status, start_time, end_time, params, tags, user_name, created_by)
      values (${project.id}, ${exp.id}, 'history-run', 'FINISHED', ${t0}, ${t0 + HISTORY * 1000}, '{"lr": "0.0003"}', '{"team": "bench"}', 'bench', ${user.id})
      returning id`);
    if (!hist) throw new Error("history run not inserted");
    await d.db.execute(sql`
      insert into run_metrics (run_id, key, step, timestamp, value)
      select ${hist.id}::uuid, 'loss', s, ${t0}::bigint + s * 1000, 2 * exp(-s / 20000.0) + 0.01 * random()
      from generate_series(0, ${HISTORY - 1}::int) s`);
    await d.db.execute(sql`
      insert into runs (project_id, experiment_id, name, status, start_time, end_time, params, tags, user_name, created_by)
      select ${project.id}::uuid, ${exp.id}::uuid, 'run-' || g, 'FINISHED', ${t0}::bigint + g::bigint * 60000, ${t0}::bigint + g::bigint * 60000 + 3600000,
        jsonb_build_object('lr', ((g % 50 + 1) / 10000.0)::text, 'batch_size', (16 << (g % 4))::text, 'seed', g::text),
        '{"team": "bench"}'::jsonb, 'bench', ${user.id}::uuid
      from generate_series(1, ${others}::int) g`);
    const ids = (
      await d.db.execute<{ id: string }>(sql`select id from runs where experiment_id = ${exp.id} and name like 'run-%' order by id`)
    ).map((x) => x.id);
    // points in (run_id, key, step) order, so the (run_id, key, step, timestamp) index grows at its right edge
    const RUN_CHUNK = 10_000;
    for (let i = 0; i < ids.length; i += RUN_CHUNK) {
      const lo = ids[i] as string;
      const hi = ids[Math.min(ids.length, i + RUN_CHUNK) - 1] as string;
      await d.db.execute(sql`
        insert into run_metrics (run_id, key, step, timestamp, value)
        select r.id, k.key, s, r.start_time + s * 1000,
          case k.key when 'loss' then r.q * exp(-s / 20.0) + 0.05 * r.q + 0.002 * random()
                     else 0.95 - 0.3 * (r.q - 0.2) - 0.3 * exp(-s / 10.0) + 0.002 * random() end
        from (select id, start_time, 0.2 + (hashtext(id::text) & 1023) / 1023.0 as q from runs
              where experiment_id = ${exp.id} and id >= ${lo}::uuid and id <= ${hi}::uuid and name like 'run-%' order by id) r
        cross join lateral (values ('accuracy', ${accSteps}::int), ('loss', ${lossSteps}::int)) k(key, n)
        cross join lateral generate_series(0, k.n - 1) s`);
      log(`run_metrics: ${Math.min(ids.length, i + RUN_CHUNK)} of ${ids.length} runs`);
    }
    // the latest point per (run, key): highest step, then timestamp, read back from run_metrics
    await d.db.execute(sql`
      insert into run_latest_metrics (run_id, experiment_id, key, value, step, timestamp)
      select r.id, r.experiment_id, k.key, x.value, x.step, x.timestamp
      from runs r cross join (values ('accuracy'), ('loss')) k(key)
      cross join lateral (select m.value, m.step, m.timestamp from run_metrics m where m.run_id = r.id and m.key = k.key
                          order by m.step desc, m.timestamp desc limit 1) x
      where r.experiment_id = ${exp.id} and r.id <> ${apiRun.id}`);
    for (const t of ["runs", "run_metrics", "run_latest_metrics"]) await d.db.execute(sql.raw(`vacuum analyze ${t}`));
    const runsS = (performance.now() - r0) / 1000;
    const [counts] = await d.db.execute<{ runs: number; points: number; latest: number; bad: number }>(sql`
      select (select count(*)::int from runs where experiment_id = ${exp.id}) as runs,
             (select count(*)::int from run_metrics m join runs r on r.id = m.run_id where r.experiment_id = ${exp.id}) as points,
             (select count(*)::int from run_latest_metrics where experiment_id = ${exp.id}) as latest,
             (select count(*)::int from (
                select distinct on (m.run_id, m.key) m.run_id, m.key, m.value, m.step, m.timestamp from run_metrics m
                where m.run_id in (select id from runs where experiment_id = ${exp.id} order by random() limit 200)
                order by m.run_id, m.key, m.step desc, m.timestamp desc) want
              left join run_latest_metrics l on l.run_id = want.run_id and l.key = want.key
                and l.value = want.value and l.step = want.step and l.timestamp = want.timestamp
              where l.run_id is null) as bad`);
    if (!counts || counts.bad) throw new Error(`run_latest_metrics disagrees with run_metrics on ${counts?.bad} sampled keys`);
    log(`experiment: ${counts.runs} runs, ${counts.points} points, ${counts.latest} latest values; built in ${runsS.toFixed(0)} s`);

    const q = (order: string, extra = "") => `/experiments/${exp.id}/runs?order_by=${encodeURIComponent(order)}&limit=50${extra}`;
    const page1 = await api<{ items: { metrics: Record<string, number> }[]; nextCursor: string }>(s.url, key, "GET", q("metrics.loss ASC"));
    if (page1.items.length !== 50 || !page1.nextCursor) throw new Error("unexpected runs page");
    const hp = await api<{ steps: number[] }>(s.url, key, "GET", `/runs/${hist.id}/metrics/loss`);
    if (hp.steps.length !== HISTORY) throw new Error(`history returned ${hp.steps.length} points, not ${HISTORY}`);
    const runRows = [
      await measure(s, key, "runs sorted by metrics.loss ASC, first page (50)", q("metrics.loss ASC"), 200),
      await measure(s, key, "runs sorted by metrics.loss DESC, first page (50)", q("metrics.loss DESC"), 200),
      await measure(
        s,
        key,
        "runs sorted by metrics.loss ASC, second page (cursor)",
        q("metrics.loss ASC", `&cursor=${page1.nextCursor}`),
        200,
      ),
      await measure(
        s,
        key,
        "runs sorted by metrics.loss ASC + filter metrics.accuracy > 0.8",
        q("metrics.loss ASC", `&filter=${encodeURIComponent("metrics.accuracy > 0.8")}`),
        200,
      ),
      await measure(s, key, "runs, default order (start_time DESC)", `/experiments/${exp.id}/runs?limit=50`, 200),
      await measure(
        s,
        key,
        `metric history: ${HISTORY} points of one run, cold (its kept JSON dropped before each request)`,
        `/runs/${hist.id}/metrics/loss`,
        null,
        Math.min(REQUESTS, 50),
        // the previous read keeps its JSON in the background: let that land, then drop it
        async () => {
          await new Promise((ok) => setTimeout(ok, 250));
          await d.db.execute(sql`delete from run_metric_series where run_id = ${hist.id}`);
        },
      ),
      await measure(
        s,
        key,
        `metric history: ${HISTORY} points of one run (kept JSON after the first read)`,
        `/runs/${hist.id}/metrics/loss`,
        100,
        Math.min(REQUESTS, 100),
      ),
      await measure(
        s,
        key,
        "metric history, one page of 25,000 points (limit=25000, MLflow's page)",
        `/runs/${hist.id}/metrics/loss?limit=25000`,
        null,
        Math.min(REQUESTS, 100),
      ),
    ];

    // ------------------------------------------------ report
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const mbps = (ms: number) => FILE_MB / (ms / 1000);
    const base = mbps(med(copies.map((c) => c.plain)));
    console.log(`\nArtifacts: a ${FILE_MB} MB file (random bytes), 3 runs each, median (runs)`);
    console.log("| operation | MB/s | runs MB/s | vs baseline |");
    console.log("| --- | --- | --- | --- |");
    const line = (name: string, xs: number[]) =>
      console.log(`| ${name} | ${f1(mbps(med(xs)))} | ${xs.map((x) => f1(mbps(x))).join(", ")} | ${(mbps(med(xs)) / base).toFixed(3)}x |`);
    line(
      "baseline: fs stream copy (createReadStream -> createWriteStream)",
      copies.map((c) => c.plain),
    );
    line(
      "fs stream copy + sha256",
      copies.map((c) => c.hashed),
    );
    line("upload: multipart POST /registry/models/{name}/versions (sha256 checked)", ups);
    line("download: GET .../versions/{n}/artifacts/model.bin (to disk, sha256 checked)", downs);
    const mib = (b: number) => f1(b / MB);
    console.log(
      `server RSS: ${mib(mem0.rss)} MiB before; peak during uploads ${mib(upPeak)} MiB (+${mib(upPeak - mem0.rss)}), during downloads ${mib(downPeak)} MiB (+${mib(downPeak - mem0.rss)}); VmHWM ${mib(mem0.hwm)} -> ${mib(mem1.hwm)} MiB; goal: growth < 100 MiB: ${Math.max(upPeak, downPeak, mem1.hwm) - mem0.rss < 100 * MB ? "met" : "MISSED"}`,
    );
    console.log(
      `\nModel with ${VERSIONS} versions (${VERSIONS - model.latest} by SQL in ${versionsS.toFixed(1)} s, ${model.latest} through the API)`,
    );
    printRows(`latency: ${REQUESTS} sequential requests each; req/s: autocannon, 10 connections, ${SECONDS} s`, registryRows);
    console.log(
      `\nExperiment: ${counts.runs} runs, ${counts.points} metric points (${HISTORY} in one run, ${per} in each of ${others}, ${apiPoints} through the API), ${counts.latest} latest values; built in ${runsS.toFixed(0)} s`,
    );
    printRows(
      `latency: ${REQUESTS} sequential requests each (history: ${Math.min(REQUESTS, 100)}); req/s: autocannon, 10 connections, ${SECONDS} s`,
      runRows,
    );
    console.log(
      `\nmachine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, db: ${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"}`,
    );
  } finally {
    await server?.stop();
    await d.close();
    await stopDb();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(values.serve ? serve() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
