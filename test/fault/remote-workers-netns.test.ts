import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { makeNamespaces, type Namespaces, type NsProcess, netnsUnavailable, spawnInNs, tcpFrom } from "./netns";

/**
 * Remote workers as a deployment runs them: an embedded PostgreSQL and Keel's web process (HOST set to
 * its address, KEEL_START_WORKER=0) in network namespace A, and two `keel worker --server URL --token
 * wk_...` in namespaces B and C, given only the web address: no DATABASE_URL, no shared artifact
 * directory, and PostgreSQL (on A's loopback) out of their reach. A head job queued through the API is
 * claimed by one worker, which is frozen (SIGSTOP) and killed (SIGKILL) mid-job; its lease expires (no
 * heartbeat for 15 s, then the surviving worker's claims reap it) and the job finishes once, on the other worker, its version
 * registered with lineage (job -> version, base version -> version).
 *
 * Root only (network namespaces); CI runs as root, so there a missing capability fails the file rather
 * than skipping it.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const KEEL = path.join(ROOT, "bin/keel.mjs");
const unavailable = netnsUnavailable();
const mustRun = Boolean(process.env.CI);

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `keel-netns-${name}-`));
  dirs.push(d);
  return d;
};
let net: Namespaces | undefined;
const procs: NsProcess[] = [];
let server: NsProcess;
let web: NsProcess;
let seed: { pgPort: number; projectId: string; key: string; token: string };
let url = "";

/** the web process's address from the root namespace (the bridge reaches A's listener, not its loopback) */
const trpc = async <T>(proc: string, input: Record<string, unknown>, method: "GET" | "POST" = "GET"): Promise<T> => {
  const headers = { authorization: `Bearer ${seed.key}`, "content-type": "application/json" };
  const res =
    method === "GET"
      ? await fetch(`${url}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers })
      : await fetch(`${url}/api/trpc/${proc}`, { method, headers, body: JSON.stringify({ json: input }) });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${proc}: ${res.status} ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
};
const rest = async <T>(p: string): Promise<T> => {
  const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${seed.key}` } });
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

interface Job {
  id: string;
  status: string;
  attempt: number;
  error: string | null;
  baseVersionId: string;
  resultVersionId: string | null;
  base: { model: string; version: number };
  result: { model: string; version: number } | null;
  worker: { id: string; name: string; remote: boolean } | null;
}

const remoteWorker = async (name: "b" | "c") => {
  const ns = net?.ns[name]?.ns as string;
  const w = await spawnInNs(
    ns,
    [process.execPath, KEEL, "worker", "--server", url, "--token", seed.token, "--name", `netns-${name}`, "--json"],
    // nothing of the server's side: no database, no artifact directory, a data dir (its model cache) of its own
    {
      DATABASE_URL: undefined,
      KEEL_ARTIFACTS_DIR: undefined,
      KEEL_DATA_DIR: tmp(`worker-${name}`),
      LOG_LEVEL: "info",
      NODE_ENV: "production",
    },
    "workerId",
  );
  procs.push(w);
  return w;
};

beforeAll(async () => {
  if (unavailable) return;
  net = makeNamespaces(["a", "b", "c"]);
  const a = net.ns.a as { ns: string; addr: string };
  server = await spawnInNs(
    a.ns,
    [process.execPath, "--import", "tsx", path.join(import.meta.dirname, "netns-server.ts"), tmp("pg")],
    {},
    "token",
  );
  procs.push(server);
  seed = server.ready as typeof seed;
  web = await spawnInNs(
    a.ns,
    [process.execPath, KEEL, "start", "--api-only", "--json"],
    {
      DATABASE_URL: server.ready.databaseUrl as string,
      HOST: a.addr,
      PORT: "0",
      KEEL_START_WORKER: "0",
      KEEL_DEMO: "0",
      KEEL_DATA_DIR: tmp("web"),
      LOG_LEVEL: "info",
      NODE_ENV: "production",
    },
    "url",
  );
  procs.push(web);
  url = web.ready.url as string;
});

