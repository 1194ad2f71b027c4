/**
 * Dynamic batching: calls submitted to one batcher within `windowMs` of the first waiting call, up
 * to `maxBatch`, run as one call of `run` (which must return one result per item, in order). One
 * batch runs at a time per batcher; calls that arrive while a batch runs wait, and go as the next
 * batch as soon as it ends (they have waited long enough). A failed batch rejects each of its callers
 * with the error. Each result says how big its batch was and how long it waited (ms) before it ran.
 */
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
  /** batches run so far and items in them (for stats and tests) */
  batches = 0;
  items = 0;

  constructor(private readonly opts: BatcherOptions<I, O>) {
    this.windowMs = opts.windowMs ?? 5;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 16);
    this.now = opts.now ?? (() => performance.now());
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
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.timer)
      // window 0: no waiting, but calls made in the same turn of the event loop still go together
      this.timer = this.windowMs > 0 ? setTimeout(() => this.flush(), this.windowMs) : setImmediate(() => this.flush());
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

  constructor(private readonly defaults: { windowMs?: number; maxBatch?: number } = {}) {}

  submit(key: string, run: (items: I[]) => Promise<O[]>, item: I): Promise<Batched<O>> {
    let b = this.map.get(key);
    if (!b) {
      b = new Batcher({ run, ...this.defaults });
      this.map.set(key, b);
    }
    const p = b.submit(item);
    const batcher = b;
    // drop idle batchers so keys that come and go (versions) do not pile up
    const drop = () => {
      if (batcher.idle && this.map.get(key) === batcher) this.map.delete(key);
    };
    p.then(drop, drop);
    return p;
  }

  get(key: string): Batcher<I, O> | undefined {
    return this.map.get(key);
  }
}
