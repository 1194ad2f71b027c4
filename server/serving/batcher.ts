/**
 * Dynamic batching: calls submitted to one batcher within `windowMs` of the first waiting call, up
 * to `maxBatch`, run as one call of `run` (which must return one result per item, in order). One
 * batch runs at a time per batcher; calls that arrive while a batch runs wait, and go as the next
 * batch as soon as it ends (they have waited long enough). A failed batch rejects each of its callers
 * with the error. Each result says how big its batch was and how long it waited (ms) before it ran.
 *
 * Adaptive (default): while traffic is quiet (no calls overlapped in the last second) a call does
 * not wait out the window, only for the calls made in the same turn of the event loop, so a lone
 * caller pays no window; once calls overlap, the window applies again.
 */
/** No overlapping calls for this long (ms): traffic is quiet. */
const QUIET_MS = 1000;

export interface Batched<O> {
  result: O;
  batchSize: number;
  waitMs: number;
}

export interface BatcherOptions<I, O> {
  run: (items: I[]) => Promise<O[]>;
  /**
   * how long the first waiting call waits for company, ms (default 5); 0: it goes on the next turn of
   * the event loop with whatever was submitted in the same turn (a lone caller waits ~nothing, and
   * under load batches still form from the calls that arrive while one runs)
   */
  windowMs?: number;
  /** largest batch (default 16) */
  maxBatch?: number;
  /** skip the window while traffic is quiet (default true) */
  adaptive?: boolean;
  now?: () => number;
}

interface Waiting<I, O> {
  item: I;
  at: number;
  resolve: (r: Batched<O>) => void;
  reject: (err: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  private running = false;
  readonly windowMs: number;
  readonly maxBatch: number;
  private readonly now: () => number;
  private readonly adaptive: boolean;
  /** when calls last overlapped (one arrived during a batch, or a batch held several) */
  private lastBusy = Number.NEGATIVE_INFINITY;
  /** batches run so far and items in them (for stats and tests) */
  batches = 0;
  items = 0;

  constructor(private readonly opts: BatcherOptions<I, O>) {
    this.windowMs = opts.windowMs ?? 5;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 16);
    this.now = opts.now ?? (() => performance.now());
    this.adaptive = opts.adaptive ?? true;
  }

  submit(item: I): Promise<Batched<O>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, at: this.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Calls waiting for a batch. */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether nothing waits and nothing runs (a keyed owner may drop it). */
  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  private schedule(): void {
    if (this.running) {
      this.lastBusy = this.now();
      return;
    }
    if (this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.timer) {
      const quiet = this.now() - this.lastBusy > QUIET_MS;
      const wait = this.adaptive && quiet ? 0 : this.windowMs;
      // no window: no waiting, but calls made in the same turn of the event loop still go together
      this.timer = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as ReturnType<typeof setTimeout>);
      clearImmediate(this.timer as ReturnType<typeof setImmediate>);
    }
    this.timer = null;
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.running = true;
    const started = this.now();
    if (batch.length > 1) this.lastBusy = started;
    this.batches++;
    this.items += batch.length;
    const done = () => {
      this.running = false;
      // whoever queued during this batch has waited a batch's time already: go now
      if (this.queue.length > 0) this.flush();
    };
    let work: Promise<O[]>;
    try {
      work = this.opts.run(batch.map((w) => w.item));
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      (results) => {
        if (!Array.isArray(results) || results.length !== batch.length) {
          const err = new Error(`batch returned ${Array.isArray(results) ? results.length : "no"} results for ${batch.length} items`);
          for (const w of batch) w.reject(err);
        } else
          batch.forEach((w, i) => {
            w.resolve({ result: results[i] as O, batchSize: batch.length, waitMs: Math.max(0, started - w.at) });
          });
        done();
      },
      (err) => {
        for (const w of batch) w.reject(err);
        done();
      },
    );
  }
}

/** One batcher per key (a model and the options that must match within a batch), made on demand. */
export class KeyedBatchers<I, O> {
  private readonly map = new Map<string, Batcher<I, O>>();

  constructor(private readonly defaults: { windowMs?: number; maxBatch?: number; adaptive?: boolean } = {}) {}

  submit(key: string, run: (items: I[]) => Promise<O[]>, item: I): Promise<Batched<O>> {
    let b = this.map.get(key);
    if (!b) {
      // keys come and go (model versions): past a bound, drop the idle ones
      if (this.map.size >= 256) for (const [k, old] of this.map) if (old.idle) this.map.delete(k);
      b = new Batcher({ run, ...this.defaults });
      this.map.set(key, b);
    }
    return b.submit(item);
  }

  get(key: string): Batcher<I, O> | undefined {
    return this.map.get(key);
  }
}
