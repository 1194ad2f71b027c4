import {
  BleuCorpus,
  bleuOptionsFromSacrebleu,
  ChrfCorpus,
  chrfOptionsFromSacrebleu,
  DEFAULT_ROUGE_TYPES,
  exactMatch,
  exactMatchOptionsFromSnake,
  type RougeScore,
  rougeOptionsFromSnake,
  rougeScoreMulti,
  sentenceBleu,
  sentenceChrf,
} from "./metrics";

/**
 * `keel score`: JSONL in, JSONL out, streaming (memory stays flat whatever the input size).
 * Input line: {"id", "prediction", "references": [...], "metrics": {"bleu": {...}, "chrf": {...},
 * "rouge": {...}}} with sacrebleu / rouge-score option names; a metric left out is not computed,
 * a line without "metrics" gets all three with their defaults. See README ("Scoring").
 */

/** exact_match (1 when the prediction equals a reference, `normalize`: none, strip or lower) is asked for by name, never a default */
const METRICS = ["bleu", "chrf", "rouge", "exact_match"] as const;
type Metric = (typeof METRICS)[number];

export class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

interface Parsed {
  id: unknown;
  prediction: string;
  references: string[];
  metrics: Partial<Record<Metric, Record<string, unknown>>>;
}

function parseLine(text: string, line: number): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new LineError(line, `invalid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new LineError(line, "expected a JSON object");
  const o = v as Record<string, unknown>;
  if (typeof o.prediction !== "string") throw new LineError(line, "prediction: expected a string");
  if (!Array.isArray(o.references) || !o.references.length || o.references.some((r) => typeof r !== "string"))
    throw new LineError(line, "references: expected a non-empty array of strings");
  let metrics: Parsed["metrics"] = { bleu: {}, chrf: {}, rouge: {} };
  if (o.metrics !== undefined) {
    if (!o.metrics || typeof o.metrics !== "object" || Array.isArray(o.metrics)) throw new LineError(line, "metrics: expected an object");
    metrics = {};
    for (const [k, opts] of Object.entries(o.metrics as Record<string, unknown>)) {
      if (!(METRICS as readonly string[]).includes(k))
        throw new LineError(line, `metrics.${k}: unknown metric (known: ${METRICS.join(", ")})`);
      if (opts !== null && (typeof opts !== "object" || Array.isArray(opts)))
        throw new LineError(line, `metrics.${k}: expected an object of options`);
      metrics[k as Metric] = (opts ?? {}) as Record<string, unknown>;
    }
  }
  return { id: o.id ?? null, prediction: o.prediction, references: o.references as string[], metrics };
}

/**
 * The options of each requested metric in the metric functions' form; an Error names the metric and
 * the option (`metrics.bleu: Unknown BLEU option "smooth"...`). Shared by `keel score` and eval runs.
 */
export function parseMetricOptions(metrics: Partial<Record<string, Record<string, unknown> | null>>) {
  for (const k of Object.keys(metrics))
    if (!(METRICS as readonly string[]).includes(k)) throw new Error(`metrics.${k}: unknown metric (known: ${METRICS.join(", ")})`);
  const at = <T>(m: Metric, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new Error(`metrics.${m}: ${(err as Error).message}`);
    }
  };
  return {
    bleu: metrics.bleu ? at("bleu", () => bleuOptionsFromSacrebleu(metrics.bleu as Record<string, unknown>)) : null,
    chrf: metrics.chrf ? at("chrf", () => chrfOptionsFromSacrebleu(metrics.chrf as Record<string, unknown>)) : null,
    rouge: metrics.rouge ? at("rouge", () => rougeOptionsFromSnake({ rouge_types: DEFAULT_ROUGE_TYPES, ...metrics.rouge })) : null,
    exact_match: metrics.exact_match ? at("exact_match", () => exactMatchOptionsFromSnake(metrics.exact_match)) : null,
  };
}
export type MetricOptions = ReturnType<typeof parseMetricOptions>;

/** Sentence-level scores of one prediction, for the metrics in `o`. */
export function scoreOne(prediction: string, references: string[], o: MetricOptions) {
  const out: {
    bleu?: ReturnType<typeof sentenceBleu>;
    chrf?: { score: number };
    rouge?: Record<string, RougeScore>;
    exact_match?: { score: 0 | 1 };
  } = {};
  if (o.bleu) out.bleu = sentenceBleu(prediction, references, o.bleu);
  if (o.chrf) out.chrf = { score: sentenceChrf(prediction, references, o.chrf).score };
  if (o.rouge) out.rouge = rougeScoreMulti(references, prediction, o.rouge);
  if (o.exact_match) out.exact_match = { score: exactMatch(prediction, references, o.exact_match) };
  return out;
}

function options(p: Parsed, line: number): MetricOptions {
  try {
    return parseMetricOptions(p.metrics);
  } catch (err) {
    throw new LineError(line, (err as Error).message);
  }
}

/** Split a byte stream into lines, each decoded as strict UTF-8 (a bad byte is an error naming the line). */
async function* lines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<{ n: number; text: string }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = Buffer.alloc(0);
  let n = 0;
  const decode = (buf: Buffer, line: number) => {
    try {
      return decoder.decode(buf).replace(/\r$/, "");
    } catch {
      throw new LineError(line, "not valid UTF-8");
    }
  };
  for await (const chunk of input) {
    let buf = rest.length ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10)) {
      n++;
      yield { n, text: decode(buf.subarray(0, i), n) };
      buf = buf.subarray(i + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) yield { n: n + 1, text: decode(rest, n + 1) };
}

export interface ScoreOptions {
  corpus: boolean;
  keepGoing: boolean;
}

/**
 * Score every line; `write` receives each output line (without newline) in input order. Without
 * keepGoing the first bad line throws a LineError; with it, that line's output is {"id", "error"}.
 */
export async function scoreJsonl(
  input: AsyncIterable<Uint8Array | string>,
  write: (line: string) => void | Promise<void>,
  opts: ScoreOptions,
): Promise<{ lines: number; errors: number }> {
  let count = 0;
  let errors = 0;
  let corpus: { bleu: BleuCorpus | null; chrf: ChrfCorpus | null; rouge: Map<string, RougeScore> | null } | null = null;
  for await (const { n, text } of lines(input)) {
    if (!text.trim()) continue;
    let id: unknown = null;
    try {
      const p = parseLine(text, n);
      id = p.id;
      const o = options(p, n);
      if (opts.corpus) {
        // the options of the first line apply to the whole corpus
        corpus ??= { bleu: o.bleu && new BleuCorpus(o.bleu), chrf: o.chrf && new ChrfCorpus(o.chrf), rouge: o.rouge && new Map() };
        corpus.bleu?.add(p.prediction, p.references);
        corpus.chrf?.add(p.prediction, p.references);
        if (corpus.rouge && o.rouge)
          for (const [type, s] of Object.entries(rougeScoreMulti(p.references, p.prediction, o.rouge))) {
            const sum = corpus.rouge.get(type) ?? { precision: 0, recall: 0, fmeasure: 0 };
            corpus.rouge.set(type, {
              precision: sum.precision + s.precision,
              recall: sum.recall + s.recall,
              fmeasure: sum.fmeasure + s.fmeasure,
            });
          }
      } else {
        await write(JSON.stringify({ id, ...scoreOne(p.prediction, p.references, o) }));
      }
      count++;
    } catch (err) {
      const e = err instanceof LineError ? err : new LineError(n, (err as Error).message);
      if (!opts.keepGoing) throw e;
      errors++;
      await write(JSON.stringify({ id, error: e.message }));
    }
  }
  if (opts.corpus) {
    const out: Record<string, unknown> = { lines: count };
    if (corpus?.bleu) out.bleu = corpus.bleu.score();
    if (corpus?.chrf) out.chrf = { score: corpus.chrf.score().score };
    if (corpus?.rouge && count)
      out.rouge = Object.fromEntries(
        [...corpus.rouge].map(([t, s]) => [t, { precision: s.precision / count, recall: s.recall / count, fmeasure: s.fmeasure / count }]),
      );
    await write(JSON.stringify(out));
  }
  return { lines: count, errors };
}
