/**
 * Gateway overhead (issue 6): the same chat requests straight to an upstream on loopback, through a
 * bare proxy, and through Keel's gateway (a provider deployment pointing at that upstream), in one
 * run, at 1, 10 and 200 concurrent connections, plain and streaming. Added latency = Keel's
 * percentile - the direct one; Keel - bare is what Keel costs over the least any Node proxy does.
 *
 * Four processes: this one (the load: closed-loop connections on an undici Pool, each request timed
 * with hrtime, so percentiles have microsecond precision), the upstream (`--upstream`: a minimal
 * fixed-answer OpenAI-compatible server; a load fixture, not a test double), the bare proxy (`--bare`:
 * node:http + an undici Pool, no auth, no parsing, no logging), Keel's API handlers on node:http
 * (`--serve`, what `keel start` mounts). Keel logs every call as a trace (group commit), as in production.
 *
 * `--prompt` adds Keel answering a prompt call (issue 20: `prompt_id` + `prompt_variables`, its version
 * rendered before the request's message) on the same server in the same run, and a second table of
 * what the prompt costs over the same call without one.
 *
 * `--limits` adds the same call with a secret key that has gateway limits (issue 20: rpm, tpm, a hard
 * budget and allowed deployments, none of which it reaches), beside the plain key on the same server.
 * `--before DIR` adds a second Keel server started from another checkout (say, the commit before a
 * change, with its node_modules), on the same database and upstream, so before and after are timed
 * cell by cell in one run; a third table compares them.
 *
 * Usage: DATABASE_URL=postgres://... npm run bench:gateway [-- --connections 1,10,200 --seconds 5 --prompt --limits --before DIR]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    upstream: { type: "boolean", default: false },
    serve: { type: "boolean", default: false },
    bare: { type: "boolean", default: false },
    connections: { type: "string", default: "1,10,200" },
    seconds: { type: "string", default: "5" },
    prompt: { type: "boolean", default: false },
    limits: { type: "boolean", default: false },
    before: { type: "string" },
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

/** The floor: the least a Node proxy does (read the body, one undici call, send the answer back). */
function bare(upstreamPort: number) {
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 1000 });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const up = await pool.request({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json" },
      body: Buffer.concat(chunks),
    });
    res.writeHead(up.statusCode, { "content-type": String(up.headers["content-type"]) });
    up.body.pipe(res);
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
    if (req.url === "/__cpu") {
      // the bench reads this process's CPU time around each run: Keel's own cost per call
      const u = process.cpuUsage();
      return void res.writeHead(200).end(String((u.user + u.system) / 1000));
    }
    const served = serveApi(req, res, (req.url ?? "/").split("?")[0] ?? "/");
    if (!served) return void res.writeHead(404).end();
    served.catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}

