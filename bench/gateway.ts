/**
 * Gateway overhead (issue 6): the same chat requests straight to an upstream on loopback and through
 * Keel's gateway (a provider deployment pointing at that upstream), in one run, 200 concurrent
 * connections (autocannon), plain and streaming. Added latency = Keel's percentile - the direct one.
 *
 * Three processes: this one (load), the upstream (`--upstream`: a minimal fixed-answer
 * OpenAI-compatible server; a load fixture, not a test double), Keel's API handlers on node:http
 * (`--serve`, what `keel start` mounts). Keel logs every call as a trace (group commit), as in production.
 *
 * Usage: DATABASE_URL=postgres://... npm run bench:gateway [-- --connections 200 --seconds 10]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    upstream: { type: "boolean", default: false },
    serve: { type: "boolean", default: false },
    connections: { type: "string", default: "200" },
    seconds: { type: "string", default: "10" },
  },
});
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const ANSWER = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "bench-upstream",
  choices: [{ index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
});
const CHUNKS = ["Hel", "lo", " world"].map(
  (c, i) =>
    `data: ${JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: i ? { content: c } : { role: "assistant", content: c }, finish_reason: null }] })}\n\n`,
);
const TAIL = `data: ${JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\ndata: [DONE]\n\n`;

/** The upstream: answers at once (no model time), so every millisecond measured through Keel is Keel's. */
function upstream() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (body.includes('"stream":true')) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(CHUNKS.join("") + TAIL);
      } else res.writeHead(200, { "content-type": "application/json" }).end(ANSWER);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}

async function serve() {
  const { createDatabase } = await import("../db/client");
  const { setRuntime } = await import("../server/core/runtime");
  const { serveApi } = await import("../server/http/node");
  setRuntime(createDatabase(process.env.DATABASE_URL as string, { max: 20 }));
  // exit through process.exit so that --cpu-prof (NODE_OPTIONS) writes its profile
  process.on("SIGTERM", () => process.exit(0));
  const server = http.createServer((req, res) => {
    const served = serveApi(req, res, (req.url ?? "/").split("?")[0] ?? "/");
    if (!served) return void res.writeHead(404).end();
    served.catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}

async function child(flag: string, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; port: number }> {
  // BENCH_PROF=<dir>: a CPU profile of Keel's server process, written when it exits
  const prof = process.env.BENCH_PROF && flag === "--serve" ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROF] : [];
  const proc = spawn(process.execPath, [...prof, "--import", "tsx", fileURLToPath(import.meta.url), flag], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout?.on("data", (c) => {
    out += c;
  });
  while (!out.includes("\n")) {
    if (proc.exitCode !== null) throw new Error(`${flag} exited: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { proc, port: (JSON.parse(out.split("\n")[0] as string) as { port: number }).port };
}

interface Result {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}
async function load(url: string, body: unknown, headers: Record<string, string>): Promise<Result> {
  const r = await autocannon({
    url,
    method: "POST",
    connections: Number(values.connections),
    duration: Number(values.seconds),
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors: r.non2xx + r.errors };
}

async function main() {
  // before env.ts loads: the server child inherits it, so both seal and open provider keys alike
  process.env.KEEL_SECRET ??= randomBytes(32).toString("hex");
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error("set DATABASE_URL (a PostgreSQL server; a database keel_bench_gateway is created and dropped)");
  const { createDatabase } = await import("../db/client");
  const { maintenanceUrl } = await import("../db/embedded");
  const { migrateDatabase } = await import("../db/migrate");
  const { withDatabase } = await import("../test/helpers/global-db");
  const postgres = (await import("postgres")).default;
  const admin = postgres(maintenanceUrl(base), { max: 1, onnotice: () => {} });
  await admin.unsafe("DROP DATABASE IF EXISTS keel_bench_gateway WITH (FORCE)");
  await admin.unsafe("CREATE DATABASE keel_bench_gateway");
  const url = withDatabase(base, "keel_bench_gateway");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-gateway-"));
  const procs: ChildProcess[] = [];
  try {
    await migrateDatabase(url);
    const d = createDatabase(url);
    const { createKey, createProject, createUser, SYSTEM_ACTOR } = await import("../server/workspace");
    const { createDeployment, createProvider } = await import("../server/serving");
    const user = await createUser(d.db, SYSTEM_ACTOR, { email: "bench@keel.local", password: "bench-password" });
    const project = await createProject(d.db, SYSTEM_ACTOR, { name: "Bench", ownerUserId: user.id });
    const { key } = await createKey(
      d.db,
      { userId: user.id, keyId: null },
      { projectId: project.id, role: "owner" },
      { name: "bench", kind: "secret" },
    );
    const up = await child("--upstream");
    procs.push(up.proc);
    const upUrl = `http://127.0.0.1:${up.port}/v1`;
    await createProvider(d.db, SYSTEM_ACTOR, project.id, {
      name: "loopback",
      baseUrl: upUrl,
      apiKey: "upstream-key",
      timeoutMs: 10_000,
      maxRetries: 0,
      maxConcurrency: 1000,
    });
    await createDeployment(d.db, SYSTEM_ACTOR, project.id, {
      name: "fast",
      kind: "provider",
      task: "chat",
      provider: "loopback",
      providerModel: "bench-upstream",
      modelRef: "production",
      inputPricePer1k: 0.15,
      outputPricePer1k: 0.6,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    });
    await d.close();
    const keel = await child("--serve", { DATABASE_URL: url, KEEL_DATA_DIR: dir });
    procs.push(keel.proc);
    const chat = (model: string, stream: boolean) => ({
      model,
      messages: [{ role: "user", content: "Capital of France?" }],
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    const rows: string[] = [];
    for (const stream of [false, true]) {
      log(`direct ${stream ? "stream" : "plain"}`);
      await load(`${upUrl}/chat/completions`, chat("bench-upstream", stream), {}); // warm-up
      const direct = await load(`${upUrl}/chat/completions`, chat("bench-upstream", stream), {});
      log(`through keel ${stream ? "stream" : "plain"}`);
      await load(`http://127.0.0.1:${keel.port}/api/v1/chat/completions`, chat("fast", stream), { authorization: `Bearer ${key}` });
      const via = await load(`http://127.0.0.1:${keel.port}/api/v1/chat/completions`, chat("fast", stream), {
        authorization: `Bearer ${key}`,
      });
      rows.push(
        `| ${stream ? "streaming (SSE)" : "plain JSON"} | ${direct.p50} / ${direct.p99} | ${direct.rps.toFixed(0)} | ${via.p50} / ${via.p99} | ${via.rps.toFixed(0)} | ${(via.p50 - direct.p50).toFixed(1)} / ${(via.p99 - direct.p99).toFixed(1)} | ${direct.errors + via.errors} |`,
      );
    }
    const check = createDatabase(url);
    const [{ n } = { n: 0 }] = await check.db.execute<{ n: number }>(
      (await import("drizzle-orm")).sql`select count(*)::int as n from traces`,
    );
    await check.close();
    console.log(`\n${values.connections} connections, ${values.seconds} s each (after a warm-up run), autocannon; latency ms`);
    console.log("| request | direct p50 / p99 | direct req/s | through Keel p50 / p99 | Keel req/s | added p50 / p99 | errors |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(r);
    console.log(`traces logged by the gateway during the run: ${n}`);
    console.log(
      `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, node ${process.version}`,
    );
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    await admin.unsafe("DROP DATABASE IF EXISTS keel_bench_gateway WITH (FORCE)");
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(values.upstream ? Promise.resolve(upstream()) : values.serve ? serve() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
