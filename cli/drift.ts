import fs from "node:fs";
import { z } from "zod";
import { DomainError } from "../server/core/errors";
import {
  categoricalSummary,
  chi2Contingency,
  chi2Sf,
  chisquare,
  columnDrift,
  jensenshannon,
  ks2samp,
  kstwobignSf,
  kstwoSf,
  numericSummary,
  psi,
  STATTEST_NAMES,
  wassersteinDistance,
} from "../server/drift";

/**
 * `keel drift stats`: one JSON object per line in, one result per line out, in order, streaming.
 * Each line names its "test" (see README, "Drift statistics"); an "id" is echoed when present.
 * Non-finite results are written as the strings "Infinity", "-Infinity" and "NaN".
 */

const nums = z.array(z.number());
const nonEmpty = nums.min(1, "expected a non-empty array of numbers");
const x = z.number();

const SCHEMAS = {
  ks_2samp: z.object({ a: nonEmpty, b: nonEmpty, method: z.enum(["auto", "exact", "asymp"]).optional() }),
  chisquare: z.object({ observed: nonEmpty, expected: nonEmpty }),
  chi2_contingency: z.object({ table: z.array(nonEmpty).min(1, "expected a non-empty array of rows") }),
  wasserstein_distance: z.object({ a: nonEmpty, b: nonEmpty }),
  jensenshannon: z.object({ p: nonEmpty, q: nonEmpty, base: z.number().positive().optional() }),
  psi: z.object({ ref: nonEmpty, cur: nonEmpty }),
  chi2_sf: z.object({ x, df: z.number().nonnegative() }),
  kstwo_sf: z.object({ x, n: z.number().int().positive() }),
  kstwobign_sf: z.object({ x }),
  column: z.discriminatedUnion("type", [
    z.object({
      type: z.literal("numerical"),
      reference: z.array(z.number().nullable()),
      current: z.array(z.number().nullable()),
      stattest: z.enum(STATTEST_NAMES).optional(),
      threshold: z.number().optional(),
    }),
    z.object({
      type: z.literal("categorical"),
      reference: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
      current: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
      stattest: z.enum(STATTEST_NAMES).optional(),
      threshold: z.number().optional(),
    }),
  ]),
} as const;
type Test = keyof typeof SCHEMAS;
const TESTS = Object.keys(SCHEMAS) as Test[];

class LineError extends Error {}

function parse(text: string): { id: unknown; test: Test; args: Record<string, unknown> } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new LineError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new LineError("expected a JSON object");
  const o = v as Record<string, unknown>;
  if (o.test === undefined) throw new LineError(`test: missing (one of ${TESTS.join(", ")})`);
  if (typeof o.test !== "string" || !(TESTS as string[]).includes(o.test))
    throw new LineError(`test: unknown test ${JSON.stringify(o.test)} (known: ${TESTS.join(", ")})`);
  const test = o.test as Test;
  const res = SCHEMAS[test].safeParse(o);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "line";
    const message = issue.message.endsWith("received undefined") ? "missing" : issue.message;
    throw new LineError(`${field}: ${message}`);
  }
  return { id: o.id, test, args: res.data as Record<string, unknown> };
}

/** The result of one parsed line (each branch reads the fields its schema checked). */
function run(test: Test, a: any): Record<string, unknown> {
  switch (test) {
    case "ks_2samp":
      return ks2samp(a.a, a.b, a.method ?? "auto") as unknown as Record<string, unknown>;
    case "chisquare":
      return chisquare(a.observed, a.expected) as unknown as Record<string, unknown>;
    case "chi2_contingency":
      return { ...chi2Contingency(a.table) };
    case "wasserstein_distance":
      return { value: wassersteinDistance(a.a, a.b) };
    case "jensenshannon":
      return { value: jensenshannon(a.p, a.q, a.base) };
    case "psi":
      return { value: psi(a.ref, a.cur) };
    case "chi2_sf":
      return { value: chi2Sf(a.x, a.df) };
    case "kstwo_sf":
      return { value: kstwoSf(a.x, a.n) };
    case "kstwobign_sf":
      return { value: kstwobignSf(a.x) };
    case "column": {
      const common = { stattest: a.stattest, threshold: a.threshold };
      const res =
        a.type === "numerical"
          ? columnDrift({ type: "numerical", reference: numericSummary(a.reference), current: numericSummary(a.current), ...common })
          : columnDrift({
              type: "categorical",
              reference: categoricalSummary(a.reference),
              current: categoricalSummary(a.current),
              ...common,
            });
      return { stattest: res.stattest, value: res.value, drift: res.drift };
    }
  }
}

/** Non-finite numbers as strings (JSON has no Infinity or NaN). */
const encode = (v: Record<string, unknown>) =>
  JSON.stringify(v, (_, value) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value));

/** Split a byte stream into numbered lines, each strict UTF-8. */
async function* lines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<{ n: number; text: string | null }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (buf: Buffer) => {
    try {
      return decoder.decode(buf).replace(/\r$/, "");
    } catch {
      return null;
    }
  };
  let rest = Buffer.alloc(0);
  let n = 0;
  for await (const chunk of input) {
    let buf = rest.length ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10)) {
      yield { n: ++n, text: decode(buf.subarray(0, i)) };
      buf = buf.subarray(i + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) yield { n: n + 1, text: decode(rest) };
}

/**
 * Every line's result goes to `write` (no newline), in input order; blank lines are skipped. Without
 * keepGoing the first bad line throws naming its number; with it, that line's output is {"error"}.
 */
export async function driftStatsJsonl(
  input: AsyncIterable<Uint8Array | string>,
  write: (line: string) => void | Promise<void>,
  opts: { keepGoing: boolean },
): Promise<{ lines: number; errors: number }> {
  let count = 0;
  let errors = 0;
  for await (const { n, text } of lines(input)) {
    if (text !== null && !text.trim()) continue;
    let id: unknown;
    try {
      if (text === null) throw new LineError("not valid UTF-8");
      const p = parse(text);
      id = p.id;
      await write(encode({ ...(id !== undefined ? { id } : {}), ...run(p.test, p.args) }));
      count++;
    } catch (err) {
      const message = `line ${n}: ${(err as Error).message}`;
      if (!opts.keepGoing) throw new DomainError("BAD_REQUEST", message);
      errors++;
      await write(encode({ ...(id !== undefined ? { id } : {}), error: message }));
    }
  }
  return { lines: count, errors };
}

export interface DriftOptions {
  input?: string;
  output?: string;
  "keep-going"?: boolean;
}

/** `keel drift stats`: --input (or stdin) to --output (or stdout). */
export async function driftCommand(sub: string | undefined, opts: DriftOptions) {
  if (sub !== "stats") throw new DomainError("BAD_REQUEST", `unknown drift command: ${sub ?? "(none)"}; try stats`);
  if (opts.input && opts.input !== "-" && !fs.existsSync(opts.input))
    throw new DomainError("NOT_FOUND", `cannot read ${opts.input}`, "input");
  const input = opts.input && opts.input !== "-" ? fs.createReadStream(opts.input) : process.stdin;
  const out = opts.output && opts.output !== "-" ? fs.createWriteStream(opts.output) : process.stdout;
  const write = (line: string) => (out.write(`${line}\n`) ? undefined : new Promise<void>((resolve) => out.once("drain", () => resolve())));
  try {
    const res = await driftStatsJsonl(input, write, { keepGoing: Boolean(opts["keep-going"]) });
    if (res.errors) console.error(`keel drift stats: ${res.errors} of ${res.lines + res.errors} lines had errors`);
  } finally {
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as fs.WriteStream).end(() => resolve()));
  }
}