async function child(
  flag: string,
  env: Record<string, string> = {},
  args: string[] = [],
  /** another checkout's root: run its bench/gateway.ts (`--before`) */
  root?: string,
): Promise<{ proc: ChildProcess; port: number }> {
  // BENCH_PROF=<dir>: a CPU profile of Keel's server process, written when it exits
  const prof = process.env.BENCH_PROF && flag === "--serve" ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROF] : [];
  const script = root ? path.join(root, "bench", "gateway.ts") : fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [...prof, "--import", "tsx", script, flag, ...args], {
    cwd: root ?? path.resolve(import.meta.dirname, ".."),
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

/**
 * Closed-loop load: `connections` loops, each sending the next request when the last answer (the
 * whole body, every SSE event) is in, for `seconds`; latency per request in ms (hrtime).
 */
async function load(url: string, body: unknown, headers: Record<string, string>, connections: number, seconds: number): Promise<Result> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1 });
  const payload = JSON.stringify(body);
  const h = { "content-type": "application/json", ...headers };
  const lat: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t0 = process.hrtime.bigint();
        try {
          const r = await pool.request({ method: "POST", path: u.pathname, headers: h, body: payload });
          for await (const _ of r.body) {
            // read every byte (SSE events included) before the clock stops
          }
          if (r.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  await pool.close();
  lat.sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), rps: lat.length / seconds, errors };
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
    const { setInstanceSetting, SYSTEM_ACTOR } = await import("../server/workspace");
    const { schema } = await import("../db/client");
    const { seedLoopbackChat } = await import("./fixtures");
    const up = await child("--upstream");
    procs.push(up.proc);
    const upUrl = `http://127.0.0.1:${up.port}/v1`;
    // the upstream is on loopback, which the egress policy refuses unless allowed
    await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
    const { key } = await seedLoopbackChat(d.db, {
      email: "bench@keel.local",
      password: "bench-password",
      project: { name: "Bench" },
      keyName: "bench",
      upstreamUrl: upUrl,
    });
    let limitedKey = "";
    if (values.limits) {
      const { createKey } = await import("../server/workspace");
      const [owner] = await d.db
        .select({ userId: schema.memberships.userId, projectId: schema.memberships.projectId })
        .from(schema.memberships);
      if (!owner) throw new Error("the bench project has no member");
      limitedKey = (
        await createKey(
          d.db,
          { userId: owner.userId, keyId: null },
          { projectId: owner.projectId, role: "owner" },
          // limits the run never reaches: the cost measured is the checks and counting, not refusals
          { name: "bench limited", kind: "secret", rpm: 10_000_000, tpm: 1_000_000_000, budgetUsd: 1_000_000, allowedModels: ["fast"] },
        )
      ).key;
    }
    await d.close();
    const keel = await child("--serve", { DATABASE_URL: url, KEEL_DATA_DIR: dir });
    procs.push(keel.proc);
    const before = values.before
      ? await child("--serve", { DATABASE_URL: url, KEEL_DATA_DIR: dir }, [], path.resolve(values.before))
      : null;
    if (before) procs.push(before.proc);
    const chat = (model: string, stream: boolean) => ({
      model,
      messages: [{ role: "user", content: "Capital of France?" }],
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    const bareProxy = await child("--bare", {}, [String(up.port)]);
    procs.push(bareProxy.proc);
    const targets: Record<string, { url: string; model: string; headers: Record<string, string>; extra?: Record<string, unknown> }> = {
      direct: { url: `${upUrl}/chat/completions`, model: "bench-upstream", headers: {} },
      bare: { url: `http://127.0.0.1:${bareProxy.port}/v1/chat/completions`, model: "bench-upstream", headers: {} },
      keel: { url: `http://127.0.0.1:${keel.port}/api/v1/chat/completions`, model: "fast", headers: { authorization: `Bearer ${key}` } },
    };
    if (before)
      targets.before = {
        url: `http://127.0.0.1:${before.port}/api/v1/chat/completions`,
        model: "fast",
        headers: { authorization: `Bearer ${key}` },
      };
    if (limitedKey) targets.limited = { ...(targets.keel as (typeof targets)["keel"]), headers: { authorization: `Bearer ${limitedKey}` } };
    if (values.prompt) {
      const made = await fetch(`http://127.0.0.1:${keel.port}/api/v1/prompts`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "bench",
          messages: [{ role: "system", content: "Answer in one word for {{audience}}." }],
          config: { temperature: 0 },
          labels: ["production"],
        }),
      });
      if (made.status !== 201) throw new Error(`the bench prompt was not created: ${made.status} ${await made.text()}`);
      targets.prompt = {
        ...(targets.keel as (typeof targets)["keel"]),
        extra: { prompt_id: "bench", prompt_variables: { audience: "pupils" } },
      };
    }
    const promptRows: string[] = [];
    const cpuOf = async (port: number) => Number(await (await fetch(`http://127.0.0.1:${port}/__cpu`)).text());
    let keelCpu = 0;
    const beforeRows: string[] = [];
    const cpus: Record<string, number> = {};
    const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
    const rows: string[] = [];
    for (const connections of values.connections.split(",").map(Number)) {
      for (const stream of [false, true]) {
        const r: Record<string, Result> = {};
        for (const [name, t] of Object.entries(targets)) {
          log(`${name}, ${connections} connections, ${stream ? "stream" : "plain"}`);
          const req = { ...chat(t.model, stream), ...t.extra };
          await load(t.url, req, t.headers, connections, 1); // warm-up
          const port = name === "before" ? before?.port : ["keel", "prompt", "limited"].includes(name) ? keel.port : undefined;
          const cpu0 = port ? await cpuOf(port) : 0;
          r[name] = await load(t.url, req, t.headers, connections, Number(values.seconds));
          const cpu = port ? ((await cpuOf(port)) - cpu0) / ((r[name] as Result).rps * Number(values.seconds)) : 0;
          cpus[name] = cpu;
          if (name === "keel") keelCpu = cpu;
          if (name === "prompt") {
            const [k, p] = [r.keel as Result, r.prompt as Result];
            promptRows.push(
              `| ${connections} | ${stream ? "SSE" : "JSON"} | ${f(k.p50)} / ${f(k.p99)} | ${k.rps.toFixed(0)} | ${f(p.p50)} / ${f(p.p99)} | ${p.rps.toFixed(0)} | **${f(p.p50 - k.p50)} / ${f(p.p99 - k.p99)}** | ${keelCpu.toFixed(3)} / ${cpu.toFixed(3)} | ${p.errors} |`,
            );
          }
        }
        if (before || limitedKey) {
          const cell = (x: Result | undefined) => (x ? `${f(x.p50)} / ${f(x.p99)} | ${x.rps.toFixed(0)}` : "- | -");
          const [bf, k, l] = [r.before, r.keel as Result, r.limited];
          const ratio = (x: Result | undefined) => (x ? `${(x.rps / k.rps).toFixed(2)}x` : "-");
          beforeRows.push(
            `| ${connections} | ${stream ? "SSE" : "JSON"} | ${cell(bf)} | ${cell(k)} | ${cell(l)} | ${bf ? `${(k.rps / bf.rps).toFixed(2)}x` : "-"} | ${ratio(l)} | ${[cpus.before, cpus.keel, cpus.limited].map((c) => (c === undefined ? "-" : c.toFixed(3))).join(" / ")} | ${(bf?.errors ?? 0) + (l?.errors ?? 0)} |`,
          );
        }
        const { direct, bare: b, keel: k } = r as Record<"direct" | "bare" | "keel", Result>;
        rows.push(
          `| ${connections} | ${stream ? "SSE" : "JSON"} | ${f(direct.p50)} / ${f(direct.p99)} | ${direct.rps.toFixed(0)} | ${f(b.p50)} / ${f(b.p99)} | ${b.rps.toFixed(0)} | ${f(k.p50)} / ${f(k.p99)} | ${k.rps.toFixed(0)} | **${f(k.p50 - direct.p50)} / ${f(k.p99 - direct.p99)}** | ${f(k.p50 - b.p50)} / ${f(k.p99 - b.p99)} | ${keelCpu.toFixed(3)} | ${direct.errors + b.errors + k.errors} |`,
        );
      }
    }
    const check = createDatabase(url);
    const [{ n } = { n: 0 }] = await check.db.execute<{ n: number }>(
      (await import("drizzle-orm")).sql`select count(*)::int as n from traces`,
    );
    await check.close();
    console.log(`\n${values.seconds} s per cell after a 1 s warm-up; closed-loop connections; latency ms (hrtime)`);
    console.log(
      "| conns | body | direct p50 / p99 | direct req/s | bare proxy p50 / p99 | bare req/s | Keel p50 / p99 | Keel req/s | added by Keel p50 / p99 | Keel - bare p50 / p99 | Keel CPU ms per call | errors |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(r);
    if (promptRows.length) {
      console.log("\nthe same Keel server, a call without and with prompt_id (its version cached in process after the first fetch)");
      console.log(
        "| conns | body | Keel p50 / p99 | Keel req/s | prompt_id p50 / p99 | prompt_id req/s | added by prompt_id p50 / p99 | CPU ms per call without / with | errors |",
      );
      console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const r of promptRows) console.log(r);
    }
    if (beforeRows.length) {
      console.log(
        `\nbefore (${values.before ?? "not run"}) and after (this checkout), the plain key, and after with a limited key (rpm, tpm, budget, allowed models)`,
      );
      console.log(
        "| conns | body | before p50 / p99 | before req/s | after p50 / p99 | after req/s | limited key p50 / p99 | limited req/s | req/s after / before | req/s limited / plain | CPU ms per call before / after / limited | errors |",
      );
      console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const r of beforeRows) console.log(r);
    }
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

(values.upstream
  ? Promise.resolve(upstream())
  : values.bare
    ? Promise.resolve(bare(Number(positionals[0])))
    : values.serve
      ? serve()
      : main()
).catch((err) => {
  console.error(err);
  process.exit(1);
});
