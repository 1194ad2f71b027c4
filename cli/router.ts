import fs from "node:fs";
import { DomainError } from "../server/core/errors";
import { evaluateRouterData } from "../server/routing";

export const ROUTER_USAGE = `  router eval --data FILE.jsonl [--train-frac 0.5] [--seed 1] [--margin 0] [--scores-out SCORES.jsonl]
                                APGR and CPT(50%), CPT(80%) of the random, length and learned routers on lines
                                {"prompt", "small_quality", "large_quality"}; no database needed
`;

export interface RouterOptions {
  data?: string;
  "train-frac"?: string;
  seed?: string;
  margin?: string;
  "scores-out"?: string;
}

function number(text: string | undefined, fallback: number, flag: string, ok: (v: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === "" || !ok(v)) throw new DomainError("BAD_REQUEST", `--${flag} must be ${what}, got ${JSON.stringify(text)}`, flag);
  return v;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** `keel router eval`: RouteLLM's measures on a labelled JSONL file (see server/routing/eval-run.ts). */
export async function routerCommand(sub: string | undefined, opts: RouterOptions, say: (human: string, data: unknown) => void) {
  if (sub !== "eval") throw new DomainError("BAD_REQUEST", `unknown router command: ${sub ?? "(none)"}; try eval`);
  const file = opts.data;
  if (!file) throw new DomainError("BAD_REQUEST", "missing --data FILE.jsonl", "data");
  const trainFrac = number(opts["train-frac"], 0.5, "train-frac", (v) => v > 0 && v < 1, "a number between 0 and 1 (exclusive)");
  const seed = number(opts.seed, 1, "seed", (v) => Number.isSafeInteger(v), "an integer");
  const margin = number(opts.margin, 0, "margin", (v) => Number.isFinite(v) && v >= 0, "a number >= 0");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new DomainError("NOT_FOUND", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "data");
  }
  // the same service as api.routing.evaluate: limits, parsing, embeddings, errors naming line and field
  const res = await evaluateRouterData({ data: text, trainFrac, seed, margin });
  if (opts["scores-out"]) fs.writeFileSync(opts["scores-out"], res.scores.map((s) => `${JSON.stringify(s)}\n`).join(""));
  const out = {
    n_train: res.n_train,
    n_test: res.n_test,
    small_only: res.small_only,
    large_only: res.large_only,
    routers: res.routers,
    ...(res.skipped.length ? { skipped: res.skipped } : {}),
  };
  const human = [
    `${res.n_train} train, ${res.n_test} test; test quality: small only ${res.small_only.toFixed(4)}, large only ${res.large_only.toFixed(4)}`,
    "kind      APGR    CPT(50%)  CPT(80%)",
    ...res.routers.map((r) => `${r.kind.padEnd(8)}  ${r.apgr.toFixed(4)}  ${pct(r.cpt50).padStart(8)}  ${pct(r.cpt80).padStart(8)}`),
    ...res.skipped.map((s) => `${s.kind}: not trained (${s.reason})`),
  ].join("\n");
  say(human, out);
}
