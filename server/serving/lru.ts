/**
 * A cache of loaded models bounded by an estimated size in bytes (for ONNX models: the sum of the
 * ONNX file sizes, which is about what onnxruntime keeps resident). Loads are shared: concurrent
 * first requests for one key await one promise. Least recently used entries are evicted when the
 * total passes the budget; an evicted entry that is still in use is disposed when its last lease
 * is released, never under a running request. One entry larger than the budget is still kept
 * (nothing else could serve it); everything else goes.
 */
export interface Loaded<V> {
  value: V;
  bytes: number;
}

interface Entry<V> {
  key: string;
  promise: Promise<V>;
  value?: V;
  bytes: number;
  refs: number;
  evicted: boolean;
}

export interface Lease<V> {
  value: V;
  release: () => void;
}

export interface CacheEntryStats {
  key: string;
  bytes: number;
  inUse: number;
}

export class SizedLru<V> {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry<V>>();
  private disposing: Promise<unknown>[] = [];

  constructor(private opts: { budgetBytes: number; dispose: (value: V, key: string) => Promise<void> | void }) {}

  /** The value for `key`, loading it when absent; call `release()` when done with it. */
  async acquire(key: string, load: () => Promise<Loaded<V>>): Promise<Lease<V>> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // move to the most recent end
      this.entries.set(key, entry);
    } else {
      const fresh: Entry<V> = { key, bytes: 0, refs: 0, evicted: false, promise: Promise.resolve(undefined as V) };
      fresh.promise = load().then(
        (loaded) => {
          fresh.value = loaded.value;
          fresh.bytes = loaded.bytes;
          this.trim(key);
          return loaded.value;
        },
        (err) => {
          if (this.entries.get(key) === fresh) this.entries.delete(key);
          throw err;
        },
      );
      this.entries.set(key, fresh);
      entry = fresh;
    }
    entry.refs++;
    let value: V;
    try {
      value = await entry.promise;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    const e = entry;
    let released = false;
    return {
      value,
      release: () => {
        if (released) return;
        released = true;
        e.refs--;
        if (e.evicted && e.refs === 0) this.disposeEntry(e);
      },
    };
  }

  /** Run `fn` with the value for `key` leased for its duration. */
  async use<T>(key: string, load: () => Promise<Loaded<V>>, fn: (value: V) => Promise<T>): Promise<T> {
    const lease = await this.acquire(key, load);
    try {
      return await fn(lease.value);
    } finally {
      lease.release();
    }
  }

  /** Drop `key` (disposed now, or when its last lease is released). */
  evict(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    e.evicted = true;
    if (e.refs === 0 && e.value !== undefined) this.disposeEntry(e);
    return true;
  }

  /** Evict everything and wait for the disposals that can run now. */
  async clear(): Promise<void> {
    for (const key of [...this.entries.keys()]) this.evict(key);
    await this.settled();
  }

  /** Wait for disposals started so far (tests, shutdown). */
  async settled(): Promise<void> {
    const pending = this.disposing;
    this.disposing = [];
    await Promise.allSettled(pending);
  }

  /** Change the budget; entries past it are evicted at once (least recently used first). */
  resize(budgetBytes: number): void {
    this.opts.budgetBytes = budgetBytes;
    this.trim("");
  }

  get totalBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  stats(): { budgetBytes: number; totalBytes: number; entries: CacheEntryStats[] } {
    return {
      budgetBytes: this.opts.budgetBytes,
      totalBytes: this.totalBytes,
      entries: [...this.entries.values()].map((e) => ({ key: e.key, bytes: e.bytes, inUse: e.refs })),
    };
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Evict least recently used loaded entries (never `keep`) until the total fits the budget. */
  private trim(keep: string): void {
    for (const e of [...this.entries.values()]) {
      if (this.totalBytes <= this.opts.budgetBytes) return;
      if (e.key === keep || e.value === undefined) continue;
      this.evict(e.key);
    }
  }

  private disposeEntry(e: Entry<V>): void {
    const value = e.value as V;
    e.value = undefined;
    this.disposing.push(Promise.resolve().then(() => this.opts.dispose(value, e.key)));
  }
}
