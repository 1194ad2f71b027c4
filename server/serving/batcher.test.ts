import { describe, expect, it } from "vitest";
import { Batcher, KeyedBatchers } from "./batcher";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Batcher", () => {
  it("batches calls made within the window, results in order", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      windowMs: 10,
      adaptive: false,
      run: async (xs) => {
        sizes.push(xs.length);
        return xs.map((x) => x * 2);
      },
    });
    const out = await Promise.all([1, 2, 3, 4].map((x) => b.submit(x)));
    expect(out.map((o) => o.result)).toEqual([2, 4, 6, 8]);
    expect(out.every((o) => o.batchSize === 4)).toBe(true);
    expect(sizes).toEqual([4]);
    expect(out[0]?.waitMs).toBeGreaterThanOrEqual(5);
  });

  it("runs at once when maxBatch is reached, and splits larger bursts", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      windowMs: 1000,
      maxBatch: 3,
      run: async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
    });
    const t0 = performance.now();
    const out = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => b.submit(x)));
    expect(performance.now() - t0).toBeLessThan(500); // never waited for the 1 s window
    expect(sizes).toEqual([3, 3]);
    expect(out.map((o) => o.result)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("queues calls that arrive during a batch into the next one", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      windowMs: 1,
      run: async (xs) => {
        sizes.push(xs.length);
        await sleep(30);
        return xs;
      },
    });
    const first = b.submit(0);
    await sleep(10); // first batch is running
    const rest = [1, 2, 3].map((x) => b.submit(x));
    const out = await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 3]);
    expect(out[1]?.waitMs).toBeGreaterThan(10);
  });

  it("rejects every caller of a failed batch", async () => {
    const b = new Batcher<number, number>({
      windowMs: 5,
      run: async () => {
        throw new Error("model broke");
      },
    });
    const res = await Promise.allSettled([1, 2].map((x) => b.submit(x)));
    expect(res.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((res[0] as PromiseRejectedResult).reason.message).toBe("model broke");
    // and keeps working after
    const ok = new Batcher<number, number>({ windowMs: 1, run: async (xs) => xs });
    await expect(ok.submit(1)).resolves.toMatchObject({ result: 1 });
  });

  it("rejects when the work returns the wrong number of results", async () => {
    const b = new Batcher<number, number>({ windowMs: 1, run: async () => [1] });
    const res = await Promise.allSettled([1, 2].map((x) => b.submit(x)));
    expect(res.every((r) => r.status === "rejected")).toBe(true);
  });
});

describe("KeyedBatchers", () => {
  it("batches per key only", async () => {
    const seen: string[][] = [];
    const kb = new KeyedBatchers<string, string>({ windowMs: 5 });
    const run = async (xs: string[]) => {
      seen.push(xs);
      return xs;
    };
    await Promise.all([kb.submit("m1", run, "a"), kb.submit("m2", run, "b"), kb.submit("m1", run, "c")]);
    expect(seen.map((s) => s.join("")).sort()).toEqual(["ac", "b"]);
    expect(kb.get("m1")?.idle).toBe(true);
  });
});

describe("Batcher with window 0", () => {
  it("groups calls of the same turn, and a lone call does not wait", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      windowMs: 0,
      run: async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
    });
    await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    const lone = await b.submit(4);
    expect(sizes).toEqual([3, 1]);
    expect(lone.waitMs).toBeLessThan(5);
  });
});

describe("adaptive Batcher", () => {
  it("a quiet caller skips the window; overlapping calls wait for it", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      windowMs: 20,
      run: async (xs) => {
        sizes.push(xs.length);
        await sleep(10);
        return xs;
      },
    });
    const lone = await b.submit(1);
    expect(lone.waitMs).toBeLessThan(15);
    // a call arrives while one runs: no longer quiet
    const first = b.submit(2);
    await sleep(2);
    const second = b.submit(3);
    await Promise.all([first, second]);
    // the next call waits out the 20 ms window, and one made 5 ms later joins it
    const a = b.submit(4);
    await sleep(5);
    const c = b.submit(5);
    const [ra, rc] = await Promise.all([a, c]);
    expect(ra.batchSize).toBe(2);
    expect(rc.batchSize).toBe(2);
    expect(ra.waitMs).toBeGreaterThanOrEqual(15);
    expect(sizes).toEqual([1, 1, 1, 2]); // 3 went right after 2 ended
  });
});
