import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DomainError } from "../core/errors";
import { logger } from "../core/logger";
import { type DatasetFormat, type DatasetRow, type ParsedDataset, type ParseOptions, parseDataset } from "./parse";
import type { NextSlice, ParseJob, ParseMessage } from "./parse-thread";

/**
 * Dataset uploads parsed off the web event loop. A 1 M-row CSV took the web thread for seconds
 * (decode, parse, the JSON rule, hashing) and stalled every other request; here that work runs in
 * worker threads (parse-thread.ts, the same parse.ts), at most `maxActive` at once per process, with
 * `maxWaiting` more queued and the rest answered 429. Small files are parsed inline: a worker's
 * start (tsx loader and imports, about half a second) would cost more than their parse.
 *
 * Where the worker entry cannot be found or fails to start (a bundled `next dev` route, where
 * import.meta.url is the bundle's), it parses inline and says so once in the log.
 */
const ENTRY = (() => {
  try {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "parse-worker.mjs");
    return fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
})();

export interface ParsePoolOptions {
  maxActive: number;
  maxWaiting: number;
  /** bodies below this many bytes are parsed inline */
  inlineBelow: number;
  /** an idle worker is ended after this long */
  idleMs: number;
}

interface Pooled {
  worker: Worker;
  timer?: NodeJS.Timeout;
}

export class ParsePool {
  readonly stats = { worker: 0, inline: 0 };
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: Pooled[] = [];
  private broken = false;

  constructor(readonly opts: ParsePoolOptions) {}

  /** Parse (and hash) an upload; a DomainError names the line and field as parseDataset does. */
  async parse(bytes: Uint8Array, format: DatasetFormat, opts: ParseOptions = {}): Promise<ParsedDataset> {
    if (bytes.byteLength < this.opts.inlineBelow || !ENTRY || this.broken) {
      this.stats.inline++;
      return parseDataset(bytes, format, opts);
    }
    await this.acquire();
    try {
      let pooled: Pooled;
      try {
        pooled = await this.take();
      } catch (err) {
        if (!this.broken) logger.warn({ err }, "dataset parse worker unavailable; parsing uploads on the web thread");
        this.broken = true;
        this.stats.inline++;
        return parseDataset(bytes, format, opts);
      }
      this.stats.worker++;
      try {
        const result = await this.run(pooled, { kind: "job", bytes, format, opts });
        this.give(pooled);
        return result;
      } catch (err) {
        // a refused file leaves the worker well; any other failure ended it (run)
        if (err instanceof DomainError) this.give(pooled);
        throw err;
      }
    } finally {
      this.release();
    }
  }

  /** End the idle workers (tests, shutdown). */
  async close(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(
      all.map((p) => {
        clearTimeout(p.timer);
        return p.worker.terminate();
      }),
    );
  }

  private async acquire(): Promise<void> {
    if (this.active < this.opts.maxActive) {
      this.active++;
      return;
    }
    if (this.waiting.length >= this.opts.maxWaiting)
      throw new DomainError(
        "TOO_MANY_REQUESTS",
        `${this.opts.maxActive + this.waiting.length} dataset uploads are being parsed on this server; retry in a few seconds`,
      );
    // the releasing parse hands its slot over: `active` stays as it is
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** An idle worker, or a new one once it has loaded its modules. */
  private async take(): Promise<Pooled> {
    const reused = this.idle.pop();
    if (reused) {
      clearTimeout(reused.timer);
      reused.worker.ref();
      return reused;
    }
    const worker = new Worker(ENTRY as string);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { kind?: string }) => {
        if (m?.kind !== "ready") return;
        off();
        resolve();
      };
      const onError = (err: Error) => {
        off();
        reject(err);
      };
      const onExit = (code: number) => onError(new Error(`the parse worker exited with code ${code} while starting`));
      const off = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
    return { worker };
  }

  /** Back to the idle list, unref'd (an idle worker never keeps the process alive), ended after idleMs. */
  private give(p: Pooled): void {
    p.worker.unref();
    p.timer = setTimeout(() => {
      const i = this.idle.indexOf(p);
      if (i >= 0) this.idle.splice(i, 1);
      void p.worker.terminate();
    }, this.opts.idleMs);
    p.timer.unref();
    this.idle.push(p);
  }

  private run(p: Pooled, job: ParseJob): Promise<ParsedDataset> {
    const { bytes } = job;
    // hand the bytes over without a copy when the buffer is the upload's own (Buffer.concat's is, above 4 kB)
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const sent = own ? bytes : new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      const rows: DatasetRow[] = [];
      const hashes: string[] = [];
      const off = () => {
        p.worker.off("message", onMessage);
        p.worker.off("error", onFailure);
        p.worker.off("exit", onExit);
      };
      const onMessage = (m: ParseMessage) => {
        if (m.kind === "rows") {
          for (const r of m.rows) rows.push(r);
          for (const h of m.hashes) hashes.push(h);
          // ask for the next slice only after other callbacks had their turn (parse-thread.ts)
          setImmediate(() => p.worker.postMessage({ kind: "next" } satisfies NextSlice));
        } else if (m.kind === "done") {
          off();
          resolve({ rows, columns: m.columns, hashes: { rows: hashes, content: m.content } });
        } else {
          off();
          reject(m.code === "INTERNAL_SERVER_ERROR" ? new Error(m.message) : new DomainError(m.code, m.message, m.field));
        }
      };
      // a worker that failed (out of memory, say) is not reused: it is gone or going
      const onFailure = (err: Error) => {
        off();
        void p.worker.terminate();
        reject(err);
      };
      const onExit = (code: number) => onFailure(new Error(`the dataset parse worker exited with code ${code}`));
      p.worker.on("message", onMessage);
      p.worker.on("error", onFailure);
      p.worker.on("exit", onExit);
      p.worker.postMessage({ ...job, bytes: sent }, [sent.buffer as ArrayBuffer]);
    });
  }
}

/** The process's pool: two parses at once, eight waiting, files from 256 kB go to a worker. */
export const uploadParser = new ParsePool({ maxActive: 2, maxWaiting: 8, inlineBelow: 256 * 1024, idleMs: 30_000 });
