/**
 * Keel benchmarks (figures go to BENCHMARKS.md with the command and machine):
 *   cold start: `keel start` to the first 200 on /api/health, fresh data dir and warm (existing data dir)
 *   load: /api/health and one authenticated tRPC query at 50 connections (autocannon), against a
 *         bare node:http server answering the same JSON as the baseline, all in this one command.
 * Usage: npm run bench [-- --seconds 10 --runs 3]
 * Uses DATABASE_URL when set (a fresh database per cold start), else the embedded server.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { ensureBuilt } from "../cli/web";
import { startKeel } from "./keel-process";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, runs: { type: "string", default: "3" } } });
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);

type Started = Awaited<ReturnType<typeof startKeel>>;
const start = (dataDir: string) => startKeel(dataDir);
const stop = (s: Started) => s.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function load(name: string, url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: 50, duration: SECONDS, headers });
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

async function main() {
  ensureBuilt((m) => console.error(m));
  const fresh: number[] = [];
  const warm: number[] = [];
  const dirs: string[] = [];
  let key = ""; // the demo key is printed once, on a data dir's first start
  for (let i = 0; i < RUNS; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-"));
    dirs.push(dir);
    const s = await start(dir);
    fresh.push(s.ms);
    if (i === 0) key = s.key;
    await stop(s);
    const w = await start(dir);
    warm.push(w.ms);
    await stop(w);
  }
  console.log(`cold start, fresh data dir: median ${median(fresh).toFixed(0)} ms (runs: ${fresh.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`cold start, warm data dir:  median ${median(warm).toFixed(0)} ms (runs: ${warm.map((x) => x.toFixed(0)).join(", ")})`);

  // Load: the baseline is a bare node:http server answering a JSON body of the same size.
  const s = await start(dirs[0] as string);
  const healthBody = await (await fetch(`${s.url}/api/health`)).text();
  const base = http.createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(healthBody));
  await new Promise<void>((r) => base.listen(0, "127.0.0.1", () => r()));
  const basePort = (base.address() as { port: number }).port;
  const input = encodeURIComponent(JSON.stringify({ json: { projectId: "demo" } }));
  const results = [
    await load("baseline node:http (same JSON)", `http://127.0.0.1:${basePort}/`),
    await load("GET /api/v1/unknown (404, no database)", `${s.url}/api/v1/unknown`),
    await load("GET /api/health", `${s.url}/api/health`),
    await load("tRPC workspace.projects.get (Bearer sk_)", `${s.url}/api/trpc/workspace.projects.get?input=${input}`, {
      authorization: `Bearer ${key}`,
    }),
  ];
  base.close();
  await stop(s);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  const baseRps = results[0]?.rps ?? 1;
  console.log(`\nload: 50 connections, ${SECONDS}s each, autocannon in this process (same machine as the server)`);
  console.log("| target | req/s | p50 ms | p99 ms | non-2xx | vs baseline |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of results) console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${(r.rps / baseRps).toFixed(3)}x |`);
  console.log(
    `\nmachine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, db: ${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
