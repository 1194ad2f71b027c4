import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { close, expand, fixture } from "../../server/drift/stats/fixture.test-util";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-drift-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `keel drift stats args` with `stdin`; stdout lines parsed. */
function stats(args: string[], stdin = "") {
  const res = spawnSync(process.execPath, [BIN, "drift", "stats", ...args], {
    input: Buffer.from(stdin),
    env: { ...process.env, LOG_LEVEL: "silent" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = res.stdout.toString("utf8").trim();
  return { code: res.status, lines: out ? out.split("\n").map((l) => JSON.parse(l)) : [], stderr: res.stderr.toString("utf8") };
}
const jsonl = (xs: unknown[]) => `${xs.map((x) => JSON.stringify(x)).join("\n")}\n`;

/** A line per fixture case with the numbers it must produce. */
function cases() {
  const out: { line: Record<string, unknown>; check: (got: any, label: string) => void }[] = [];
  const pair = (want: { statistic: unknown; pvalue: unknown }) => (got: { statistic: number; pvalue: number }, label: string) => {
    close(got.statistic, want.statistic as number, `${label} statistic`, false);
    close(got.pvalue, want.pvalue as number, `${label} pvalue`, false);
  };
  const value = (want: number) => (got: { value: number }, label: string) => close(got.value, want, label, false);
  for (const c of fixture.ks_2samp) out.push({ line: { test: "ks_2samp", a: c.a, b: c.b, method: c.method }, check: pair(c) });
  for (const c of fixture.chisquare) out.push({ line: { test: "chisquare", observed: c.observed, expected: c.expected }, check: pair(c) });
  for (const c of fixture.chi2_contingency)
    out.push({
      line: { test: "chi2_contingency", table: c.table },
      check: (got, label) => {
        pair(c)(got, label);
        expect(got.dof).toBe(c.dof);
      },
    });
  for (const c of fixture.wasserstein_distance.filter((w: { uw?: unknown }) => !w.uw))
    out.push({ line: { test: "wasserstein_distance", a: c.u, b: c.v }, check: value(c.value) });
  for (const c of fixture.jensenshannon)
    out.push({ line: { test: "jensenshannon", p: c.p, q: c.q, ...(c.base ? { base: c.base } : {}) }, check: value(c.value) });
  for (const c of fixture.psi) out.push({ line: { test: "psi", ref: c.ref, cur: c.cur }, check: value(c.value) });
  for (const [x, df, want] of fixture.chi2_sf.slice(0, 120)) out.push({ line: { test: "chi2_sf", x, df }, check: value(want) });
  for (const [x, n, want] of fixture.kstwo_sf.filter((_: unknown, i: number) => i % 4 === 0))
    out.push({ line: { test: "kstwo_sf", x, n }, check: value(want) });
  for (const [x, want] of fixture.kstwobign_sf) out.push({ line: { test: "kstwobign_sf", x }, check: value(want) });
  for (const c of fixture.columns) {
    const raw =
      c.type === "numerical"
        ? (s: { values: number[]; counts: number[] }) => [null, ...expand(s), null]
        : (s: Record<string, number>) => [null, ...Object.entries(s).flatMap(([k, n]) => Array<string>(n).fill(k))];
    out.push({
      line: {
        id: c.note,
        test: "column",
        type: c.type,
        reference: raw(c.reference),
        current: raw(c.current),
        ...(c.stattest ? { stattest: c.stattest } : {}),
        ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
      },
      check: (got, label) => {
        expect(Object.keys(got).sort(), label).toEqual(["drift", "id", "stattest", "value"]);
        expect(got.stattest, label).toBe(c.expected.stattest);
        close(got.value, c.expected.value, label);
        expect(got.drift, label).toBe(c.expected.drift);
      },
    });
  }
  return out;
}

describe("keel drift stats", () => {
  it("computes every line of a file in order, equal to scipy and Evidently (reference fixture)", () => {
    const all = cases();
    const input = path.join(dir, "in.jsonl");
    const output = path.join(dir, "out.jsonl");
    fs.writeFileSync(input, jsonl(all.map((c) => c.line)));
    const res = spawnSync(process.execPath, [BIN, "drift", "stats", "--input", input, "--output", output], {
      encoding: "utf8",
      env: { ...process.env, LOG_LEVEL: "silent" },
    });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const lines = fs
      .readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(all.length);
    for (const [i, c] of all.entries()) c.check(lines[i], `line ${i + 1} (${c.line.test}${c.line.id ? ` ${c.line.id}` : ""})`);
    expect(all.length).toBeGreaterThan(300);
  });

  it("writes non-finite results as strings", () => {
    const { code, lines } = stats(
      [],
      jsonl([
        { test: "chisquare", observed: [3, 4], expected: [0, 7] },
        { test: "chi2_sf", x: 0, df: 0 },
        { test: "jensenshannon", p: [1, 2], q: [2, 1], base: 0.5 },
        { test: "wasserstein_distance", a: [0, 1], b: [0, 2] },
      ]),
    );
    expect(code).toBe(0);
    expect(lines).toEqual([{ statistic: "Infinity", pvalue: 0 }, { value: "NaN" }, { value: "NaN" }, { value: 0.5 }]);
  });

  const bad = [
    { test: "kstwobign_sf", x: 1 },
    { test: "ks_2sample", a: [1], b: [2] },
    { test: "ks_2samp", a: [1, 2] },
    "not json",
    { test: "kstwo_sf", x: 0.5, n: 2.5 },
    { test: "column", type: "numerical", reference: [1, "x"], current: [1] },
    { id: 7, test: "psi", ref: [0.5, 0.5], cur: [1, 0] },
    { test: "column", type: "numerical", reference: [1, 2], current: [2, 3], stattest: "ks", threshold: 2 },
    { test: "column", type: "categorical", reference: ["a", null], current: [null] },
    { test: "chi2_sf", x: 3, df: 2 },
  ];
  const input = bad.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");

  it("stops at the first bad line with exit code 1, naming the line and the field", () => {
    const res = stats([], input);
    expect(res.code).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.stderr).toContain("line 2: test: unknown test");
  });

  it("with --keep-going reports each bad line as {error} and goes on", () => {
    const res = stats(["--keep-going"], input);
    expect(res.code).toBe(0);
    const errors = res.lines.map((l) => l.error ?? "ok");
    expect(errors[0]).toBe("ok");
    expect(errors[1]).toMatch(/^line 2: test: unknown test "ks_2sample" \(known: ks_2samp, /);
    expect(errors[2]).toBe("line 3: b: missing");
    expect(errors[3]).toMatch(/^line 4: invalid JSON/);
    expect(errors[4]).toMatch(/^line 5: n: .*int/);
    expect(errors[5]).toMatch(/^line 6: reference\.1: .*number/);
    expect(errors[6]).toMatch(/^line 7: psi: shares must be positive/);
    expect(res.lines[6].id).toBe(7);
    expect(errors[7]).toMatch(/^line 8: threshold must be a p-value level/);
    expect(errors[8]).toMatch(/^line 9: the current window has no values/);
    expect(errors[9]).toBe("ok");
    expect(res.lines[9].value).toBeCloseTo(Math.exp(-1.5), 14);
    expect(res.stderr).toContain("8 of 10 lines had errors");
  });

  it("names a line that is not UTF-8 and a missing input file", () => {
    const res = spawnSync(process.execPath, [BIN, "drift", "stats"], {
      input: Buffer.concat([Buffer.from('{"test":"kstwobign_sf","x":1}\n{"test":"'), Buffer.from([0xff]), Buffer.from('"}\n')]),
      env: { ...process.env, LOG_LEVEL: "silent" },
    });
    expect(res.status).toBe(1);
    expect(res.stderr.toString()).toContain("line 2: not valid UTF-8");
    const missing = stats(["--input", path.join(dir, "nope.jsonl")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read");
  });
});
