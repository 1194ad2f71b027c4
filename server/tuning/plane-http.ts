import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebStream } from "node:stream/web";
import { dataDir } from "../../env";
import { logger } from "../core/logger";
import type { ControlPlane } from "./control-plane";
import type { Example } from "./data";
import type { TuningJob } from "./jobs";
import type { Lease } from "./lease";
import { type BaseRef, Stop } from "./result";

/**
 * The control plane of a remote worker: Keel's HTTP API (/api/v1/workers/...) with a `wk_` token,
 * nothing else. Calls that must land (the result, a failure, downloads) are retried with backoff
 * while the network or the server is away; log batches are kept by the loop and sent again; the
 * trainer never waits on the network.
 */
export interface HttpPlaneOptions {
  /** Keel's base URL, e.g. https://keel.example */
  server: string;
  token: string;
  /** where downloaded base models are kept (by version id); default <data dir>/worker-cache */
  cacheDir?: string;
  /** how long a call that must land is retried before it gives up (default 15 minutes) */
  retryForMs?: number;
  /** the claim's long poll, seconds (default 20) */
  claimWaitS?: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DATES = ["createdAt", "startedAt", "finishedAt", "cancelRequestedAt", "settledAt"] as const;
/** A job row as JSON, with its dates as Dates again. */
const revive = (job: Record<string, unknown>): TuningJob => {
  const out: Record<string, unknown> = { ...job };
  for (const k of DATES) if (typeof out[k] === "string") out[k] = new Date(out[k] as string);
  return out as unknown as TuningJob;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Worth another try: the network, a timeout, or the server's 5xx / 429. */
const transient = (err: unknown) => !(err instanceof HttpError) || err.status >= 500 || err.status === 429;

export function httpPlane(opts: HttpPlaneOptions): ControlPlane & { workerId: () => string } {
  const base = opts.server.replace(/\/+$/, "");
  const cacheRoot = opts.cacheDir ?? path.join(dataDir(), "worker-cache");
  const retryForMs = opts.retryForMs ?? 15 * 60_000;
  const log = logger.child({ component: "remote-worker" });
  let workerId = "";
  let current: Lease | null = null;
  let state: "cancel" | "lost" | null = null;
  const auth = { authorization: `Bearer ${opts.token}` };
  const leasePath = (l: Lease) => `/api/v1/workers/${workerId}/jobs/${l.jobId}/attempts/${l.attempt}`;

  async function call(method: string, p: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${base}${p}`, {
      method,
      ...init,
      headers: { ...auth, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(init.headers ?? {}) },
      body: body !== undefined ? JSON.stringify(body) : init.body,
    });
    if (res.status >= 400) {
      const text = await res.text().catch(() => "");
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {}
      throw new HttpError(res.status, `${method} ${p}: ${res.status} ${message}`);
    }
    return res;
  }
  const callJson = async <T>(method: string, p: string, body?: unknown): Promise<T> => (await call(method, p, body)).json() as Promise<T>;

  /** Retry `fn` while its failure is transient, for up to retryForMs. */
  async function landed<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const until = Date.now() + retryForMs;
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (!transient(err) || Date.now() > until) throw err;
        log.warn({ err: String(err), attempt: i + 1 }, `${what}: retrying`);
        await sleep(Math.min(10_000, 250 * 2 ** Math.min(i, 6)));
      }
    }
  }

  /** A file downloaded whole, resumed with Range after a broken connection, checked against the sha256 it must have. */
  async function download(p: string, dest: string, sha256?: string): Promise<string> {
    const part = `${dest}.part-${randomUUID()}`;
    try {
      let expected = sha256 ?? null;
      await landed(`download ${p}`, async () => {
        const have = fs.existsSync(part) ? (await fsp.stat(part)).size : 0;
        const res = await call("GET", p, undefined, { headers: have ? { range: `bytes=${have}-` } : {} });
        expected ??= res.headers.get("x-content-sha256");
        const append = have > 0 && res.status === 206;
        if (!res.body) throw new Error(`${p}: no body`);
        await pipeline(Readable.fromWeb(res.body as WebStream), fs.createWriteStream(part, { flags: append ? "a" : "w" }));
      });
      const hash = createHash("sha256");
      await pipeline(fs.createReadStream(part), hash);
      const got = hash.digest("hex");
      if (expected && got !== expected) throw new Error(`${p}: sha256 ${got}, expected ${expected}`);
      await fsp.rename(part, dest);
      return got;
    } finally {
      await fsp.rm(part, { force: true });
    }
  }

  return {
    remote: true,
    workerId: () => workerId,
    async register(info) {
      const res = await landed("register", () => callJson<{ workerId: string }>("POST", "/api/v1/workers/register", info));
      workerId = res.workerId;
      return workerId;
    },
    async heartbeat(currentJobId) {
      const job = current && current.jobId === currentJobId ? { id: current.jobId, attempt: current.attempt } : null;
      const res = await callJson<{ job: { state: "running" | "cancel" | "lost" } | null }>(
        "POST",
        `/api/v1/workers/${workerId}/heartbeat`,
        { job },
      );
      if (job && current?.jobId === job.id) state = res.job?.state === "running" ? null : (res.job?.state ?? null);
    },
    async claim() {
      const res = await call("POST", `/api/v1/workers/${workerId}/claim`, { waitS: opts.claimWaitS ?? 20 });
      if (res.status === 204) return null;
      const { lease } = (await res.json()) as { lease: Lease };
      current = lease;
      state = null;
      return lease;
    },
    async start(lease) {
      try {
        const res = await landed("start", () =>
          callJson<{ job: Record<string, unknown>; runId: string; base: BaseRef }>("POST", `${leasePath(lease)}/start`, {}),
        );
        return { ...res, job: revive(res.job) };
      } catch (err) {
        if (err instanceof HttpError && err.status === 409) return null;
        throw err;
      }
    },
    async baseDir(lease, b) {
      const final = path.join(cacheRoot, b.id);
      if (fs.existsSync(final)) return final;
      const { files } = await landed("base files", () =>
        callJson<{ files: { path: string; sha256: string; size: number }[] }>("GET", `${leasePath(lease)}/base`),
      );
      const tmp = path.join(cacheRoot, `.tmp-${b.id}-${randomUUID()}`);
      await fsp.mkdir(tmp, { recursive: true });
      try {
        for (const f of files) {
          if (f.path.split("/").some((s) => s === ".." || s === "")) throw new Error(`unsafe artifact path ${f.path}`);
          const dest = path.join(tmp, ...f.path.split("/"));
          await fsp.mkdir(path.dirname(dest), { recursive: true });
          await download(`${leasePath(lease)}/base/${f.path.split("/").map(encodeURIComponent).join("/")}`, dest, f.sha256);
        }
        await fsp.rename(tmp, final).catch(async (err) => {
          if (!fs.existsSync(final)) throw err; // another job of this worker finished first
        });
        return final;
      } finally {
        await fsp.rm(tmp, { recursive: true, force: true });
      }
    },
    async examples(lease) {
      await fsp.mkdir(cacheRoot, { recursive: true });
      const file = path.join(cacheRoot, `examples-${lease.jobId}-${randomUUID()}.jsonl`);
      try {
        await download(`${leasePath(lease)}/examples`, file);
        const text = await fsp.readFile(file, "utf8");
        return text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Example);
      } finally {
        await fsp.rm(file, { force: true });
      }
    },
    async report(lease, report) {
      await call("POST", `${leasePath(lease)}/report`, report);
    },
    async state(lease) {
      return current?.jobId === lease.jobId ? state : null;
    },
    async complete(lease, dir, out, _say, _signal) {
      const rels = (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
        .map((rel) => rel.split(path.sep).join("/"))
        .sort();
      const shas: string[] = [];
      for (const rel of rels) {
        const hash = createHash("sha256");
        await pipeline(fs.createReadStream(path.join(dir, rel)), hash);
        shas.push(hash.digest("hex"));
      }
      try {
        const res = await landed("result upload", async () => {
          // a new form each try: its file parts stream from disk
          const form = new FormData();
          form.append("meta", JSON.stringify(out));
          for (const [i, rel] of rels.entries()) {
            form.append("file", await fs.openAsBlob(path.join(dir, rel)), rel);
            form.append("sha256", shas[i] as string);
          }
          const up = await call("POST", `${leasePath(lease)}/result`, undefined, { body: form });
          return (await up.json()) as { version: { id: string; model: string; version: number } };
        });
        return { ...res.version, replay: false };
      } catch (err) {
        if (err instanceof HttpError && err.status === 409) throw new Stop(err.message, "lost");
        throw err;
      }
    },
    async fail(lease, outcome) {
      try {
        await landed("failure report", () => call("POST", `${leasePath(lease)}/fail`, outcome));
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 409)) throw err;
      }
    },
    async stopped() {
      await call("POST", `/api/v1/workers/${workerId}/heartbeat`, { job: null, stopped: true });
    },
  };
}
