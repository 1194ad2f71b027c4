import { describe, expect, it } from "vitest";
import { SizedLru } from "./lru";

function cache(budget: number) {
  const disposed: string[] = [];
  const lru = new SizedLru<string>({ budgetBytes: budget, dispose: (v) => void disposed.push(v) });
  const loader = (v: string, bytes: number) => async () => ({ value: v, bytes });
  return { lru, disposed, loader };
}

describe("SizedLru", () => {
  it("shares one load among concurrent first requests", async () => {
    const { lru } = cache(100);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: "a", bytes: 10 };
    };
    const got = await Promise.all([1, 2, 3].map(() => lru.use("a", load, async (v) => v)));
    expect(got).toEqual(["a", "a", "a"]);
    expect(loads).toBe(1);
  });

  it("evicts the least recently used past the budget and disposes it", async () => {
    const { lru, disposed, loader } = cache(25);
    await lru.use("a", loader("A", 10), async () => {});
    await lru.use("b", loader("B", 10), async () => {});
    await lru.use("a", loader("A", 10), async () => {}); // a is now the most recent
    await lru.use("c", loader("C", 10), async () => {});
    await lru.settled();
    expect(disposed).toEqual(["B"]);
    expect(lru.has("a") && lru.has("c") && !lru.has("b")).toBe(true);
    expect(lru.totalBytes).toBe(20);
  });

  it("disposes an evicted entry only when its last lease is released", async () => {
    const { lru, disposed, loader } = cache(10);
    const lease = await lru.acquire("a", loader("A", 10));
    await lru.use("b", loader("B", 10), async () => {});
    await lru.settled();
    expect(lru.has("a")).toBe(false);
    expect(disposed).toEqual([]);
    lease.release();
    lease.release(); // twice is harmless
    await lru.settled();
    expect(disposed).toEqual(["A"]);
  });

  it("keeps one entry larger than the budget", async () => {
    const { lru, loader } = cache(5);
    await lru.use("big", loader("BIG", 50), async () => {});
    expect(lru.has("big")).toBe(true);
  });

  it("forgets a failed load so the next request retries", async () => {
    const { lru, loader } = cache(100);
    await expect(
      lru.use(
        "x",
        () => Promise.reject(new Error("boom")),
        async () => {},
      ),
    ).rejects.toThrow("boom");
    expect(lru.has("x")).toBe(false);
    await expect(lru.use("x", loader("X", 1), async (v) => v)).resolves.toBe("X");
  });

  it("clear disposes everything idle", async () => {
    const { lru, disposed, loader } = cache(100);
    await lru.use("a", loader("A", 1), async () => {});
    await lru.use("b", loader("B", 1), async () => {});
    await lru.clear();
    expect(disposed.sort()).toEqual(["A", "B"]);
    expect(lru.stats().entries).toEqual([]);
  });
});

describe("SizedLru.resize", () => {
  it("evicts what no longer fits", async () => {
    const { lru, disposed, loader } = cache(100);
    await lru.use("a", loader("A", 10), async () => {});
    await lru.use("b", loader("B", 10), async () => {});
    lru.resize(15);
    await lru.settled();
    expect(disposed).toEqual(["A"]);
  });
});
