import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { routerCommand } from "../../cli/router";
import { DomainError } from "../../server/core/errors";
import { EVAL_STREAM_MAX_BYTES, EvalLineError, EvalTooLargeError, parseEvalJsonl, readEvalJsonl } from "../../server/routing/eval-run";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "keel-router-stream-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

async function* pieces(text: string, size: number) {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Lines whose prompt says whether the small model copes; `pad` bytes of a field nobody reads. */
function line(i: number, pad = 0): string {
  const hard = i % 3 === 0;
  const extra = pad ? `, "notes": "${"n".repeat(pad)}"` : "";
  return `{"prompt": "${hard ? "prove the theorem" : "say hello"} ${i % 7}", "small_quality": ${hard ? 0 : 1}, "large_quality": 1${extra}}\n`;
}

describe("readEvalJsonl", () => {
  it("reads what parseEvalJsonl reads, whatever the chunks cut (mid-line, mid-character, CRLF)", async () => {
    const text = `{"prompt": "héllo ☃", "small_quality": 0, "large_quality": 1}\r\n\n{"prompt": "b", "small_quality": 1, "large_quality": 1}`;
    for (const size of [1, 2, 3, 7, 1000]) expect(await readEvalJsonl(pieces(text, size))).toEqual(parseEvalJsonl(text));
  });

  it("names the bad line across chunks, and stops at the byte limit", async () => {
    const text = `${line(1)}${line(2)}{"prompt": "x", "small_quality": "no", "large_quality": 1}\n`;
    await expect(readEvalJsonl(pieces(text, 5))).rejects.toThrow(
      new EvalLineError(3, "small_quality", "small_quality: expected a finite number"),
    );
    await expect(readEvalJsonl(pieces(text, 5), { maxBytes: 100 })).rejects.toThrow(EvalTooLargeError);
    await expect(readEvalJsonl(pieces(text, 5), { maxBytes: 100 })).rejects.toThrow("over the limit of");
  });

  it("takes over 100 MB, keeping only the fields it needs", async () => {
    expect(EVAL_STREAM_MAX_BYTES).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    const block = Array.from({ length: 100 }, (_, i) => line(i, 10_000)).join(""); // about 1 MB
    async function* big() {
      for (let k = 0; k < 105; k++) yield Buffer.from(block);
    }
    const before = process.memoryUsage().heapUsed;
    const rows = await readEvalJsonl(big());
    expect(rows).toHaveLength(10_500);
    expect(rows[10_499]).toEqual({ line: 10_499, prompt: "prove the theorem 1", small: 0, large: 1 });
    // the 105 MB of notes are gone: the rows hold a few hundred kB of prompts
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(60 * 1024 * 1024);
  }, 60_000);
});

describe("keel router eval on a file over the old 2 MB cap", () => {
  const run = async (opts: Parameters<typeof routerCommand>[1]) => {
    let out: unknown;
    await routerCommand("eval", opts, (_h, d) => {
      out = d;
    });
    return out as Record<string, unknown>;
  };

  it("evaluates random, length, learned and tfidf; several seeds give mean and spread", async () => {
    const file = path.join(TMP, "big.jsonl");
    fs.writeFileSync(file, Array.from({ length: 300 }, (_, i) => line(i, 10_000)).join(""));
    expect(fs.statSync(file).size).toBeGreaterThan(3_000_000);
    const one = await run({ data: file, embedding: "none" });
    expect(one).toMatchObject({ n_train: 150, n_test: 150 });
    const kinds = (one.routers as Array<{ kind: string; apgr: number }>).map((r) => r.kind);
    expect(kinds).toEqual(["random", "length", "learned", "tfidf"]);
    // the embedding kinds need the embedding model: listed as skipped, saying why
    expect(one.skipped).toEqual(["knn", "mlp", "mf"].map((kind) => ({ kind, reason: expect.stringMatching(/needs an embedding model/) })));
    const many = await run({ data: file, embedding: "none", seed: "1,2,3" });
    expect(many.seeds).toEqual([1, 2, 3]);
    expect(many.runs).toHaveLength(3);
    const tfidf = (many.routers as Array<{ kind: string; apgr: { mean: number; sd: number; min: number; max: number } }>).find(
      (r) => r.kind === "tfidf",
    );
    expect(tfidf?.apgr.mean).toBeGreaterThan(0.6);
    expect(tfidf?.apgr.min).toBeLessThanOrEqual(tfidf?.apgr.max ?? 0);
    expect(tfidf?.apgr.sd).toBeGreaterThanOrEqual(0);
  });

  it("refuses a bad seed list and a file over the limit, naming the field", async () => {
    await expect(run({ data: path.join(TMP, "big.jsonl"), seed: "1,x" })).rejects.toMatchObject({ code: "BAD_REQUEST", field: "seed" });
    await expect(run({ data: path.join(TMP, "big.jsonl"), seed: "2,2" })).rejects.toThrow("lists a seed twice");
    const huge = path.join(TMP, "huge.jsonl");
    fs.writeFileSync(huge, "");
    fs.truncateSync(huge, EVAL_STREAM_MAX_BYTES + 1); // sparse: no disk used
    const err = await run({ data: huge }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: "BAD_REQUEST", field: "data", message: expect.stringContaining("over the limit of 256 MiB") });
  });
});