afterAll(async () => {
  for (const p of procs.reverse()) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    p.child.kill("SIGCONT");
    // the PostgreSQL helper stops its server on SIGTERM; the rest are killed outright
    p.child.kill(p === server ? "SIGTERM" : "SIGKILL");
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  }
  net?.teardown();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(unavailable && !mustRun)(`remote workers in network namespaces${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("can run here (CI runs as root)", () => {
    expect(unavailable).toBeNull();
  });

  it("workers reach only the web address; one killed mid-job, the job finishes once on the other", async () => {
    const a = net?.ns.a as { ns: string; addr: string };
    expect(url).toBe(`http://${a.addr}:${web.ready.port}`);
    // PostgreSQL listens on A's loopback: from B its port is closed, while the web port answers
    expect(tcpFrom(net?.ns.b?.ns as string, a.addr, seed.pgPort)).toMatch(/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH/);
    expect(tcpFrom(net?.ns.b?.ns as string, a.addr, Number(web.ready.port))).toBe("connected");
    expect(tcpFrom(a.ns, "127.0.0.1", seed.pgPort)).toBe("connected");

    const b = await remoteWorker("b");
    const c = await remoteWorker("c");
    const byId = new Map([
      [b.ready.workerId as string, b],
      [c.ready.workerId as string, c],
    ]);

    const created = await trpc<{ id: string }>(
      "tuning.create",
      {
        projectId: seed.projectId,
        method: "head",
        base: { model: "tiny-bert-embed" },
        dataset: { name: "words" },
        hyperparameters: { epochs: 30 },
        seed: 1,
      },
      "POST",
    );
    const get = () => trpc<Job>("tuning.get", { projectId: seed.projectId, job: created.id });
    const claimed = await waitFor(
      "a remote worker to claim the job",
      async () => {
        const j = await get();
        return j.worker && ["assigned", "running"].includes(j.status) ? j : null;
      },
      60_000,
    );
    const first = byId.get(claimed.worker?.id as string);
    expect(first, `claimed by ${claimed.worker?.id}, not one of ours`).toBeDefined();
    expect(claimed.worker?.remote).toBe(true);
    // frozen at once (the job cannot finish meanwhile), then killed
    first?.child.kill("SIGSTOP");
    const killedAt = Date.now();
    first?.child.kill("SIGKILL");
    await first?.exited;
    const other = first === b ? c : b;

    const done = await waitFor(
      "the job to finish on the other worker",
      async () => {
        const j = await get();
        if (["failed", "cancelled"].includes(j.status)) throw new Error(`job ${j.status}: ${j.error}\n${other.output()}`);
        return j.status === "succeeded" ? j : null;
      },
      120_000,
    );
    console.log(
      `[fault] remote worker killed mid-job: finished on the other ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(done).toMatchObject({ attempt: 2, error: null, worker: { id: other.ready.workerId, remote: true } });
    expect(other.child.exitCode).toBeNull();

    const logs = await trpc<{ attempt: number; line: string }[]>("tuning.logs", {
      projectId: seed.projectId,
      job: created.id,
      limit: 5000,
    });
    expect(logs.some((l) => l.line.includes("worker lost (no heartbeat); job requeued"))).toBe(true);
    // registered once: one "registered" line, and the output model has one version, made by this job
    expect(logs.filter((l) => l.line.startsWith("registered ")).map((l) => l.attempt)).toEqual([2]);
    const model = encodeURIComponent(done.result?.model as string);
    const versions = await rest<{ items?: unknown[] } | unknown[]>(`/api/v1/registry/models/${model}/versions`);
    expect(Array.isArray(versions) ? versions : versions.items).toHaveLength(1);
    const lineage = await rest<{ nodes: { id: string; kind: string }[]; edges: { from: string; to: string; label?: string }[] }>(
      `/api/v1/registry/models/${model}/versions/${done.result?.version}/lineage`,
    );
    const self = lineage.nodes.find((n) => n.kind === "version")?.id;
    expect(lineage.nodes).toContainEqual(expect.objectContaining({ id: `job:${done.id}`, kind: "job" }));
    expect(lineage.nodes).toContainEqual(expect.objectContaining({ id: `version:${done.baseVersionId}`, kind: "parent" }));
    expect(lineage.edges).toContainEqual(expect.objectContaining({ from: `job:${done.id}`, to: self, label: "produced" }));
    expect(lineage.edges).toContainEqual(expect.objectContaining({ from: `version:${done.baseVersionId}`, label: "base" }));
  });
});
