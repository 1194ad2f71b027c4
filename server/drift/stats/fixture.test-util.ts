import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";

/**
 * test/fixtures/drift/reference.json (scripts/drift-reference.py: scipy 1.17.1, numpy 2.4.6,
 * Evidently's legacy formulas) and the comparison every drift test uses.
 */

export type Num = number | "NaN" | "Infinity" | "-Infinity";

export const fixture = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, "../../../test/fixtures/drift/reference.json"), "utf8"),
) as Record<string, any>; // its shape is checked by the tests that read it

export const toNumber = (x: Num): number => (typeof x === "number" ? x : Number(x));

/**
 * Equal to 1e-7 relative, or 1e-10 absolute where `lenient` (results scipy or Evidently compute as
 * 1 - p, whose last bits are noise); otherwise absolute only below the smallest normal double.
 */
export function close(gotIn: number | Num, want: Num, label: string, lenient = true) {
  const got = toNumber(gotIn);
  const w = toNumber(want);
  if (Number.isNaN(w) || !Number.isFinite(w)) {
    expect(got, label).toBe(w);
    return;
  }
  const diff = Math.abs(got - w);
  const ok = diff <= 1e-7 * Math.abs(w) || diff <= (lenient ? 1e-10 : 1e-300);
  if (!ok) expect.fail(`${label}: got ${got}, want ${w} (relative ${diff / Math.abs(w)})`);
}

export const summaryOf = (s: { values: number[]; counts: number[] }) => ({
  values: Float64Array.from(s.values),
  counts: Float64Array.from(s.counts),
});

export const expand = (s: { values: number[]; counts: number[] }) => s.values.flatMap((v, i) => Array<number>(s.counts[i] ?? 0).fill(v));
