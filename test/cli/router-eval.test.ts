import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateRouter } from "../../server/routing";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/routing/sentiment-routing.jsonl");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "keel-router-eval-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** `keel router eval ... --json`: no database involved. */
function keel(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, "router", "eval", ...args, "--json"], {
    env: { ...process.env, LOG_LEVEL: "silent", KEEL_DATA_DIR: TMP },
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  return { code: res.status, out: line ? JSON.parse(line) : null, stderr: res.stderr };
}

describe("keel router eval", () => {
  it("evaluates random, length, learned, tfidf, knn, mlp and mf routers on the sentiment set; the scores recompute the measures", () => {
    const scoresFile = path.join(TMP, "scores.jsonl");
    const res = keel("--data", FIXTURE, "--train-frac", "0.5", "--seed", "1", "--scores-out", scoresFile);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatchObject({ n_train: 200, n_test: 200 });
    const kinds = Object.fromEntries(res.out.routers.map((r: { kind: string }) => [r.kind, r]));
    expect(Object.keys(kinds)).toEqual(["random", "length", "learned", "tfidf", "knn", "mlp", "mf"]);
    for (const k of ["knn", "mlp", "mf"]) expect(kinds[k].apgr).toBeGreaterThan(kinds.random.apgr);
    expect(kinds.tfidf.apgr).toBeGreaterThan(kinds.length.apgr);
    expect(kinds.learned.apgr).toBeGreaterThan(kinds.random.apgr);
    expect(kinds.learned.cpt50).toBeLessThan(kinds.random.cpt50);
    for (const r of res.out.routers) {
      expect(r.apgr).toBeGreaterThan(0);
      expect(r.apgr).toBeLessThan(1);
      expect(r.cpt50).toBeLessThanOrEqual(r.cpt80);
    }

    const items = fs
      .readFileSync(FIXTURE, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { small_quality: number; large_quality: number });
    const scores = fs
      .readFileSync(scoresFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; line: number; score: number });
    expect(scores).toHaveLength(7 * 200);
    for (const r of res.out.routers) {
      const mine = scores.filter((s) => s.kind === r.kind);
      expect(new Set(mine.map((s) => s.line)).size).toBe(200);
      const e = evaluateRouter(
        mine.map((s) => s.score),
        mine.map((s) => items[s.line]!.small_quality),
        mine.map((s) => items[s.line]!.large_quality),
      );
      expect(e.apgr).toBe(r.apgr);
      expect(e.cpt50).toBe(r.cpt50);
      expect(e.cpt80).toBe(r.cpt80);
    }
  });

  it("stops at a bad line with its number and field, exit 1", () => {
    const file = path.join(TMP, "bad.jsonl");
    const ok = '{"prompt": "fine", "small_quality": 0, "large_quality": 1}\n';
    fs.writeFileSync(file, `${ok}${ok}{"prompt": "broken", "small_quality": 1, "large_quality": "high"}\n${ok}`);
    const res = keel("--data", file);
    expect(res.code).toBe(1);
    expect(res.out.error).toEqual({
      code: "BAD_REQUEST",
      message: "line 3: large_quality: expected a finite number",
      field: "large_quality",
    });
  });

  it("refuses data without a quality gap, a bad flag and a missing file", () => {
    const file = path.join(TMP, "flat.jsonl");
    fs.writeFileSync(file, Array.from({ length: 10 }, (_, i) => `{"prompt": "p${i}", "small_quality": 1, "large_quality": 1}\n`).join(""));
    const flat = keel("--data", file);
    expect(flat.code).toBe(1);
    expect(flat.out.error.message).toContain("there is no performance gap to recover");
    const frac = keel("--data", file, "--train-frac", "1.5");
    expect(frac.code).toBe(1);
    expect(frac.out.error).toMatchObject({ code: "BAD_REQUEST", field: "train-frac" });
    const missing = keel("--data", path.join(TMP, "nope.jsonl"));
    expect(missing.code).toBe(1);
    expect(missing.out.error).toMatchObject({ code: "NOT_FOUND", field: "data" });
  });
});
