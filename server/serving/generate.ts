import type * as HF from "@huggingface/transformers";
import { DomainError } from "../core/errors";
import { type Batched, KeyedBatchers } from "./batcher";
import { resolveSource, type SourceLike } from "./local";
import { batchInfo, batching, onBatchingChange, type Pipe, pipelineKey, transformers, withPipeline } from "./pipelines";
import { logSumExp, pickToken, seededRandom } from "./sampling";
import { StopStream } from "./stops";

export interface ChatMessage {
  role: string;
  content: string;
}

export interface GenerateOptions {
  /** a plain prompt, or `messages` (exactly one of the two) */
  prompt?: string;
  messages?: ChatMessage[];
  /** most tokens to generate (default 64); also bounded by the model's context */
  maxTokens?: number;
  /** 0 or absent: greedy (deterministic); above 0: sampling at this temperature */
  temperature?: number;
  /** nucleus sampling (only with temperature > 0), default 1 */
  topP?: number;
  /** the text is cut before the first of these, and generation stops there */
  stop?: string[];
  /** makes sampling reproducible, even when batched with other calls */
  seed?: number;
  /** each new piece of text, in order; the pieces concatenate to `text` */
  stream?: (delta: string) => void;
  /** stop generating (the caller went away); the result holds what was made so far */
  signal?: AbortSignal;
  /**
   * Return each generated token with its log-probability and this many most likely alternatives
   * (0 to 20), all under the model's own distribution (temperature 1); absent: none (`tokens` unset).
   */
  logprobs?: number;
}

/** A generated token (as text) and its natural-log probability; `top` the most likely tokens at that step. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
}

export interface GenerateResult {
  text: string;
  /** stop: end of text or a stop sequence (or aborted); length: maxTokens or the context ran out */
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
  /** mean natural-log probability of the generated tokens (end-of-text included) at temperature 1; null when none */
  meanLogprob: number | null;
  /** how many requests ran in this one generate() call, and how long this one waited to start (ms) */
  batchSize: number;
  waitMs: number;
  /** with `logprobs`: the tokens of `text` (a stop sequence cuts them too), in order */
  tokens?: TokenLogprob[];
}

interface Step {
  id: number;
  logprob: number;
  top: { id: number; logprob: number }[];
}

interface Row {
  req: GenerateOptions;
  promptIds: number[];
  maxTokens: number;
  random: () => number;
  stops: StopStream;
  generated: number[];
  logprobs: number[];
  /** with `logprobs`: each generated token, its log-probability and the alternatives */
  steps: Step[];
  pending: number | null;
  pendingTop: Step["top"];
  done: boolean;
  finish: "stop" | "length";
}

interface RowOutput extends Omit<GenerateResult, "batchSize" | "waitMs"> {}

/**
 * The prompt text: as given, or the tokenizer's chat template, or "role: content" lines ending in
 * "assistant: " (with the space: after a bare "assistant:" the bundled tiny-gpt2 ends the text at once).
 */
export function formatChat(tokenizer: HF.PreTrainedTokenizer, messages: ChatMessage[]): string {
  if (tokenizer.chat_template)
    return tokenizer.apply_chat_template(messages as HF.Message[], { tokenize: false, add_generation_prompt: true }) as string;
  return `${messages.map((m) => `${m.role}: ${m.content}`).join("\n")}\nassistant: `;
}

function validate(o: GenerateOptions): void {
  if ((o.prompt === undefined) === (o.messages === undefined))
    throw new DomainError("BAD_REQUEST", "give exactly one of prompt and messages", "prompt");
  if (o.messages && (o.messages.length === 0 || o.messages.some((m) => typeof m?.role !== "string" || typeof m?.content !== "string")))
    throw new DomainError("BAD_REQUEST", "messages must be a non-empty list of { role, content } strings", "messages");
  if (o.maxTokens !== undefined && !(Number.isInteger(o.maxTokens) && o.maxTokens >= 1))
    throw new DomainError("BAD_REQUEST", "maxTokens must be a positive integer", "maxTokens");
  if (o.temperature !== undefined && !(o.temperature >= 0 && o.temperature <= 10))
    throw new DomainError("BAD_REQUEST", "temperature must be between 0 and 10", "temperature");
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new DomainError("BAD_REQUEST", "topP must be in (0, 1]", "topP");
  if (o.logprobs !== undefined && !(Number.isInteger(o.logprobs) && o.logprobs >= 0 && o.logprobs <= 20))
    throw new DomainError("BAD_REQUEST", "logprobs must be an integer from 0 to 20", "logprobs");
}

