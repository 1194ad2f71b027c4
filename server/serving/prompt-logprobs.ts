import { topLogprobs } from "./generate";
import { resolveSource, type SourceLike } from "./local";
import { transformers, withPipeline } from "./pipelines";
import { logSumExp } from "./sampling";

/** A prompt token and its natural-log probability given the tokens before it (null for the first: nothing precedes it). */
export interface PromptToken {
  token: string;
  logprob: number | null;
  top: { token: string; logprob: number }[];
  /** where it starts in the text (a token that holds part of a character starts where the character does) */
  offset: number;
}

/**
 * Each token of a text with its log-probability given the tokens before it, and the `top` most likely
 * tokens at that place: what OpenAI's completions return for an echoed prompt with `logprobs`, and what
 * a model-graded scorer reads to compare answers as continuations of one prompt. One forward pass over
 * the whole text (no sampling), under the model's own distribution (temperature 1). A text longer than
 * the model's context keeps its end, as generation does; `offset` is where the kept tokens start in it.
 */
export async function promptLogprobs(input: SourceLike, text: string, top = 0): Promise<{ tokens: PromptToken[]; offset: number }> {
  return withPipeline("text-generation", resolveSource(input), async (pipe) => {
    const hf = await transformers();
    const { tokenizer, model } = pipe;
    const config = model.config as unknown as Record<string, unknown>;
    const ctx = Number(config.n_positions ?? config.max_position_embeddings ?? 2048);
    const all = tokenizer.encode(text);
    const ids = all.length > ctx ? all.slice(all.length - ctx) : all;
    if (ids.length === 0) return { tokens: [], offset: text.length };
    const decode = (id: number) => tokenizer.decode([id], { skip_special_tokens: false });
    const offset = ids.length < all.length ? Math.max(0, text.length - tokenizer.decode(ids, { skip_special_tokens: false }).length) : 0;
    const n = ids.length;
    const out = (await (model as unknown as (x: unknown) => Promise<{ logits: { data: Float32Array; dims: number[] } }>)({
      input_ids: new hf.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, n]),
      attention_mask: new hf.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    })) as { logits: { data: Float32Array; dims: number[] } };
    const V = out.logits.dims.at(-1) as number;
    const starts = offsetsOf(ids, (run) => tokenizer.decode(run, { skip_special_tokens: false }), offset);
    const tokens = ids.map((id, i): PromptToken => {
      if (i === 0) return { token: decode(id), logprob: null, top: [], offset: starts[0] as number };
      // the logits at place i - 1 predict token i
      const row = out.logits.data.subarray((i - 1) * V, i * V);
      return {
        token: decode(id),
        logprob: (row[id] as number) - logSumExp(row),
        top: topLogprobs(row, top).map((t) => ({ token: decode(t.id), logprob: t.logprob })),
        offset: starts[i] as number,
      };
    });
    return { tokens, offset };
  });
}

/**
 * Where each token starts in the text. A byte-level token may hold part of a character, which decodes
 * alone as U+FFFD (one character for one or more bytes), so summing the tokens' own lengths drifts on
 * any non-ASCII text; tokens are decoded together until they end on a whole character (16 at most,
 * so a text that ends mid-character costs little), and each of them starts where that run does.
 */
export function offsetsOf(ids: number[], decode: (run: number[]) => string, start = 0): number[] {
  const out: number[] = [];
  let at = start;
  let run: number[] = [];
  for (const id of ids) {
    run.push(id);
    out.push(at);
    const piece = decode(run);
    if (!piece.endsWith("\uFFFD") || run.length >= 16) {
      at += piece.length;
      run = [];
    }
  }
  return out;
}
