import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { corpusBleu, corpusChrf, rougeScoreMulti, sentenceBleu } from "../../server/evals";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-score-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `keel score args` with `stdin`; stdout lines parsed. */
function score(args: string[], stdin: string | Buffer) {
  const res = spawnSync(process.execPath, [BIN, "score", ...args], {
    input: typeof stdin === "string" ? Buffer.from(stdin) : stdin,
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
  const out = res.stdout.toString("utf8").trim();
  return { code: res.status, lines: out ? out.split("\n").map((l) => JSON.parse(l)) : [], stderr: res.stderr.toString("utf8") };
}

const rows = [
  { id: "a", prediction: "The cat sat on the mat.", references: ["The cat is on the mat.", "A cat sat on a mat."] },
  { id: "b", prediction: "Der Hund bellt laut 🐶", references: ["Der Hund bellt sehr laut 🐶"] },
  { id: 3, prediction: "", references: ["nothing predicted"] },
  { id: "d", prediction: "3.14 is pi, 1,000 is a thousand", references: ["pi is 3.14; a thousand is 1,000"] },
];
const jsonl = (xs: unknown[]) => `${xs.map((x) => JSON.stringify(x)).join("\n")}\n`;

describe("keel score", () => {
  it("scores each line, in order, with the reference tools' defaults", () => {
    const { code, lines } = score([], jsonl(rows));
    expect(code).toBe(0);
    expect(lines.map((l) => l.id)).toEqual(["a", "b", 3, "d"]);
    for (const [i, r] of rows.entries()) {
      expect(lines[i].bleu).toEqual(sentenceBleu(r.prediction, r.references));
      expect(lines[i].rouge).toEqual(
        rougeScoreMulti(r.references, r.prediction, { rougeTypes: ["rouge1", "rouge2", "rougeL", "rougeLsum"] }),
      );
      expect(typeof lines[i].chrf.score).toBe("number");
    }
  });

  it("computes only the metrics a line asks for, with its options", () => {
    const { lines } = score(
      [],
      jsonl([
        { ...rows[0], metrics: { bleu: { tokenize: "char", lowercase: true }, rouge: { rouge_types: ["rougeL"], use_stemmer: true } } },
      ]),
    );
    expect(Object.keys(lines[0]).sort()).toEqual(["bleu", "id", "rouge"]);
    expect(lines[0].bleu).toEqual(
      sentenceBleu(rows[0]?.prediction ?? "", rows[0]?.references ?? [], { tokenize: "char", lowercase: true }),
    );
    expect(Object.keys(lines[0].rouge)).toEqual(["rougeL"]);
  });

  it("--corpus gives corpus BLEU and chrF and mean ROUGE, from files", () => {
    const input = path.join(dir, "in.jsonl");
    const output = path.join(dir, "out.jsonl");
    fs.writeFileSync(input, jsonl(rows.map((r) => ({ ...r, references: [r.references[0]] }))));
    const res = spawnSync(process.execPath, [BIN, "score", "--input", input, "--output", output, "--corpus"], { encoding: "utf8" });
    expect(res.status).toBe(0);
    const [line] = fs
      .readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const hyps = rows.map((r) => r.prediction);
    const refs = [rows.map((r) => r.references[0] as string)];
    expect(line.bleu).toEqual(corpusBleu(hyps, refs));
    expect(line.chrf.score).toBe(corpusChrf(hyps, refs).score);
    expect(line.lines).toBe(4);
    const mean =
      rows.reduce(
        (s, r) => s + (rougeScoreMulti([r.references[0] as string], r.prediction, { rougeTypes: ["rouge1"] }).rouge1?.fmeasure ?? 0),
        0,
      ) / 4;
    expect(line.rouge.rouge1.fmeasure).toBeCloseTo(mean, 12);
  });

  it("stops at a bad line naming it, or with --keep-going reports it and goes on", () => {
    const input = `${JSON.stringify(rows[0])}\n{"id": "x", "prediction": 5, "references": ["a"]}\nnot json\n${JSON.stringify({ ...rows[1], metrics: { meteor: {} } })}\n${JSON.stringify({ ...rows[1], metrics: { chrf: { char_order: "six" } } })}\n${JSON.stringify(rows[3])}\n`;
    const stop = score([], input);
    expect(stop.code).toBe(1);
    expect(stop.lines).toHaveLength(1);
    expect(stop.stderr).toContain("line 2: prediction: expected a string");
    const go = score(["--keep-going"], input);
    expect(go.code).toBe(0);
    expect(go.lines.map((l) => l.error ?? "ok")).toEqual([
      "ok",
      "line 2: prediction: expected a string",
      expect.stringMatching(/^line 3: invalid JSON: /),
      "line 4: metrics.meteor: unknown metric (known: bleu, chrf, rouge, exact_match)",
      expect.stringMatching(/^line 5: metrics\.chrf: .*char_order/),
      "ok",
    ]);
    expect(go.stderr).toContain("4 of 6 lines had errors");
  });

  it("names a line that is not UTF-8", () => {
    const bad = Buffer.concat([
      Buffer.from(`${JSON.stringify(rows[0])}\n{"id":"x","prediction":"`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","references":["a"]}\n'),
    ]);
    const res = score([], bad);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("line 2: not valid UTF-8");
  });
});