/** The `k` most likely tokens of a row of logits with their natural-log probabilities (temperature 1), best first. */
export function topLogprobs(logits: ArrayLike<number>, k: number): { id: number; logprob: number }[] {
  if (k <= 0) return [];
  const best: number[] = []; // ids, kept sorted by logit, descending
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (best.length === k && v <= (logits[best[k - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && v > (logits[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  const lse = logSumExp(logits);
  return best.map((id) => ({ id, logprob: (logits[id] as number) - lse }));
}

/**
 * The steps as tokens of `text`: each token decoded alone; when a stop sequence cut the text, the
 * tokens after the cut are dropped (the first that reaches past it is kept, as OpenAI does).
 */
function tokensOf(tokenizer: HF.PreTrainedTokenizer, steps: Step[], text: string): TokenLogprob[] {
  // none when the first token ended the text (the tokenizer refuses to decode an empty list)
  if (steps.length === 0) return [];
  const decode = (id: number) => tokenizer.decode([id], { skip_special_tokens: false });
  let keep = steps.length;
  if (
    tokenizer.decode(
      steps.map((s) => s.id),
      { skip_special_tokens: true },
    ).length > text.length
  ) {
    keep = 0;
    while (
      keep < steps.length &&
      tokenizer.decode(
        steps.slice(0, keep).map((s) => s.id),
        { skip_special_tokens: true },
      ).length < text.length
    )
      keep++;
  }
  return steps.slice(0, keep).map((s) => ({
    token: decode(s.id),
    logprob: s.logprob,
    top: s.top.map((t) => ({ token: decode(t.id), logprob: t.logprob })),
  }));
}

const asIds = (x: unknown): number[] => (Array.isArray(x) ? x.map(Number) : typeof x === "number" ? [x] : []);

/**
 * One model.generate() call for several requests: prompts left-padded to one length (GPT-2 style
 * models take position ids from the attention mask, so padded rows give the same tokens as alone).
 * Keel picks each row's token itself (a logits processor: greedy or seeded sampling, recording the
 * log-probability) and decides when each row is done (a stopping criterion: end of text, stop
 * sequence, its own maxTokens); the call ends when every row is done.
 */
async function runBatch(pipe: Pipe, reqs: GenerateOptions[]): Promise<RowOutput[]> {
  const hf = await transformers();
  const { tokenizer, model } = pipe;
  const config = model.config as unknown as Record<string, unknown>;
  const gen = (model as unknown as { generation_config?: Record<string, unknown> }).generation_config ?? {};
  const eos = new Set(asIds(gen.eos_token_id ?? config.eos_token_id));
  const pad = asIds(gen.pad_token_id ?? config.pad_token_id)[0] ?? [...eos][0] ?? 0;
  const ctx = Number(config.n_positions ?? config.max_position_embeddings ?? 2048);

  const rows: Row[] = reqs.map((req) => {
    const text = req.messages ? formatChat(tokenizer, req.messages) : (req.prompt ?? "");
    let ids = tokenizer.encode(text);
    if (ids.length === 0) ids = [[...eos][0] ?? pad]; // an empty prompt starts from end-of-text, as GPT-2 does
    const want = Math.min(req.maxTokens ?? 64, Math.floor(ctx / 2));
    if (ids.length + want > ctx) ids = ids.slice(ids.length - (ctx - want)); // keep the end of a long prompt
    return {
      req,
      promptIds: ids,
      maxTokens: req.maxTokens ?? 64,
      random: seededRandom(req.seed ?? Math.floor(Math.random() * 2 ** 32)),
      stops: new StopStream(req.stop ?? [], safe(req.stream)),
      generated: [],
      logprobs: [],
      steps: [],
      pending: null,
      pendingTop: [],
      done: false,
      finish: "length",
    };
  });
  const width = Math.max(...rows.map((r) => r.promptIds.length));
  const maxNew = Math.max(1, Math.min(ctx - width, Math.max(...rows.map((r) => r.maxTokens))));
  const B = rows.length;
  const ids = new BigInt64Array(B * width).fill(BigInt(pad));
  const mask = new BigInt64Array(B * width);
  rows.forEach((r, b) => {
    const off = b * width + width - r.promptIds.length;
    r.promptIds.forEach((t, j) => {
      ids[off + j] = BigInt(t);
      mask[off + j] = 1n;
    });
  });

  const pick = (_inputIds: bigint[][], logits: HF.Tensor) => {
    const data = logits.data as Float32Array;
    const V = logits.dims.at(-1) as number;
    rows.forEach((r, b) => {
      const rowLogits = data.subarray(b * V, (b + 1) * V);
      let token = pad;
      if (!r.done) {
        const t = pickToken(rowLogits, { temperature: r.req.temperature, topP: r.req.topP, random: r.random });
        token = t.token;
        r.pending = t.logprob;
        if (r.req.logprobs !== undefined) r.pendingTop = topLogprobs(rowLogits, r.req.logprobs);
      }
      rowLogits.fill(Number.NEGATIVE_INFINITY);
      rowLogits[token] = 0; // the greedy sampler of transformers.js now takes exactly this token
    });
    return logits;
  };
  const criterion = (inputIds: bigint[][]) =>
    rows.map((r, b) => {
      if (r.done) return true;
      const token = Number(inputIds[b]?.at(-1));
      const logprob = r.pending;
      if (logprob !== null) r.logprobs.push(logprob);
      r.pending = null;
      if (eos.has(token)) {
        r.done = true;
        r.finish = "stop";
        return true;
      }
      r.generated.push(token);
      if (r.req.logprobs !== undefined && logprob !== null) r.steps.push({ id: token, logprob, top: r.pendingTop });
      if (r.stops.update(tokenizer.decode(r.generated, { skip_special_tokens: true }))) {
        r.done = true;
        r.finish = "stop";
      } else if (r.generated.length >= r.maxTokens) r.done = true;
      else if (r.req.signal?.aborted) {
        r.done = true;
        r.finish = "stop";
      }
      return r.done;
    });

  await model.generate({
    input_ids: new hf.Tensor("int64", ids, [B, width]),
    attention_mask: new hf.Tensor("int64", mask, [B, width]),
    max_new_tokens: maxNew,
    do_sample: false,
    logits_processor: [pick],
    stopping_criteria: [criterion],
  } as unknown as Parameters<typeof model.generate>[0]);

  return rows.map((r) => {
    const text = r.stops.finish();
    return {
      text,
      finishReason: r.finish,
      promptTokens: r.promptIds.length,
      completionTokens: r.generated.length,
      meanLogprob: r.logprobs.length ? r.logprobs.reduce((a, b) => a + b, 0) / r.logprobs.length : null,
      ...(r.req.logprobs === undefined ? {} : { tokens: tokensOf(tokenizer, r.steps, text) }),
    };
  });
}

/** A stream callback that cannot break the batch it rides in. */
function safe(fn?: (d: string) => void): ((d: string) => void) | undefined {
  if (!fn) return undefined;
  return (d) => {
    try {
      fn(d);
    } catch {
      // the caller's problem (a closed connection); the other rows go on
    }
  };
}

let genBatchers = new KeyedBatchers<GenerateOptions, RowOutput>(batching);
onBatchingChange(() => {
  genBatchers = new KeyedBatchers(batching);
});

/**
 * Generate text from a text-generation model. Concurrent calls to one model within the batching
 * window run as one batched generate (see runBatch); greedy results do not depend on the batch.
 */
export async function generate(input: SourceLike, opts: GenerateOptions): Promise<GenerateResult> {
  validate(opts);
  const source = resolveSource(input);
  const run = (reqs: GenerateOptions[]) => withPipeline("text-generation", source, (pipe) => runBatch(pipe, reqs));
  const part: Batched<RowOutput> = await genBatchers.submit(pipelineKey("text-generation", source), run, opts);
  return { ...part.result, ...batchInfo([part]) };
}

/**
 * Token ids as text, with the model's own tokenizer (OpenAI's token-array prompts and inputs), one
 * text per list; `paths[i]` names list i in errors. An id outside the vocabulary is a 400 naming it.
 * Embedding inputs drop special tokens (the model's tokenizer adds its own again).
 */
export async function decodeTokens(
  input: SourceLike,
  task: "text-generation" | "feature-extraction",
  lists: number[][],
  paths: string[],
): Promise<string[]> {
  return withPipeline(task, resolveSource(input), async (pipe) => {
    const config = pipe.model.config as unknown as { vocab_size?: number };
    const size = Number(config.vocab_size) || pipe.tokenizer.get_vocab().size;
    for (const [i, ids] of lists.entries()) {
      const at = ids.findIndex((t) => t >= size);
      if (at >= 0)
        throw new DomainError(
          "BAD_REQUEST",
          `${paths[i]}[${at}]: token id ${ids[at]} is outside the model's vocabulary (ids 0 to ${size - 1})`,
          paths[i]?.replace(/\[.*$/, ""),
        );
    }
    return lists.map((ids) => pipe.tokenizer.decode(ids, { skip_special_tokens: task === "feature-extraction" }));
  });
}
